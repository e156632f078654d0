package safezip

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// zent describes one entry of a test zip.
type zent struct {
	name   string
	data   []byte
	mode   os.FileMode // 0 = regular 0644
	store  bool
	raw    []byte // if set, written with CreateRaw as the compressed bytes
	size   uint64 // declared uncompressed size for raw entries
	method uint16
}

func buildZip(t testing.TB, ents []zent) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range ents {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.store {
			h.Method = zip.Store
		}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		if e.raw != nil {
			h.Method = e.method
			h.CompressedSize64 = uint64(len(e.raw))
			h.UncompressedSize64 = e.size
			h.CRC32 = crc32.ChecksumIEEE(e.data)
			fw, err := w.CreateRaw(h)
			if err != nil {
				t.Fatal(err)
			}
			fw.Write(e.raw)
			continue
		}
		fw, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(e.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeZip(t testing.TB, dir, name string, ents []zent) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buildZip(t, ents), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func deflate(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestCompression)
	fw.Write(data)
	fw.Close()
	return b.Bytes()
}

// hostile returns the hostile archives of the tests and fuzz seeds, with the
// rule each must break and the limits to use.
func hostile(t testing.TB) []struct {
	name string
	ents []zent
	rule string
	lim  Limits
} {
	zeros := make([]byte, 4<<20)
	bomb := deflate(t, zeros)
	kb := deflate(t, bytes.Repeat([]byte("a"), 1024))
	return []struct {
		name string
		ents []zent
		rule string
		lim  Limits
	}{
		{"dotdot", []zent{{name: "s/a", data: []byte("x")}, {name: "s/../../x", data: []byte("x")}}, RuleEscape, Limits{}},
		{"dotdot-first", []zent{{name: "../x", data: []byte("x")}}, RuleEscape, Limits{}},
		{"abs", []zent{{name: "/abs", data: []byte("x")}}, RuleAbsolute, Limits{}},
		{"backslash", []zent{{name: `a\b`, data: []byte("x")}}, RuleBackslash, Limits{}},
		{"backslash-dotdot", []zent{{name: `s\..\..\x`, data: []byte("x")}}, RuleBackslash, Limits{}},
		{"drive", []zent{{name: "C:/x", data: []byte("x")}}, RuleDrive, Limits{}},
		{"symlink", []zent{{name: "s/etc", data: []byte("/etc"), mode: os.ModeSymlink | 0o777}}, RuleSymlink, Limits{}},
		{"duplicate", []zent{{name: "s/a", data: []byte("1")}, {name: "s/a", data: []byte("2")}}, RuleDuplicate, Limits{}},
		{"duplicate-cleaned", []zent{{name: "s/a", data: []byte("1")}, {name: "s//./a", data: []byte("2")}}, RuleDuplicate, Limits{}},
		{"duplicate-case", []zent{{name: "s/A.mat", data: []byte("1")}, {name: "s/a.mat", data: []byte("2")}}, RuleDuplicate, Limits{}},
		{"file-as-parent", []zent{{name: "s/a", data: []byte("1")}, {name: "s/a/b", data: []byte("2")}}, RuleDuplicate, Limits{}},
		// 4 MiB of zeros deflate to ~4 KB: ratio ~1000; a limit of 100 rejects it.
		{"bomb-ratio", []zent{{name: "s/z", data: zeros}}, RuleRatio, Limits{MaxRatio: 100}},
		// 1 KB of compressed data declared as 1 GiB: ratio 1e6, rejected with defaults.
		{"bomb-declared-1g", []zent{{name: "s/z", raw: kb, size: 1 << 30, method: zip.Deflate}}, RuleRatio, Limits{}},
		{"entry-limit", []zent{{name: "s/z", data: make([]byte, 2000)}}, RuleEntrySize, Limits{MaxEntry: 1000}},
		{"total-limit", []zent{{name: "s/a", data: make([]byte, 600)}, {name: "s/b", data: make([]byte, 600)}}, RuleTotalSize, Limits{MaxTotal: 1000}},
		{"count-limit", []zent{{name: "s/a"}, {name: "s/b"}, {name: "s/c"}}, RuleCount, Limits{MaxEntries: 2}},
		// Declared size smaller than the real data: a bomb hiding behind a small header.
		{"declared-smaller", []zent{{name: "s/z", raw: bomb, size: 1024, method: zip.Deflate, data: zeros[:1024]}}, RuleLonger, Limits{}},
		// Declared size larger than the data.
		{"declared-larger", []zent{{name: "s/z", raw: kb, size: 4096, method: zip.Deflate, data: bytes.Repeat([]byte("a"), 1024)}}, RuleShorter, Limits{}},
		{"bad-method", []zent{{name: "s/z", raw: []byte("xxxx"), size: 4, method: 99}}, RuleMethod, Limits{}},
	}
}

func TestHostile(t *testing.T) {
	for _, tc := range hostile(t) {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			zp := writeZip(t, dir, "session.zip", tc.ents)
			dest := filepath.Join(dir, "out")
			os.Mkdir(dest, 0o755)
			orig, _ := os.ReadFile(zp)
			_, lerr := List(zp, tc.lim)
			_, uerr := UnpackWith(context.Background(), zp, dest, UnpackOptions{Limits: tc.lim, Select: AllFiles})
			if uerr == nil {
				t.Fatalf("Unpack accepted a hostile zip")
			}
			var ze *Error
			if !errors.As(uerr, &ze) || ze.Rule != tc.rule {
				t.Fatalf("Unpack error %v, want rule %q", uerr, tc.rule)
			}
			if !errors.Is(uerr, ErrUnsafe) {
				t.Errorf("errors.Is(err, ErrUnsafe) false")
			}
			if !strings.HasPrefix(uerr.Error(), zp+": ") {
				t.Errorf("error %q does not name the zip", uerr)
			}
			if ze.Entry != "" && !strings.Contains(uerr.Error(), "entry "+ze.Entry+": ") {
				t.Errorf("error %q does not name the entry", uerr)
			}
			// Stream-level problems are only found when reading.
			if tc.rule != RuleLonger && tc.rule != RuleShorter {
				if lerr == nil || !strings.Contains(lerr.Error(), tc.rule) {
					t.Errorf("List error %v, want %q", lerr, tc.rule)
				}
			}
			// Nothing outside dest, and nothing left inside it.
			assertOnly(t, dir, "session.zip", "out")
			if ents, _ := os.ReadDir(dest); len(ents) != 0 {
				var names []string
				for _, e := range ents {
					names = append(names, e.Name())
				}
				t.Errorf("dest not empty after failure: %v", names)
			}
			// The zip is untouched.
			if b, err := os.ReadFile(zp); err != nil || !bytes.Equal(b, orig) {
				t.Errorf("zip changed: %v", err)
			}
		})
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	sort.Strings(got)
	sort.Strings(names)
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

func goodEntries() []zent {
	return []zent{
		{name: "sess/"},
		{name: "sess/expdata.mat", data: bytes.Repeat([]byte("expdata "), 1000)},
		{name: "sess/sub/stored.bin", data: []byte("0123456789"), store: true},
		{name: "sess/empty.txt"},
		{name: "__MACOSX/sess/._expdata.mat", data: []byte("resource fork")},
		{name: "sess/.DS_Store", data: []byte("finder")},
	}
}

func TestListAndUnpackGood(t *testing.T) {
	dir := t.TempDir()
	zp := writeZip(t, dir, "sess.zip", goodEntries())
	before, _ := os.ReadFile(zp)
	ents, err := List(zp, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, ","); got != "sess,sess/expdata.mat,sess/sub/stored.bin,sess/empty.txt" {
		t.Fatalf("entries %s", got)
	}
	if ents[1].Size != 8000 || ents[1].CompressedSize >= 8000 || !ents[0].IsDir {
		t.Errorf("entry fields %+v", ents)
	}
	top, err := TopFolder(ents)
	if err != nil || top != "sess" {
		t.Fatalf("TopFolder %q %v", top, err)
	}
	out := filepath.Join(dir, "out")
	got, err := UnpackWith(context.Background(), zp, out, UnpackOptions{Select: AllFiles})
	if err != nil {
		t.Fatal(err)
	}
	if got != filepath.Join(out, "sess") || !filepath.IsAbs(got) {
		t.Fatalf("Unpack returned %s", got)
	}
	b, err := os.ReadFile(filepath.Join(got, "expdata.mat"))
	if err != nil || !bytes.Equal(b, bytes.Repeat([]byte("expdata "), 1000)) {
		t.Fatalf("expdata.mat wrong: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(got, "sub", "stored.bin")); string(b) != "0123456789" {
		t.Fatalf("stored.bin = %q", b)
	}
	for _, n := range []string{".DS_Store", "../__MACOSX"} {
		if _, err := os.Stat(filepath.Join(got, n)); err == nil {
			t.Errorf("%s was unpacked", n)
		}
	}
	assertOnly(t, out, "sess")
	// Second call reuses (marker present): make the folder read-only-ish by
	// checking the mtime of a file does not change.
	st1, _ := os.Stat(filepath.Join(got, "expdata.mat"))
	if _, err := UnpackWith(context.Background(), zp, out, UnpackOptions{Select: AllFiles}); err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(filepath.Join(got, "expdata.mat"))
	if !st1.ModTime().Equal(st2.ModTime()) {
		t.Errorf("second Unpack rewrote the files")
	}
	// A damaged unpacked folder is unpacked again (see TestDamagedCopy).
	os.Truncate(filepath.Join(got, "expdata.mat"), 10)
	if _, err := UnpackWith(context.Background(), zp, out, UnpackOptions{Select: AllFiles}); err != nil {
		t.Errorf("damaged folder: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(got, "expdata.mat")); len(b) != 8000 {
		t.Errorf("damaged copy not restored: %d bytes", len(b))
	}
	after, _ := os.ReadFile(zp)
	if !bytes.Equal(before, after) {
		t.Errorf("zip modified")
	}
}

func TestUnpackCancelled(t *testing.T) {
	dir := t.TempDir()
	zp := writeZip(t, dir, "sess.zip", goodEntries())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Unpack(ctx, zp, filepath.Join(dir, "out"), Limits{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "out")); len(ents) != 0 {
		t.Errorf("left %v", ents)
	}
}

func TestTopFolder(t *testing.T) {
	if _, err := TopFolder([]Entry{{Name: "a/x"}, {Name: "b/y"}}); err == nil {
		t.Error("two top folders accepted")
	}
	if _, err := TopFolder([]Entry{{Name: "x.mat"}}); err == nil {
		t.Error("top-level file accepted")
	}
	if _, err := TopFolder(nil); err == nil {
		t.Error("empty accepted")
	}
	if top, err := TopFolder([]Entry{{Name: "a", IsDir: true}, {Name: "a/x"}}); err != nil || top != "a" {
		t.Error(top, err)
	}
}

func TestConcurrentUnpack(t *testing.T) {
	dir := t.TempDir()
	big := make([]zent, 0, 20)
	big = append(big, zent{name: "sess/"})
	for i := 0; i < 20; i++ {
		big = append(big, zent{name: "sess/f" + string(rune('a'+i)) + ".mat", data: bytes.Repeat([]byte{byte(i)}, 50000)})
	}
	zp := writeZip(t, dir, "sess.zip", big)
	out := filepath.Join(dir, "out")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = Unpack(context.Background(), zp, out, Limits{})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("unpack %d: %v", i, err)
		}
	}
	assertOnly(t, out, "sess")
	for i := 0; i < 20; i++ {
		b, err := os.ReadFile(filepath.Join(out, "sess", "f"+string(rune('a'+i))+".mat"))
		if err != nil || !bytes.Equal(b, bytes.Repeat([]byte{byte(i)}, 50000)) {
			t.Fatalf("file %d wrong: %v", i, err)
		}
	}
}

func TestUnpackForeignFolder(t *testing.T) {
	dir := t.TempDir()
	zp := writeZip(t, dir, "sess.zip", []zent{{name: "sess/a.mat", data: []byte("abc")}})
	out := filepath.Join(dir, "out")
	os.MkdirAll(filepath.Join(out, "sess"), 0o755)
	// Unpacked by someone else, complete: reused, not touched.
	os.WriteFile(filepath.Join(out, "sess", "a.mat"), []byte("abc"), 0o644)
	if _, err := Unpack(context.Background(), zp, out, Limits{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "sess", MarkerName)); err == nil {
		t.Error("marker written into a foreign folder")
	}
	// Incomplete: error, folder untouched.
	os.WriteFile(filepath.Join(out, "sess", "a.mat"), []byte("ab"), 0o644)
	if _, err := Unpack(context.Background(), zp, out, Limits{}); err == nil {
		t.Error("incomplete foreign folder accepted")
	}
	if b, _ := os.ReadFile(filepath.Join(out, "sess", "a.mat")); string(b) != "ab" {
		t.Error("foreign folder modified")
	}
}

func TestOpenFileAndStored(t *testing.T) {
	dir := t.TempDir()
	zp := writeZip(t, dir, "sess.zip", goodEntries())
	rc, n, err := OpenFile(zp, "sess/expdata.mat")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || n != 8000 || !bytes.Equal(b, bytes.Repeat([]byte("expdata "), 1000)) {
		t.Fatalf("OpenFile: n=%d err=%v", n, err)
	}
	if _, _, err := OpenFile(zp, "sess/nope"); err == nil || !strings.Contains(err.Error(), RuleNotFound) {
		t.Errorf("missing entry: %v", err)
	}
	s, err := OpenStored(zp, "sess/sub/stored.bin")
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 4)
	if _, err := s.ReadAt(p, 3); err != nil || string(p) != "3456" || s.Size() != 10 {
		t.Errorf("ReadAt: %q %v size %d", p, err, s.Size())
	}
	s.Close()
	if _, err := OpenStored(zp, "sess/expdata.mat"); err == nil || !strings.Contains(err.Error(), RuleNotStored) {
		t.Errorf("deflated via OpenStored: %v", err)
	}
	// A corrupted byte is caught by the CRC check.
	raw, _ := os.ReadFile(zp)
	i := bytes.Index(raw, []byte("0123456789"))
	raw[i] = 'X'
	bad := filepath.Join(dir, "bad.zip")
	os.WriteFile(bad, raw, 0o644)
	rc, _, err = OpenFile(bad, "sess/sub/stored.bin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(rc); err == nil || !strings.Contains(err.Error(), "CRC-32") {
		t.Errorf("corruption not detected: %v", err)
	}
	rc.Close()
}

func TestGoldenZip(t *testing.T) {
	zp := filepath.Join("..", "testdata", "golden", "sessions", "20210803_252MEA_mouse_left_half_dorsal.zip")
	if _, err := os.Stat(zp); err != nil {
		t.Skip("golden zip missing:", err)
	}
	ents, err := List(zp, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	top, err := TopFolder(ents)
	if err != nil || top != "20210803_252MEA_mouse_left_half_dorsal" {
		t.Fatalf("top %q %v", top, err)
	}
	out := t.TempDir()
	got, err := Unpack(context.Background(), zp, out, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(got, "fixationmovie_data.mat"))
	if err != nil || st.Size() != 36060 { // size from `unzip -l`
		t.Fatalf("fixationmovie_data.mat: %v", err)
	}
	// MATLAB v7.3 files start with a text header.
	b, _ := os.ReadFile(filepath.Join(got, "fixationmovie_data.mat"))
	if !bytes.HasPrefix(b, []byte("MATLAB 7.3")) {
		t.Errorf("unexpected header %q", b[:16])
	}
}

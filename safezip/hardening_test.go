package safezip

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func ruleOf(err error) string {
	var ze *Error
	if errors.As(err, &ze) {
		return ze.Rule
	}
	return ""
}

// rawRepeat builds a zip whose entries all share one raw deflate stream
// (uncompressed content data).
func rawRepeat(t testing.TB, names []string, data []byte, declared uint64) []byte {
	comp := deflate(t, data)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range names {
		h := &zip.FileHeader{Name: n, Method: zip.Deflate, CompressedSize64: uint64(len(comp)), UncompressedSize64: declared, CRC32: crc32.ChecksumIEEE(data)}
		fw, err := w.CreateRaw(h)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(comp)
	}
	w.Close()
	return buf.Bytes()
}

// TestBombsBelowRatioLimit: archives whose every entry is under the
// per-entry ratio limit but which expand to a gibibyte from about a
// megabyte are refused before anything is written.
func TestBombsBelowRatioLimit(t *testing.T) {
	dir := t.TempDir()
	// 1,024 real entries of 1 MiB of zeros (small entries were never
	// ratio-checked): 1 GiB from ~1.2 MB.
	names := make([]string, 1024)
	for i := range names {
		names[i] = "s/f" + strconv.Itoa(i) + ".mat"
	}
	many := filepath.Join(dir, "many.zip")
	os.WriteFile(many, rawRepeat(t, names, make([]byte, 1<<20), 1<<20), 0o644)
	// One entry declaring 1 GiB from ~1.1 MB of compressed data: ratio 979,
	// under the per-entry limit of 1000.
	one := filepath.Join(dir, "one.zip")
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	fw, _ := w.CreateRaw(&zip.FileHeader{Name: "s/big.mat", Method: zip.Deflate, CompressedSize64: 1 << 30 / 979, UncompressedSize64: 1 << 30})
	fw.Write(make([]byte, 1<<30/979))
	w.Close()
	os.WriteFile(one, buf.Bytes(), 0o644)
	for _, zp := range []string{many, one} {
		out := filepath.Join(dir, "out")
		_, err := Unpack(context.Background(), zp, out, Limits{})
		if ruleOf(err) != RuleExpand {
			t.Fatalf("%s: err %v, want %q", filepath.Base(zp), err, RuleExpand)
		}
		if ents, _ := os.ReadDir(out); len(ents) != 0 {
			t.Fatalf("%s: wrote %v", zp, ents)
		}
	}
	// The same content in a zip big enough for its output passes the rule.
	lim := Limits{MaxTotalRatio: 2000}
	if _, err := List(many, lim); err != nil {
		t.Fatalf("with ratio 2000: %v", err)
	}
}

// rawDirectory writes a zip made of n central directory headers (no data)
// whose end record declares `declared` entries.
func rawDirectory(t testing.TB, p string, n int, declared uint16) {
	var b bytes.Buffer
	le := binary.LittleEndian
	for i := 0; i < n; i++ {
		name := "s/" + strconv.Itoa(i)
		var h [46]byte
		le.PutUint32(h[0:], sigDirHeader)
		le.PutUint16(h[4:], 20)
		le.PutUint16(h[6:], 20)
		le.PutUint16(h[28:], uint16(len(name)))
		b.Write(h[:])
		b.WriteString(name)
	}
	size := b.Len()
	var e [22]byte
	le.PutUint32(e[0:], sigDirEnd)
	le.PutUint16(e[8:], declared)
	le.PutUint16(e[10:], declared)
	le.PutUint32(e[12:], uint32(size))
	le.PutUint32(e[16:], 0)
	b.Write(e[:])
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHugeDirectoryRefusedBeforeParsing: a central directory of 200,000
// entries (default limit 100,000) is refused without archive/zip parsing
// it, whether the end record declares the true count or only its low 16
// bits (archive/zip compares only those).
func TestHugeDirectoryRefusedBeforeParsing(t *testing.T) {
	dir := t.TempDir()
	const n = 200000
	for _, declared := range []uint16{0xffff, uint16(n % 65536)} {
		p := filepath.Join(dir, "dir.zip")
		rawDirectory(t, p, n, declared)
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		start := time.Now()
		_, err := List(p, Limits{})
		el := time.Since(start)
		runtime.ReadMemStats(&m1)
		alloc := m1.TotalAlloc - m0.TotalAlloc
		if ruleOf(err) != RuleCount {
			t.Fatalf("declared %d: err %v, want %q", declared, err, RuleCount)
		}
		t.Logf("declared %d: refused in %v, %d KB allocated", declared, el, alloc>>10)
		if alloc > 4<<20 {
			t.Fatalf("declared %d: %d MB allocated: the directory was parsed", declared, alloc>>20)
		}
	}
	// A directory under the limit still parses.
	p := filepath.Join(dir, "ok.zip")
	rawDirectory(t, p, 1000, 1000)
	if _, err := List(p, Limits{}); ruleOf(err) == RuleCount {
		t.Fatalf("1000 entries refused: %v", err)
	}
}

// TestOnlySessionFilesUnpacked: entries no loader reads stay in the zip.
func TestOnlySessionFilesUnpacked(t *testing.T) {
	dir := t.TempDir()
	zp := writeZip(t, dir, "s.zip", []zent{
		{name: "s/fixationmovie_data.mat", data: []byte("m")},
		{name: "s/fixationmovie_data_extracted_stimuli_60_80.npz", data: []byte("n")},
		{name: "s/notes.txt", data: []byte("t")},
		{name: "s/sub/deep.mat", data: []byte("d")},
		{name: "s/.hidden.mat", data: []byte("h")},
		{name: "s/other.npz", data: []byte("o")},
	})
	out := filepath.Join(dir, "out")
	top, err := Unpack(context.Background(), zp, out, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	assertOnly(t, top, "fixationmovie_data.mat", "fixationmovie_data_extracted_stimuli_60_80.npz", MarkerName)
}

// TestDiskSpaceBound: an unpack that would leave less than MinFree free is
// refused before writing.
func TestDiskSpaceBound(t *testing.T) {
	defer func(f func(string) int64) { freeSpace = f }(freeSpace)
	dir := t.TempDir()
	zp := writeZip(t, dir, "s.zip", []zent{{name: "s/a.mat", data: make([]byte, 5000)}})
	freeSpace = func(string) int64 { return DefaultMinFree + 4000 }
	out := filepath.Join(dir, "out")
	if _, err := Unpack(context.Background(), zp, out, Limits{}); ruleOf(err) != RuleDisk {
		t.Fatalf("err %v, want %q", err, RuleDisk)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Fatalf("wrote %v", ents)
	}
	freeSpace = func(string) int64 { return DefaultMinFree + 6000 }
	if _, err := Unpack(context.Background(), zp, out, Limits{}); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedCopyReunpacked: a file of the unpacked copy overwritten with
// zeros of the same size (or removed, or replaced by a symlink) is found
// by the size+mtime check and unpacked again from the zip.
func TestDamagedCopyReunpacked(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("MATLAB 7.3 "), 500)
	zp := writeZip(t, dir, "s.zip", []zent{{name: "s/a_data.mat", data: data}, {name: "s/b.mat", data: []byte("b")}})
	out := filepath.Join(dir, "out")
	top, err := Unpack(context.Background(), zp, out, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(top); err != nil {
		t.Fatalf("fresh copy: %v", err)
	}
	f := filepath.Join(top, "a_data.mat")
	damage := []func(){
		func() { time.Sleep(10 * time.Millisecond); os.WriteFile(f, make([]byte, len(data)), 0o644) },
		func() { os.Remove(f) },
		func() { os.Remove(f); os.Symlink(zp, f) },
	}
	for i, d := range damage {
		d()
		if Verify(top) == nil {
			t.Fatalf("damage %d not seen by Verify", i)
		}
		if _, err := Unpack(context.Background(), zp, out, Limits{}); err != nil {
			t.Fatalf("damage %d: %v", i, err)
		}
		if b, err := os.ReadFile(f); err != nil || !bytes.Equal(b, data) {
			t.Fatalf("damage %d: copy not restored (%v)", i, err)
		}
		if fi, _ := os.Lstat(f); !fi.Mode().IsRegular() {
			t.Fatalf("damage %d: not a regular file", i)
		}
		assertOnly(t, out, "s")
	}
}

// TestSymlinkAtDestinationRefused: symbolic links planted where the
// unpacked folder goes (a shared cache) are refused, and nothing is
// written where they point.
func TestSymlinkAtDestinationRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks")
	}
	dir := t.TempDir()
	zp := writeZip(t, dir, "s.zip", []zent{{name: "s/a.mat", data: []byte("a")}})
	victim := filepath.Join(dir, "victim")
	os.Mkdir(victim, 0o755)
	cache := filepath.Join(dir, "cache")
	os.MkdirAll(filepath.Join(cache, "unpacked"), 0o755)

	// 1. destDir itself is a link.
	os.Symlink(victim, filepath.Join(cache, "unpacked", "k1"))
	if _, err := Unpack(context.Background(), zp, filepath.Join(cache, "unpacked", "k1"), Limits{}); ruleOf(err) != RuleLink {
		t.Fatalf("link at destDir: %v", err)
	}
	// 2. destDir/<top> is a link.
	os.MkdirAll(filepath.Join(cache, "unpacked", "k2"), 0o755)
	os.Symlink(victim, filepath.Join(cache, "unpacked", "k2", "s"))
	if _, err := Unpack(context.Background(), zp, filepath.Join(cache, "unpacked", "k2"), Limits{}); ruleOf(err) != RuleLink {
		t.Fatalf("link at destDir/top: %v", err)
	}
	// 3. A component between the cache root and destDir is a link.
	os.Symlink(victim, filepath.Join(cache, "linked"))
	if _, err := UnpackWith(context.Background(), zp, filepath.Join(cache, "linked", "k3"), UnpackOptions{Root: cache}); ruleOf(err) != RuleLink {
		t.Fatalf("link below Root: %v", err)
	}
	if ents, _ := os.ReadDir(victim); len(ents) != 0 {
		t.Fatalf("wrote into the link's target: %v", ents)
	}
	// Without links, Root works.
	if _, err := UnpackWith(context.Background(), zp, filepath.Join(cache, "unpacked", "k4"), UnpackOptions{Root: cache}); err != nil {
		t.Fatal(err)
	}
}

// TestNamesEscapedInErrors: an entry name carrying terminal escape
// sequences is printed escaped.
func TestNamesEscapedInErrors(t *testing.T) {
	dir := t.TempDir()
	evil := "s/\x1b[2J\x1b[H\x1b]0;owned\a.mat"
	zp := writeZip(t, dir, "s.zip", []zent{{name: evil, data: []byte("1")}, {name: evil, data: []byte("2")}})
	_, err := List(zp, Limits{})
	if err == nil {
		t.Fatal("duplicate accepted")
	}
	if strings.ContainsAny(err.Error(), "\x1b\a") || !strings.Contains(err.Error(), `\x1b[2J`) {
		t.Fatalf("message not escaped: %q", err.Error())
	}
	// A name carried in the cause (two top folders) is escaped too.
	zp = writeZip(t, dir, "t.zip", []zent{{name: "a/x.mat", data: []byte("1")}, {name: "\x1b]0;owned\a/y.mat", data: []byte("2")}})
	_, err = Unpack(context.Background(), zp, filepath.Join(dir, "out"), Limits{})
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\a") {
		t.Fatalf("cause not escaped: %q", err)
	}
}

// testHook, when set, is called by the child of TestKilledUnpack.
func init() {
	if p := os.Getenv("SAFEZIP_KILL_AT"); p != "" {
		at, dest := p[:strings.IndexByte(p, ':')], p[strings.IndexByte(p, ':')+1:]
		afterStep = func(step string) {
			if step == at {
				os.WriteFile(dest+".ready", nil, 0o644)
				time.Sleep(time.Minute)
			}
		}
	}
}

// TestKilledUnpack: a child process is killed with SIGKILL in the middle
// of an unpack (after the first file; while replacing a damaged copy), then
// a rerun produces a verified folder and removes what the kill left once
// it is old enough.
func TestKilledUnpack(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("pid liveness is Unix-only")
	}
	if os.Getenv("SAFEZIP_KILL_AT") != "" {
		dest := os.Getenv("SAFEZIP_DEST")
		Unpack(context.Background(), os.Getenv("SAFEZIP_ZIP"), dest, Limits{})
		os.Exit(0)
	}
	for _, at := range []string{"entry", "moved-old"} {
		t.Run(at, func(t *testing.T) {
			dir := t.TempDir()
			zp := writeZip(t, dir, "s.zip", []zent{{name: "s/a.mat", data: []byte("aaaa")}, {name: "s/b.mat", data: []byte("bbbb")}})
			out := filepath.Join(dir, "out")
			if at == "moved-old" {
				top, err := Unpack(context.Background(), zp, out, Limits{})
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(top, "a.mat"), []byte("XXXX"), 0o644)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestKilledUnpack$")
			cmd.Env = append(os.Environ(), "SAFEZIP_KILL_AT="+at+":"+out, "SAFEZIP_DEST="+out, "SAFEZIP_ZIP="+zp)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for i := 0; ; i++ {
				if _, err := os.Stat(out + ".ready"); err == nil {
					break
				}
				if i > 1000 {
					cmd.Process.Kill()
					t.Fatal("child did not reach", at)
				}
				time.Sleep(10 * time.Millisecond)
			}
			cmd.Process.Kill()
			cmd.Wait()
			left, _ := filepath.Glob(filepath.Join(out, ".s.*"))
			if len(left) == 0 {
				t.Fatal("the kill left nothing: the test does not kill mid-unpack")
			}
			old := time.Now().Add(-time.Hour)
			for _, p := range left {
				os.Chtimes(p, old, old)
			}
			top, err := Unpack(context.Background(), zp, out, Limits{})
			if err != nil {
				t.Fatalf("rerun: %v", err)
			}
			if err := Verify(top); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(filepath.Join(top, "a.mat")); string(b) != "aaaa" {
				t.Fatalf("a.mat = %q", b)
			}
			assertOnly(t, out, "s")
		})
	}
}

// TestTooManyFilesToUnpack: more selected files than MaxFiles are refused
// before anything is written (each file costs a create and an fsync).
func TestTooManyFilesToUnpack(t *testing.T) {
	dir := t.TempDir()
	var ents []zent
	for i := 0; i < 11; i++ {
		ents = append(ents, zent{name: "s/f" + strconv.Itoa(i) + ".mat"})
	}
	zp := writeZip(t, dir, "s.zip", ents)
	out := filepath.Join(dir, "out")
	if _, err := UnpackWith(context.Background(), zp, out, UnpackOptions{MaxFiles: 10}); ruleOf(err) != RuleCount {
		t.Fatalf("err %v, want %q", err, RuleCount)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Fatalf("wrote %v", ents)
	}
	if _, err := UnpackWith(context.Background(), zp, out, UnpackOptions{MaxFiles: 11}); err != nil {
		t.Fatal(err)
	}
}

package safezip

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	for _, tc := range hostile(f) {
		if tc.name == "bomb-ratio" || tc.name == "declared-smaller" {
			continue // megabytes; keep the corpus small
		}
		f.Add(buildZip(f, tc.ents))
	}
	f.Add(buildZip(f, goodEntries()))
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "golden", "sessions", "20210803_252MEA_mouse_left_half_dorsal.zip")); err == nil {
		f.Add(b)
	}
}

// FuzzList checks that List and reading every listed entry never panic and
// never yield more than the declared size.
func FuzzList(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		zp := filepath.Join(t.TempDir(), "f.zip")
		if err := os.WriteFile(zp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		lim := Limits{MaxTotal: 64 << 20, MaxEntry: 16 << 20}
		ents, err := List(zp, lim)
		if err != nil {
			return
		}
		TopFolder(ents)
		for _, e := range ents {
			if e.IsDir {
				continue
			}
			rc, n, err := OpenFile(zp, e.Name)
			if err != nil {
				continue
			}
			got, _ := io.Copy(io.Discard, io.LimitReader(rc, 32<<20))
			rc.Close()
			if got > n {
				t.Fatalf("entry %s: read %d bytes, declared %d", e.Name, got, n)
			}
			if s, err := OpenStored(zp, e.Name); err == nil {
				s.ReadAt(make([]byte, 16), 0)
				s.Close()
			}
		}
	})
}

// FuzzUnpack checks that Unpack never panics and never writes outside its
// destination.
func FuzzUnpack(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		zp := filepath.Join(dir, "f.zip")
		if err := os.WriteFile(zp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out")
		os.Mkdir(out, 0o755)
		lim := Limits{MaxTotal: 64 << 20, MaxEntry: 16 << 20}
		top, err := Unpack(context.Background(), zp, out, lim)
		ents, _ := os.ReadDir(dir)
		if len(ents) != 2 {
			t.Fatalf("unpack wrote outside its destination: %v", ents)
		}
		if err == nil && filepath.Dir(top) != out {
			t.Fatalf("top %s not under %s", top, out)
		}
		if err != nil {
			if ents, _ := os.ReadDir(out); len(ents) != 0 {
				t.Fatalf("failed unpack left %v", ents)
			}
		}
	})
}

// FuzzDirectory checks the pre-parse central directory check against
// archive/zip itself: whenever checkDirectory lets an archive through with
// a limit of 3 entries, archive/zip finds at most 3 (so the check bounds
// what archive/zip parses), and it never panics.
func FuzzDirectory(f *testing.F) {
	fuzzSeeds(f)
	for _, n := range []int{0, 1, 3, 4, 70} {
		p := filepath.Join(f.TempDir(), "d.zip")
		rawDirectory(f, p, n, uint16(n))
		b, _ := os.ReadFile(p)
		f.Add(b)
		rawDirectory(f, p, n, 1)
		b, _ = os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 3
		r := bytes.NewReader(data)
		declared, present, err := checkDirectory(r, int64(len(data)), limit)
		if err != nil || declared > limit || present > limit {
			return
		}
		zr, err := zip.NewReader(r, int64(len(data)))
		if err != nil && zr == nil {
			return
		}
		if len(zr.File) > limit {
			t.Fatalf("check passed (declared %d, present %d) but archive/zip found %d entries", declared, present, len(zr.File))
		}
	})
}

package npy

import (
	"archive/zip"
	"bytes"
	"io"
	"path/filepath"
	"testing"
	"testing/iotest"
)

// TestDirectArchive: an archive written with NPZOptions.Direct (entries
// streamed, larger than the direct writer's buffers, followed by data
// descriptors) holds the same arrays, byte for byte, as one written
// through the page cache, for Go's archive/zip and for OpenNPZ; AddRaw's
// data read straight into the direct writer's buffers included.
func TestDirectArchive(t *testing.T) {
	dir := t.TempDir()
	big := make([]float32, 3<<20+5) // 12 MiB + 20 bytes: several buffers and a tail
	for i := range big {
		big[i] = float32(i%977) * 0.25
	}
	small := []int16{-3, 7, 11}
	raw := make([]byte, 2*(8<<20)+4099) // beyond two direct buffers, unaligned
	for i := range raw {
		raw[i] = byte(i*7 + i>>13)
	}
	write := func(name string, direct bool) string {
		path := filepath.Join(dir, name)
		z, err := CreateNPZ(path, NPZOptions{Direct: direct})
		if err != nil {
			t.Fatal(err)
		}
		w, err := z.Create("train_data", Header{Descr: "<f4", Shape: []int{1, len(big)}})
		if err != nil {
			t.Fatal(err)
		}
		for a := 0; a < len(big); a += 1 << 18 {
			if err := w.WriteValues(big[a:min(len(big), a+1<<18)]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := z.Add("small", []int{3}, small); err != nil {
			t.Fatal(err)
		}
		// raw bytes in short reads, straight into the direct writer's
		// buffers (after the small entry's bytes, still buffered)
		if err := z.AddRaw("raw", Header{Descr: "|u1", Shape: []int{len(raw)}}, iotest.HalfReader(bytes.NewReader(raw))); err != nil {
			t.Fatal(err)
		}
		if err := z.Add("after", []int{3}, small); err != nil {
			t.Fatal(err)
		}
		if direct {
			if _, err := z.CreateRegion("r", Header{Descr: "<f4", Shape: []int{2}}); err == nil {
				t.Error("a region in a direct archive was accepted")
			}
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	entries := func(path string) map[string][]byte {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		out := map[string][]byte{}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc) // checks the CRC
			rc.Close()
			if err != nil {
				t.Fatalf("%s: %s: %v", path, f.Name, err)
			}
			out[f.Name] = b
		}
		return out
	}
	plain, direct := write("plain.npz", false), write("direct.npz", true)
	want, got := entries(plain), entries(direct)
	if len(got) != 4 || len(want) != 4 {
		t.Fatalf("entries: %d direct, %d plain", len(got), len(want))
	}
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s: %d bytes in the direct archive, %d in the plain one, not the same", name, len(got[name]), len(b))
		}
	}
	// and the raw entry holds the bytes given, after its header
	if e := got["raw.npy"]; len(e) < len(raw) || !bytes.Equal(e[len(e)-len(raw):], raw) {
		t.Errorf("raw.npy: %d bytes, not the header and the %d bytes given", len(e), len(raw))
	}
	z, err := OpenNPZ(direct)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	a, err := z.Read("train_data")
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Float32()
	if err != nil || len(v) != len(big) || v[len(v)-1] != big[len(big)-1] {
		t.Fatalf("OpenNPZ: %d values, %v", len(v), err)
	}
}

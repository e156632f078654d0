package npy

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/internal/bigmem"
)

// TestRegionSameBytesAsAdd writes an archive whose middle entry is a region
// (filled with provisional values, read back, then overwritten with its
// final values in uneven pieces) while the next entry is added, and checks
// that the file is byte for byte the archive Add writes with the final
// values, and that archive/zip verifies every CRC.
func TestRegionSameBytesAsAdd(t *testing.T) {
	for _, opt := range []NPZOptions{{}, {Zip64: true}} {
		dir := t.TempDir()
		const n = 300001
		final := make([]float32, n)
		for i := range final {
			final[i] = float32(math.Sin(float64(i)))
		}
		before := []float64{1, 2, 3}
		after := []int16{-4, 5}
		shape := []int{1, n}

		plain := filepath.Join(dir, "plain.npz")
		z, err := CreateNPZ(plain, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range []struct {
			name string
			data any
		}{{"before", before}, {"movie", final}, {"after", after}} {
			sh := []int(nil)
			if e.name == "movie" {
				sh = shape
			}
			if err := z.Add(e.name, sh, e.data); err != nil {
				t.Fatal(err)
			}
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}

		inPlace := filepath.Join(dir, "region.npz")
		z, err = CreateNPZ(inPlace, opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := z.Add("before", nil, before); err != nil {
			t.Fatal(err)
		}
		r, err := z.CreateRegion("movie", Header{Descr: "<f4", Shape: shape})
		if err != nil {
			t.Fatal(err)
		}
		if r.Size() != 4*n || r.Name() != "movie" {
			t.Fatalf("size %d name %q", r.Size(), r.Name())
		}
		// The next entry goes in while the region is still empty.
		if err := z.Add("after", nil, after); err != nil {
			t.Fatal(err)
		}
		raw := make([]float32, n)
		for i := range raw {
			raw[i] = float32(i)
		}
		rb := bigmem.View(raw)
		for off := 0; off < len(rb); off += 65536 * 3 {
			if _, err := r.WriteAt(rb[off:min(len(rb), off+65536*3)], int64(off)); err != nil {
				t.Fatal(err)
			}
		}
		back := make([]byte, len(rb))
		if _, err := r.ReadAt(back, 0); err != nil || !bytes.Equal(back, rb) {
			t.Fatalf("read back: %v", err)
		}
		// bytes in uneven pieces, then values
		fb := bigmem.View(final)
		half := 4 * (n / 2)
		for off, step := 0, 1; off < half; off, step = off+step, step*3+1 {
			if err := r.WriteFinal(fb[off:min(half, off+step)]); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.WriteFinalValues(final[n/2:]); err != nil {
			t.Fatal(err)
		}
		if r.Final() != r.Size() {
			t.Fatalf("final %d of %d", r.Final(), r.Size())
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(plain)
		b, _ := os.ReadFile(inPlace)
		if !bytes.Equal(a, b) {
			t.Fatalf("zip64 %v: the region archive (%d bytes) differs from Add's (%d bytes)", opt.Zip64, len(b), len(a))
		}
		zr, err := OpenNPZ(inPlace)
		if err != nil {
			t.Fatal(err)
		}
		got, err := zr.Read("movie")
		zr.Close()
		if err != nil {
			t.Fatal(err)
		}
		if v := got.Data.([]float32); v[n-1] != final[n-1] || v[12345] != final[12345] {
			t.Error("values differ")
		}
	}
}

// TestRegionErrors checks that a region refuses what would break the
// archive: an incomplete region fails Close, final bytes cannot be
// overwritten, offsets stay inside the region, and compressed or
// unseekable archives have none.
func TestRegionErrors(t *testing.T) {
	dir := t.TempDir()
	z, err := CreateNPZ(filepath.Join(dir, "a.npz"), NPZOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := z.CreateRegion("m", Header{Descr: "<f8", Shape: []int{4}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.WriteAt(make([]byte, 8), 32-7); err == nil {
		t.Error("write past the end accepted")
	}
	if _, err := r.ReadAt(make([]byte, 8), -1); err == nil {
		t.Error("read before the start accepted")
	}
	if err := r.WriteFinal(make([]byte, 16)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.WriteAt(make([]byte, 8), 8); err == nil {
		t.Error("write over final bytes accepted")
	}
	if _, err := r.WriteAt(make([]byte, 8), 16); err != nil {
		t.Errorf("write after the final bytes: %v", err)
	}
	if err := r.WriteFinalValues([]float32{1, 2}); err == nil {
		t.Error("float32 values written into an <f8 entry")
	}
	if err := r.WriteFinal(make([]byte, 17)); err == nil {
		t.Error("final write past the end accepted")
	}
	if _, err := z.CreateRegion("m", Header{Descr: "<f8", Shape: []int{4}}); err == nil {
		t.Error("second entry named m accepted")
	}
	if err := z.Close(); err == nil || !strings.Contains(err.Error(), "16 of 32") {
		t.Errorf("Close with an incomplete region: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.npz")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("incomplete archive published: %v", err)
	}

	zc, err := CreateNPZ(filepath.Join(dir, "c.npz"), NPZOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	defer zc.Abort()
	if _, err := zc.CreateRegion("m", Header{Descr: "<f4", Shape: []int{1}}); err == nil {
		t.Error("region in a compressed archive")
	}
	var buf bytes.Buffer
	zb := NewNPZWriter(&buf, NPZOptions{})
	if _, err := zb.CreateRegion("m", Header{Descr: "<f4", Shape: []int{1}}); err == nil {
		t.Error("region in an unseekable archive")
	}
}

// TestRegionBigEndian checks WriteFinalValues' converting path (a
// big-endian descr) against Create and WriteValues.
func TestRegionBigEndian(t *testing.T) {
	dir := t.TempDir()
	v := make([]float32, 200000)
	for i := range v {
		v[i] = float32(i) / 7
	}
	h := Header{Descr: ">f4", Shape: []int{len(v)}}
	a := filepath.Join(dir, "a.npz")
	z, err := CreateNPZ(a, NPZOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := z.Create("v", h)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteValues(v); err != nil || w.Close() != nil || z.Close() != nil {
		t.Fatal(err)
	}
	b := filepath.Join(dir, "b.npz")
	z, err = CreateNPZ(b, NPZOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := z.CreateRegion("v", h)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WriteFinalValues(v); err != nil || z.Close() != nil {
		t.Fatal(err)
	}
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Error("big-endian region differs from WriteValues' entry")
	}
}

package hdf5write_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/hdf5write"
)

func readU8(t *testing.T, path, name string) ([]uint64, []uint8) {
	t.Helper()
	f, err := hdf5.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.OpenDataset(name)
	if err != nil {
		t.Fatal(err)
	}
	var v []uint8
	if err := d.Read(context.Background(), &v); err != nil {
		t.Fatal(err)
	}
	return d.Shape(), v
}

// TestStreamingRows writes a chunked dataset row by row in uneven pieces
// (partial slabs, edge chunks in every dimension) and reads it back.
func TestStreamingRows(t *testing.T) {
	shape := []uint64{7, 13, 11}
	want := make([]uint8, 7*13*11)
	for i := range want {
		want[i] = uint8(i*13 + i/11)
	}
	for _, chunk := range [][]uint64{{1, 13, 11}, {3, 5, 4}, {7, 13, 11}, {2, 1, 11}, {10, 20, 20}} {
		for _, deflate := range []int{0, 6} {
			t.Run(fmt.Sprint(chunk, deflate), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "s.h5")
				w, err := hdf5write.Create(path, hdf5write.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer w.Abort()
				ds, err := w.Root().CreateDataset("x", hdf5write.Uint8, shape, hdf5write.DatasetOptions{Chunk: chunk, Deflate: deflate})
				if err != nil {
					t.Fatal(err)
				}
				row := 13 * 11
				// rows 0-1, 2, 3-5, 6
				for _, r := range [][2]int{{0, 2}, {2, 3}, {3, 6}, {6, 7}} {
					if err := ds.WriteRows(want[r[0]*row : r[1]*row]); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				s, got := readU8(t, path, "/x")
				if !slices.Equal(s, shape) || !slices.Equal(got, want) {
					t.Fatalf("read back shape %v, values differ: %v", s, firstDiff(got, want))
				}
			})
		}
	}
}

func firstDiff(a, b []uint8) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("first difference at %d: %d vs %d", i, a[i], b[i])
		}
	}
	return fmt.Sprintf("lengths %d vs %d", len(a), len(b))
}

// TestWriteChunkConcurrent writes chunks from several goroutines in
// reverse order, edge chunks given clipped, and one chunk never written
// (reads as zero).
func TestWriteChunkConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.h5")
	w, err := hdf5write.Create(path, hdf5write.Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	shape, chunk := []uint64{9, 10}, []uint64{4, 3}
	ds, err := w.Root().CreateDataset("c", hdf5write.Float32, shape, hdf5write.DatasetOptions{Chunk: chunk, Deflate: 2})
	if err != nil {
		t.Fatal(err)
	}
	val := func(r, c uint64) float32 { return float32(r*100 + c + 1) }
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for ci := uint64(0); ci < 3; ci++ {
		for cj := uint64(0); cj < 4; cj++ {
			if 2-ci == 1 && 3-cj == 2 {
				continue // never written
			}
			wg.Add(1)
			go func(ci, cj uint64) {
				defer wg.Done()
				r0, c0 := ci*4, cj*3
				nr, nc := min(4, 9-r0), min(3, 10-c0)
				data := make([]float32, 0, nr*nc)
				for r := r0; r < r0+nr; r++ {
					for c := c0; c < c0+nc; c++ {
						data = append(data, val(r, c))
					}
				}
				errs <- ds.WriteChunk([]uint64{ci, cj}, data)
			}(2-ci, 3-cj)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := ds.WriteChunk([]uint64{0, 0}, make([]float32, 12)); err == nil {
		t.Error("writing a chunk twice gave no error")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := hdf5.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.OpenDataset("/c")
	if err != nil {
		t.Fatal(err)
	}
	var got []float32
	if err := d.Read(context.Background(), &got); err != nil {
		t.Fatal(err)
	}
	for r := uint64(0); r < 9; r++ {
		for c := uint64(0); c < 10; c++ {
			want := val(r, c)
			if r/4 == 1 && c/3 == 2 {
				want = 0
			}
			if got[r*10+c] != want {
				t.Fatalf("[%d,%d] = %v, want %v", r, c, got[r*10+c], want)
			}
		}
	}
}

// TestNoMATLABHeader checks a plain HDF5 file (superblock at 0) and a big
// group (multi-level symbol-table B-tree) and a multi-level chunk B-tree.
func TestNoMATLABHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.h5")
	w, err := hdf5write.Create(path, hdf5write.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	g, err := w.Root().CreateGroup("big")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 600; i++ {
		if err := g.WriteDataset(fmt.Sprintf("d%04d", i), hdf5write.Dataset{Shape: []uint64{1}, Data: []int64{int64(-i)}}); err != nil {
			t.Fatal(err)
		}
	}
	many := make([]uint8, 3000)
	for i := range many {
		many[i] = uint8(i / 3)
	}
	if err := w.Root().WriteDataset("many", hdf5write.Dataset{Shape: []uint64{3000}, Data: many, Chunk: []uint64{1}, Deflate: 1}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if string(b[:8]) != "\x89HDF\r\n\x1a\n" {
		t.Fatalf("no superblock at 0: % x", b[:8])
	}
	f, err := hdf5.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	grp, err := f.OpenGroup("/big")
	if err != nil {
		t.Fatal(err)
	}
	links, err := grp.Links()
	if err != nil || len(links) != 600 {
		t.Fatalf("%d links, %v", len(links), err)
	}
	d, err := f.OpenDataset("/big/d0457")
	if err != nil {
		t.Fatal(err)
	}
	var v []int64
	if err := d.Read(context.Background(), &v); err != nil || len(v) != 1 || v[0] != -457 {
		t.Fatalf("d0457 = %v, %v", v, err)
	}
	_, got := readU8(t, path, "/many")
	if !slices.Equal(got, many) {
		t.Fatal(firstDiff(got, many))
	}
}

// TestErrors checks misuse gives errors, and that nothing is written then.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "e.h5")
	w, err := hdf5write.Create(path, hdf5write.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := w.Root()
	cases := []struct {
		name string
		err  error
	}{
		{"bad name", r.WriteDataset("a/b", hdf5write.Dataset{Shape: []uint64{1}, Data: []uint8{1}})},
		{"wrong length", r.WriteDataset("x", hdf5write.Dataset{Shape: []uint64{2, 2}, Data: []uint8{1, 2, 3}})},
		{"short data", r.WriteDataset("x2", hdf5write.Dataset{Shape: []uint64{3, 2}, Data: []uint8{1, 2, 3, 4}})},
		{"unsupported type", r.WriteDataset("y", hdf5write.Dataset{Shape: []uint64{1}, Data: []string{"a"}})},
		{"chunk rank", r.WriteDataset("z", hdf5write.Dataset{Shape: []uint64{2, 2}, Data: []uint8{1, 2, 3, 4}, Chunk: []uint64{2}})},
		{"deflate contiguous", r.WriteDataset("z2", hdf5write.Dataset{Shape: []uint64{1}, Data: []uint8{1}, Deflate: 3})},
		{"bad attr", r.WriteDataset("z3", hdf5write.Dataset{Shape: []uint64{1}, Data: []uint8{1}, Attrs: []hdf5write.Attr{{Name: "a", Value: struct{}{}}}})},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	if err := r.WriteDataset("ok", hdf5write.Dataset{Shape: []uint64{1}, Data: []uint8{1}}); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteDataset("ok", hdf5write.Dataset{Shape: []uint64{1}, Data: []uint8{1}}); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("duplicate name: %v", err)
	}
	ds, err := r.CreateDataset("part", hdf5write.Uint16, []uint64{4, 2}, hdf5write.DatasetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.WriteRows([]uint16{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}); err == nil {
		t.Error("too many rows: no error")
	}
	if err := ds.WriteRows([]uint16{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "1 of 4 rows") {
		t.Errorf("incomplete dataset: Close gave %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left after a failed Close: %v", ents)
	}
}

// FuzzRoundTrip writes a dataset of fuzzed shape, chunk shape, deflate
// level and content, reads it back with package hdf5 and compares.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{3, 4, 5, 1, 2, 3, 4}, uint8(4), []byte("hello world, some data"))
	f.Add([]byte{1, 1, 1, 1, 1, 1, 0}, uint8(0), []byte{})
	f.Add([]byte{7, 0, 0, 2, 0, 0, 9}, uint8(2), []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, dims []byte, kind uint8, content []byte) {
		if len(dims) < 2 {
			return
		}
		rank := int(dims[0]%3) + 1
		if len(dims) < 1+2*rank {
			return
		}
		shape := make([]uint64, rank)
		chunk := make([]uint64, rank)
		n := uint64(1)
		for i := 0; i < rank; i++ {
			shape[i] = uint64(dims[1+i] % 20)
			chunk[i] = uint64(dims[1+rank+i]%8) + 1
			n *= shape[i]
		}
		if kind%2 == 0 {
			chunk = nil
		}
		deflate := 0
		if chunk != nil {
			deflate = int(kind/2) % 10
		}
		data := make([]uint16, n)
		for i := range data {
			if len(content) > 0 {
				data[i] = binary.LittleEndian.Uint16([]byte{content[i%len(content)], byte(i)})
			}
		}
		path := filepath.Join(t.TempDir(), "f.h5")
		w, err := hdf5write.Create(path, hdf5write.Options{MATLABHeader: kind%4 == 1})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Abort()
		if err := w.Root().WriteDataset("d", hdf5write.Dataset{Shape: shape, Data: data, Chunk: chunk, Deflate: deflate}); err != nil {
			t.Fatalf("shape %v chunk %v: %v", shape, chunk, err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		hf, err := hdf5.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer hf.Close()
		d, err := hf.OpenDataset("/d")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(d.Shape(), shape) {
			t.Fatalf("shape %v, wrote %v", d.Shape(), shape)
		}
		var got []uint16
		if err := d.Read(context.Background(), &got); err != nil {
			t.Fatalf("shape %v chunk %v: %v", shape, chunk, err)
		}
		if len(got) != len(data) || (len(data) > 0 && !slices.Equal(got, data)) {
			t.Fatalf("shape %v chunk %v deflate %d: values differ", shape, chunk, deflate)
		}
	})
}

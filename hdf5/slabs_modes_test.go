package hdf5_test

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"path/filepath"
	"testing"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/hdf5write"
)

// slabModeValue is the value the test files hold at (i, j, k); chunks that
// were never written read as 0.
func slabModeValue(i, j, k uint64) uint16 { return uint16((i*131+j*17+k*7)%65000 + 1) }

// slabModeFile writes datasets of shape sh (uint16, deflate) in several
// chunkings, some with chunks never written, and returns the path and,
// per dataset, which chunks were written.
type slabModeSet struct {
	name    string
	chunk   []uint64
	skip    func(c []uint64) bool // chunks not written
	written map[[3]uint64]bool
}

func writeSlabModeFile(t testing.TB, sh []uint64, sets []*slabModeSet) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "modes.h5")
	w, err := hdf5write.Create(path, hdf5write.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	for _, s := range sets {
		ds, err := w.Root().CreateDataset(s.name, hdf5write.Uint16, sh, hdf5write.DatasetOptions{Chunk: s.chunk, Deflate: 1})
		if err != nil {
			t.Fatal(err)
		}
		s.written = map[[3]uint64]bool{}
		grid := [3]uint64{}
		for d := range grid {
			grid[d] = (sh[d] + s.chunk[d] - 1) / s.chunk[d]
		}
		for a := uint64(0); a < grid[0]; a++ {
			for b := uint64(0); b < grid[1]; b++ {
				for c := uint64(0); c < grid[2]; c++ {
					idx := []uint64{a, b, c}
					if s.skip != nil && s.skip(idx) {
						continue
					}
					var data []uint16
					for i := a * s.chunk[0]; i < min((a+1)*s.chunk[0], sh[0]); i++ {
						for j := b * s.chunk[1]; j < min((b+1)*s.chunk[1], sh[1]); j++ {
							for k := c * s.chunk[2]; k < min((c+1)*s.chunk[2], sh[2]); k++ {
								data = append(data, slabModeValue(i, j, k))
							}
						}
					}
					if err := ds.WriteChunk(idx, data); err != nil {
						t.Fatal(err)
					}
					s.written[[3]uint64{a, b, c}] = true
				}
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// slabModeSets are the datasets of the ReadSlabs tests: MATLAB's chunks
// (spanning the whole first dimension), h5py's (spanning a few slabs),
// synth's own (one slab each), complete or with chunks never written, and
// a sparse one (one chunk in 11 written).
func slabModeSets() []*slabModeSet {
	every3 := func(c []uint64) bool { return (c[0]+c[1]+c[2])%3 == 1 }
	return []*slabModeSet{
		{name: "matlab", chunk: []uint64{30, 1, 9}},
		{name: "matlab_holes", chunk: []uint64{30, 1, 9}, skip: every3},
		{name: "h5py", chunk: []uint64{4, 5, 16}},
		{name: "h5py_holes", chunk: []uint64{4, 5, 16}, skip: every3},
		{name: "own", chunk: []uint64{1, 12, 41}},
		{name: "sparse", chunk: []uint64{2, 3, 5}, skip: func(c []uint64) bool { return (c[0]*7+c[1]*3+c[2])%11 != 0 }},
	}
}

// TestReadSlabsLayouts reads selections of many hyperslabs from datasets
// chunked as MATLAB does (chunks spanning the whole first dimension), as
// h5py does (chunks spanning a few slabs) and as synth does (one slab per
// chunk), complete or with chunks never written, and checks every element
// against the values written, that the elements outside the slabs keep
// their values, and that each stored chunk the selection touches is
// decoded exactly once.
func TestReadSlabsLayouts(t *testing.T) {
	sh := []uint64{30, 12, 41}
	sets := slabModeSets()
	path := writeSlabModeFile(t, sh, sets)
	f, err := hdf5.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rng := rand.New(rand.NewSource(13))
	per := sh[1] * sh[2]
	type selection struct {
		name  string
		slabs []hdf5.Slab
	}
	var sels []selection
	// prepare's: runs of used images at their images' places
	var runs []hdf5.Slab
	for k := uint64(0); k < sh[0]; {
		if k%4 == 3 {
			k++
			continue
		}
		e := k
		for e < sh[0] && e%4 != 3 {
			e++
		}
		runs = append(runs, hdf5.Slab{Start: []uint64{k, 0, 0}, Count: []uint64{e - k, sh[1], sh[2]}, Offset: k * per})
		k = e
	}
	sels = append(sels, selection{"runs", runs})
	// one slab per image, every image
	var images []hdf5.Slab
	for k := uint64(0); k < sh[0]; k++ {
		images = append(images, hdf5.Slab{Start: []uint64{k, 0, 0}, Count: []uint64{1, sh[1], sh[2]}, Offset: k * per})
	}
	sels = append(sels, selection{"images", images})
	// columns: slabs along the last dimension
	var cols []hdf5.Slab
	off := uint64(0)
	for k := uint64(0); k < sh[2]; k += 3 {
		cols = append(cols, hdf5.Slab{Start: []uint64{0, 0, k}, Count: []uint64{sh[0], sh[1], 2}, Offset: off})
		off += sh[0] * sh[1] * 2
	}
	sels = append(sels, selection{"columns", cols})
	// one small slab
	sels = append(sels, selection{"one", []hdf5.Slab{{Start: []uint64{3, 2, 5}, Count: []uint64{2, 3, 4}, Offset: 0}}})
	// random slabs, possibly overlapping in the file
	for trial := 0; trial < 6; trial++ {
		var slabs []hdf5.Slab
		off := uint64(0)
		for j := 0; j < 1+rng.Intn(40); j++ {
			st, ct := make([]uint64, 3), make([]uint64, 3)
			m := uint64(1)
			for i, s := range sh {
				st[i] = uint64(rng.Int63n(int64(s)))
				ct[i] = 1 + uint64(rng.Int63n(int64(min(s-st[i], 6))))
				m *= ct[i]
			}
			off += uint64(rng.Intn(3))
			slabs = append(slabs, hdf5.Slab{Start: st, Count: ct, Offset: off})
			off += m
		}
		rng.Shuffle(len(slabs), func(i, j int) { slabs[i], slabs[j] = slabs[j], slabs[i] })
		sels = append(sels, selection{fmt.Sprintf("random%d", trial), slabs})
	}
	for _, set := range sets {
		d, err := f.OpenDataset("/" + set.name)
		if err != nil {
			t.Fatal(err)
		}
		for _, sel := range sels {
			checkSlabs(t, set, d, sel.name, sel.slabs)
		}
	}
}

// checkSlabs reads slabs from d (dataset set) with ReadSlabs into a
// destination pre-filled with a sentinel and checks every element against
// the values written, that the elements outside every slab keep the
// sentinel, and that each stored chunk the slabs touch is decoded once.
func checkSlabs(t *testing.T, set *slabModeSet, d *hdf5.Dataset, name string, slabs []hdf5.Slab) {
	t.Helper()
	const sentinel = 0xfefe
	n := uint64(0)
	for _, sl := range slabs {
		n = max(n, sl.Offset+sl.Count[0]*sl.Count[1]*sl.Count[2])
	}
	n += 2
	dst := make([]uint16, n)
	for i := range dst {
		dst[i] = sentinel
	}
	before := hdf5.ChunkDecodes()
	if err := d.ReadSlabs(context.Background(), slabs, n, &dst); err != nil {
		t.Fatalf("%s, %s: %v", set.name, name, err)
	}
	decodes := hdf5.ChunkDecodes() - before
	covered := make([]bool, n)
	touched := map[[3]uint64]bool{}
	for _, sl := range slabs {
		e := sl.Offset
		for i := sl.Start[0]; i < sl.Start[0]+sl.Count[0]; i++ {
			for j := sl.Start[1]; j < sl.Start[1]+sl.Count[1]; j++ {
				for k := sl.Start[2]; k < sl.Start[2]+sl.Count[2]; k++ {
					c := [3]uint64{i / set.chunk[0], j / set.chunk[1], k / set.chunk[2]}
					want := uint16(0)
					if set.written[c] {
						want = slabModeValue(i, j, k)
						touched[c] = true
					}
					if dst[e] != want {
						t.Fatalf("%s, %s: slab %v+%v element (%d, %d, %d): got %d, want %d", set.name, name, sl.Start, sl.Count, i, j, k, dst[e], want)
					}
					covered[e] = true
					e++
				}
			}
		}
	}
	for i, c := range covered {
		if !c && dst[i] != sentinel {
			t.Fatalf("%s, %s: element %d outside every slab changed to %d", set.name, name, i, dst[i])
		}
	}
	if decodes != int64(len(touched)) {
		t.Errorf("%s, %s: %d chunk decodes for %d stored chunks touched", set.name, name, decodes, len(touched))
	}
}

// FuzzReadSlabs reads selections of up to 48 hyperslabs decoded from the
// input (each 7 bytes: dataset, start and count per dimension, gap before
// it in the destination) from datasets in the MATLAB, h5py and own
// chunkings, complete or with holes, and checks them as
// TestReadSlabsLayouts does.
func FuzzReadSlabs(f *testing.F) {
	sh := []uint64{30, 12, 41}
	sets := slabModeSets()
	path := writeSlabModeFile(f, sh, sets)
	hf, err := hdf5.Open(path)
	if err != nil {
		f.Fatal(err)
	}
	defer hf.Close()
	ds := make([]*hdf5.Dataset, len(sets))
	for i, s := range sets {
		if ds[i], err = hf.OpenDataset("/" + s.name); err != nil {
			f.Fatal(err)
		}
	}
	f.Add([]byte{0, 0, 0, 0, 30, 12, 41, 0})
	f.Add([]byte{1, 3, 0, 0, 2, 12, 41, 0, 1, 7, 0, 0, 3, 12, 41, 1})
	f.Add([]byte{2, 1, 2, 3, 4, 5, 6, 2, 2, 2, 3, 4, 5, 6, 7, 0, 2, 9, 9, 9, 9, 9, 9, 1})
	f.Add([]byte{5, 0, 0, 0, 255, 255, 255, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		k := int(data[0]) % len(sets)
		data = data[1:]
		var slabs []hdf5.Slab
		off := uint64(0)
		for len(data) >= 7 && len(slabs) < 48 {
			st, ct := make([]uint64, 3), make([]uint64, 3)
			m := uint64(1)
			for i, s := range sh {
				st[i] = uint64(data[i]) % s
				ct[i] = 1 + uint64(data[3+i])%(s-st[i])
				m *= ct[i]
			}
			off += uint64(data[6] % 4)
			slabs = append(slabs, hdf5.Slab{Start: st, Count: ct, Offset: off})
			off += m
			data = data[7:]
		}
		if len(slabs) == 0 {
			return
		}
		checkSlabs(t, sets[k], ds[k], "fuzz", slabs)
	})
}

// TestRawReaderDecodesOnce streams datasets whose chunks span several rows
// of the first dimension (all of them, as MATLAB's) in slices smaller than
// a chunk row: every chunk is decoded once and the bytes are the values
// written, in C order.
func TestRawReaderDecodesOnce(t *testing.T) {
	sh := []uint64{30, 12, 41}
	sets := []*slabModeSet{
		{name: "matlab", chunk: []uint64{30, 1, 9}},
		{name: "h5py", chunk: []uint64{4, 5, 16}},
	}
	path := writeSlabModeFile(t, sh, sets)
	f, err := hdf5.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, set := range sets {
		d, err := f.OpenDataset("/" + set.name)
		if err != nil {
			t.Fatal(err)
		}
		before := hdf5.ChunkDecodes()
		b, err := io.ReadAll(d.NewRawReader(context.Background(), int64(sh[1]*sh[2]*2)))
		if err != nil {
			t.Fatal(err)
		}
		decodes := hdf5.ChunkDecodes() - before
		if want := int64(len(set.written)); decodes != want {
			t.Errorf("%s: %d chunk decodes for %d chunks", set.name, decodes, want)
		}
		if uint64(len(b)) != sh[0]*sh[1]*sh[2]*2 {
			t.Fatalf("%s: %d bytes", set.name, len(b))
		}
		e := 0
		for i := uint64(0); i < sh[0]; i++ {
			for j := uint64(0); j < sh[1]; j++ {
				for k := uint64(0); k < sh[2]; k++ {
					if got, want := uint16(b[e])|uint16(b[e+1])<<8, slabModeValue(i, j, k); got != want {
						t.Fatalf("%s: element (%d, %d, %d): got %d, want %d", set.name, i, j, k, got, want)
					}
					e += 2
				}
			}
		}
	}
}

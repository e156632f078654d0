package hdf5

import (
	"context"
	"math/rand"
	"testing"
)

// TestReadSlabs reads random selections of several hyperslabs (which may
// overlap in the file, never in the destination) in one ReadSlabs call and
// checks every slab against the full read (verified against h5py by the
// golden tests) and that the gaps between slabs keep their values.
func TestReadSlabs(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewSource(2))
	const sentinel = -7.5
	for _, fn := range []string{"testdata/unit/indexes_latest.h5", "testdata/unit/indexes_earliest.h5"} {
		f, err := Open(fn)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		f.Walk(func(p string, obj Object) error {
			d, ok := obj.(*Dataset)
			if !ok || len(d.Shape()) == 0 || d.Len() == 0 {
				return nil
			}
			var full []float64
			if err := d.Read(ctx, &full); err != nil {
				t.Errorf("%s: %v", p, err)
				return nil
			}
			n++
			shape := d.Shape()
			for trial := 0; trial < 8; trial++ {
				k := 1 + rng.Intn(4)
				var slabs []Slab
				off := uint64(rng.Intn(3))
				for j := 0; j < k; j++ {
					st := make([]uint64, len(shape))
					ct := make([]uint64, len(shape))
					m := uint64(1)
					for i, s := range shape {
						st[i] = uint64(rng.Int63n(int64(s)))
						ct[i] = 1 + uint64(rng.Int63n(int64(s-st[i])))
						m *= ct[i]
					}
					slabs = append(slabs, Slab{Start: st, Count: ct, Offset: off})
					off += m + uint64(rng.Intn(3))
				}
				// a destination larger than needed, pre-filled, used in
				// reverse slab order to test offsets
				for i, j := 0, len(slabs)-1; i < j; i, j = i+1, j-1 {
					slabs[i].Start, slabs[j].Start = slabs[j].Start, slabs[i].Start
					slabs[i].Count, slabs[j].Count = slabs[j].Count, slabs[i].Count
				}
				// recompute offsets after the swap
				off = 1
				for j := range slabs {
					slabs[j].Offset = off
					m := uint64(1)
					for _, c := range slabs[j].Count {
						m *= c
					}
					off += m + 1
				}
				dst := make([]float64, off)
				for i := range dst {
					dst[i] = sentinel
				}
				if err := d.ReadSlabs(ctx, slabs, off, &dst); err != nil {
					t.Errorf("%s: ReadSlabs(%v): %v", p, slabs, err)
					return nil
				}
				covered := make([]bool, off)
				for _, sl := range slabs {
					idx := make([]uint64, len(shape))
					m := uint64(1)
					for _, c := range sl.Count {
						m *= c
					}
					for e := uint64(0); e < m; e++ {
						var lin uint64
						for i := range shape {
							lin = lin*shape[i] + sl.Start[i] + idx[i]
						}
						if got, want := dst[sl.Offset+e], full[lin]; got != want && !(got != got && want != want) {
							t.Fatalf("%s: slab %v+%v element %d: got %v, want %v", p, sl.Start, sl.Count, e, got, want)
						}
						covered[sl.Offset+e] = true
						for i := len(idx) - 1; i >= 0; i-- {
							if idx[i]++; idx[i] < sl.Count[i] {
								break
							}
							idx[i] = 0
						}
					}
				}
				for i, c := range covered {
					if !c && dst[i] != sentinel {
						t.Fatalf("%s: element %d outside every slab changed to %v", p, i, dst[i])
					}
				}
			}
			// overlapping destinations are refused
			one := make([]uint64, len(shape))
			for i := range one {
				one[i] = 1
			}
			zero := make([]uint64, len(shape))
			var dst []float64
			if err := d.ReadSlabs(ctx, []Slab{{Start: zero, Count: one}, {Start: zero, Count: one}}, 1, &dst); err == nil {
				t.Errorf("%s: overlapping destinations accepted", p)
			}
			if err := d.ReadSlabs(ctx, []Slab{{Start: zero, Count: one, Offset: 1}}, 1, &dst); err == nil {
				t.Errorf("%s: a slab past the destination accepted", p)
			}
			return nil
		})
		f.Close()
		if n < 5 {
			t.Fatalf("%s: only %d datasets checked", fn, n)
		}
	}
}

// TestReadSlabsDecodesOnce reads the images of a session, one slab per
// image (every other image), whose chunks span several images: each chunk
// must be decoded once, and the images must equal one whole read's.
func TestReadSlabsDecodesOnce(t *testing.T) {
	ctx := context.Background()
	f, err := Open("testdata/unit/multi_image_chunks.h5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.OpenDataset("/images")
	if err != nil {
		t.Fatal(err)
	}
	sh, cs := d.Shape(), d.ChunkShape()
	if len(cs) != 3 || cs[0] < 2 || cs[1] >= sh[1] {
		t.Fatalf("fixture chunks %v of %v do not span several images and part of one", cs, sh)
	}
	var full []uint8
	if err := d.Read(ctx, &full); err != nil {
		t.Fatal(err)
	}
	per := sh[1] * sh[2]
	var slabs []Slab
	for k := uint64(0); k < sh[0]; k += 2 {
		slabs = append(slabs, Slab{Start: []uint64{k, 0, 0}, Count: []uint64{1, sh[1], sh[2]}, Offset: k * per})
	}
	before := chunkDecodes.Load()
	var dst []uint8
	if err := d.ReadSlabs(ctx, slabs, sh[0]*per, &dst); err != nil {
		t.Fatal(err)
	}
	decodes := chunkDecodes.Load() - before
	chunks := ((sh[0] + cs[0] - 1) / cs[0]) * ((sh[1] + cs[1] - 1) / cs[1]) * ((sh[2] + cs[2] - 1) / cs[2])
	if decodes != int64(chunks) {
		t.Errorf("%d chunk decodes for %d chunks", decodes, chunks)
	}
	for k := uint64(0); k < sh[0]; k++ {
		for i := k * per; i < (k+1)*per; i++ {
			// the generator's formula (gen_slabs.py)
			r, c := (i-k*per)/sh[2], (i-k*per)%sh[2]
			want := uint8((k*31 + r*7 + c*3) % 251)
			if full[i] != want {
				t.Fatalf("Read: image %d byte %d: got %d, want %d", k, i-k*per, full[i], want)
			}
			if k%2 == 1 {
				want = 0
			}
			if dst[i] != want {
				t.Fatalf("image %d byte %d: got %d, want %d", k, i-k*per, dst[i], want)
			}
		}
	}
}

package hdf5

import (
	"math/rand"
	"slices"
	"testing"
)

// TestIntervalIndex compares intervalIndex.overlap with a scan of every
// interval, on disjoint, overlapping, nested and repeated intervals.
func TestIntervalIndex(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for trial := 0; trial < 300; trial++ {
		n := rng.Intn(40)
		lo, hi := make([]uint64, n), make([]uint64, n)
		for i := range lo {
			switch trial % 3 {
			case 0: // disjoint runs, as prepare's slabs along the images
				lo[i] = uint64(i * 5)
				hi[i] = lo[i] + 1 + uint64(rng.Intn(4))
			case 1: // anything
				lo[i] = uint64(rng.Intn(60))
				hi[i] = lo[i] + 1 + uint64(rng.Intn(30))
			default: // all the same (MATLAB's chunks span every slab)
				lo[i], hi[i] = 0, 1
			}
		}
		x := newIntervalIndex(lo, hi)
		for q := 0; q < 50; q++ {
			a := uint64(rng.Intn(100))
			b := a + 1 + uint64(rng.Intn(20))
			got := x.overlap(a, b, nil)
			slices.Sort(got)
			var want []int
			for i := range lo {
				if lo[i] < b && hi[i] > a {
					want = append(want, i)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d: intervals %v..%v, query [%d, %d): got %v, want %v", trial, lo, hi, a, b, got, want)
			}
		}
	}
}

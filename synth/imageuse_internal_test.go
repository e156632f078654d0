package synth

import (
	"slices"
	"testing"
)

// TestPlanMouse checks the plans of the full-size profiles without writing
// their images: the mouse training ensemble of 150 images in third-unused
// leaves 50 unused in 30 runs (100 used, in 31 runs) and every period of
// the 40 x 375 frames shows a used image; in all, its 200 periods show all
// 150 images; the marmoset test sequence (1,870 frames at 85 Hz: 22
// one-second periods) gets shorter periods to show its 25 test images.
func TestPlanMouse(t *testing.T) {
	p := Profiles["mouse"]
	per := perImageFrames(p)
	pl, err := planImages("running", ImageUseThirdUnused, p.NRun, p.Blocks, p.Tr, per, true, rng(1, "t", 0))
	if err != nil {
		t.Fatal(err)
	}
	used := distinct(pl.seq)
	var unused []int
	for i := 1; i <= p.NRun; i++ {
		if !slices.Contains(used, i) {
			unused = append(unused, i)
		}
	}
	if len(pl.seq) != p.Blocks*5 || pl.perImage != 75 || len(used) != 100 || len(unused) != 50 || countRuns(unused) != 30 || countRuns(used) != 31 {
		t.Errorf("mouse third-unused: %d periods of %d frames, %d used in %d runs, %d unused in %d runs; want 200 of 75, 100 in 31, 50 in 30",
			len(pl.seq), pl.perImage, len(used), countRuns(used), len(unused), countRuns(unused))
	}
	pl, err = planImages("running", ImageUseAll, p.NRun, p.Blocks, p.Tr, per, true, rng(1, "t", 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(distinct(pl.seq)) != 150 {
		t.Errorf("mouse all: %d images used, want 150", len(distinct(pl.seq)))
	}
	m := Profiles["marmoset"]
	pl, err = planImages("frozen", ImageUseThirdUnused, m.NFroz, 1, m.Tf, perImageFrames(m), false, rng(1, "t", 0))
	if err != nil {
		t.Fatal(err)
	}
	// 25 periods wanted: 1870/25 = 74 frames each, ceil(1870/74) = 26 periods
	if len(distinct(pl.seq)) != 25 || pl.perImage != 74 || pl.periods != 26 {
		t.Errorf("marmoset test: %d images in %d periods of %d frames, want 25 in 26 of 74", len(distinct(pl.seq)), pl.periods, pl.perImage)
	}
	pl, err = planImages("running", ImageUseRandom, p.NRun, p.Blocks, p.Tr, per, true, rng(1, "t", 0))
	if err != nil || pl.seq != nil || pl.perImage != 75 {
		t.Errorf("random plan %+v %v", pl, err)
	}
}

func distinct(v []int) []int {
	out := slices.Clone(v)
	slices.Sort(out)
	return slices.Compact(out)
}

func countRuns(v []int) int {
	n := 0
	for i := range v {
		if i == 0 || v[i] != v[i-1]+1 {
			n++
		}
	}
	return n
}

func TestComposition(t *testing.T) {
	r := rng(3, "c", 0)
	for total := 1; total < 40; total++ {
		for parts := 1; parts <= total; parts++ {
			c := composition(total, parts, r)
			s := 0
			for _, v := range c {
				if v < 1 {
					t.Fatalf("composition(%d, %d) = %v", total, parts, c)
				}
				s += v
			}
			if len(c) != parts || s != total {
				t.Fatalf("composition(%d, %d) = %v", total, parts, c)
			}
		}
	}
	for n := 1; n < 60; n++ {
		u := thirdUnused(n, r)
		if len(u) != n-n/3 || !slices.IsSorted(u) || u[0] < 1 || u[len(u)-1] > n || len(distinct(u)) != len(u) {
			t.Fatalf("thirdUnused(%d) = %v", n, u)
		}
	}
}

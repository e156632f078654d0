package karamanlis

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/retinaio/retinaio/fixmovie"
)

// Hand-computed from the seed's get_ranges formulas with Nxs = 8, Nx = 4
// (so Nxs//2 = 4) and rx = 1..8 (return_fix_movie's np.arange(1, Nxs+1)).
func TestGetRangesRxRyHand(t *testing.T) {
	rx := []int{1, 2, 3, 4, 5, 6, 7, 8}
	cases := []struct {
		tr, xmin, xmax int
		xOr            []int
	}{
		// tr 6: xmin0 = max(4-6, 0) = 0, xmax0 = min(4+4-6, 8) = 2: rx 1, 2
		// kept (positions 0, 1), x_or = 6-4+[1 2]-1 = [2 3].
		{6, 0, 1, []int{2, 3}},
		// tr 1: xmin0 = 3, xmax0 = 7: rx 3..7 (positions 2..6), x_or =
		// 1-4+[3..7]-1 = [-1 0 1 2 3]: the extra column showing the last one.
		{1, 2, 6, []int{-1, 0, 1, 2, 3}},
		// tr 4: xmin0 = 0, xmax0 = 4: rx 1..4, x_or = [0 1 2 3].
		{4, 0, 3, []int{0, 1, 2, 3}},
	}
	for _, c := range cases {
		xmin, xmax, ymin, ymax, xOr, yOr, err := GetRangesRxRy(c.tr, 4, 8, 8, 4, 4, rx, rx)
		if err != nil {
			t.Fatalf("tr %d: %v", c.tr, err)
		}
		if xmin != c.xmin || xmax != c.xmax || !equalInts(xOr, c.xOr) {
			t.Errorf("tr %d: x %d..%d %v, want %d..%d %v", c.tr, xmin, xmax, xOr, c.xmin, c.xmax, c.xOr)
		}
		if ymin != 0 || ymax != 3 || !equalInts(yOr, []int{0, 1, 2, 3}) {
			t.Errorf("tr %d: y %d..%d %v", c.tr, ymin, ymax, yOr)
		}
	}
	// A sparse rx: positions in rx, not screen columns.
	xmin, xmax, _, _, xOr, _, err := GetRangesRxRy(1, 4, 8, 8, 4, 4, []int{2, 4, 6, 8}, rx)
	if err != nil || xmin != 1 || xmax != 2 || !equalInts(xOr, []int{0, 2}) {
		t.Errorf("sparse rx: %d..%d %v %v, want 1..2 [0 2]", xmin, xmax, xOr, err)
	}
	// Entirely off screen: the seed raises IndexError.
	if _, _, _, _, _, _, err := GetRangesRxRy(100, 4, 8, 8, 4, 4, rx, rx); !errors.Is(err, ErrOffScreen) {
		t.Errorf("off screen: %v, want ErrOffScreen", err)
	}
}

// With return_fix_movie's rx = 1..Nxs, ry = 1..Nys the explicit form agrees
// with GetRanges under openretina semantics over every placement class.
func TestGetRangesRxRyAgreesWithGetRanges(t *testing.T) {
	const nxs, nys, nx, ny = 800, 600, 1532, 1024
	rx, ry := make([]int, nxs), make([]int, nys)
	for i := range rx {
		rx[i] = i + 1
	}
	for i := range ry {
		ry[i] = i + 1
	}
	n := 0
	for trX := -400; trX <= nx+450; trX += 37 {
		for trY := -300; trY <= ny+350; trY += 41 {
			r, err1 := GetRanges(trX, trY, nxs, nys, nx, ny, fixmovie.OpenRetina)
			xmin, xmax, ymin, ymax, xOr, yOr, err2 := GetRangesRxRy(trX, trY, nxs, nys, nx, ny, rx, ry)
			if (err1 != nil) != (err2 != nil) {
				t.Fatalf("(%d, %d): GetRanges err %v, GetRangesRxRy err %v", trX, trY, err1, err2)
			}
			if err1 != nil {
				continue
			}
			n++
			if xmin != r.XMin || xmax != r.XMax || ymin != r.YMin || ymax != r.YMax || xOr[0] != r.XOr || yOr[0] != r.YOr ||
				len(xOr) != xmax-xmin+1 || len(yOr) != ymax-ymin+1 {
				t.Fatalf("(%d, %d): %d..%d %d..%d or %d %d, GetRanges %+v", trX, trY, xmin, xmax, ymin, ymax, xOr[0], yOr[0], r)
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d placements on screen", n)
	}
}

// ReturnFixMovieHWT lays out ReturnFixMovie's frames as numpy's (H, W, T).
func TestReturnFixMovieHWT(t *testing.T) {
	d, err := ReadFixationMovie(context.Background(), filepath.Join(badSession(t, "ok"), "fixationmovie_data.mat"))
	if err != nil {
		t.Fatal(err)
	}
	fix := d.FrozenFixations
	thw, err := ReturnFixMovie(600, 800, d.FrozenImages, fix, fixmovie.OpenRetina)
	if err != nil {
		t.Fatal(err)
	}
	hwt, err := ReturnFixMovieHWT(600, 800, d.FrozenImages, fix, fixmovie.OpenRetina)
	if err != nil {
		t.Fatal(err)
	}
	T := len(fix)
	nonzero := 0
	for h := 0; h < 600; h += 7 {
		for w := 0; w < 800; w += 5 {
			for k := 0; k < T; k++ {
				got, want := hwt[(h*800+w)*T+k], thw[k*600*800+h*800+w]
				if got != want {
					t.Fatalf("(h %d, w %d, t %d) = %v, want %v", h, w, k, got, want)
				}
				if got != 0 {
					nonzero++
				}
			}
		}
	}
	if nonzero == 0 {
		t.Fatal("blank movie")
	}
}

// The seed's return values: test_dict {"test": ...}, test_by_trial_dict,
// random_sequences None, session_kwargs {}.
func TestSeedReturnValues(t *testing.T) {
	ctx := context.Background()
	path := badSession(t, "ok")
	m, err := LoadStimuliForSession(ctx, path, testOptions(t, fixmovie.OpenRetina, nil))
	if err != nil {
		t.Fatal(err)
	}
	td := m.TestDict()
	if len(td) != 1 || &td[TestKey].Data[0] != &m.Test[0] || !equalInts(td[TestKey].Shape, m.TestShape) {
		t.Errorf("movies test_dict %v", td)
	}
	if m.RandomSequences() != nil {
		t.Error("random_sequences is not None")
	}
	if mean, std, ok := m.NormMeanStd(); !ok || std == 0 || mean != m.NormMean {
		t.Errorf("norm %v %v %v", mean, std, ok)
	}
	r, err := LoadResponsesForSession(ctx, path, DefaultResponseOptions())
	if err != nil {
		t.Fatal(err)
	}
	if rd := r.TestDict(); len(rd) != 1 || len(rd[TestKey].Data) != len(r.Test) {
		t.Errorf("responses test_dict %v", rd)
	}
	if bt := r.TestByTrialDict(); len(bt) != 1 || !equalInts(bt[TestKey].Shape, r.TestByTrialShape) {
		t.Errorf("test_by_trial_dict %v", bt)
	}
	r.TestByTrial = nil
	if len(r.TestByTrialDict()) != 0 || r.SessionKwargs() == nil || len(r.SessionKwargs()) != 0 {
		t.Error("without test_by_trial: want an empty test_by_trial_dict; session_kwargs {}")
	}
}

package fixmovie

import (
	"errors"
	"math/rand"
	"testing"
)

// Hand-worked get_ranges cases on the 800 x 600 screen (see the comments for
// the arithmetic). Ranges fields: XMin, XMax, YMin, YMax, XOr, YOr (0-based).
func TestGetRangesHandWorked(t *testing.T) {
	type want struct {
		r   Ranges
		err string // "x"/"y": OffScreenError on that axis (openretina)
	}
	cases := []struct {
		name            string
		x, y, nx, ny    int
		openret, matlab want
	}{
		// Image 200x100 inside the screen, fixation (100, 50): image column 0
		// lands at 0-based screen column 300 (1-based 301 = 400 - 100 + 1),
		// row 0 at screen row 250. The port also paints column 299 and row 249
		// with the image's last column/row (index -1).
		{"inside", 100, 50, 200, 100,
			want{r: Ranges{XMin: 299, XMax: 499, YMin: 249, YMax: 349, XOr: -1, YOr: -1}},
			want{r: Ranges{XMin: 300, XMax: 499, YMin: 250, YMax: 349, XOr: 0, YOr: 0}}},
		// Left/top edges exactly on the screen's: x = 400 puts column 0 at
		// screen column 0, nothing to wrap.
		{"touch_left_top", 400, 300, 200, 100,
			want{r: Ranges{XMin: 0, XMax: 199, YMin: 0, YMax: 99, XOr: 0, YOr: 0}},
			want{r: Ranges{XMin: 0, XMax: 199, YMin: 0, YMax: 99, XOr: 0, YOr: 0}}},
		// One pixel in from the left/top edge: the wrapped column/row is screen
		// column/row 0.
		{"one_in_left_top", 399, 299, 200, 100,
			want{r: Ranges{XMin: 0, XMax: 200, YMin: 0, YMax: 100, XOr: -1, YOr: -1}},
			want{r: Ranges{XMin: 1, XMax: 200, YMin: 1, YMax: 100, XOr: 0, YOr: 0}}},
		// Right/bottom edges on the screen's: x = nx - 400 = -200 puts column
		// 199 at screen column 799; y = ny - 300 = -200 puts row 99 at 599.
		{"touch_right_bottom", -200, -200, 200, 100,
			want{r: Ranges{XMin: 599, XMax: 799, YMin: 499, YMax: 599, XOr: -1, YOr: -1}},
			want{r: Ranges{XMin: 600, XMax: 799, YMin: 500, YMax: 599, XOr: 0, YOr: 0}}},
		// Larger than the screen, centred-ish: no edge on screen, both agree.
		{"larger", 500, 400, 1000, 700,
			want{r: Ranges{XMin: 0, XMax: 799, YMin: 0, YMax: 599, XOr: 100, YOr: 100}},
			want{r: Ranges{XMin: 0, XMax: 799, YMin: 0, YMax: 599, XOr: 100, YOr: 100}}},
		// Larger image, its right/bottom part on screen's left/top: columns
		// 900..999 at screen 0..99, rows 650..699 at screen 0..49.
		{"partly_off_left_top", 1300, 950, 1000, 700,
			want{r: Ranges{XMin: 0, XMax: 99, YMin: 0, YMax: 49, XOr: 900, YOr: 650}},
			want{r: Ranges{XMin: 0, XMax: 99, YMin: 0, YMax: 49, XOr: 900, YOr: 650}}},
		// Larger image, its left/top edge inside the screen at column 700, row
		// 550: the port wraps column 699 and row 549.
		{"partly_off_right_bottom", -300, -250, 1000, 700,
			want{r: Ranges{XMin: 699, XMax: 799, YMin: 549, YMax: 599, XOr: -1, YOr: -1}},
			want{r: Ranges{XMin: 700, XMax: 799, YMin: 550, YMax: 599, XOr: 0, YOr: 0}}},
		// Last column only: x = 599 shows column 199 at screen column 0.
		{"last_column_only", 599, 300, 200, 100,
			want{r: Ranges{XMin: 0, XMax: 0, YMin: 0, YMax: 99, XOr: 199, YOr: 0}},
			want{r: Ranges{XMin: 0, XMax: 0, YMin: 0, YMax: 99, XOr: 199, YOr: 0}}},
		// Entirely off to the left (x = 600: last 1-based column would be 0).
		{"off_left", 600, 300, 200, 100,
			want{err: "x"}, want{r: Ranges{Empty: true}}},
		// Just off the right edge (column 0 would be at screen column 800):
		// the port still paints screen column 799 with the wrapped last column;
		// MATLAB shows nothing.
		{"wrap_only_right", -400, 300, 200, 100,
			want{r: Ranges{XMin: 799, XMax: 799, YMin: 0, YMax: 99, XOr: -1, YOr: 0}},
			want{r: Ranges{Empty: true}}},
		{"off_right", -401, 300, 200, 100,
			want{err: "x"}, want{r: Ranges{Empty: true}}},
		// Entirely off above (y = 400: last 1-based row 100 + 300 - 400 = 0).
		{"off_top", 400, 400, 200, 100,
			want{err: "y"}, want{r: Ranges{Empty: true}}},
		{"wrap_only_bottom", 400, -300, 200, 100,
			want{r: Ranges{XMin: 0, XMax: 199, YMin: 599, YMax: 599, XOr: 0, YOr: -1}},
			want{r: Ranges{Empty: true}}},
		{"off_bottom", 400, -301, 200, 100,
			want{err: "y"}, want{r: Ranges{Empty: true}}},
		// Both axes off: the port checks x first.
		{"off_both", 5000, 5000, 200, 100,
			want{err: "x"}, want{r: Ranges{Empty: true}}},
	}
	for _, c := range cases {
		for _, m := range []struct {
			sem Semantics
			w   want
		}{{OpenRetina, c.openret}, {MATLAB, c.matlab}} {
			got, err := GetRanges(c.x, c.y, 800, 600, c.nx, c.ny, m.sem)
			if m.w.err != "" {
				var oe *OffScreenError
				if !errors.As(err, &oe) || oe.Axis != m.w.err {
					t.Errorf("%s/%v: got %+v, %v; want OffScreenError on %s", c.name, m.sem, got, err, m.w.err)
				}
				continue
			}
			if err != nil || got != m.w.r {
				t.Errorf("%s/%v: got %+v, %v; want %+v", c.name, m.sem, got, err, m.w.r)
			}
		}
	}
}

// seedGetRanges is openretina's get_ranges (karamanlis_2024/stimuli.py)
// transcribed literally (numpy
// arrays rx = 1..Nxs, boolean masks, np.where(...)[0][0]); ok=false where
// numpy raises IndexError. Returns x_or/y_or as index arrays.
func seedGetRanges(trX, trY, nxs, nys, nx, ny int) (xmin, xmax, ymin, ymax int, xOr, yOr []int, ok bool) {
	ymin = max(nys/2-trY, 0)
	ymax = min(ny+nys/2-trY, nys)
	xmin = max(nxs/2-trX, 0)
	xmax = min(nx+nxs/2-trX, nxs)
	var rxUse, ryUse []int
	for rx := 1; rx <= nxs; rx++ {
		if rx >= xmin && rx <= xmax {
			rxUse = append(rxUse, rx-1)
			xOr = append(xOr, trX-nxs/2+rx-1)
		}
	}
	for ry := 1; ry <= nys; ry++ {
		if ry >= ymin && ry <= ymax {
			ryUse = append(ryUse, ry-1)
			yOr = append(yOr, trY-nys/2+ry-1)
		}
	}
	if len(rxUse) == 0 || len(ryUse) == 0 {
		return 0, 0, 0, 0, nil, nil, false
	}
	return rxUse[0], rxUse[len(rxUse)-1], ryUse[0], ryUse[len(ryUse)-1], xOr, yOr, true
}

// matlabGetRanges transcribes returnFixMovie.m's getRanges (1-based in,
// converted to 0-based out); ok=false for an empty selection.
func matlabGetRanges(trX, trY, nxs, nys, nx, ny int) (xmin, xmax, ymin, ymax int, xOr, yOr []int, ok bool) {
	ymin = nys/2 - trY + 1
	if ymin <= 1 {
		ymin = 1
	}
	ymax = ny + nys/2 - trY
	if ymax > nys {
		ymax = nys
	}
	xmin = nxs/2 - trX + 1
	if xmin <= 1 {
		xmin = 1
	}
	xmax = nx + nxs/2 - trX
	if xmax > nxs {
		xmax = nxs
	}
	var rxUse, ryUse []int
	for rx := 1; rx <= nxs; rx++ {
		if rx >= xmin && rx <= xmax {
			rxUse = append(rxUse, rx-1)
			xOr = append(xOr, trX-nxs/2+rx-1) // 1-based trX - Nxs/2 + rx, minus 1
		}
	}
	for ry := 1; ry <= nys; ry++ {
		if ry >= ymin && ry <= ymax {
			ryUse = append(ryUse, ry-1)
			yOr = append(yOr, trY-nys/2+ry-1)
		}
	}
	if len(rxUse) == 0 || len(ryUse) == 0 {
		return 0, 0, 0, 0, nil, nil, false
	}
	return rxUse[0], rxUse[len(rxUse)-1], ryUse[0], ryUse[len(ryUse)-1], xOr, yOr, true
}

// TestGetRangesMatchesTranscriptions compares GetRanges with literal
// transcriptions of both originals on random fixations around every edge.
func TestGetRangesMatchesTranscriptions(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	screens := [][2]int{{800, 600}, {80, 60}, {13, 7}, {1, 1}, {2, 3}}
	for it := 0; it < 20000; it++ {
		sc := screens[it%len(screens)]
		nxs, nys := sc[0], sc[1]
		nx, ny := 1+r.Intn(2*nxs+3), 1+r.Intn(2*nys+3)
		trX := r.Intn(nx+2*nxs+6) - nxs - 3 + nxs/2 - nx/2
		trY := r.Intn(ny+2*nys+6) - nys - 3 + nys/2 - ny/2
		if r.Intn(4) == 0 {
			trX = nxs/2 - r.Intn(3) + 1 // near the left-edge cases
		}
		for _, sem := range []Semantics{OpenRetina, MATLAB} {
			tr := seedGetRanges
			if sem == MATLAB {
				tr = matlabGetRanges
			}
			x0, x1, y0, y1, xo, yo, ok := tr(trX, trY, nxs, nys, nx, ny)
			got, err := GetRanges(trX, trY, nxs, nys, nx, ny, sem)
			if !ok {
				if sem == OpenRetina && err == nil {
					t.Fatalf("%v (%d,%d) screen %v image %dx%d: no error, seed raises", sem, trX, trY, sc, nx, ny)
				}
				if sem == MATLAB && (err != nil || !got.Empty) {
					t.Fatalf("%v (%d,%d): got %+v %v, want empty", sem, trX, trY, got, err)
				}
				continue
			}
			if err != nil || got.XMin != x0 || got.XMax != x1 || got.YMin != y0 || got.YMax != y1 {
				t.Fatalf("%v (%d,%d) screen %v image %dx%d: got %+v %v, want x %d..%d y %d..%d",
					sem, trX, trY, sc, nx, ny, got, err, x0, x1, y0, y1)
			}
			for i, v := range xo {
				if v < -1 || v >= nx || (sem == MATLAB && v < 0) {
					t.Fatalf("transcription gave column %d", v)
				}
				if got.XOr+i != v {
					t.Fatalf("%v (%d,%d): x_or[%d] = %d, got %d", sem, trX, trY, i, v, got.XOr+i)
				}
			}
			for i, v := range yo {
				if got.YOr+i != v {
					t.Fatalf("%v (%d,%d): y_or[%d] = %d, got %d", sem, trX, trY, i, v, got.YOr+i)
				}
			}
		}
	}
}

func TestRangesColRowWrap(t *testing.T) {
	r, err := GetRanges(100, 50, 800, 600, 200, 100, OpenRetina)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := r.Col(299, 200); !ok || c != 199 {
		t.Fatalf("Col(299) = %d, %v; want the wrapped last column 199", c, ok)
	}
	if c, ok := r.Col(300, 200); !ok || c != 0 {
		t.Fatalf("Col(300) = %d, %v", c, ok)
	}
	if _, ok := r.Col(298, 200); ok {
		t.Fatal("Col(298) painted")
	}
	if y, ok := r.Row(249, 100); !ok || y != 99 {
		t.Fatalf("Row(249) = %d, %v; want 99", y, ok)
	}
	if !Differs(100, 50, 800, 600, 200, 100) || Differs(500, 400, 800, 600, 1000, 700) {
		t.Fatal("Differs wrong")
	}
}

func TestGetRangesErrors(t *testing.T) {
	if _, err := GetRanges(0, 0, 0, 600, 10, 10, OpenRetina); err == nil {
		t.Fatal("no error for empty screen")
	}
	if _, err := GetRanges(0, 0, 800, 600, 10, 10, Semantics(9)); err == nil {
		t.Fatal("no error for bad semantics")
	}
	if _, err := GetRanges(MaxCoord+1, 0, 800, 600, 10, 10, MATLAB); err == nil {
		t.Fatal("no error for huge coordinate")
	}
	_, err := GetRanges(5000, 0, 800, 600, 10, 10, OpenRetina)
	var oe *OffScreenError
	if !errors.As(err, &oe) {
		t.Fatalf("got %v", err)
	}
	t.Log(err)
	for _, s := range []string{"openretina", "MATLAB", ""} {
		if _, err := ParseSemantics(s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ParseSemantics("torch"); err == nil {
		t.Fatal("no error")
	}
}

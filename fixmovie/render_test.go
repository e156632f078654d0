package fixmovie

import (
	"context"
	"errors"
	"math"
	"math/rand"
	"testing"

	"github.com/retinaio/retinaio/resample"
)

func randomImages(r *rand.Rand, n, nx, ny int) *Images {
	pix := make([]uint8, n*nx*ny)
	for i := range pix {
		pix[i] = uint8(r.Intn(256))
	}
	im, err := NewImages(pix, n, nx, ny)
	if err != nil {
		panic(err)
	}
	return im
}

// randomFixations draws gaze-like fixations: runs on one image, jumps, small
// drift, repeats, and positions near and past every edge (kept on screen for
// openretina when onScreen is set).
func randomFixations(r *rand.Rand, t int, im *Images, sh, sw int, onScreen bool) []Fixation {
	fix := make([]Fixation, 0, t)
	for len(fix) < t {
		k := 1 + r.Intn(im.N)
		var x, y int
		switch r.Intn(6) {
		case 0: // left/top edge region, including the wrap
			x, y = sw/2-r.Intn(5)+2, sh/2-r.Intn(5)+2
		case 1: // right/bottom edge region
			x, y = im.Nx-sw/2+r.Intn(5)-2, im.Ny-sh/2+r.Intn(5)-2
		case 2: // near fully off screen
			x, y = im.Nx+sw/2-r.Intn(4), -sh/2+r.Intn(4)-1
		default:
			x, y = r.Intn(im.Nx+sw)-sw/2, r.Intn(im.Ny+sh)-sh/2
		}
		run := 1 + r.Intn(12)
		for i := 0; i < run && len(fix) < t; i++ {
			f := Fixation{k, x, y}
			if onScreen {
				if _, err := GetRanges(x, y, sw, sh, im.Nx, im.Ny, OpenRetina); err != nil {
					break
				}
			}
			fix = append(fix, f)
			if r.Intn(3) > 0 { // drift
				x += r.Intn(5) - 2
				y += r.Intn(5) - 2
			}
		}
	}
	return fix
}

// reference renders with ReturnFixMovie + resample.Plan frame by frame.
func reference(t testing.TB, sh, sw, oh, ow int, im *Images, fix []Fixation, sem Semantics) []float32 {
	t.Helper()
	p, err := resample.NewPlan(sh, sw, oh, ow)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(fix)*oh*ow)
	frame := make([]float32, sh*sw)
	for i, f := range fix {
		if err := ComposeFrame(frame, sh, sw, im, f, sem); err != nil {
			t.Fatal(err)
		}
		if err := p.Resize(out[i*oh*ow:(i+1)*oh*ow], frame); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// maxAbsDiff returns the largest |a[i] - b[i]| and its index (a NaN on
// either side counts as the largest). Slices of different lengths, or empty
// ones, fail the test: an empty or truncated render must never pass.
func maxAbsDiff(t testing.TB, a, b []float32) (float64, int) {
	t.Helper()
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("comparing %d values with %d", len(a), len(b))
	}
	var m float64
	at := -1
	for i := range a {
		if d := math.Abs(float64(a[i]) - float64(b[i])); d > m || (math.IsNaN(d) && at < 0) {
			m, at = d, i
		}
	}
	return m, at
}

// bitDiff counts the values of got whose float32 bits differ from want's and
// returns the index of the first one (-1 if none). Slices of different
// lengths, or empty ones, fail the test.
func bitDiff(t testing.TB, got, want []float32) (n, first int) {
	t.Helper()
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("comparing %d values with %d", len(got), len(want))
	}
	first = -1
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	return n, first
}

// TestRenderMatchesReference compares the fused pipeline with the
// full-resolution reference path on random gaze-like fixations: both
// semantics, odd image sizes, images smaller and larger than the screen, odd
// screen and output sizes, several worker counts and cache sizes.
func TestRenderMatchesReference(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	r := rand.New(rand.NewSource(42))
	type cfg struct {
		sh, sw, oh, ow int
		n, nx, ny      int
		frames         int
	}
	cfgs := []cfg{
		{600, 800, 60, 80, 3, 1031, 677, 60}, // larger than the screen, odd sizes
		{600, 800, 60, 80, 4, 56, 40, 40},    // far smaller than the screen
		{600, 800, 60, 80, 2, 811, 599, 40},  // about the screen's size
		{61, 83, 7, 9, 3, 70, 50, 80},        // odd screen and output
		{40, 60, 13, 11, 2, 23, 97, 60},      // tall narrow image, odd scale factors
		{30, 40, 45, 50, 2, 35, 33, 40},      // upsampling
	}
	for ci, c := range cfgs {
		im := randomImages(r, c.n, c.nx, c.ny)
		for _, sem := range []Semantics{OpenRetina, MATLAB} {
			fix := randomFixations(r, c.frames, im, c.sh, c.sw, sem == OpenRetina)
			want := reference(t, c.sh, c.sw, c.oh, c.ow, im, fix, sem)
			for _, opt := range []Options{{Workers: 1}, {Workers: 3, CacheBytes: 1}, {Workers: 8}} {
				opt.ScreenH, opt.ScreenW, opt.OutH, opt.OutW, opt.Semantics = c.sh, c.sw, c.oh, c.ow, sem
				got, err := Render(context.Background(), im, fix, opt)
				if err != nil {
					t.Fatal(err)
				}
				if n, at := bitDiff(t, got, want); n != 0 {
					d, _ := maxAbsDiff(t, got, want)
					fr := at / (c.oh * c.ow)
					t.Fatalf("cfg %d %v workers %d: %d values of the fast path differ from the reference (first in frame %d, %+v; max |diff| %g): not bit for bit",
						ci, sem, opt.Workers, n, fr, fix[fr], d)
				}
			}
		}
	}
}

func TestRenderErrors(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	im := randomImages(r, 2, 100, 80)
	ctx := context.Background()
	fix := []Fixation{{1, 50, 40}, {2, 50, 40}, {3, 50, 40}}
	_, err := Render(ctx, im, fix, Options{})
	var fe *FixationError
	if !errors.As(err, &fe) || fe.Frame != 2 || fe.Column != 0 {
		t.Fatalf("got %v, want a FixationError on frame 2", err)
	}
	if want := "frame 2: image index 3 > 2 images"; err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
	fix = []Fixation{{1, 50, 40}, {1, 5000, 40}}
	_, err = Render(ctx, im, fix, Options{})
	var oe *OffScreenError
	if !errors.As(err, &oe) || oe.Frame != 1 || oe.Image != 1 {
		t.Fatalf("got %v, want an OffScreenError on frame 1", err)
	}
	if _, err := ReturnFixMovie(600, 800, im, fix, OpenRetina); !errors.As(err, &oe) {
		t.Fatalf("reference: got %v", err)
	}
	// MATLAB: blank frame.
	got, err := Render(ctx, im, fix, Options{Semantics: MATLAB})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range got[4800:] {
		if v != 0 {
			t.Fatal("off-screen frame not blank under MATLAB semantics")
		}
	}
	if _, err := NewRenderer(Options{OutH: -1, OutW: 3}); err == nil {
		t.Fatal("no error for bad size")
	}
	rd, _ := NewRenderer(Options{})
	if err := rd.RenderInto(ctx, make([]float32, 10), im, fix); err == nil {
		t.Fatal("no error for bad buffer")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := rd.Render(cctx, im, []Fixation{{1, 50, 40}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if out, err := rd.Render(ctx, im, nil); err != nil || len(out) != 0 {
		t.Fatalf("empty list: %v %v", out, err)
	}
}

func TestFixationsFromFloat64(t *testing.T) {
	good := []float64{1, 400, 300, 2, -5, 1e6}
	fix, err := FixationsFromFloat64(good, 2)
	if err != nil || len(fix) != 2 || fix[1] != (Fixation{2, -5, 1000000}) {
		t.Fatalf("%v %v", fix, err)
	}
	cases := []struct {
		data []float64
		msg  string
	}{
		{[]float64{1, 400, 300, 27, 1, 1}, "frame 1: image index 27 > 25 images"},
		{[]float64{0, 400, 300}, "frame 0: image index 0 < 1 (indices are 1-based)"},
		{[]float64{1, 400.5, 300}, "frame 0: x 400.5 is not an integer"},
		{[]float64{1, 400, math.NaN()}, "frame 0: y NaN is not a number"},
		{[]float64{1, math.Inf(-1), 3}, "frame 0: x -Inf is infinite"},
		{[]float64{1, 1e300, 3}, "frame 0: x 1e+300 is beyond +-1073741824"},
		{[]float64{-1.5, 1, 3}, "frame 0: image index -1.5 is not an integer"},
	}
	for _, c := range cases {
		_, err := FixationsFromFloat64(c.data, 25)
		var fe *FixationError
		if !errors.As(err, &fe) || err.Error() != c.msg {
			t.Errorf("%v: got %v, want %q", c.data, err, c.msg)
		}
	}
	if _, err := FixationsFromFloat64([]float64{1, 2}, 3); err == nil {
		t.Fatal("no error for 2 values")
	}
	if _, err := FixationsFromFloat64(good, 0); err == nil {
		t.Fatal("no error for 0 images")
	}
}

func TestNewImages(t *testing.T) {
	if _, err := NewImages(make([]uint8, 10), 1, 2, 5); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][3]int{{1, 2, 4}, {0, 2, 5}, {1, -2, -5}, {1 << 40, 1 << 20, 1 << 20}} {
		if _, err := NewImages(make([]uint8, 10), c[0], c[1], c[2]); err == nil {
			t.Fatalf("no error for %v", c)
		}
	}
	im, _ := NewImages([]uint8{0, 1, 2, 3, 4, 5}, 1, 3, 2) // h5py (1, 3, 2): x-major
	if im.At(1, 2, 1) != 5 || im.At(1, 1, 0) != 2 {
		t.Fatal("At indexes wrongly")
	}
	if u := UsedImages([]Fixation{{2, 0, 0}, {9, 0, 0}}, 3); u[0] || !u[1] || u[2] {
		t.Fatalf("UsedImages %v", u)
	}
}

// TestComposeFrameMATLABDefinition checks ComposeFrame against the MATLAB
// rule written directly: 1-based screen (r, c) shows 1-based image
// (r + y - H/2, c + x - W/2) when inside the image, else 0.
func TestComposeFrameMATLABDefinition(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	im := randomImages(r, 2, 37, 23)
	const sh, sw = 20, 30
	frame := make([]float32, sh*sw)
	for it := 0; it < 500; it++ {
		f := Fixation{1 + r.Intn(2), r.Intn(80) - 20, r.Intn(60) - 15}
		if err := ComposeFrame(frame, sh, sw, im, f, MATLAB); err != nil {
			t.Fatal(err)
		}
		for row := 1; row <= sh; row++ {
			for col := 1; col <= sw; col++ {
				ix, iy := col+f.X-sw/2, row+f.Y-sh/2
				var want float32
				if ix >= 1 && ix <= im.Nx && iy >= 1 && iy <= im.Ny {
					want = float32(im.At(f.Image, ix-1, iy-1))
				}
				if got := frame[(row-1)*sw+col-1]; got != want {
					t.Fatalf("%+v screen (%d,%d): %v, want %v", f, row, col, got, want)
				}
			}
		}
	}
}

// TestReturnFixMovieOpenRetinaWrap checks the port's extra row and column.
func TestReturnFixMovieOpenRetinaWrap(t *testing.T) {
	pix := make([]uint8, 4*3) // one 3-row x 4-column image, value 10*col + row + 1
	for x := 0; x < 4; x++ {
		for y := 0; y < 3; y++ {
			pix[x*3+y] = uint8(10*x + y + 1)
		}
	}
	im, _ := NewImages(pix, 1, 4, 3)
	// 8 x 6 screen (W x H), fixation (2, 2): image column 0 at screen column
	// 4 - 2 = 2, row 0 at screen row 3 - 2 = 1; the port paints column 1
	// with column 3 and row 0 with row 2.
	mov, err := ReturnFixMovie(6, 8, im, []Fixation{{1, 2, 2}}, OpenRetina)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{
		0, 33, 3, 13, 23, 33, 0, 0,
		0, 31, 1, 11, 21, 31, 0, 0,
		0, 32, 2, 12, 22, 32, 0, 0,
		0, 33, 3, 13, 23, 33, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,
	}
	for i := range want {
		if mov[i] != want[i] {
			t.Fatalf("openretina frame:\n%v\nwant\n%v", mov, want)
		}
	}
	mov, _ = ReturnFixMovie(6, 8, im, []Fixation{{1, 2, 2}}, MATLAB)
	for i := range want {
		w := want[i]
		if i < 8 || i%8 == 1 {
			w = 0
		}
		if mov[i] != w {
			t.Fatalf("matlab frame:\n%v", mov)
		}
	}
}

func newPlanForTest(sh, sw, oh, ow int) (*resample.Plan, error) {
	return resample.NewPlan(sh, sw, oh, ow)
}

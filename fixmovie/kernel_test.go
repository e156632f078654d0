package fixmovie

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// renderBoth renders with the vector kernels (when this machine has them:
// row-major cache entries when both passes have one), with the vector
// width kernel alone (column-major entries), and with the pure-Go kernels;
// it fails the test unless the first two equal the third bit for bit, and
// returns the vector and pure-Go movies.
func renderBoth(t *testing.T, what string, im *Images, fix []Fixation, opt Options) (vec, pure []float32) {
	t.Helper()
	sw, sh := vecWidth, vecHeight
	defer func() { vecWidth, vecHeight = sw, sh }()
	var err error
	if vec, err = Render(context.Background(), im, fix, opt); err != nil {
		t.Fatal(err)
	}
	vecHeight = false
	widthOnly, err := Render(context.Background(), im, fix, opt)
	if err != nil {
		t.Fatal(err)
	}
	vecWidth = false
	if pure, err = Render(context.Background(), im, fix, opt); err != nil {
		t.Fatal(err)
	}
	if at, ok := bitIdentical(vec, pure); !ok {
		t.Errorf("%s: vector kernels %v != pure Go %v at value %d", what, vec[at], pure[at], at)
	}
	if at, ok := bitIdentical(widthOnly, pure); !ok {
		t.Errorf("%s: vector width kernel %v != pure Go %v at value %d", what, widthOnly[at], pure[at], at)
	}
	return vec, pure
}

func bitIdentical(a, b []float32) (int, bool) {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i, false
		}
	}
	return -1, len(a) == len(b)
}

// TestKernelsAgree checks the vector kernel against the pure-Go kernels
// value by value (bit for bit) on images cut by the screen edges, both
// semantics, and screen/output sizes whose width filters have 1 to 40 taps,
// rounded-only and fused tails, and weights for which the fused sums are not
// provably exact (upsampling, odd scales).
func TestKernelsAgree(t *testing.T) {
	if !vecWidth && !vecHeight {
		t.Skip("no vector kernel on this machine or build (purego)")
	}
	r := rand.New(rand.NewSource(13))
	cfgs := []struct{ sh, sw, oh, ow, n, nx, ny, frames int }{
		{600, 800, 60, 80, 3, 1031, 677, 50},
		{600, 800, 60, 80, 2, 811, 599, 30},
		{600, 800, 60, 80, 3, 120, 97, 30}, // images far smaller than the screen
		{61, 83, 7, 9, 3, 70, 50, 40},
		{40, 60, 13, 11, 2, 23, 97, 40},
		{30, 40, 45, 50, 2, 35, 33, 30},     // upsampling
		{600, 800, 60, 20, 2, 900, 700, 20}, // 40-tap width filters
		{200, 300, 50, 100, 2, 301, 257, 30},
	}
	for ci, c := range cfgs {
		im := randomImages(r, c.n, c.nx, c.ny)
		for _, sem := range []Semantics{OpenRetina, MATLAB} {
			fix := randomFixations(r, c.frames, im, c.sh, c.sw, sem == OpenRetina)
			opt := Options{ScreenH: c.sh, ScreenW: c.sw, OutH: c.oh, OutW: c.ow, Semantics: sem, Workers: 2, CacheBytes: 1}
			renderBoth(t, fmt.Sprintf("cfg %d %v", ci, sem), im, fix, opt)
		}
	}
}

// TestKernelsAgreeGolden renders the golden sessions with both kernels: the
// same bits (TestGoldenParity compares them with torch's movies).
func TestKernelsAgreeGolden(t *testing.T) {
	if !vecWidth && !vecHeight {
		t.Skip("no vector kernel on this machine or build (purego)")
	}
	for _, name := range goldenSessions {
		g := loadGoldenSession(t, name)
		for _, sem := range []Semantics{OpenRetina, MATLAB} {
			for _, set := range []struct {
				im  *Images
				fix []Fixation
			}{{g.train, g.trainFix}, {g.test, g.testFix}} {
				renderBoth(t, fmt.Sprintf("%s %v", name, sem), set.im, set.fix, Options{Semantics: sem})
			}
		}
	}
}

package viewer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/retinaio/retinaio/internal/render"
	"github.com/retinaio/retinaio/internal/testutil"
)

// Fixtures written by numpy (../render/testdata/gen_session.py).
const (
	fixtureA    = "../render/testdata/20990101_synth_mouse_a.npz"
	fixtureB    = "../render/testdata/20990102_synth_marmoset_b.npz"
	fixturePred = "../render/testdata/pred_a.npz"
	sessionA    = "20990101_synth_mouse_a"
	sessionB    = "20990102_synth_marmoset_b"
)

// rawValue is the generator's formula for a source pixel value.
func rawValue(t, y, x int, test bool) float64 {
	off := 0
	if test {
		off = 100
	}
	return float64((t*7 + y*11 + x*5 + off) % 256)
}

// prepDir makes a prepare-like output folder with both fixtures.
func prepDir(t testing.TB) string {
	d := t.TempDir()
	testutil.CopyFile(t, fixtureA, filepath.Join(d, sessionA+".npz"))
	testutil.CopyFile(t, fixtureB, filepath.Join(d, sessionB+".npz"))
	os.WriteFile(filepath.Join(d, "manifest.json"), []byte(`{"sessions": []}`), 0o644)
	return d
}

// fakeSource is a synthetic full-resolution stimulus: images of 40 x 50
// pixels with value (r*3 + c*5 + 50*idx) % 256 and fixations that put the
// image's top-left corner inside the screen, so the semantics differ.
type fakeSource struct{ frames map[render.Split]int }

const fakeRows, fakeCols = 40, 50

func fakePixel(idx, r, c int) uint8 { return uint8((r*3 + c*5 + 50*idx) % 256) }

// fakeFix is the fixation of frame k: image 1 or 2, x 380..420, y 290..310.
func fakeFix(k int) [3]int32 {
	return [3]int32{int32(k%2 + 1), int32(380 + 10*(k%5)), int32(290 + 5*(k%5))}
}

func (f *fakeSource) Fixations(ctx context.Context, sp render.Split) ([][3]int32, error) {
	out := make([][3]int32, f.frames[sp])
	for k := range out {
		out[k] = fakeFix(k)
	}
	return out, nil
}

func (f *fakeSource) Image(ctx context.Context, sp render.Split, idx int) (int, int, []uint8, error) {
	if idx < 1 || idx > 2 {
		return 0, 0, nil, fmt.Errorf("image %d out of range", idx)
	}
	pix := make([]uint8, fakeRows*fakeCols)
	for r := range fakeRows {
		for c := range fakeCols {
			pix[r*fakeCols+c] = fakePixel(idx, r, c)
		}
	}
	return fakeRows, fakeCols, pix, nil
}

func (f *fakeSource) Images(ctx context.Context, sp render.Split) (int, int, int, error) {
	return 2, fakeRows, fakeCols, nil
}

func (f *fakeSource) Blocks(ctx context.Context) (int, int, error) { return 3, 20, nil }

func (f *fakeSource) Close() error { return nil }

func newTestServer(t testing.TB, withPred, withSource bool) *Server {
	t.Helper()
	dir := prepDir(t)
	o := Options{Path: dir}
	if withPred {
		pd := t.TempDir()
		testutil.CopyFile(t, fixturePred, filepath.Join(pd, sessionA+".npz"))
		o.Pred = pd
	}
	if withSource {
		o.Sources = func(name string) (Source, error) {
			if name != sessionA {
				return nil, nil
			}
			return &fakeSource{frames: map[render.Split]int{render.Train: 60, render.Test: 40}}, nil
		}
	}
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

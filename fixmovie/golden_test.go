package fixmovie

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// Golden parity: testdata/golden_<session>.npz holds the images and
// fixations of the project's golden sessions (dumped with h5py by
// testdata/gen_golden.py); ../testdata/golden/expected/<session>__<mode>.npz
// holds what an independent numpy + torch reference (openretina's loader
// code, antialias=True; ../testdata/golden/gen_expected.py) produced: train_raw (1, T, 60, 80), test_raw (1, Tf, 60, 80).

var goldenSessions = []string{
	"20210203_252MEA_mouse_left_half_dorsal",
	"20210803_252MEA_mouse_left_half_dorsal",
	"20220208_60MEA_marmoset_right_n1",
}

type goldenSession struct {
	train, test       *Images
	trainFix, testFix []Fixation // training blocks concatenated in file order
	blocks            int
}

func loadGoldenSession(t *testing.T, name string) *goldenSession {
	t.Helper()
	a, err := readNPZ(filepath.Join("testdata", "golden_"+name+".npz"))
	if err != nil {
		t.Fatal(err)
	}
	imgs := func(key string) *Images {
		v := a[key]
		im, err := NewImages(v.u8, v.shape[0], v.shape[1], v.shape[2])
		if err != nil {
			t.Fatal(err)
		}
		return im
	}
	g := &goldenSession{train: imgs("runningImages"), test: imgs("frozenImages")}
	g.blocks = a["runningfixations"].shape[0]
	if g.trainFix, err = FixationsFromFloat64(a["runningfixations"].f64, g.train.N); err != nil {
		t.Fatal(err)
	}
	if g.testFix, err = FixationsFromFloat64(a["frozenfixations"].f64, g.test.N); err != nil {
		t.Fatal(err)
	}
	return g
}

func loadExpected(t *testing.T, name string, sem Semantics) (train, test []float32) {
	t.Helper()
	p := filepath.Join("..", "testdata", "golden", "expected", fmt.Sprintf("%s__%s.npz", name, sem))
	a, err := readNPZ(p, "train_raw", "test_raw")
	if err != nil {
		t.Fatal(err)
	}
	return a["train_raw"].f32, a["test_raw"].f32
}

// semanticsGap is how far a frame rendered with the wrong semantics must
// stray from the expected one to count as different: far beyond float32
// rounding (the golden README's tolerance for an exact-arithmetic renderer).
const semanticsGap = 5e-4

// TestGoldenParity renders every golden session with both semantics, by the
// fast path and by the reference path, and compares with the expected movies.
func TestGoldenParity(t *testing.T) {
	ctx := context.Background()
	for _, name := range goldenSessions {
		g := loadGoldenSession(t, name)
		for _, sem := range []Semantics{OpenRetina, MATLAB} {
			t.Run(name+"/"+sem.String(), func(t *testing.T) {
				wantTrain, wantTest := loadExpected(t, name, sem)
				rd, err := NewRenderer(Options{Semantics: sem})
				if err != nil {
					t.Fatal(err)
				}
				// openretina renders block by block; blocks are independent, so
				// render each block into its slice of the training movie.
				perBlock := len(g.trainFix) / g.blocks
				train := make([]float32, len(g.trainFix)*rd.FrameSize())
				for b := 0; b < g.blocks; b++ {
					fix := g.trainFix[b*perBlock : (b+1)*perBlock]
					dst := train[b*perBlock*rd.FrameSize() : (b+1)*perBlock*rd.FrameSize()]
					if err := rd.RenderInto(ctx, dst, g.train, fix); err != nil {
						t.Fatal(err)
					}
				}
				test, err := rd.Render(ctx, g.test, g.testFix)
				if err != nil {
					t.Fatal(err)
				}
				refTrain := reference(t, 600, 800, 60, 80, g.train, g.trainFix, sem)
				refTest := reference(t, 600, 800, 60, 80, g.test, g.testFix, sem)
				for _, c := range []struct {
					what      string
					got, want []float32
				}{
					{"train fast", train, wantTrain}, {"test fast", test, wantTest},
					{"train reference", refTrain, wantTrain}, {"test reference", refTest, wantTest},
				} {
					if len(c.got) != len(c.want) {
						t.Fatalf("%s: %d values, expected %d", c.what, len(c.got), len(c.want))
					}
					// The README promises torch's output bit for bit.
					if n, at := bitDiff(t, c.got, c.want); n != 0 {
						d, _ := maxAbsDiff(t, c.got, c.want)
						t.Fatalf("%s: %d of %d values differ from the reference (first in frame %d: %v, expected %v; max |diff| %g): not bit for bit",
							c.what, n, len(c.got), at/4800, c.got[at], c.want[at], d)
					}
				}
			})
		}
	}
}

// TestGoldenSemanticsSwapped shows that the parity test tells the two
// semantics apart: rendering with the other mode misses the expected movie
// by far more than float32 rounding on some frames of every session.
func TestGoldenSemanticsSwapped(t *testing.T) {
	ctx := context.Background()
	for _, name := range goldenSessions {
		g := loadGoldenSession(t, name)
		for _, sem := range []Semantics{OpenRetina, MATLAB} {
			wantTrain, wantTest := loadExpected(t, name, sem)
			other := MATLAB
			if sem == MATLAB {
				other = OpenRetina
			}
			train, err1 := Render(ctx, g.train, g.trainFix, Options{Semantics: other})
			test, err2 := Render(ctx, g.test, g.testFix, Options{Semantics: other})
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if len(train) != len(wantTrain) || len(test) != len(wantTest) {
				t.Fatalf("%s: rendered %d+%d values, expected %d+%d", name, len(train), len(test), len(wantTrain), len(wantTest))
			}
			bad := 0
			for i := 0; i < len(train)/4800; i++ {
				if d, _ := maxAbsDiff(t, train[i*4800:(i+1)*4800], wantTrain[i*4800:(i+1)*4800]); d > semanticsGap {
					bad++
				}
			}
			for i := 0; i < len(test)/4800; i++ {
				if d, _ := maxAbsDiff(t, test[i*4800:(i+1)*4800], wantTest[i*4800:(i+1)*4800]); d > semanticsGap {
					bad++
				}
			}
			differ := 0
			for _, f := range g.trainFix {
				if Differs(f.X, f.Y, 800, 600, g.train.Nx, g.train.Ny) {
					differ++
				}
			}
			for _, f := range g.testFix {
				if Differs(f.X, f.Y, 800, 600, g.test.Nx, g.test.Ny) {
					differ++
				}
			}
			if bad == 0 {
				t.Errorf("%s: expected %s movie matches the %s rendering: the test cannot tell the semantics apart", name, sem, other)
			}
			t.Logf("%s: %s expectation vs %s rendering: %d frames beyond tolerance (%d fixations differ geometrically)", name, sem, other, bad, differ)
		}
	}
}

package karamanlis

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/resample"
)

// swapMinDiff is how far apart the two semantics' movies must be on the
// golden data for TestSemanticsSwapDetected (testdata/golden/README.md's
// tolerance for an independent float32 implementation). The parity tests
// themselves ask for bit-for-bit equality, as README.md promises.
const swapMinDiff = 5e-4

// TestGoldenParity loads every golden session (two folders and a zip) with
// both semantics, raw and normalised, and compares with the independent
// numpy/torch reference.
func TestGoldenParity(t *testing.T) {
	ctx := context.Background()
	for _, gs := range goldenSessions {
		if testing.Short() && !gs.zip {
			continue // -short: only the small zipped session
		}
		for _, sem := range []fixmovie.Semantics{fixmovie.OpenRetina, fixmovie.MATLAB} {
			t.Run(gs.name+"/"+sem.String(), func(t *testing.T) {
				want := loadExpected(t, gs.name, sem)
				_, path := copySession(t, gs.name, gs.zip)
				o := testOptions(t, sem, nil)
				o.Normalize = false
				o.DisableCache = true
				raw, err := LoadStimuliForSession(ctx, path, o)
				if err != nil {
					t.Fatal(err)
				}
				if !equalInts(raw.TrainShape, want.trainShape) || !equalInts(raw.TestShape, want.testShape) {
					t.Fatalf("shapes train %v test %v, want %v %v", raw.TrainShape, raw.TestShape, want.trainShape, want.testShape)
				}
				if err := bitsEqual32(raw.Train, want.trainRaw); err != nil {
					t.Errorf("raw train: %v", err)
				}
				if err := bitsEqual32(raw.Test, want.testRaw); err != nil {
					t.Errorf("raw test: %v", err)
				}
				if raw.Normalized {
					t.Error("Normalized set without normalisation")
				}

				o.Normalize = true
				norm, err := LoadStimuliForSession(ctx, path, o)
				if err != nil {
					t.Fatal(err)
				}
				if !norm.Normalized || norm.NormMean != want.mean || norm.NormStd != want.std {
					t.Errorf("norm mean/std %v/%v, want %v/%v exactly", norm.NormMean, norm.NormStd, want.mean, want.std)
				}
				// openretina normalises float32 arrays with float32
				// scalars: (x - mean) / std in float32.
				check := func(name string, got, raw []float32) {
					w := make([]float32, len(raw))
					for i, v := range raw {
						w[i] = (v - want.mean) / want.std
					}
					if err := bitsEqual32(got, w); err != nil {
						t.Errorf("normalised %s: %v", name, err)
					}
				}
				check("train", norm.Train, want.trainRaw)
				check("test", norm.Test, want.testRaw)

				ro := DefaultResponseOptions()
				ro.CacheDir = o.CacheDir
				resp, err := LoadResponsesForSession(ctx, path, ro)
				if err != nil {
					t.Fatal(err)
				}
				if err := resp.Validate(); err != nil {
					t.Fatal(err)
				}
				exact := func(name string, got, w []float64, gs, ws []int) {
					if !equalInts(gs, ws) {
						t.Fatalf("%s shape %v, want %v", name, gs, ws)
					}
					for i := range w {
						if got[i] != w[i] && !(got[i] != got[i] && w[i] != w[i]) {
							t.Fatalf("%s[%d] = %v, want %v exactly", name, i, got[i], w[i])
						}
					}
				}
				exact("resp_train", resp.Train, want.respTrain, resp.TrainShape, want.respTrainShape)
				exact("resp_test", resp.Test, want.respTest, resp.TestShape, want.respTestShape)
				exact("resp_test_by_trial", resp.TestByTrial, want.byTrial, resp.TestByTrialShape, want.byTrialShape)
				if err := CheckStimuliResponsesMatch(norm, resp); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// TestSemanticsSwapDetected makes sure the golden data tells the two
// semantics apart: each semantics' movie is outside the tolerance of the
// other's reference, so swapping them fails TestGoldenParity.
func TestSemanticsSwapDetected(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: renders every golden session twice")
	}
	ctx := context.Background()
	for _, gs := range goldenSessions {
		for _, sem := range []fixmovie.Semantics{fixmovie.OpenRetina, fixmovie.MATLAB} {
			other := fixmovie.MATLAB
			if sem == fixmovie.MATLAB {
				other = fixmovie.OpenRetina
			}
			want := loadExpected(t, gs.name, other)
			_, path := copySession(t, gs.name, gs.zip)
			o := testOptions(t, sem, nil)
			o.Normalize, o.DisableCache = false, true
			raw, err := LoadStimuliForSession(ctx, path, o)
			if err != nil {
				t.Fatal(err)
			}
			d, _ := maxDiff32(raw.Train, want.trainRaw)
			if d <= swapMinDiff {
				t.Errorf("%s: %s movie matches the %s reference (max diff %g): the test cannot tell the semantics apart", gs.name, sem, other, d)
			}
		}
	}
}

// TestReturnFixMovieReference: the full-resolution reference path
// (ReadFixationMovie, ReturnFixMovie, then the antialiased resize) agrees
// with the golden reference on the first test frames, both semantics.
func TestReturnFixMovieReference(t *testing.T) {
	ctx := context.Background()
	gs := goldenSessions[0]
	d, err := ReadFixationMovie(ctx, filepath.Join(goldenDir, "sessions", gs.name, "fixationmovie_data.mat"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.RunningFixations) != 2 || len(d.RunningFixations[0]) != 40 || len(d.FrozenFixations) != 30 {
		t.Fatalf("fixations %d blocks, %d test", len(d.RunningFixations), len(d.FrozenFixations))
	}
	for _, sem := range []fixmovie.Semantics{fixmovie.OpenRetina, fixmovie.MATLAB} {
		want := loadExpected(t, gs.name, sem)
		const n = 3
		full, err := ReturnFixMovie(600, 800, d.FrozenImages, d.FrozenFixations[:n], sem)
		if err != nil {
			t.Fatal(err)
		}
		small := make([]float32, 60*80)
		for f := 0; f < n; f++ {
			if err := resample.Resize(small, full[f*600*800:(f+1)*600*800], 600, 800, 60, 80); err != nil {
				t.Fatal(err)
			}
			if err := bitsEqual32(small, want.testRaw[f*4800:(f+1)*4800]); err != nil {
				t.Errorf("%s frame %d: %v", sem, f, err)
			}
		}
	}
}

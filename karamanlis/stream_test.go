package karamanlis

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/retinaio/retinaio/fixmovie"
)

// TestStreamGoldenParity streams every golden session's movie (kept in
// memory, rendered again for each pass, or once into a spill file) in windows that do not
// divide the frame count and checks the normalised training
// and test movies and the statistics against the reference (torch), bit
// for bit; then that the cache it wrote from its spill file holds the
// reference's raw movie (read back by LoadStimuliForSession).
func TestStreamGoldenParity(t *testing.T) {
	ctx := context.Background()
	for _, gs := range goldenSessions {
		if testing.Short() && !gs.zip {
			continue
		}
		for _, sem := range []fixmovie.Semantics{fixmovie.OpenRetina, fixmovie.MATLAB} {
			for _, mode := range []string{"keep", "render again", "spill"} {
				t.Run(fmt.Sprintf("%s/%s/%s", gs.name, sem, mode), func(t *testing.T) {
					if mode != "keep" {
						defer func(k func(int, int) bool) { keepMovie = k }(keepMovie)
						keepMovie = func(int, int) bool { return false }
					}
					want := loadExpected(t, gs.name, sem)
					_, path := copySession(t, gs.name, gs.zip)
					o := testOptions(t, sem, nil)
					o.Normalize = true
					spillDir := ""
					if mode == "spill" {
						spillDir = t.TempDir()
					}
					sm, err := StreamStimuliForSession(ctx, path, o, 7, spillDir)
					if err != nil {
						t.Fatal(err)
					}
					if sm.Split.FromCache || sm.Split.Train != nil {
						t.Fatalf("FromCache %v, Train %d values", sm.Split.FromCache, len(sm.Split.Train))
					}
					if !equalInts(sm.Split.TrainShape, want.trainShape) || !equalInts(sm.Split.TestShape, want.testShape) {
						t.Fatalf("shapes train %v test %v, want %v %v", sm.Split.TrainShape, sm.Split.TestShape, want.trainShape, want.testShape)
					}
					if !sm.Split.Normalized || sm.Split.NormMean != want.mean || sm.Split.NormStd != want.std {
						t.Errorf("norm mean/std %v/%v, want %v/%v exactly", sm.Split.NormMean, sm.Split.NormStd, want.mean, want.std)
					}
					var train []float32
					windows := 0
					if err := sm.EachTrainWindow(func(v []float32) error {
						train = append(train, v...)
						windows++
						return nil
					}); err != nil {
						t.Fatal(err)
					}
					// a failing writer stops the windows and its error comes back
					boom := errors.New("boom")
					calls := 0
					if err := sm.EachTrainWindow(func([]float32) error { calls++; return boom }); !errors.Is(err, boom) || calls != 1 {
						t.Errorf("failing fn: err %v after %d calls", err, calls)
					}
					sm.WriteCache()
					if err := sm.Close(); err != nil {
						t.Fatal(err)
					}
					if want.trainShape[1] > 7 && windows < 2 {
						t.Errorf("%d windows for %d frames", windows, want.trainShape[1])
					}
					check := func(name string, got, raw []float32) { checkNormalised(t, name, got, raw, want) }
					check("train", train, want.trainRaw)
					check("test", sm.Split.Test, want.testRaw)

					checkRawCache(t, ctx, path, o, want)
				})
			}
		}
	}
}

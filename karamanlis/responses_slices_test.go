package karamanlis_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/synth"
)

// TestResponsesFrameSlices reads the responses of a session in MATLAB's
// chunk layout, whose frozenbin chunks span all trials, once a whole row at
// a time and once in slices of frames (the bound lowered so that the small
// session takes that path), and checks that both give the same bits.
func TestResponsesFrameSlices(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := synth.Profiles["small"]
	paths, err := synth.Write(ctx, dir, synth.Options{Profile: p, Seed: 5, Layout: synth.LayoutMATLAB})
	if err != nil {
		t.Fatal(err)
	}
	load := func() *karamanlis.ResponsesTrainTestSplit {
		t.Helper()
		r, err := karamanlis.LoadResponsesForSession(ctx, paths[0], karamanlis.ResponseOptions{CacheDir: filepath.Join(dir, "cache")})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	whole := load()
	restore := karamanlis.SetBinSliceBytes(4096)
	sliced := load()
	restore()
	for _, c := range []struct {
		name      string
		got, want []float64
	}{
		{"train", sliced.Train, whole.Train},
		{"test", sliced.Test, whole.Test},
		{"test_by_trial", sliced.TestByTrial, whole.TestByTrial},
	} {
		if len(c.got) != len(c.want) || len(c.want) == 0 {
			t.Fatalf("%s: %d values, want %d (> 0)", c.name, len(c.got), len(c.want))
		}
		for i := range c.want {
			if math.Float64bits(c.got[i]) != math.Float64bits(c.want[i]) {
				t.Fatalf("%s[%d] = %v read in frame slices, %v read whole", c.name, i, c.got[i], c.want[i])
			}
		}
	}
}

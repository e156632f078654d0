package karamanlis

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/internal/testutil"
	"github.com/retinaio/retinaio/npy"
)

// TestForeignCacheResize: caches without a provenance record (openretina's)
// made by torchvision's Resize with and without antialiasing
// (testdata/gen_resize_caches.py, torch 1.13 / torchvision 0.14): the
// antialiased one is used, the other is recognised, named and not used.
func TestForeignCacheResize(t *testing.T) {
	ctx := context.Background()
	cacheName := OpenretinaCacheName(DataFileName(FixationMovie), 60, 80)
	fresh := func(t *testing.T) *MoviesTrainTestSplit {
		o := testOptions(t, fixmovie.OpenRetina, nil)
		o.Normalize, o.DisableCache = false, true
		m, err := LoadStimuliForSession(ctx, badSession(t, "ok"), o)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	want := fresh(t)
	for _, c := range []struct {
		fixture   string
		used      bool
		resize    Resize
		wantWords []string
	}{
		{"antialias", true, ResizeAntialias, nil},
		{"noantialias", false, ResizeNoAntialias, []string{"without antialiasing", "torchvision < 0.17", "recomputed"}},
	} {
		t.Run(c.fixture, func(t *testing.T) {
			sess := badSession(t, "ok")
			cache := filepath.Join(sess, cacheName)
			testutil.CopyTree(t, filepath.Join("testdata", "resizecache", c.fixture), sess)
			mat := filepath.Join(sess, DataFileName(FixationMovie))

			z, err := npy.OpenNPZ(cache)
			if err != nil {
				t.Fatal(err)
			}
			a, err := z.Read("test_data")
			z.Close()
			if err != nil {
				t.Fatal(err)
			}
			test, _ := a.Float32()
			rc, err := CheckCacheResize(ctx, mat, test, a.Shape[1], 60, 80, DefaultStimulusOptions())
			if err != nil {
				t.Fatal(err)
			}
			if rc.Resize != c.resize {
				t.Fatalf("resize %q, want %q (%+v)", rc.Resize, c.resize, rc)
			}
			// Both resizes reproduce torch within float rounding, and the
			// two differ by much more.
			if d := min(rc.DiffAntialias, rc.DiffNoAntialias); d > 1e-3 {
				t.Errorf("closest resize differs from torch's by %g grey levels", d)
			}
			if d := max(rc.DiffAntialias, rc.DiffNoAntialias); d < 1 {
				t.Errorf("the two resizes differ by only %g grey levels on frames %v", d, rc.Frames)
			}

			var warns []string
			o := testOptions(t, fixmovie.OpenRetina, &warns)
			o.Normalize = false
			got, err := LoadStimuliForSession(ctx, sess, o)
			if err != nil {
				t.Fatal(err)
			}
			if got.FromCache != c.used {
				t.Errorf("cache used = %v, want %v (warnings %q)", got.FromCache, c.used, warns)
			}
			joined := strings.Join(warns, "\n")
			for _, w := range c.wantWords {
				if !strings.Contains(joined, w) || !strings.Contains(joined, cache) {
					t.Errorf("warning lacks %q or the cache's name: %q", w, warns)
				}
			}
			if c.used && len(warns) != 0 {
				t.Errorf("warnings for a good cache: %q", warns)
			}
			if !c.used {
				for i := range want.Test {
					if got.Test[i] != want.Test[i] {
						t.Fatalf("recomputed test movie differs at %d", i)
					}
				}
				// The foreign cache is left as it is.
				if _, err := os.Stat(cache); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

package karamanlis

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadSession feeds arbitrary bytes as a session's
// fixationmovie_data.mat through the loaders and Inspect: they must return
// errors, never panic or allocate without bound.
func FuzzLoadSession(f *testing.F) {
	for _, c := range []string{"ok", "offscreen", "rank_fixations", "nan_spikes", "responses_only"} {
		b, err := os.ReadFile(filepath.Join("testdata", "bad", c, "fixationmovie_data.mat"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "fixationmovie_data.mat"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		o := DefaultStimulusOptions()
		o.CacheDir, o.DisableCache, o.Workers = dir, true, 1
		o.Height, o.Width = 6, 8
		o.ScreenHeight, o.ScreenWidth = 60, 80
		m, err := LoadStimuliForSession(ctx, dir, o)
		if err == nil {
			if verr := m.Validate(); verr != nil {
				t.Fatal(verr)
			}
		}
		ro := DefaultResponseOptions()
		ro.CacheDir = dir
		if r, err := LoadResponsesForSession(ctx, dir, ro); err == nil {
			if verr := r.Validate(); verr != nil {
				t.Fatal(verr)
			}
		}
		Inspect(ctx, Session{Name: "s", Path: dir}, InspectOptions{CacheDir: dir})
	})
}

// FuzzReadCache feeds arbitrary bytes as a stimulus cache .npz.
func FuzzReadCache(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "bad", "openretina_cache", orCache))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, fx := range []string{"antialias", "noantialias"} {
		if c, err := os.ReadFile(filepath.Join("testdata", "resizecache", fx, orCache)); err == nil {
			f.Add(c)
		}
	}
	okMat := filepath.Join("testdata", "bad", "ok", "fixationmovie_data.mat")
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), orCache)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		o := DefaultStimulusOptions()
		o, _ = o.WithDefaults()
		for _, need := range []bool{false, true} {
			mov, err := readCache(path, need, &Source{Name: "x"}, &stimShapes{blocks: 2, perBlock: 6, testFrames: 5}, o)
			if err == nil && (len(mov.train) != mov.t*60*80 || len(mov.test) != mov.tf*60*80) {
				t.Fatalf("inconsistent movie %d/%d frames, %d/%d values", mov.t, mov.tf, len(mov.train), len(mov.test))
			}
			if err == nil && !need {
				// The resize check of a foreign cache against a real .mat.
				foreignResizeProblem(context.Background(), okMat, mov, o)
			}
		}
		foreignCache(path)
	})
}

// FuzzParseSize checks that ParseSize accepts only positive HxW.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"60x80", "0x1", "x", "1X2", " 3 x 4 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, w, err := ParseSize(s)
		if err == nil && (h <= 0 || w <= 0) {
			t.Fatalf("%q -> %d x %d", s, h, w)
		}
	})
}

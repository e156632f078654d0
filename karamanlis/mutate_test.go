package karamanlis

import (
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// TestMutatedInputs runs the loaders on randomly damaged copies of a
// session file and of a cache (a fixed-seed complement to the fuzz
// targets): every call must return, with an error or a valid result.
func TestMutatedInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	ctx := context.Background()
	r := rand.New(rand.NewSource(1))
	mutate := func(base []byte) []byte {
		data := append([]byte(nil), base...)
		for k := 0; k < 1+r.Intn(4); k++ {
			data[r.Intn(len(data))] = byte(r.Intn(256))
		}
		if r.Intn(8) == 0 {
			data = data[:r.Intn(len(data))]
		}
		return data
	}
	mat, err := os.ReadFile(filepath.Join("testdata", "bad", "ok", "fixationmovie_data.mat"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 300; i++ {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "fixationmovie_data.mat"), mutate(mat), 0o644); err != nil {
			t.Fatal(err)
		}
		o := DefaultStimulusOptions()
		o.CacheDir, o.DisableCache, o.Workers = dir, true, 1
		if m, err := LoadStimuliForSession(ctx, dir, o); err == nil {
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
		}
		ro := DefaultResponseOptions()
		ro.CacheDir = dir
		if r, err := LoadResponsesForSession(ctx, dir, ro); err == nil {
			if err := r.Validate(); err != nil {
				t.Fatal(err)
			}
		}
		Inspect(ctx, Session{Name: "s", Path: dir}, InspectOptions{CacheDir: dir})
	}
	npz, err := os.ReadFile(filepath.Join("testdata", "bad", "openretina_cache", orCache))
	if err != nil {
		t.Fatal(err)
	}
	o, _ := DefaultStimulusOptions().WithDefaults()
	for i := 0; i < 1000; i++ {
		path := filepath.Join(t.TempDir(), orCache)
		if err := os.WriteFile(path, mutate(npz), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, need := range []bool{false, true} {
			mov, err := readCache(path, need, &Source{Name: "x"}, &stimShapes{blocks: 2, perBlock: 6, testFrames: 5}, o)
			if err == nil && (len(mov.train) != mov.t*60*80 || len(mov.test) != mov.tf*60*80) {
				t.Fatalf("inconsistent cached movie")
			}
		}
	}
}

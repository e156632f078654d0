package karamanlis

import (
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/hdf5"
)

// TestMutatedInputs runs the loaders on randomly damaged copies of a
// session file and of a cache (a fixed-seed complement to the fuzz
// targets): every call must return, either with an error that names the
// damaged file (or its folder), or with a result whose shapes are what the
// damaged file declares (read independently with package hdf5).
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
	loaded, failed := 0, 0
	for i := 0; i < 300; i++ {
		dir := t.TempDir()
		path := filepath.Join(dir, "fixationmovie_data.mat")
		if err := os.WriteFile(path, mutate(mat), 0o644); err != nil {
			t.Fatal(err)
		}
		o := DefaultStimulusOptions()
		o.CacheDir, o.DisableCache, o.Workers = dir, true, 1
		m, err := LoadStimuliForSession(ctx, dir, o)
		checkMutated(t, i, "stimuli", dir, err)
		if err == nil {
			loaded++
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			blocks, per, tf := declared(t, path, DatasetRunningFixations, 0), declared(t, path, DatasetRunningFixations, 1), declared(t, path, DatasetFrozenFixations, 0)
			if want := []int{1, blocks * per, 60, 80}; !equalInts(m.TrainShape, want) {
				t.Errorf("mutation %d: train shape %v, the file declares %v", i, m.TrainShape, want)
			}
			if want := []int{1, tf, 60, 80}; !equalInts(m.TestShape, want) {
				t.Errorf("mutation %d: test shape %v, the file declares %v", i, m.TestShape, want)
			}
		} else {
			failed++
		}
		ro := DefaultResponseOptions()
		ro.CacheDir = dir
		r, err := LoadResponsesForSession(ctx, dir, ro)
		checkMutated(t, i, "responses", dir, err)
		if err == nil {
			if err := r.Validate(); err != nil {
				t.Fatal(err)
			}
			k, tf, n := declared(t, path, DatasetFrozenBin, 0), declared(t, path, DatasetFrozenBin, 1), declared(t, path, DatasetFrozenBin, 2)
			b, tr := declared(t, path, DatasetRunningBin, 0), declared(t, path, DatasetRunningBin, 1)
			if want := []int{k, n, tf}; !equalInts(r.TestByTrialShape, want) {
				t.Errorf("mutation %d: test_by_trial shape %v, the file declares %v", i, r.TestByTrialShape, want)
			}
			if want := []int{n, b * tr}; !equalInts(r.TrainShape, want) {
				t.Errorf("mutation %d: train responses shape %v, the file declares %v", i, r.TrainShape, want)
			}
		}
		if _, err := Inspect(ctx, Session{Name: "s", Path: dir}, InspectOptions{CacheDir: dir}); err != nil {
			t.Errorf("mutation %d: Inspect reports file problems in Problems, but returned %v", i, err)
		}
	}
	// The mutations must exercise both outcomes.
	t.Logf("%d mutated files loaded, %d failed", loaded, failed)
	if loaded == 0 || failed == 0 {
		t.Errorf("%d mutated files loaded and %d failed: want some of each", loaded, failed)
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
			if err == nil && (mov.t != 12 || mov.tf != 5 || len(mov.train) != 12*60*80 || len(mov.test) != 5*60*80) {
				t.Fatalf("cached movie of %d+%d frames (%d, %d values) accepted for a file with 12+5 frames", mov.t, mov.tf, len(mov.train), len(mov.test))
			}
		}
	}
}

// checkMutated checks a loader's error on a damaged file: it must name the
// session folder (every message names the file or the folder it looked in).
func checkMutated(t *testing.T, i int, what, dir string, err error) {
	t.Helper()
	if err != nil && !strings.Contains(err.Error(), dir) {
		t.Errorf("mutation %d: %s error does not name the file: %v", i, what, err)
	}
}

// declared returns dimension d of a dataset's shape as the (damaged) file
// declares it, read with package hdf5 alone.
func declared(t *testing.T, path, name string, d int) int {
	t.Helper()
	f, err := hdf5.Open(path)
	if err != nil {
		t.Fatalf("%s loaded but hdf5 cannot open it: %v", path, err)
	}
	defer f.Close()
	ds, err := f.OpenDataset("/" + name)
	if err != nil {
		t.Fatalf("%s loaded but hdf5 cannot open /%s: %v", path, name, err)
	}
	sh := ds.Shape()
	if d >= len(sh) {
		t.Fatalf("/%s has shape %v", name, sh)
	}
	return int(sh[d])
}

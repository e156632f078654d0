package karamanlis

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/internal/testutil"
	"github.com/retinaio/retinaio/mat"
	"github.com/retinaio/retinaio/npy"
)

// goldenDir is the repository's golden fixtures (see its README.md).
const goldenDir = "../testdata/golden"

// goldenSessions are the three golden sessions: two folders and one zip.
var goldenSessions = []struct {
	name string
	zip  bool
}{
	{"20210203_252MEA_mouse_left_half_dorsal", false},
	{"20210803_252MEA_mouse_left_half_dorsal", true},
	{"20220208_60MEA_marmoset_right_n1", false},
}

// expected is one golden expected/<session>__<mode>.npz.
type expected struct {
	trainRaw, testRaw                           []float32
	trainShape, testShape                       []int
	mean, std                                   float32
	respTrain, respTest, byTrial                []float64
	respTrainShape, respTestShape, byTrialShape []int
}

func loadExpected(t *testing.T, session string, sem fixmovie.Semantics) *expected {
	t.Helper()
	z, err := npy.OpenNPZ(filepath.Join(goldenDir, "expected", session+"__"+sem.String()+".npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	e := &expected{}
	f32 := func(name string) ([]float32, []int) {
		a, err := z.Read(name)
		if err != nil {
			t.Fatal(err)
		}
		v, err := a.Float32()
		if err != nil {
			t.Fatal(err)
		}
		if a.Fortran {
			v = mat.Transpose(v, fortranShape(a.Shape))
		}
		return v, a.Shape
	}
	f64 := func(name string) ([]float64, []int) {
		a, err := z.Read(name)
		if err != nil {
			t.Fatal(err)
		}
		v, ok := a.Data.([]float64)
		if !ok {
			t.Fatalf("%s: %s is %s", session, name, a.Descr)
		}
		if a.Fortran {
			v = mat.Transpose(v, fortranShape(a.Shape))
		}
		return v, a.Shape
	}
	e.trainRaw, e.trainShape = f32("train_raw")
	e.testRaw, e.testShape = f32("test_raw")
	m, _ := f32("norm_mean")
	s, _ := f32("norm_std")
	e.mean, e.std = m[0], s[0]
	e.respTrain, e.respTrainShape = f64("resp_train")
	e.respTest, e.respTestShape = f64("resp_test")
	e.byTrial, e.byTrialShape = f64("resp_test_by_trial")
	return e
}

// copySession copies a golden session (folder or zip) into a fresh temporary
// root and returns the root and the session's path there.
func copySession(t *testing.T, name string, zip bool) (root, path string) {
	t.Helper()
	root = t.TempDir()
	src := filepath.Join(goldenDir, "sessions", name)
	if zip {
		src += ".zip"
		path = filepath.Join(root, name+".zip")
		testutil.CopyFile(t, src, path)
		return root, path
	}
	path = filepath.Join(root, name)
	testutil.CopyTree(t, src, path)
	return root, path
}

// bitsEqual32 checks that got and want have the same length and the same
// float32 bits everywhere; the error names the first difference.
func bitsEqual32(got, want []float32) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return fmt.Errorf("value %d is %v (bits %#08x), want %v (bits %#08x) bit for bit", i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
	return nil
}

// maxDiff32 is max |got - want| (NaN-aware: NaN vs number counts as Inf;
// slices of different lengths differ by Inf).
func maxDiff32(got, want []float32) (float64, int) {
	if len(got) != len(want) {
		return math.Inf(1), min(len(got), len(want))
	}
	worst, at := 0.0, -1
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if d != d {
			d = math.Inf(1)
		}
		if d > worst {
			worst, at = d, i
		}
	}
	return worst, at
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// testOptions are DefaultStimulusOptions with the cache folder in a
// temporary directory and warnings collected.
func testOptions(t *testing.T, sem fixmovie.Semantics, warnings *[]string) StimulusOptions {
	o := DefaultStimulusOptions()
	o.Semantics = sem
	o.CacheDir = t.TempDir()
	o.ToolVersion = "test"
	if warnings != nil {
		o.Warn = func(m string) { *warnings = append(*warnings, m) }
	}
	return o
}

// checkNormalised checks that got is raw normalised with the expected mean
// and standard deviation, value for value in float32 (bit for bit).
func checkNormalised(t *testing.T, name string, got, raw []float32, want *expected) {
	t.Helper()
	w := make([]float32, len(raw))
	for i, v := range raw {
		w[i] = (v - want.mean) / want.std
	}
	if err := bitsEqual32(got, w); err != nil {
		t.Errorf("normalised %s: %v", name, err)
	}
}

// checkRawCache checks that a streamed run left a stimulus cache that
// LoadStimuliForSession uses (with o, unnormalised) and that holds the
// expected raw movies bit for bit.
func checkRawCache(t *testing.T, ctx context.Context, path string, o StimulusOptions, want *expected) {
	t.Helper()
	o.Normalize = false
	cached, err := LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if !cached.FromCache {
		t.Fatalf("the streamed run left no usable cache (source %s)", cached.Source)
	}
	if err := bitsEqual32(cached.Train, want.trainRaw); err != nil {
		t.Errorf("cached raw train: %v", err)
	}
	if err := bitsEqual32(cached.Test, want.testRaw); err != nil {
		t.Errorf("cached raw test: %v", err)
	}
}

package karamanlis_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/synth"
)

// trialsSink keeps what StreamResponsesForSession passes on: the shapes
// given to Start, and the trials, concatenated in the order received.
type trialsSink struct {
	started  bool
	shape    []int
	trials   []float64
	order    []int
	failAt   int // Trial returns errSinkFull at this trial (when > 0)
	startErr error
}

var errSinkFull = errors.New("sink full")

func (s *trialsSink) Start(r *karamanlis.ResponsesTrainTestSplit) error {
	if s.started || r.Train != nil || r.Test != nil || r.TestByTrial != nil {
		return fmt.Errorf("Start called twice or with values: %v", s.started)
	}
	s.started, s.shape = true, append([]int(nil), r.TestByTrialShape...)
	return s.startErr
}

func (s *trialsSink) Trial(k int, v []float64) error {
	if s.failAt > 0 && k == s.failAt {
		return errSinkFull
	}
	s.order = append(s.order, k)
	s.trials = append(s.trials, v...)
	return nil
}

// sameBits fails unless got and want hold the same float64 bits.
func sameBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%s: %d values, want %d (> 0)", what, len(got), len(want))
	}
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s[%d] = %v streamed, %v loaded whole", what, i, got[i], want[i])
		}
	}
}

// TestStreamResponsesSameAsLoad streams the responses of a synthetic
// session in every file layout, each also with a low bound on the bins
// read at a time (slabs of fewer rows than the trials, so that the trials'
// buffer is reused; in MATLAB's layout, whose frozenbin chunks span all
// trials, slices of frames) and checks that the trials
// passed to the sink, in order, and the returned Train and Test are the
// bits LoadResponsesForSession gives, with the same shapes and warnings.
func TestStreamResponsesSameAsLoad(t *testing.T) {
	ctx := context.Background()
	p := synth.Profiles["small"]
	for _, c := range []struct {
		layout synth.Layout
		slice  int // binSliceBytes, 0: unchanged
	}{
		{synth.LayoutOwn, 0}, {synth.LayoutH5py, 0}, {synth.LayoutContiguous, 0},
		{synth.LayoutOwn, 4096}, {synth.LayoutH5py, 4096}, {synth.LayoutContiguous, 4096}, // slabs of fewer rows than the trials
		{synth.LayoutMATLAB, 0}, {synth.LayoutMATLAB, 4096},
	} {
		t.Run(fmt.Sprintf("%s-%d", c.layout, c.slice), func(t *testing.T) {
			dir := t.TempDir()
			paths, err := synth.Write(ctx, dir, synth.Options{Profile: p, Seed: 7, Layout: c.layout})
			if err != nil {
				t.Fatal(err)
			}
			if c.slice > 0 {
				defer karamanlis.SetBinSliceBytes(c.slice)()
			}
			var lw, sw []string
			o := karamanlis.ResponseOptions{CacheDir: filepath.Join(dir, "cache"), Warn: func(m string) { lw = append(lw, m) }}
			whole, err := karamanlis.LoadResponsesForSession(ctx, paths[0], o)
			if err != nil {
				t.Fatal(err)
			}
			o.Warn = func(m string) { sw = append(sw, m) }
			sink := &trialsSink{}
			got, err := karamanlis.StreamResponsesForSession(ctx, paths[0], o, sink)
			if err != nil {
				t.Fatal(err)
			}
			if got.TestByTrial != nil {
				t.Errorf("TestByTrial held: %d values", len(got.TestByTrial))
			}
			k := whole.Trials()
			if k < 2 {
				t.Fatalf("%d trials: the test needs several", k)
			}
			for i, o := range sink.order {
				if o != i {
					t.Fatalf("trials passed in order %v", sink.order)
				}
			}
			if !reflect.DeepEqual(sink.shape, whole.TestByTrialShape) || !reflect.DeepEqual(got.TestByTrialShape, whole.TestByTrialShape) ||
				!reflect.DeepEqual(got.TestShape, whole.TestShape) || !reflect.DeepEqual(got.TrainShape, whole.TrainShape) {
				t.Errorf("shapes: Start %v, streamed %v %v %v, loaded %v %v %v", sink.shape, got.TestByTrialShape, got.TestShape, got.TrainShape,
					whole.TestByTrialShape, whole.TestShape, whole.TrainShape)
			}
			sameBits(t, "test_by_trial", sink.trials, whole.TestByTrial)
			sameBits(t, "test", got.Test, whole.Test)
			sameBits(t, "train", got.Train, whole.Train)
			if got.NaNCount != whole.NaNCount || got.Source != whole.Source || got.StimID != whole.StimID || !reflect.DeepEqual(sw, lw) {
				t.Errorf("streamed %d NaN, %q, %q, warnings %q; loaded %d, %q, %q, %q", got.NaNCount, got.Source, got.StimID, sw,
					whole.NaNCount, whole.Source, whole.StimID, lw)
			}
		})
	}
}

// TestStreamResponsesSinkErrors: an error of the sink stops the reading
// and is returned as it is.
func TestStreamResponsesSinkErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	paths, err := synth.Write(ctx, dir, synth.Options{Profile: synth.Profiles["small"], Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	o := karamanlis.ResponseOptions{CacheDir: filepath.Join(dir, "cache")}
	sink := &trialsSink{failAt: 1}
	if _, err := karamanlis.StreamResponsesForSession(ctx, paths[0], o, sink); !errors.Is(err, errSinkFull) || len(sink.order) != 1 {
		t.Errorf("Trial failing at trial 1: err %v after trials %v", err, sink.order)
	}
	sink = &trialsSink{startErr: errSinkFull}
	if _, err := karamanlis.StreamResponsesForSession(ctx, paths[0], o, sink); !errors.Is(err, errSinkFull) || len(sink.order) != 0 {
		t.Errorf("Start failing: err %v after trials %v", err, sink.order)
	}
	if _, err := karamanlis.StreamResponsesForSession(ctx, paths[0], o, nil); err == nil {
		t.Error("no sink: no error")
	}
}

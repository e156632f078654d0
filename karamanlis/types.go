package karamanlis

import (
	"errors"
	"fmt"
	"math"
)

// MoviesTrainTestSplit is a session's stimulus, as openretina's
// MoviesTrainTestSplit: Train has shape TrainShape = (channels, T, h, w)
// and Test TestShape = (channels, Tf, h, w), both C order. Karamanlis
// movies have one channel.
type MoviesTrainTestSplit struct {
	Train      []float32
	TrainShape []int
	Test       []float32
	TestShape  []int
	// StimID is the stimulus type ("fixationmovie").
	StimID string
	// Normalized reports that NormMean and NormStd were subtracted and
	// divided; both are zero otherwise (openretina's None).
	Normalized bool
	NormMean   float32
	NormStd    float32
	// Source is the file the movie came from: the .mat, or the cache .npz.
	Source string
	// FromCache reports that Source is a cache file.
	FromCache bool
}

// Validate checks openretina's invariants: train and test are 4-D with the
// same number of channels and the same spatial size, and the data lengths
// match the shapes.
func (m *MoviesTrainTestSplit) Validate() error {
	if m == nil {
		return errors.New("movies: nil split")
	}
	if len(m.TrainShape) != 4 {
		return fmt.Errorf("movies: train stimulus has %d dimensions %v, want 4 (channels, time, height, width)", len(m.TrainShape), m.TrainShape)
	}
	if len(m.TestShape) != 4 {
		return fmt.Errorf("movies: test stimulus has %d dimensions %v, want 4 (channels, time, height, width)", len(m.TestShape), m.TestShape)
	}
	if m.TrainShape[0] != m.TestShape[0] {
		return fmt.Errorf("movies: train has %d channels, test %d: they must be equal", m.TrainShape[0], m.TestShape[0])
	}
	if m.TrainShape[2] != m.TestShape[2] || m.TrainShape[3] != m.TestShape[3] {
		return fmt.Errorf("movies: train frames are %dx%d, test frames %dx%d: they must be equal", m.TrainShape[2], m.TrainShape[3], m.TestShape[2], m.TestShape[3])
	}
	if n, err := shapeLen(m.TrainShape); err != nil || n != len(m.Train) {
		return fmt.Errorf("movies: train shape %v does not match its %d values", m.TrainShape, len(m.Train))
	}
	if n, err := shapeLen(m.TestShape); err != nil || n != len(m.Test) {
		return fmt.Errorf("movies: test shape %v does not match its %d values", m.TestShape, len(m.Test))
	}
	if m.Normalized && !(m.NormStd > 0) {
		return fmt.Errorf("movies: normalisation std %v must be positive", m.NormStd)
	}
	return nil
}

// TrainFrames is the number of training frames (TrainShape[1]).
func (m *MoviesTrainTestSplit) TrainFrames() int { return dim(m.TrainShape, 1) }

// TestFrames is the number of test frames (TestShape[1]).
func (m *MoviesTrainTestSplit) TestFrames() int { return dim(m.TestShape, 1) }

// ResponsesTrainTestSplit is a session's responses, as openretina's
// ResponsesTrainTestSplit: Train (neurons, T), Test (neurons, Tf) = the
// mean of TestByTrial (trials, neurons, Tf) over trials; float64, C order,
// divided by the firing-rate normalisation.
type ResponsesTrainTestSplit struct {
	Train            []float64
	TrainShape       []int
	Test             []float64
	TestShape        []int
	TestByTrial      []float64
	TestByTrialShape []int
	StimID           string
	// NaNCount is the number of NaN spike counts in the file (a warning
	// is given when it is not zero).
	NaNCount int
	// Source is the .mat file.
	Source string
}

// Neurons is the number of neurons (TrainShape[0]).
func (r *ResponsesTrainTestSplit) Neurons() int { return dim(r.TrainShape, 0) }

// TrainFrames is the number of training frames.
func (r *ResponsesTrainTestSplit) TrainFrames() int { return dim(r.TrainShape, 1) }

// TestFrames is the number of test frames.
func (r *ResponsesTrainTestSplit) TestFrames() int { return dim(r.TestShape, 1) }

// Trials is the number of test repeats (0 without TestByTrial).
func (r *ResponsesTrainTestSplit) Trials() int { return dim(r.TestByTrialShape, 0) }

// Validate checks openretina's invariants: train and test have the same
// number of neurons, TestByTrial (when present) is (trials, neurons, Tf)
// with the test's neurons and frames, and Test is its mean over trials.
func (r *ResponsesTrainTestSplit) Validate() error {
	if r == nil {
		return errors.New("responses: nil split")
	}
	if len(r.TrainShape) != 2 || len(r.TestShape) != 2 {
		return fmt.Errorf("responses: train %v and test %v must be 2-D (neurons, time)", r.TrainShape, r.TestShape)
	}
	if n, err := shapeLen(r.TrainShape); err != nil || n != len(r.Train) {
		return fmt.Errorf("responses: train shape %v does not match its %d values", r.TrainShape, len(r.Train))
	}
	if n, err := shapeLen(r.TestShape); err != nil || n != len(r.Test) {
		return fmt.Errorf("responses: test shape %v does not match its %d values", r.TestShape, len(r.Test))
	}
	if r.TrainShape[0] != r.TestShape[0] {
		return fmt.Errorf("responses: train has %d neurons, test %d: they must be equal", r.TrainShape[0], r.TestShape[0])
	}
	if r.TestByTrialShape == nil && r.TestByTrial == nil {
		return nil
	}
	if len(r.TestByTrialShape) != 3 {
		return fmt.Errorf("responses: test_by_trial shape %v must be 3-D (trials, neurons, time)", r.TestByTrialShape)
	}
	if n, err := shapeLen(r.TestByTrialShape); err != nil || n != len(r.TestByTrial) {
		return fmt.Errorf("responses: test_by_trial shape %v does not match its %d values", r.TestByTrialShape, len(r.TestByTrial))
	}
	if r.TestByTrialShape[1] != r.TestShape[0] || r.TestByTrialShape[2] != r.TestShape[1] {
		return fmt.Errorf("responses: test_by_trial is %v but test is %v: neurons and frames must agree", r.TestByTrialShape, r.TestShape)
	}
	k := r.TestByTrialShape[0]
	if k == 0 {
		return errors.New("responses: test_by_trial has no trials")
	}
	m := len(r.Test)
	for i := 0; i < m; i++ {
		var s float64
		for t := 0; t < k; t++ {
			s += r.TestByTrial[t*m+i]
		}
		mean := s / float64(k)
		got := r.Test[i]
		if math.IsNaN(mean) && math.IsNaN(got) {
			continue
		}
		if math.Abs(mean-got) > 1e-9*math.Max(1, math.Abs(mean)) {
			n, tf := i/r.TestShape[1], i%r.TestShape[1]
			return fmt.Errorf("responses: test[%d, %d] = %v is not the mean over trials of test_by_trial (%v)", n, tf, got, mean)
		}
	}
	return nil
}

// CheckStimuliResponsesMatch is openretina's check_stimuli_responses_match:
// the stimulus and the responses must have the same number of training
// frames and of test frames. The error names both counts.
func CheckStimuliResponsesMatch(stim *MoviesTrainTestSplit, resp *ResponsesTrainTestSplit) error {
	if stim == nil || resp == nil {
		return errors.New("check stimuli/responses: missing stimulus or responses")
	}
	if a, b := stim.TrainFrames(), resp.TrainFrames(); a != b {
		return fmt.Errorf("%w: training stimulus has %d frames but training responses have %d", ErrFrameMismatch, a, b)
	}
	if a, b := stim.TestFrames(), resp.TestFrames(); a != b {
		return fmt.Errorf("%w: test stimulus has %d frames but test responses have %d", ErrFrameMismatch, a, b)
	}
	return nil
}

// ErrFrameMismatch is wrapped by CheckStimuliResponsesMatch's errors.
var ErrFrameMismatch = errors.New("stimulus and responses differ in frame count")

func dim(shape []int, i int) int {
	if i < len(shape) {
		return shape[i]
	}
	return 0
}

func shapeLen(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > math.MaxInt/d) {
			return 0, fmt.Errorf("bad shape %v", shape)
		}
		n *= d
	}
	return n, nil
}

// TestKey is the name openretina gives a dataset's single test stimulus in
// test_dict and test_by_trial_dict: MoviesTrainTestSplit(test=...) and
// ResponsesTrainTestSplit(test=..., test_by_trial=...) lift their arrays
// into {"test": ...}.
const TestKey = "test"

// Float32Array is an array with its shape (row-major).
type Float32Array struct {
	Data  []float32
	Shape []int
}

// Float64Array is an array with its shape (row-major).
type Float64Array struct {
	Data  []float64
	Shape []int
}

// TestDict is openretina's test_dict: {"test": the test movie}.
func (m *MoviesTrainTestSplit) TestDict() map[string]Float32Array {
	return map[string]Float32Array{TestKey: {Data: m.Test, Shape: m.TestShape}}
}

// RandomSequences is openretina's random_sequences: nil, as the Karamanlis
// loader passes random_sequences=None (the field is for Höfling 2024's clip
// permutations).
func (m *MoviesTrainTestSplit) RandomSequences() []int64 { return nil }

// NormMeanStd returns openretina's norm_mean and norm_std, ok false for
// their None (not normalised).
func (m *MoviesTrainTestSplit) NormMeanStd() (mean, std float32, ok bool) {
	return m.NormMean, m.NormStd, m.Normalized
}

// TestDict is openretina's test_dict: {"test": the trial-averaged test
// responses (neurons, Tf)}.
func (r *ResponsesTrainTestSplit) TestDict() map[string]Float64Array {
	return map[string]Float64Array{TestKey: {Data: r.Test, Shape: r.TestShape}}
}

// TestByTrialDict is openretina's test_by_trial_dict: {"test": (trials,
// neurons, Tf)}, or an empty map when there is no per-trial array (as
// openretina leaves it when test_by_trial is None).
func (r *ResponsesTrainTestSplit) TestByTrialDict() map[string]Float64Array {
	if r.TestByTrial == nil {
		return map[string]Float64Array{}
	}
	return map[string]Float64Array{TestKey: {Data: r.TestByTrial, Shape: r.TestByTrialShape}}
}

// SessionKwargs is openretina's session_kwargs: empty, as the Karamanlis
// loader does not fill it.
func (r *ResponsesTrainTestSplit) SessionKwargs() map[string]any { return map[string]any{} }

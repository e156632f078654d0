// Package clips cuts a session's training movie and responses into
// training and validation clips exactly as openretina does for the
// Karamanlis et al. 2024 data, so a model trained elsewhere can be compared
// on the same validation clips.
//
// openretina, per session: num_clips = T // clip_length; the validation
// clips are numpy.random.RandomState(seed).choice(num_clips, num_val_clips,
// replace=False), kept in that (draw) order; the training clips are the
// others in ascending order; frames beyond num_clips*clip_length (the tail)
// are dropped from the movie. Defaults for this dataset: clip_length 75,
// num_val_clips 20, seed 42. openretina's val_clip_indices replaces the
// draw with given clips, kept in the given order (Options.ValClipIndices).
//
// openretina's quirk: it removes the validation frames from the training
// responses with a boolean mask over time, so the tail frames stay in its
// training responses, which end up longer than its training movie by the
// tail (the first TrainFrames frames are aligned with the movie; the tail
// responses sit at the end with no movie frames to go with them). This
// package cuts the responses exactly like the movie (aligned, tail
// dropped) unless Options.KeepResponseTail asks for openretina's layout.
package clips

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/retinaio/retinaio/nprand"
)

// Options configure a split.
type Options struct {
	// ClipLength is the number of frames per clip (75 for this dataset).
	ClipLength int
	// ValClips is the number of validation clips (20).
	ValClips int
	// Seed seeds numpy's RandomState (42).
	Seed uint32
	// ValClipIndices, when not nil, are the validation clips, in this order
	// (openretina's val_clip_indices: ValClips and Seed are then ignored).
	// Each index must name a whole clip (0 to NumClips-1) and appear once,
	// and at least one clip must be left for training. openretina fails on
	// an index out of range and on an empty training set too; it silently
	// puts a repeated index into the validation set twice, which is refused
	// here. An empty non-nil slice means no validation clip.
	ValClipIndices []int
	// KeepResponseTail appends the tail frames to the training responses,
	// as openretina does (the movie never keeps them).
	KeepResponseTail bool
}

// DefaultOptions returns openretina's defaults for this dataset:
// clip length 75, 20 validation clips, seed 42.
func DefaultOptions() Options { return Options{ClipLength: 75, ValClips: 20, Seed: 42} }

// Plan is the clip split of one session's training movie.
type Plan struct {
	ClipLength int
	NumFrames  int   // frames in the training movie (T)
	NumClips   int   // T / ClipLength
	Val        []int // validation clip indices, in draw order
	Train      []int // the other clips, ascending
	KeepTail   bool  // responses keep the tail (openretina's quirk)
}

// TooFewClipsError is NewPlan's error when the training movie has fewer
// clips than the validation clips plus one training clip.
type TooFewClipsError struct {
	Frames     int // frames in the training movie
	ClipLength int
	Clips      int // Frames / ClipLength
	ValClips   int // validation clips asked for
}

// MaxValClips returns the most validation clips the movie allows at this
// clip length (Clips - 1; 0 when not even two clips fit).
func (e *TooFewClipsError) MaxValClips() int { return max(e.Clips-1, 0) }

// MaxClipLength returns the longest clip length that gives ValClips + 1
// clips (0 when the movie is too short even for 1-frame clips).
func (e *TooFewClipsError) MaxClipLength() int { return e.Frames / (e.ValClips + 1) }

// Error says what is wrong and what would work.
func (e *TooFewClipsError) Error() string {
	msg := fmt.Sprintf("the training movie has %d frames = %d clips of %d frames; %d validation clips need at least %d clips (%d for validation, 1 or more for training)",
		e.Frames, e.Clips, e.ClipLength, e.ValClips, e.ValClips+1, e.ValClips)
	var fix []string
	if m := e.MaxValClips(); m >= 1 {
		fix = append(fix, fmt.Sprintf("at most %d validation clips of %d frames", m, e.ClipLength))
	}
	if l := e.MaxClipLength(); l >= 1 {
		fix = append(fix, fmt.Sprintf("clips of at most %d frames for %d validation clips", l, e.ValClips))
	}
	if len(fix) == 0 {
		return msg + ": the movie is too short to split"
	}
	return msg + ": use " + strings.Join(fix, ", or ")
}

// NewPlan draws the validation clips for a training movie of numFrames
// frames (or takes Options.ValClipIndices). It fails with a
// *TooFewClipsError when the movie has fewer than ValClips+1 clips.
func NewPlan(numFrames int, opt Options) (*Plan, error) {
	if opt.ClipLength <= 0 {
		return nil, fmt.Errorf("clip length %d must be positive", opt.ClipLength)
	}
	if numFrames < 0 {
		return nil, fmt.Errorf("negative frame count %d", numFrames)
	}
	nc := numFrames / opt.ClipLength
	var val []int
	if opt.ValClipIndices != nil {
		var err error
		if val, err = checkGiven(opt.ValClipIndices, numFrames, opt.ClipLength); err != nil {
			return nil, err
		}
	} else {
		if opt.ValClips < 0 {
			return nil, fmt.Errorf("number of validation clips %d must not be negative", opt.ValClips)
		}
		if nc < opt.ValClips+1 {
			return nil, &TooFewClipsError{Frames: numFrames, ClipLength: opt.ClipLength, Clips: nc, ValClips: opt.ValClips}
		}
		var err error
		if val, err = nprand.New(opt.Seed).Choice(nc, opt.ValClips); err != nil {
			return nil, err
		}
	}
	isVal := make([]bool, nc)
	for _, v := range val {
		isVal[v] = true
	}
	train := make([]int, 0, nc-len(val))
	for c := 0; c < nc; c++ {
		if !isVal[c] {
			train = append(train, c)
		}
	}
	return &Plan{ClipLength: opt.ClipLength, NumFrames: numFrames, NumClips: nc, Val: val, Train: train, KeepTail: opt.KeepResponseTail}, nil
}

// checkGiven validates explicit validation clip indices and returns a copy.
func checkGiven(idx []int, numFrames, clipLength int) ([]int, error) {
	nc := numFrames / clipLength
	seen := make(map[int]int, len(idx))
	for i, v := range idx {
		if v < 0 || v >= nc {
			return nil, fmt.Errorf("validation clip index %d is out of range: the training movie has %d frames = %d clips of %d frames (indices 0 to %d)", v, numFrames, nc, clipLength, nc-1)
		}
		if j, ok := seen[v]; ok {
			return nil, fmt.Errorf("validation clip index %d is given twice (positions %d and %d); openretina would put that clip into the validation set twice: give each clip once", v, j+1, i+1)
		}
		seen[v] = i
	}
	if len(idx) >= nc {
		return nil, fmt.Errorf("%d validation clips given but the training movie has %d frames = %d clips of %d frames: leave at least one clip for training", len(idx), numFrames, nc, clipLength)
	}
	return append([]int{}, idx...), nil
}

// ParseClipIndices parses a comma-separated list of clip indices such as
// "3,7,12" (spaces allowed; "" is the empty list).
func ParseClipIndices(s string) ([]int, error) {
	out := []int{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		v, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("clip index %q is not an integer (want a comma-separated list such as 3,7,12)", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// TailFrames returns the frames after the last whole clip, dropped from
// the movie.
func (p *Plan) TailFrames() int { return p.NumFrames - p.NumClips*p.ClipLength }

// TrainFrames returns the length of the training movie, len(Train)*ClipLength.
func (p *Plan) TrainFrames() int { return len(p.Train) * p.ClipLength }

// ValFrames returns the length of the validation movie, len(Val)*ClipLength.
func (p *Plan) ValFrames() int { return len(p.Val) * p.ClipLength }

// ValClipIdx returns the validation clip indices as int64, in draw order
// (the val_clip_idx array).
func (p *Plan) ValClipIdx() []int64 {
	out := make([]int64, len(p.Val))
	for i, v := range p.Val {
		out[i] = int64(v)
	}
	return out
}

// Ranges returns the [start, end) source frame ranges that make up the
// training movie (ascending clips; with tail, the tail range last) and
// the validation movie (draw order).
func (p *Plan) Ranges(withTail bool) (train, val [][2]int) {
	L := p.ClipLength
	for _, c := range p.Train {
		train = append(train, [2]int{c * L, (c + 1) * L})
	}
	if withTail && p.TailFrames() > 0 {
		train = append(train, [2]int{p.NumClips * L, p.NumFrames})
	}
	for _, c := range p.Val {
		val = append(val, [2]int{c * L, (c + 1) * L})
	}
	return train, val
}

// CutAxis gathers the frame ranges of data, a C-order array of shape
// (outer, T, inner) flattened, along its middle axis: the result has shape
// (outer, sum of range lengths, inner).
func CutAxis[E any](data []E, outer, T, inner int, ranges [][2]int) ([]E, error) {
	if outer*T*inner != len(data) {
		return nil, fmt.Errorf("data has %d elements, not %d x %d x %d", len(data), outer, T, inner)
	}
	total := 0
	for _, r := range ranges {
		if r[0] < 0 || r[1] > T || r[0] > r[1] {
			return nil, fmt.Errorf("frame range [%d, %d) outside [0, %d)", r[0], r[1], T)
		}
		total += r[1] - r[0]
	}
	out := make([]E, 0, outer*total*inner)
	for o := 0; o < outer; o++ {
		base := o * T * inner
		for _, r := range ranges {
			out = append(out, data[base+r[0]*inner:base+r[1]*inner]...)
		}
	}
	return out, nil
}

// Split holds a session cut into training and validation clips.
type Split struct {
	Plan *Plan
	// StimTrain (C, TrainFrames, h, w) and StimVal (C, ValFrames, h, w);
	// C is 1 for this dataset.
	StimTrain, StimVal           []float32
	StimTrainShape, StimValShape []int
	// RespTrain (N, TrainFrames [+ tail]) and RespVal (N, ValFrames).
	RespTrain, RespVal           []float64
	RespTrainShape, RespValShape []int
}

// SplitSession cuts an in-memory session: stim of shape (C, T, ...) (the
// stim_train array, (1, T, h, w)) and resp of shape (N, T) (resp_train).
// The caller's arrays are not modified.
func SplitSession(stim []float32, stimShape []int, resp []float64, respShape []int, opt Options) (*Split, error) {
	if len(stimShape) < 2 {
		return nil, fmt.Errorf("stim_train shape %v: want (channels, frames, ...)", stimShape)
	}
	if len(respShape) != 2 {
		return nil, fmt.Errorf("resp_train shape %v: want (neurons, frames)", respShape)
	}
	T := stimShape[1]
	if respShape[1] != T {
		return nil, fmt.Errorf("resp_train has %d frames but stim_train has %d", respShape[1], T)
	}
	p, err := NewPlan(T, opt)
	if err != nil {
		return nil, err
	}
	inner := 1
	for _, d := range stimShape[2:] {
		inner *= d
	}
	trR, vaR := p.Ranges(false)
	s := &Split{Plan: p}
	if s.StimTrain, err = CutAxis(stim, stimShape[0], T, inner, trR); err != nil {
		return nil, fmt.Errorf("stim_train: %w", err)
	}
	if s.StimVal, err = CutAxis(stim, stimShape[0], T, inner, vaR); err != nil {
		return nil, fmt.Errorf("stim_train: %w", err)
	}
	s.StimTrainShape = append([]int{stimShape[0], p.TrainFrames()}, stimShape[2:]...)
	s.StimValShape = append([]int{stimShape[0], p.ValFrames()}, stimShape[2:]...)
	trResp, _ := p.Ranges(p.KeepTail)
	if s.RespTrain, err = CutAxis(resp, respShape[0], T, 1, trResp); err != nil {
		return nil, fmt.Errorf("resp_train: %w", err)
	}
	if s.RespVal, err = CutAxis(resp, respShape[0], T, 1, vaR); err != nil {
		return nil, fmt.Errorf("resp_train: %w", err)
	}
	s.RespTrainShape = []int{respShape[0], len(s.RespTrain) / max(respShape[0], 1)}
	if respShape[0] == 0 {
		s.RespTrainShape[1] = rangesLen(trResp)
	}
	s.RespValShape = []int{respShape[0], p.ValFrames()}
	return s, nil
}

func rangesLen(r [][2]int) int {
	n := 0
	for _, x := range r {
		n += x[1] - x[0]
	}
	return n
}

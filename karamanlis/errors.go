package karamanlis

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// ErrNoStimulus is wrapped when a session has no stimulus for the requested
// type: no <stim>_data.mat (nor cache), or a file that carries only
// responses (frozencheckerflicker_data.mat has no images). openretina
// returns None with a warning; LoadAllStimuli skips such sessions with a
// warning.
var ErrNoStimulus = errors.New("no stimulus")

// ErrNoResponses is wrapped when a session has no <stim>_data.mat.
var ErrNoResponses = errors.New("no responses")

// ErrBadInput is wrapped by every *InputError.
var ErrBadInput = errors.New("bad input")

// ErrOffScreen is wrapped when, under the openretina semantics, a fixation
// places its image entirely off the screen: openretina's port raises
// IndexError on such a frame, while the MATLAB semantics
// (fixmovie.MATLAB) leave it blank.
var ErrOffScreen = errors.New("image entirely off screen under the openretina semantics")

// ErrConstantMovie is wrapped when a training movie cannot be normalised:
// its standard deviation is zero or not finite. Load it without
// normalisation (StimulusOptions.Normalize false).
var ErrConstantMovie = errors.New("the training movie cannot be normalised")

// ErrMissingDataset is wrapped when a required dataset is absent.
var ErrMissingDataset = errors.New("missing dataset")

// InputError is a problem with a session file's content. Its message names
// the file, the dataset, the block and frame (1-based, as in MATLAB) and
// the offending value.
type InputError struct {
	File    string
	Dataset string // "/runningfixations"
	Block   int    // 1-based; 0 when not applicable
	Frame   int    // 1-based; 0 when not applicable
	Field   string // "image index", "x", "y"
	Value   string // the offending value as text
	Problem string // what is wrong
	Hint    string // what to do, if anything
	Err     error  // an underlying error or sentinel
}

// Error reads like "FILE: dataset /runningfixations: block 2, frame 3:
// image index = 0: must be between 1 and 3 (...)".
func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Dataset != "" {
		fmt.Fprintf(&b, ": dataset %s", e.Dataset)
	}
	switch {
	case e.Block > 0 && e.Frame > 0:
		fmt.Fprintf(&b, ": block %d, frame %d", e.Block, e.Frame)
	case e.Frame > 0:
		fmt.Fprintf(&b, ": frame %d", e.Frame)
	case e.Block > 0:
		fmt.Fprintf(&b, ": block %d", e.Block)
	}
	if e.Field != "" || e.Value != "" {
		b.WriteString(": ")
		if e.Field != "" {
			b.WriteString(e.Field)
			if e.Value != "" {
				b.WriteString(" = ")
			}
		}
		b.WriteString(e.Value)
	}
	if e.Problem != "" {
		b.WriteString(": " + e.Problem)
	}
	if e.Err != nil && !isSentinel(e.Err) {
		// The readers below name the file too ("mat: PATH: hdf5: NAME:
		// superblock: ..."): keep what follows its last mention, so that
		// the message names the file once.
		msg := e.Err.Error()
		if e.File != "" {
			base := filepath.Base(e.File) + ": "
			if i := strings.LastIndex(msg, base); i >= 0 && i+len(base) < len(msg) {
				msg = msg[i+len(base):]
			}
		}
		b.WriteString(": " + msg)
	}
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrBadInput) true for every *InputError.
func (e *InputError) Is(target error) bool { return target == ErrBadInput }

func isSentinel(err error) bool {
	return err == ErrMissingDataset || err == ErrNoStimulus || err == ErrNoResponses || err == ErrFrameMismatch || err == ErrOffScreen
}

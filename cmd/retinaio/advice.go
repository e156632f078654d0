package main

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/retinaio/retinaio/clips"

	"github.com/retinaio/retinaio/karamanlis"
)

// advice returns the command-line advice for a library error: which flag
// to use. Library errors describe the problem; this is where the flags are
// named. "" when there is none.
func advice(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, karamanlis.ErrOffScreen):
		return "use --semantics matlab, which leaves such a frame blank as returnFixMovie.m does"
	case errors.Is(err, karamanlis.ErrConstantMovie):
		return "use --no-normalize"
	case errors.Is(err, fs.ErrNotExist) && !strings.Contains(err.Error(), "; "):
		// A missing file or folder named by the user (messages that
		// already advise something contain "; ").
		return "check the path"
	case errors.Is(err, karamanlis.ErrRemote):
		return "pass the mirror's sessions folder URL to prepare or view, or download the zips with 'retinaio fetch' and pass the local folder"
	}
	return ""
}

// explain is err's message with the library's advice worded for the
// command line: a *clips.TooFewClipsError's "use at most 12 validation
// clips" becomes "use --val-clips 12 or fewer", and advice(err) is appended.
// Every command prints errors through explain (runCommand, prepare's and the
// demo's session lines), so that a message gives its advice once.
func explain(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var few *clips.TooFewClipsError
	if errors.As(err, &few) {
		msg = strings.Replace(msg, few.Error(), tooFewClipsMessage(few), 1)
	}
	return msg + withAdvice(err)
}

// withAdvice formats advice(err) as a suffix: " (use ...)", or "".
func withAdvice(err error) string {
	if a := advice(err); a != "" {
		return " (" + a + ")"
	}
	return ""
}

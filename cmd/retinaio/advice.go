package main

import (
	"errors"

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
	case errors.Is(err, karamanlis.ErrRemote):
		return "pass the mirror's sessions folder URL to prepare or view, or download the zips with 'retinaio fetch' and pass the local folder"
	}
	return ""
}

// withAdvice formats advice(err) as a suffix: " (use ...)", or "".
func withAdvice(err error) string {
	if a := advice(err); a != "" {
		return " (" + a + ")"
	}
	return ""
}

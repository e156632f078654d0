package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/retinaio/retinaio/internal/safetext"
	"github.com/retinaio/retinaio/karamanlis"
)

// parseSpecies checks a --species value: mouse or marmoset (the species of
// the Karamanlis 2024 sessions), or "" when allowEmpty (all species).
func parseSpecies(s string, allowEmpty bool) (karamanlis.Species, error) {
	switch sp := karamanlis.Species(s); sp {
	case karamanlis.Mouse, karamanlis.Marmoset:
		return sp, nil
	case "":
		if allowEmpty {
			return "", nil
		}
	}
	return "", usagef("--species %q: use mouse or marmoset (the species of the Karamanlis 2024 sessions)", s)
}

// sameFile reports whether the two paths name the same existing file (so
// that a command never overwrites its input with its output).
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false
	}
	return os.SameFile(sa, sb)
}

// shellQuote quotes a path for a command line printed as advice, when it
// needs quoting.
func shellQuote(p string) string {
	if p != "" && strings.Trim(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@") == "" {
		return p
	}
	return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
}

// checkWritableDir checks that a file can be written in dir, or, when dir
// does not exist yet, in the nearest folder above it that exists (where the
// pipeline will create it), so that an output folder that cannot be written
// is reported before any work is done (a link to a folder that does not
// exist is refused: the pipeline could not create it). Nothing is created
// but a test file, removed at once: a run failing later leaves no empty
// folder behind, and two runs starting together on a new folder cannot
// remove it from under each other. flagName names the flag that chose dir.
func checkWritableDir(dir, flagName string) error {
	probe := dir
	for {
		st, err := os.Stat(probe)
		if err == nil && st.IsDir() {
			break
		}
		if err == nil {
			return fmt.Errorf("%s %s: %s is not a folder; choose a writable folder", flagName, dir, probe)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s %s: cannot reach %s (%w); choose a writable folder", flagName, dir, probe, errors.Unwrap(err))
		}
		if _, lerr := os.Lstat(probe); lerr == nil {
			// a link to nothing: creating the folder would fail later
			return fmt.Errorf("%s %s: %s is a link to a folder that does not exist; create it or choose a writable folder", flagName, dir, probe)
		}
		parent := filepath.Dir(probe)
		if parent == probe {
			return fmt.Errorf("%s %s: no folder of this path exists; choose a writable folder", flagName, dir)
		}
		probe = parent
	}
	f, err := os.CreateTemp(probe, ".retinaio-write-test-*")
	if err != nil {
		if probe != dir {
			return fmt.Errorf("%s %s: cannot create the folder in %s (%w); choose a writable folder", flagName, dir, probe, errors.Unwrap(err))
		}
		return fmt.Errorf("%s %s: the folder is not writable (%w); choose a writable folder", flagName, dir, errors.Unwrap(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// newJSONEncoder is the encoder of every --json report: indented by two
// spaces, with non-printable characters in names from files, archives and
// servers escaped as \uXXXX (the decoded values are unchanged).
func newJSONEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(safetext.JSONWriter(w))
	enc.SetIndent("", "  ")
	return enc
}

// writeIndentedJSON writes v with newJSONEncoder (the split and eval
// reports).
func writeIndentedJSON(w io.Writer, v any) error {
	enc := newJSONEncoder(w)
	if err := enc.Encode(v); err != nil {
		return errors.New("writing JSON: " + err.Error())
	}
	return nil
}

// messageLogger returns a Logf for the libraries (hub, viewer) that writes
// each message to w as one escaped line after prefix ("retinaio fetch: "),
// one call at a time (lockedLines).
func messageLogger(w io.Writer, prefix string) func(format string, args ...any) {
	say := lockedLines(w)
	return func(format string, args ...any) {
		say(safetext.Message(prefix + fmt.Sprintf(format, args...)))
	}
}

// lockedLines returns a function that writes a line to w, one call at a
// time: the libraries log and warn from several goroutines (downloads in
// parallel, HTTP handlers, sessions prepared in parallel), and w need not
// be safe for concurrent use.
func lockedLines(w io.Writer) func(line string) {
	var mu sync.Mutex
	return func(line string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(w, line)
	}
}

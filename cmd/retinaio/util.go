package main

import (
	"os"

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

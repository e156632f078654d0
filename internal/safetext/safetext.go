// Package safetext escapes untrusted text (names read from files, archives
// or servers) before it reaches a terminal, a log or a JSON document.
//
// One rule, used everywhere: a string made only of printable runes (as
// strconv.IsPrint defines them, plus the ASCII space) and valid UTF-8 is
// returned unchanged; anything else is returned in Go's %q form (quoted,
// with \x1b, \u202e, \xff ... escapes), so control sequences, bidi
// overrides and invalid bytes are shown, never interpreted.
package safetext

import (
	"strconv"
	"unicode/utf8"
)

// Clean reports whether s is valid UTF-8 made of printable runes only, so
// that Escape returns it unchanged.
func Clean(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if !strconv.IsPrint(r) {
			return false
		}
		i += n
	}
	return true
}

// Escape returns s unchanged when Clean(s), else strconv.Quote(s): the Go
// %q form with every non-printable rune and invalid byte escaped. The
// result never contains a control character, a format character (such as
// U+202E) or invalid UTF-8, so it is safe to print and to put in JSON.
func Escape(s string) string {
	if Clean(s) {
		return s
	}
	return strconv.Quote(s)
}

// Escapes returns Escape applied to every element of ss (a new slice).
func Escapes(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Escape(s)
	}
	return out
}

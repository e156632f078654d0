package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
)

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

// writeIndentedJSON writes v as JSON indented by one space (the split and
// eval reports).
func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		return errors.New("writing JSON: " + err.Error())
	}
	return nil
}

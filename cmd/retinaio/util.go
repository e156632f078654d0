package main

import "os"

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

// Package staletemp names temporary files and folders after their owner
// process and removes the ones a killed process left behind.
//
// A temporary name is PREFIX + "<pid>-" + random. Clean removes the entries
// of a folder that start with PREFIX when their owner is provably gone: the
// pid is not a live process on this host (and is not ours) and the entry
// has not been modified for MinAge. Entries in the older format without a
// pid are removed when older than LegacyAge. A live writer keeps its temp's
// time fresh, and a temp on a shared folder written from another host keeps
// it fresh too, so MinAge protects them.
package staletemp

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// MinAge is how long an entry of a dead owner must have been untouched
// before Clean removes it.
var MinAge = 10 * time.Minute

// LegacyAge is the age after which an entry without an owner pid (written
// by an older retinaio) is removed.
var LegacyAge = 24 * time.Hour

// Pattern returns the os.CreateTemp/os.MkdirTemp pattern for prefix:
// prefix + "<our pid>-*".
func Pattern(prefix string) string {
	return prefix + strconv.Itoa(os.Getpid()) + "-*"
}

// Owner parses the pid from a name made by Pattern(prefix); ok is false for
// other names (legacy is true when the name has the prefix but no pid).
func Owner(name, prefix string) (pid int, ok, legacy bool) {
	rest, found := strings.CutPrefix(name, prefix)
	if !found {
		return 0, false, false
	}
	digits, _, hasDash := strings.Cut(rest, "-")
	n, err := strconv.Atoi(digits)
	if !hasDash || err != nil || n <= 0 {
		return 0, false, true
	}
	return n, true, false
}

// Clean removes the stale entries of dir whose names start with prefix (see
// the package comment) and returns their paths. Errors are ignored: a temp
// that cannot be removed is left for a later run.
func Clean(dir, prefix string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		p := filepath.Join(dir, name)
		if Stale(p, prefix) && os.RemoveAll(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}

// Stale reports whether the entry at p, named with prefix, is a leftover
// of a dead owner (see the package comment).
func Stale(p, prefix string) bool {
	st, err := os.Lstat(p)
	if err != nil {
		return false
	}
	age := time.Since(st.ModTime())
	pid, ok, legacy := Owner(filepath.Base(p), prefix)
	switch {
	case legacy:
		return age > LegacyAge
	case !ok:
		return false
	}
	return pid != os.Getpid() && !Alive(pid) && age > MinAge
}

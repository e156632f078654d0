//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package bench

// syncFS does nothing where sync(2) is not available.
func syncFS() {}

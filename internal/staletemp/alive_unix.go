//go:build unix

package staletemp

import (
	"errors"
	"syscall"
)

// Alive reports whether pid names a running process on this host.
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

//go:build linux || darwin || freebsd || netbsd || openbsd

package bench

import "syscall"

// syncFS asks the system to write all modified file data to disk and waits
// for it (sync(2)).
func syncFS() { syscall.Sync() }

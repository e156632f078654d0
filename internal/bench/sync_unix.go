//go:build linux || darwin || freebsd || netbsd || openbsd

package bench

import "syscall"

// syncFS asks the system to write all modified file data to disk (sync(2);
// on Linux it waits until the writes are done, elsewhere it may return
// before).
func syncFS() { syscall.Sync() }

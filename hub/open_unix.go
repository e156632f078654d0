//go:build unix

package hub

import "syscall"

// Open flags: never follow a planted symbolic link when writing a .part
// file, never block opening a FIFO.
const (
	oNoFollow = syscall.O_NOFOLLOW
	oNonblock = syscall.O_NONBLOCK
)

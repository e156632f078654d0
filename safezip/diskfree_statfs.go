//go:build linux || darwin || freebsd

package safezip

import "syscall"

// diskFree returns the bytes available to an unprivileged user on dir's
// file system, or -1 when unknown.
func diskFree(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(uint64(st.Bavail) * uint64(st.Bsize))
}

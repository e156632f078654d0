//go:build linux && (amd64 || arm64 || riscv64 || loong64 || s390x)

package atomicfile

import (
	"os"
	"syscall"
)

// syncFileRangeWrite is SYNC_FILE_RANGE_WRITE: start writing out the
// range's dirty pages, without waiting for them.
const syncFileRangeWrite = 2

// writebackSupported reports that startWriteback calls the system.
const writebackSupported = true

// startWriteback starts the kernel's writeback of bytes [off, off+n) of f
// (sync_file_range with SYNC_FILE_RANGE_WRITE).
func startWriteback(f *os.File, off, n int64) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall6(syscall.SYS_SYNC_FILE_RANGE, fd, uintptr(off), uintptr(n), syncFileRangeWrite, 0, 0)
	}); err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}

//go:build unix

package sysmem

import (
	"os"
	"runtime"
	"syscall"
)

// maxrssBytes converts ru_maxrss to bytes: kilobytes on Linux and the
// BSDs, bytes on macOS and iOS.
func maxrssBytes(v int64) uint64 {
	if v < 0 {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return uint64(v)
	}
	return uint64(v) * 1024
}

func peakRSS() (uint64, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil && ru.Maxrss > 0 {
		return maxrssBytes(int64(ru.Maxrss)), nil
	}
	return statusHWM()
}

// ChildPeakRSS returns a finished child's peak RSS in bytes from its
// rusage. On Linux it includes the parent's peak at the time of exec
// unless the parent called ResetPeakRSS first.
func ChildPeakRSS(ps *os.ProcessState) (uint64, error) {
	if ps == nil {
		return 0, ErrUnknown
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0, ErrUnknown
	}
	return maxrssBytes(int64(ru.Maxrss)), nil
}

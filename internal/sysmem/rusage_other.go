//go:build !unix

package sysmem

import "os"

func peakRSS() (uint64, error) { return statusHWM() }

// ChildPeakRSS returns a finished child's peak RSS; not available here.
func ChildPeakRSS(ps *os.ProcessState) (uint64, error) { return 0, ErrUnknown }

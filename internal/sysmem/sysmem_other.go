//go:build !linux

package sysmem

func total() (uint64, error) { return 0, ErrUnknown }

func statusHWM() (uint64, error) { return 0, ErrUnknown }

// CurrentRSS returns this process's resident set size; only on Linux.
func CurrentRSS() (uint64, error) { return 0, ErrUnknown }

// ResetPeakRSS resets the peak RSS; only on Linux.
func ResetPeakRSS() error { return ErrUnknown }

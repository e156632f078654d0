//go:build !linux

package atomicfile

import (
	"errors"
	"os"
)

// setDirect reports that direct I/O is not used on this system (the bytes
// go through the page cache).
func setDirect(*os.File, bool) error { return errors.ErrUnsupported }

package karamanlis

import (
	"errors"
	"fmt"
	"os"

	"github.com/retinaio/retinaio/internal/safetext"
)

// ErrNotRegular is wrapped when a data or cache name holds something other
// than a regular file (a FIFO, a device, a socket, a folder): opening a
// FIFO blocks forever and a device can read without end, so such a file is
// never opened.
var ErrNotRegular = errors.New("not a regular file")

// checkRegular returns nil when path (links followed) is a regular file,
// else an error wrapping ErrNotRegular (or the Stat error). It never
// opens path.
func checkRegular(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: %w (%v): refusing to open it", safetext.Escape(path), ErrNotRegular, st.Mode().Type())
	}
	return nil
}

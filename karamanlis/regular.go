package karamanlis

import (
	"errors"
	"fmt"
	"os"
)

// ErrNotRegular is wrapped when a data or cache name holds something other
// than a regular file (a FIFO, a device, a socket, a folder): opening a
// FIFO blocks forever and a device can read without end, so such a file is
// never opened.
var ErrNotRegular = errors.New("not a regular file")

// checkRegular returns nil when path (links followed) is a regular file,
// else an error wrapping ErrNotRegular that says what it is (or the Stat
// error). It never opens path; the error does not repeat the path.
func checkRegular(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	m := st.Mode()
	if m.IsRegular() {
		return nil
	}
	what := "a special file"
	switch {
	case m&os.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&os.ModeDevice != 0:
		what = "a device"
	case m&os.ModeSocket != 0:
		what = "a socket"
	case m.IsDir():
		what = "a folder"
	}
	return fmt.Errorf("%w: it is %s; refusing to open it", ErrNotRegular, what)
}

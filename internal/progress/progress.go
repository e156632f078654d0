// Package progress draws a one-line progress bar on a terminal and stays
// silent when the output is a pipe, a file or CI.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// IsTerminal reports whether w is a character device (a terminal) and the
// environment does not ask for quiet output (CI, TERM=dumb, NO_PROGRESS).
func IsTerminal(w io.Writer) bool {
	if os.Getenv("CI") != "" || os.Getenv("TERM") == "dumb" || os.Getenv("RETINAIO_NO_PROGRESS") != "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil {
		return false
	}
	return st.Mode()&os.ModeCharDevice != 0
}

// Bar is a progress bar. A nil *Bar is valid and does nothing, so callers
// need no checks. Safe for concurrent use.
type Bar struct {
	mu      sync.Mutex
	w       io.Writer
	label   string
	total   int64
	done    int64
	unit    string // "" counts, "B" bytes
	start   time.Time
	last    time.Time
	stopped bool
}

// New returns a bar writing to w, or nil when w is not a terminal.
// unit is "" for counts or "B" for bytes (shown with rate and ETA).
func New(w io.Writer, label string, total int64, unit string) *Bar {
	if !IsTerminal(w) {
		return nil
	}
	now := time.Now()
	return &Bar{w: w, label: label, total: total, unit: unit, start: now}
}

// Add advances the bar by n.
func (b *Bar) Add(n int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if time.Since(b.last) < 100*time.Millisecond && b.done < b.total {
		return
	}
	b.draw()
}

// SetTotal changes the total (when it becomes known late).
func (b *Bar) SetTotal(total int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.total = total
	b.mu.Unlock()
}

// Done finishes the line.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return
	}
	b.draw()
	fmt.Fprintln(b.w)
	b.stopped = true
}

func (b *Bar) draw() {
	if b.stopped {
		return
	}
	b.last = time.Now()
	const width = 30
	frac := 0.0
	if b.total > 0 {
		frac = float64(b.done) / float64(b.total)
		if frac > 1 {
			frac = 1
		}
	}
	n := int(frac * width)
	bar := strings.Repeat("=", n) + strings.Repeat(" ", width-n)
	el := time.Since(b.start).Seconds()
	extra := ""
	if b.unit == "B" {
		rate := float64(b.done) / max(el, 1e-9)
		extra = fmt.Sprintf(" %s/%s %s/s", Bytes(b.done), Bytes(b.total), Bytes(int64(rate)))
		if rate > 0 && b.total > b.done {
			extra += fmt.Sprintf(" ETA %ds", int(float64(b.total-b.done)/rate))
		}
	} else {
		extra = fmt.Sprintf(" %d/%d", b.done, b.total)
	}
	fmt.Fprintf(b.w, "\r%s [%s] %3.0f%%%s  ", b.label, bar, frac*100, extra)
}

// Bytes formats a byte count (1.5 MB).
func Bytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

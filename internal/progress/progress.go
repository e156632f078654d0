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

	"github.com/retinaio/retinaio/internal/safetext"
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

// New returns a bar writing to w, or nil when w is not a terminal. The
// label is drawn escaped (safetext.Escape). unit is "" for counts or "B"
// for bytes (shown with rate and ETA).
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
	fmt.Fprintf(b.w, "\r%s  ", line(b.label, b.done, b.total, b.unit, b.start))
}

// line formats one bar: label (escaped: prepare's labels are session
// folder names), a 30-character bar, percent, and counts (or bytes, rate
// and ETA when unit is "B").
func line(label string, done, total int64, unit string, start time.Time) string {
	const width = 30
	frac := 0.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	n := int(frac * width)
	bar := strings.Repeat("=", n) + strings.Repeat(" ", width-n)
	el := time.Since(start).Seconds()
	var extra string
	if unit == "B" {
		rate := float64(done) / max(el, 1e-9)
		extra = fmt.Sprintf(" %s/%s %s/s", Bytes(done), Bytes(total), Bytes(int64(rate)))
		if rate > 0 && total > done {
			extra += fmt.Sprintf(" ETA %ds", int(float64(total-done)/rate))
		}
	} else {
		extra = fmt.Sprintf(" %d/%d", done, total)
	}
	return fmt.Sprintf("%s [%s] %3.0f%%%s", safetext.Escape(label), bar, frac*100, extra)
}

// Multi draws one line per bar (sessions prepared side by side) and
// redraws the block in place with ANSI cursor movement. A nil *Multi is
// valid and does nothing. Safe for concurrent use.
type Multi struct {
	mu    sync.Mutex
	w     io.Writer
	bars  []*MultiBar
	drawn int // lines drawn last time
	last  time.Time
}

// MultiBar is one line of a Multi.
type MultiBar struct {
	m           *Multi
	label       string
	done, total int64
	start       time.Time
	finished    bool
}

// NewMulti returns a Multi writing to w, or nil when w is not a terminal.
func NewMulti(w io.Writer) *Multi {
	if !IsTerminal(w) {
		return nil
	}
	return &Multi{w: w}
}

// Bar adds a line labelled label, drawn escaped (nil on a nil Multi).
func (m *Multi) Bar(label string, total int64) *MultiBar {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b := &MultiBar{m: m, label: label, total: total, start: time.Now()}
	m.bars = append(m.bars, b)
	m.redraw(true)
	return b
}

// Set moves the bar to done of total.
func (b *MultiBar) Set(done, total int64) {
	if b == nil {
		return
	}
	b.m.mu.Lock()
	defer b.m.mu.Unlock()
	b.done, b.total = done, total
	if done >= total {
		b.finished = true
	}
	b.m.redraw(b.finished)
}

// Println prints a message above the bars.
func (m *Multi) Println(msg string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clear()
	fmt.Fprintln(m.w, msg)
	m.drawn = 0
	m.redraw(true)
}

// clear moves to the start of the block and erases it.
func (m *Multi) clear() {
	if m.drawn == 0 {
		return
	}
	fmt.Fprintf(m.w, "\r\x1b[%dA\x1b[J", m.drawn)
}

// redraw draws every bar, at most every 100 ms unless force.
func (m *Multi) redraw(force bool) {
	if !force && time.Since(m.last) < 100*time.Millisecond {
		return
	}
	m.last = time.Now()
	m.clear()
	var sb strings.Builder
	for _, b := range m.bars {
		sb.WriteString(line(b.label, b.done, b.total, "", b.start))
		sb.WriteString("\x1b[K\n")
	}
	fmt.Fprint(m.w, sb.String())
	m.drawn = len(m.bars)
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

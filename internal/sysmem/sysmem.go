// Package sysmem reports the machine's memory and this process's peak
// resident set size, and provides a memory budget (a weighted semaphore)
// for running work side by side without exceeding a share of RAM.
//
// On Linux the total is the smaller of MemTotal (/proc/meminfo) and the
// cgroup memory limit (cgroup v2 memory.max or v1
// memory.limit_in_bytes), so a SLURM job or a Kubernetes pod sees its own
// allocation. Peak RSS comes from getrusage (ru_maxrss) on Unix systems
// and from VmHWM in /proc/self/status on Linux. Other systems report
// ErrUnknown and DefaultBudget falls back to FallbackBudget.
package sysmem

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// ErrUnknown is returned where the system does not tell.
var ErrUnknown = errors.New("sysmem: not available on this system")

// FallbackBudget is DefaultBudget when the total RAM is unknown (2 GiB).
const FallbackBudget = 2 << 30

// DefaultShare is the share of RAM DefaultBudget allows (one half: the
// rest is left to the OS page cache, which keeps the input files, and to
// other programs).
const DefaultShare = 0.5

// Total returns the memory this process may use: physical RAM, or the
// cgroup limit when lower.
func Total() (uint64, error) { return total() }

// DefaultBudget returns DefaultShare of Total, or FallbackBudget when the
// total is unknown.
func DefaultBudget() uint64 {
	t, err := Total()
	if err != nil || t == 0 {
		return FallbackBudget
	}
	return uint64(float64(t) * DefaultShare)
}

// PeakRSS returns the largest resident set size of this process so far, in
// bytes.
func PeakRSS() (uint64, error) { return peakRSS() }

// ParseSize reads a byte size: a plain number of bytes, or a number with a
// unit K, M, G, T (powers of 1024; "KB", "KiB", "MB", "MiB" ... are the
// same), or a percentage of Total ("50%"). Fractions are allowed ("1.5G").
func ParseSize(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty size")
	}
	if strings.HasSuffix(t, "%") {
		p, err := strconv.ParseFloat(strings.TrimSpace(t[:len(t)-1]), 64)
		if err != nil || !(p > 0) || p > 100 {
			return 0, fmt.Errorf("size %q: a percentage must be between 0 and 100", s)
		}
		tot, err := Total()
		if err != nil {
			return 0, fmt.Errorf("size %q: total memory unknown on this system; give bytes such as 4G", s)
		}
		return uint64(float64(tot) * p / 100), nil
	}
	u := strings.ToUpper(t)
	mult := 1.0
	for _, suf := range []struct {
		s string
		m float64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40},
		{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"TB", 1 << 40},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1}} {
		if strings.HasSuffix(u, suf.s) {
			u, mult = strings.TrimSpace(u[:len(u)-len(suf.s)]), suf.m
			break
		}
	}
	v, err := strconv.ParseFloat(u, 64)
	if err != nil || !(v >= 0) || v*mult >= 1<<63 {
		return 0, fmt.Errorf("size %q: want bytes, a number with K, M, G or T, or a percentage such as 50%%", s)
	}
	return uint64(v * mult), nil
}

// FormatSize formats bytes with a binary unit ("1.5 GiB").
func FormatSize(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// Budget is a weighted semaphore over bytes. Acquire waits until the
// requested amount fits; requests are served first come, first served, so a
// large request is not starved by small ones. A request larger than the
// whole budget is granted alone (when nothing else holds memory) instead of
// waiting forever.
type Budget struct {
	mu      sync.Mutex
	size    uint64
	used    uint64
	holders int
	waiters []*waiter
}

type waiter struct {
	n     uint64
	ready chan struct{}
}

// NewBudget returns a budget of size bytes (at least 1).
func NewBudget(size uint64) *Budget {
	return &Budget{size: max(size, 1)}
}

// Size returns the budget's size in bytes.
func (b *Budget) Size() uint64 { return b.size }

// InUse returns the bytes currently held.
func (b *Budget) InUse() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Acquire waits until n bytes fit in the budget (or ctx ends) and returns
// the function that gives them back; call it exactly once. A request above
// the budget's size is clamped to the size.
func (b *Budget) Acquire(ctx context.Context, n uint64) (release func(), err error) {
	n = min(n, b.size)
	b.mu.Lock()
	if len(b.waiters) == 0 && b.fits(n) {
		b.take(n)
		b.mu.Unlock()
		return b.releaser(n), nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return b.releaser(n), nil
	case <-ctx.Done():
		b.mu.Lock()
		select {
		case <-w.ready: // granted meanwhile: give it back
			b.mu.Unlock()
			b.releaser(n)()
		default:
			for i, x := range b.waiters {
				if x == w {
					b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
					break
				}
			}
			b.wake()
			b.mu.Unlock()
		}
		return nil, ctx.Err()
	}
}

func (b *Budget) fits(n uint64) bool { return b.holders == 0 || b.used+n <= b.size }

func (b *Budget) take(n uint64) { b.used += n; b.holders++ }

// wake grants waiting requests in order while they fit. Callers hold mu.
func (b *Budget) wake() {
	for len(b.waiters) > 0 && b.fits(b.waiters[0].n) {
		w := b.waiters[0]
		b.waiters = b.waiters[1:]
		b.take(w.n)
		close(w.ready)
	}
}

func (b *Budget) releaser(n uint64) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			b.used -= n
			b.holders--
			b.wake()
			b.mu.Unlock()
		})
	}
}

// meminfoField returns a "Name:   123 kB" line's value in bytes.
func meminfoField(data []byte, name string) (uint64, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != name {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			break
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			break
		}
		if len(f) > 1 && strings.EqualFold(f[1], "kB") {
			n *= 1024
		}
		return n, nil
	}
	return 0, fmt.Errorf("sysmem: no %s line: %w", name, ErrUnknown)
}

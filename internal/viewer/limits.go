package viewer

import (
	"container/list"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/retinaio/retinaio/internal/render"
)

// Default limits of a Server (see Options).
const (
	// DefaultMaxInflight bounds the API requests computing at once (a
	// frames answer holds a slot only while it computes a frame, not while
	// its client reads).
	DefaultMaxInflight = 32
	// DefaultMemoryBudget bounds the working memory the API requests in
	// flight may reserve (each reserves an estimate of what it allocates:
	// 1 MiB, or for /frame and /frames, which are streamed frame by frame,
	// a frame's working memory while that frame is computed).
	DefaultMemoryBudget = 64 << 20
	// DefaultQueueWait is how long a request waits for a slot before it is
	// answered 503 with Retry-After.
	DefaultQueueWait = 2 * time.Second
)

// Timeouts and header bound of the http.Server made by NewHTTPServer.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	// WriteTimeout bounds the time to write one answer.
	WriteTimeout   = 5 * time.Minute
	IdleTimeout    = 60 * time.Second
	MaxHeaderBytes = 64 << 10
	// StallTimeout cuts a frames answer whose client has not taken any
	// bytes for this long (the write deadline is renewed on every write).
	StallTimeout = 10 * time.Second
)

// NewHTTPServer returns an http.Server for h with the viewer's timeouts
// and header bound: a client that sends a request slowly, never reads the
// answer or keeps an idle connection is cut off.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout,
		WriteTimeout: WriteTimeout, IdleTimeout: IdleTimeout, MaxHeaderBytes: MaxHeaderBytes}
}

// budget is a counting and weighted semaphore: at most slots holders and
// at most bytes reserved in all. Waiters are served first come, first
// served, each woken by a direct hand-off (no thundering herd).
type budget struct {
	mu       sync.Mutex
	slots    int
	bytes    int64
	total    int64
	waiters  list.List // of *waiter, oldest first
	inflight int
	served   int // acquisitions since memory was last given back
	lastFree time.Time
}

type waiter struct {
	n     int64
	ready chan struct{} // closed when granted
}

func newBudget(slots int, bytes int64) *budget {
	return &budget{slots: slots, bytes: bytes, total: bytes}
}

// take grants n (the lock held).
func (b *budget) take(n int64) {
	b.slots--
	b.bytes -= n
	b.inflight++
	b.served++
}

// acquire reserves n bytes (at most the whole budget) and a slot, waiting
// (behind earlier waiters) until ctx ends; it returns the amount reserved,
// or false.
func (b *budget) acquire(ctx context.Context, n int64) (int64, bool) {
	n = min(max(n, 1), b.total)
	b.mu.Lock()
	if b.waiters.Len() == 0 && b.slots > 0 && b.bytes >= n {
		b.take(n)
		b.mu.Unlock()
		return n, true
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	e := b.waiters.PushBack(w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return n, true
	case <-ctx.Done():
		b.mu.Lock()
		select {
		case <-w.ready: // granted meanwhile: give it back
			b.mu.Unlock()
			b.release(n)
		default:
			b.waiters.Remove(e)
			b.grant() // the next ones may fit now
			b.mu.Unlock()
		}
		return 0, false
	}
}

// grant hands the free capacity to the waiters in order (the lock held).
func (b *budget) grant() {
	for e := b.waiters.Front(); e != nil; e = b.waiters.Front() {
		w := e.Value.(*waiter)
		if b.slots == 0 || b.bytes < w.n {
			return
		}
		b.take(w.n)
		b.waiters.Remove(e)
		close(w.ready)
	}
}

// release gives back a reservation. When the last request in flight ends
// after a burst (over 256 acquisitions), the freed memory is returned to
// the operating system (at most every 5 s), so that the viewer's memory
// goes back down after its clients leave.
func (b *budget) release(n int64) {
	b.mu.Lock()
	b.slots++
	b.bytes += n
	b.inflight--
	b.grant()
	free := b.inflight == 0 && b.served > 256 && time.Since(b.lastFree) > 5*time.Second
	if free {
		b.served, b.lastFree = 0, time.Now()
	}
	b.mu.Unlock()
	if free {
		go debug.FreeOSMemory()
	}
}

// limited wraps an API handler: it waits up to the queue wait for a slot
// and weight bytes of the memory budget, else answers 503 with
// Retry-After.
func (srv *Server) limited(weight func(*http.Request, *session) int64, h sessionHandler) sessionHandler {
	return func(w http.ResponseWriter, r *http.Request, ss *session) {
		ctx, cancel := context.WithTimeout(r.Context(), srv.opts.QueueWait)
		n, ok := srv.budget.acquire(ctx, weight(r, ss))
		cancel()
		if !ok {
			w.Header().Set("Retry-After", "1")
			httpError(w, http.StatusServiceUnavailable, "the viewer is busy; retry in a second")
			return
		}
		defer srv.budget.release(n)
		h(w, r, ss)
	}
}

// fixedWeight is the reservation of requests other than frames.
func fixedWeight(*http.Request, *session) int64 { return 1 << 20 }

// frameReader serves frames [from, to) of a split, encoded as uint8 or
// float32 little-endian, as one io.ReadSeeker that computes each frame
// when it is read: a request holds one frame in memory whatever its size,
// and http.ServeContent still answers Range and conditional requests.
type frameReader struct {
	ctx      context.Context
	b        *budget
	s        *render.Session
	sp       render.Split
	from, to int
	f32      bool
	fb       int64 // bytes per frame
	off      int64
	cur      int // frame held in buf (-1: none)
	buf      []byte
}

func newFrameReader(s *render.Session, sp render.Split, from, to int, f32 bool) *frameReader {
	fb := int64(s.H) * int64(s.W)
	if f32 {
		fb *= 4
	}
	return &frameReader{s: s, sp: sp, from: from, to: to, f32: f32, fb: fb, cur: -1}
}

func (r *frameReader) size() int64 { return int64(r.to-r.from) * r.fb }

// errBusy: no slot of the budget within the wait.
var errBusy = errors.New("the viewer is busy; retry in a second")

// floats recycles the float32 frames of frameReader.load.
var floats sync.Pool

// load encodes frame from+k into buf, holding a slot and the frame's
// working memory of the budget (when set) while it computes: a client that
// reads slowly holds only the encoded frame, and no slot.
func (r *frameReader) load(k int) error {
	if r.b != nil {
		n, ok := r.b.acquire(r.ctx, 4*int64(r.s.H)*int64(r.s.W)+r.fb+64<<10)
		if !ok {
			return errBusy
		}
		defer r.b.release(n)
	}
	var fl []float32
	if p, ok := floats.Get().(*[]float32); ok {
		fl = *p
	}
	fl, err := r.s.Frame(r.sp, r.from+k, fl)
	defer floats.Put(&fl)
	if err != nil {
		return err
	}
	if cap(r.buf) < int(r.fb) {
		r.buf = make([]byte, r.fb)
	}
	r.buf = r.buf[:r.fb]
	if r.f32 {
		for i, v := range fl {
			binary.LittleEndian.PutUint32(r.buf[4*i:], math.Float32bits(v))
		}
	} else {
		for i, v := range fl {
			r.buf[i] = r.s.Display(v)
		}
	}
	r.cur = k
	return nil
}

func (r *frameReader) Read(p []byte) (int, error) {
	if r.off >= r.size() {
		return 0, io.EOF
	}
	k := int(r.off / r.fb)
	if k != r.cur {
		if err := r.load(k); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf[r.off-int64(k)*r.fb:])
	r.off += int64(n)
	return n, nil
}

func (r *frameReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.size()
	default:
		return 0, errors.New("frameReader: bad whence " + strconv.Itoa(whence))
	}
	if offset < 0 {
		return 0, errors.New("frameReader: negative position")
	}
	r.off = offset
	return offset, nil
}

// inflightNow is the number of API requests being served.
func (b *budget) inflightNow() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.inflight
}

// stallWriter renews the connection's write deadline before every write,
// so that an answer is cut when its client takes nothing for the timeout
// (however long the whole answer takes).
type stallWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (w *stallWriter) Write(p []byte) (int, error) {
	w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *stallWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

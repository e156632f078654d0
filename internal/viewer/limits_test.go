package viewer

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retinaio/retinaio/npy"
	"github.com/retinaio/retinaio/prepared"
)

// bigSession writes a prepared-like session of t frames of h x w pixels
// (stim_train and stim_test only) into a folder and returns the folder.
func bigSession(tb testing.TB, t, h, w int) string {
	dir := tb.TempDir()
	z, err := npy.CreateNPZ(filepath.Join(dir, "big.npz"), npy.NPZOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	data := make([]float32, t*h*w)
	for i := range data {
		data[i] = float32(i % 251)
	}
	for _, k := range []string{prepared.KeyStimTrain, prepared.KeyStimTest} {
		if err := z.Add(k, []int{1, t, h, w}, data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// TestBusyAnswers503: when every slot is taken, a request waits at most
// QueueWait and is answered 503 with Retry-After; once a slot is free it
// is served.
func TestBusyAnswers503(t *testing.T) {
	srv, err := New(Options{Path: prepDir(t), MaxInflight: 1, QueueWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	n, ok := srv.budget.acquire(context.Background(), 1)
	if !ok {
		t.Fatal("acquire")
	}
	url := "/api/s/" + sessionA + "/frames/test?from=0&to=5&fmt=f32"
	w := get(t, srv, url)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("busy: %d %v, want 503 with Retry-After", w.Code, w.Header())
	}
	srv.budget.release(n)
	if w := get(t, srv, url); w.Code != 200 || w.Body.Len() != 5*12*16*4 {
		t.Fatalf("free: %d, %d bytes", w.Code, w.Body.Len())
	}
	// The memory budget: a request reserving more than what is left waits.
	srv2, _ := New(Options{Path: prepDir(t), MemoryBudget: 1 << 20, QueueWait: 50 * time.Millisecond})
	defer srv2.Close()
	n, _ = srv2.budget.acquire(context.Background(), 1<<20)
	if w := get(t, srv2, url); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("memory budget used up: %d, want 503", w.Code)
	}
	srv2.budget.release(n)
}

// stallClients opens n connections that each ask for the frames at url
// and never read the answer (a tiny receive buffer).
func stallClients(t testing.TB, addr, url string, n int) []net.Conn {
	var conns []net.Conn
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(4096)
		}
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", url)
		conns = append(conns, c)
	}
	return conns
}

func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestStalledClientsBounded: clients that ask for 10 MB of float32
// frames and never read hold about one frame each (the answer is streamed
// frame by frame), not the whole answer (8 clients used to hold 80 MB),
// hold no slot (a reading client is served meanwhile), and are cut after
// the stall timeout.
func TestStalledClientsBounded(t *testing.T) {
	dir := bigSession(t, 256, 100, 100) // 40 KB a float32 frame, 10 MB per request
	srv, err := New(Options{Path: dir, StallTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewUnstartedServer(srv)
	ts.Config = NewHTTPServer(srv)
	ts.Start()
	defer ts.Close()
	base := heapInuse()
	conns := stallClients(t, ts.Listener.Addr().String(), "/api/s/big/frames/train?from=0&to=256&fmt=f32", 8)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// Wait until the answers are blocked on their clients (they then
	// compute nothing, so hold no slot).
	time.Sleep(300 * time.Millisecond)
	for end := time.Now().Add(2 * time.Second); srv.budget.inflightNow() > 0 && time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond)
	}
	held := heapInuse() - min(base, heapInuse())
	t.Logf("8 stalled clients of 10 MB answers hold %.1f MB of heap", float64(held)/(1<<20))
	if held > 16<<20 {
		t.Errorf("8 stalled clients hold %d MB of heap; want each to hold about a frame", held>>20)
	}
	if in := srv.streams.Load(); in == 0 {
		t.Errorf("no answer in flight while clients stall (the answers fit in the socket buffers: the test is too small)")
	}
	if in := srv.budget.inflightNow(); in != 0 {
		t.Errorf("stalled answers hold %d slots; they should hold none while blocked", in)
	}
	// A client that reads is served meanwhile.
	resp, err := http.Get(ts.URL + "/api/s/big/frames/train?from=0&to=10&fmt=f32")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("a reading client while others stall: %v %v", err, resp)
	}
	if n, _ := io.Copy(io.Discard, resp.Body); n != 10*100*100*4 {
		t.Errorf("got %d bytes", n)
	}
	resp.Body.Close()
	deadline := time.Now().Add(7 * time.Second)
	for srv.streams.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if in := srv.streams.Load(); in > 0 {
		t.Errorf("%d answers still in flight 4 s after the 3 s stall timeout", in)
	}
}

// TestFramesStreamedSameBytes: the streamed answer is the frames' bytes,
// whole and with Range.
func TestFramesStreamedSameBytes(t *testing.T) {
	dir := bigSession(t, 20, 30, 40)
	srv, err := New(Options{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	w := get(t, srv, "/api/s/big/frames/train?from=3&to=9&fmt=f32")
	b := w.Body.Bytes()
	if w.Code != 200 || len(b) != 6*30*40*4 || w.Header().Get("Content-Length") != strconv.Itoa(len(b)) {
		t.Fatalf("%d, %d bytes", w.Code, len(b))
	}
	for _, i := range []int{0, 1199, 1200, 7199} {
		v := float32frombytes(b[4*i:])
		if want := float32((3*1200 + i) % 251); v != want {
			t.Fatalf("value %d = %v, want %v", i, v, want)
		}
	}
	w2 := get(t, srv, "/api/s/big/frames/train?from=3&to=9&fmt=f32", "Range", "bytes=4790-4809")
	got, _ := io.ReadAll(w2.Body)
	if w2.Code != http.StatusPartialContent || string(got) != string(b[4790:4810]) {
		t.Fatalf("range: %d %x want %x", w2.Code, got, b[4790:4810])
	}
}

// TestViewerDrill is the drill: 400 parallel requests for float32
// frames and 300 clients that send a request and never read, against a
// mouse-size prepared session (RETINAIO_DRILL_NPZ, a folder; made by
// 'retinaio synth DIR --profile mouse --sessions 1' and 'retinaio
// prepare'); the process's RSS must stay under 300 MB. Run with
// RETINAIO_DRILL=1.
func TestViewerDrill(t *testing.T) {
	if os.Getenv("RETINAIO_DRILL") != "1" || os.Getenv("RETINAIO_DRILL_NPZ") == "" {
		t.Skip("set RETINAIO_DRILL=1 and RETINAIO_DRILL_NPZ=<prepared folder>")
	}
	srv, err := New(Options{Path: os.Getenv("RETINAIO_DRILL_NPZ")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	name := srv.Sessions()[0]
	ts := httptest.NewUnstartedServer(srv)
	ts.Config = NewHTTPServer(srv)
	ts.Start()
	defer ts.Close()
	url := "/api/s/" + name + "/frames/train?from=0&to=512&fmt=f32"
	var peak uint64
	stop := make(chan struct{})
	var pw sync.WaitGroup
	pw.Add(1)
	go func() {
		defer pw.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				peak = max(peak, rss())
			}
		}
	}()
	conns := stallClients(t, ts.Listener.Addr().String(), url, 300)
	var wg sync.WaitGroup
	codes := make(chan int, 400)
	for range 400 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(ts.URL + url)
			if err != nil {
				codes <- -1
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	for _, c := range conns {
		c.Close()
	}
	time.Sleep(6 * time.Second)
	after := rss()
	close(stop)
	pw.Wait()
	t.Logf("400 parallel + 300 stalled: status counts %v, peak RSS %.0f MB, RSS 6 s after %.0f MB", count, float64(peak)/(1<<20), float64(after)/(1<<20))
	if peak > 300<<20 {
		t.Errorf("peak RSS %d MB, want under 300 MB", peak>>20)
	}
}

// rss reads the process's resident set size (Linux; 0 elsewhere).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, res uint64
	fmt.Sscan(string(b), &size, &res)
	return res * uint64(os.Getpagesize())
}

func float32frombytes(b []byte) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(b))
}

// TestHTTPServerLimits: the viewer's http.Server has read, write and idle
// timeouts (a server without them kept stalled sockets forever) and
// refuses oversized headers.
func TestHTTPServerLimits(t *testing.T) {
	srv, err := New(Options{Path: prepDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := NewHTTPServer(srv)
	if hs.ReadHeaderTimeout <= 0 || hs.ReadTimeout <= 0 || hs.WriteTimeout <= 0 || hs.IdleTimeout <= 0 || hs.MaxHeaderBytes != MaxHeaderBytes {
		t.Fatalf("server limits %v %v %v %v %d", hs.ReadHeaderTimeout, hs.ReadTimeout, hs.WriteTimeout, hs.IdleTimeout, hs.MaxHeaderBytes)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Config = hs
	ts.Start()
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/api/sessions", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 200<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("200 KB of headers: %d, want 431", resp.StatusCode)
	}
}

// TestBudgetFairAndExact: waiters are served in order, a waiter that gives
// up leaves nothing taken, and after many concurrent acquisitions (some
// cancelled) every slot and byte is back.
func TestBudgetFairAndExact(t *testing.T) {
	b := newBudget(1, 100)
	n0, _ := b.acquire(context.Background(), 10)
	order := make(chan int, 2)
	ctxB, cancelB := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, ctx := range []context.Context{context.Background(), ctxB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n, ok := b.acquire(ctx, 10); ok {
				order <- i
				b.release(n)
			}
		}()
		time.Sleep(20 * time.Millisecond) // queue them in order
	}
	cancelB()
	time.Sleep(20 * time.Millisecond)
	b.release(n0)
	wg.Wait()
	close(order)
	var got []int
	for i := range order {
		got = append(got, i)
	}
	if len(got) != 1 || got[0] != 0 {
		t.Fatalf("served %v, want only the first waiter", got)
	}
	b = newBudget(4, 1000)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%5)*time.Millisecond)
			defer cancel()
			if n, ok := b.acquire(ctx, int64(50+i%300)); ok {
				time.Sleep(time.Millisecond)
				b.release(n)
			}
		}()
	}
	wg.Wait()
	if b.slots != 4 || b.bytes != 1000 || b.inflight != 0 || b.waiters.Len() != 0 {
		t.Fatalf("after the storm: %d slots, %d bytes, %d in flight, %d waiting", b.slots, b.bytes, b.inflight, b.waiters.Len())
	}
}

// TestFIFOInFolderSkipped: a FIFO named *.npz in the served folder is
// skipped with a message, not opened (the viewer's start used to hang).
func TestFIFOInFolderSkipped(t *testing.T) {
	d := prepDir(t)
	if err := mkfifo(filepath.Join(d, "zz_fifo.npz")); err != nil {
		t.Skip("mkfifo:", err)
	}
	var logs []string
	done := make(chan error, 1)
	go func() {
		srv, err := New(Options{Path: d, Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }})
		if err == nil {
			if len(srv.Sessions()) != 2 {
				err = fmt.Errorf("sessions %v", srv.Sessions())
			}
			srv.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil || len(logs) == 0 {
			t.Fatalf("err %v, logs %q", err, logs)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("viewer start hangs on a FIFO")
	}
}

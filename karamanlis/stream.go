package karamanlis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/retinaio/retinaio/internal/bigmem"
)

// writePiece is the largest write StreamedMovie makes into its store: on
// Linux (6.x, ext4, measured on the project's virtual machine) writes of
// tens of MB into new file pages cost several times more system time per
// byte than writes of 1 MiB.
const writePiece = 1 << 20

// DefaultWindowFrames is the number of training frames StreamStimuliForSession
// renders, spills and hands out at a time when the caller gives none.
const DefaultWindowFrames = 1024

// keepMovie reports whether StreamStimuliForSession keeps a training
// movie of movieBytes in memory, rendered once, rather than rendering it
// again for each pass: when it is no larger than the image ensemble
// (imageBytes, freed once the movie is rendered) plus 64 MiB, so that the
// peak stays within twice the ensemble whatever the session's length. A
// variable for the tests.
var keepMovie = func(movieBytes, imageBytes int) bool {
	return movieBytes <= imageBytes+64<<20
}

// StreamedMovie is a session's stimulus movie for a pipeline that writes
// it as it goes, so that memory holds the images and a window of frames,
// never the whole movie. The training movie is rendered once into a store
// (the caller's, see StreamStimuliInto, or a spill file) and read back
// window by window for the statistics and for EachTrainWindow; without a
// store it is kept in memory when small, or rendered window by window for
// the mean, then again for the standard deviation, then again for
// EachTrainWindow (and once more for the stimulus cache on a first run).
// The test movie, one sequence, stays in memory. Close it.
type StreamedMovie struct {
	// Split has the shapes, Source, FromCache, the normalisation and the
	// test movie (normalised when the options ask for it); its Train is nil:
	// the training frames come from EachTrainWindow.
	Split *MoviesTrainTestSplit

	window int       // frames per window
	fsize  int       // values per frame
	frames int       // training frames
	train  []float32 // the raw training movie when it came from a cache or is kept
	comp   *composer // renders training windows again (no store)
	// startCache starts the cache writer once the test movie is rendered,
	// before the training movie fills the store (in place, caching).
	startCache func(mov *rawMovie)
	ctx        context.Context
	quiet      StimulusOptions // opt without progress, for the renders after the first
	store      MovieStore      // the raw training movie as little-endian float32 bytes
	inPlace    bool            // store is the caller's: EachTrainWindow's fn writes over it
	eachDone   atomic.Bool     // EachTrainWindow ran (in place: it may run once)
	spill      *os.File
	spillName  string
	sum        float64 // of the raw training values, in order (rendered windows)
	pool       bufPool
	cacheRead  watermark     // how far the cache writer has read the store
	filled     watermark     // how far the training movie is rendered into the store
	statsDone  chan struct{} // closed when the statistics are known (in place, cached)
	statsErr   error         // why they could not be computed
	cacheDone  chan struct{}
	cacheOnce  sync.Once
	cacheJob   func() // writes the cache (nil: caching is off)
	// testCached is closed once the cache writer no longer needs the raw
	// test movie (in place: it writes it first, sharing normalise's slice).
	testCached chan struct{}
}

// MovieStore is where StreamStimuliInto renders a raw training movie once,
// as little-endian float32 bytes, frame after frame (an npy.Region of the
// output file, say): it is read back for the statistics, then for
// EachTrainWindow, whose caller may write the output's values over it.
type MovieStore interface {
	io.ReaderAt
	io.WriterAt
}

// StreamStimuliForSession is LoadStimuliForSession for writers that take
// the training movie window by window (see StreamedMovie): the same movie,
// statistics and cache, bit for bit, in memory bounded by the image
// ensemble, the test movie and window frames (window <= 0:
// DefaultWindowFrames). With spillDir not empty the movie is rendered once
// into a spill file made there (and removed by Close) instead of rendered
// again for each pass. A training movie no larger than the image ensemble
// plus 64 MiB is kept in memory, rendered once. A valid cache is read
// whole, as LoadStimuliForSession does.
func StreamStimuliForSession(ctx context.Context, sessionPath string, opt StimulusOptions, window int, spillDir string) (*StreamedMovie, error) {
	return streamStimuli(ctx, sessionPath, opt, window, spillDir, nil)
}

// StreamStimuliInto is StreamStimuliForSession for a writer that gives the
// training movie its place: once the movie's shape (1, T, h, w) is known
// (its images or its cache read), store is called with it and returns
// where the raw training movie is rendered, once (see MovieStore). The mean
// is summed as the frames are rendered, the standard deviation from the
// store read back; EachTrainWindow, which may then run once, reads the
// store back window by window and normalises it, so that fn may write the
// output's values in its place. Memory holds the images (until the movie
// is rendered), the test movie and a few windows, whatever the session's
// length. A movie read from a cache is not written into the store:
// EachTrainWindow takes it from memory. The stimulus cache (unless the
// options turn it off) is written while the movie renders, read from the
// store as it fills (the raw test movie first, then the training movie;
// its last bytes once the statistics are known): a caller that must leave no
// cache for a session it will refuse checks what it can (its responses,
// say) before store returns; EachTrainWindow's fn overwrites a window only
// once the cache writer has read it. WriteCache does nothing more.
func StreamStimuliInto(ctx context.Context, sessionPath string, opt StimulusOptions, window int, store func(trainShape []int) (MovieStore, error)) (*StreamedMovie, error) {
	if store == nil {
		return nil, errors.New("karamanlis: StreamStimuliInto without a store")
	}
	return streamStimuli(ctx, sessionPath, opt, window, "", store)
}

func streamStimuli(ctx context.Context, sessionPath string, opt StimulusOptions, window int, spillDir string, store func([]int) (MovieStore, error)) (*StreamedMovie, error) {
	opt, err := opt.WithDefaults()
	if err != nil {
		return nil, err
	}
	if window <= 0 {
		window = DefaultWindowFrames
	}
	folder, err := SessionFolder(ctx, sessionPath, opt.CacheDir)
	if err != nil {
		return nil, err
	}
	matPath, err := FindDataFile(folder, opt.StimType)
	if err != nil {
		return nil, err
	}
	sm := &StreamedMovie{window: window, fsize: opt.Height * opt.Width, ctx: ctx}
	if !opt.DisableCache {
		if mov, path := lookupCache(ctx, folder, matPath, opt); mov != nil {
			src := &movieSource{mov: mov, path: path, fromCache: true}
			sm.Split, sm.train, sm.frames = src.split(opt.StimType), mov.train, mov.t
			sm.Split.Train = nil
			if store != nil {
				if _, err := store(sm.Split.TrainShape); err != nil {
					return nil, err
				}
			}
			if err := sm.normalise(opt); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return sm, nil
		}
	}
	if matPath == "" {
		err := fmt.Errorf("%w: no file with postfix %s (or preprocessed version) found in folder %s", ErrNoStimulus, DataFileName(opt.StimType), folder)
		warnf(opt.Warn, "%v", err)
		return nil, err
	}
	if opt.Info != nil {
		opt.Info("Loading stimuli from " + matPath)
	}
	ok := false
	defer func() {
		if !ok {
			sm.refuse(errMovieStopped)
			sm.Close()
		}
	}()
	if store != nil && !opt.DisableCache {
		// The caller accepted the session when it gave the store: the
		// cache is written while the movie renders, read from the store
		// as it fills (the device writes while the cores render), its
		// raw test movie first (normalise scales it in place once it is
		// written); its last bytes wait for the statistics, so that a
		// movie refused for them leaves no cache.
		sm.startCache = func(mov *rawMovie) {
			sm.statsDone, sm.testCached = make(chan struct{}), make(chan struct{})
			var once sync.Once
			released := func() { once.Do(func() { close(sm.testCached) }) }
			sm.cacheJob = func() {
				defer released()
				defer sm.cacheRead.finish()
				defer opt.timing("cache_write", time.Now())
				writeCacheFrom(folder, matPath, mov, sm.rawTrainReader, released, opt)
			}
			sm.WriteCache()
		}
	}
	mov, err := sm.compose(ctx, matPath, opt, spillDir, store)
	if err != nil {
		if errors.Is(err, ErrNoStimulus) {
			warnf(opt.Warn, "%v", err)
		}
		return nil, err
	}
	src := &movieSource{mov: mov, path: matPath}
	sm.Split = src.split(opt.StimType)
	sm.Split.Train = nil
	if !opt.DisableCache && store == nil {
		// The cache is written (from the spill file, memory, or rendering
		// again) once WriteCache is called. It gets its own copy of the raw
		// test movie, which normalise scales in place.
		cm := *mov
		cm.test = append([]float32(nil), mov.test...)
		sm.cacheJob = func() {
			defer sm.cacheRead.finish()
			defer opt.timing("cache_write", time.Now())
			writeCacheFrom(folder, matPath, &cm, sm.rawTrainReader, nil, opt)
		}
	}
	err = sm.normalise(opt)
	sm.refuse(err)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", matPath, err)
	}
	if sm.testCached != nil {
		<-sm.testCached // the caller may change Split.Test (unnormalised too)
	}
	ok = true
	return sm, nil
}

// compose renders the test movie into memory and the training movie into
// the store (the caller's, or a spill file), into memory, or, window by
// window, for its sum only; the returned movie has no train values.
func (sm *StreamedMovie) compose(ctx context.Context, matPath string, opt StimulusOptions, spillDir string, store func([]int) (MovieStore, error)) (*rawMovie, error) {
	c, err := openComposer(ctx, matPath, opt)
	if err != nil {
		return nil, err
	}
	mov := &rawMovie{t: len(c.train), tf: len(c.test), h: opt.Height, w: opt.Width}
	sm.frames = mov.t
	if store != nil {
		if sm.store, err = store([]int{1, mov.t, mov.h, mov.w}); err != nil {
			return nil, err
		}
		sm.inPlace = true
	}
	mov.test = make([]float32, mov.tf*sm.fsize)
	defer opt.timing("render", time.Now())
	if err := c.renderTest(ctx, mov.test); err != nil {
		return nil, err
	}
	switch {
	case sm.store != nil:
		if sm.startCache != nil {
			sm.startCache(mov)
		}
		return mov, sm.fill(c)
	case keepMovie(4*mov.t*sm.fsize, c.imageBytes):
		sm.train = make([]float32, mov.t*sm.fsize)
		if err := c.renderTrain(ctx, 0, mov.t, sm.train); err != nil {
			return nil, err
		}
		return mov, nil
	case spillDir == "":
		sm.comp = c
		sm.quiet = opt
		sm.quiet.Progress = nil
		// normStats' first sum, in order, while the next window renders
		return mov, sm.pipeline(sm.renderWith(c), func(_, _ int, win []float32) error {
			sm.addSum(win)
			return nil
		})
	}
	if sm.spill, err = os.CreateTemp(spillDir, "retinaio-movie-*.f32"); err != nil {
		return nil, fmt.Errorf("spill file for the training movie: %w", err)
	}
	sm.spillName = sm.spill.Name()
	// Unlinked at once where the system allows it, so that nothing stays
	// behind if the process dies; Close removes it otherwise.
	if os.Remove(sm.spillName) == nil {
		sm.spillName = ""
	}
	sm.store = sm.spill
	if err := sm.fill(c); err != nil {
		return nil, fmt.Errorf("spill file for the training movie: %w", err)
	}
	return mov, nil
}

// fill renders the training movie window by window into the store, the
// next window rendering while this one is summed (normStats' first sum,
// over the frames in order) and written.
func (sm *StreamedMovie) fill(c *composer) error {
	defer sm.filled.finish()
	return sm.pipeline(sm.renderWith(c), func(a, _ int, win []float32) error {
		sm.addSum(win)
		swapLE(win) // the store is little-endian, as the cache
		b := bigmem.View(win)
		off := int64(a) * int64(4*sm.fsize)
		for len(b) > 0 {
			// in pieces: one write of a whole window into fresh file pages
			// measured several times slower per byte
			n := min(len(b), writePiece)
			if _, err := sm.store.WriteAt(b[:n], off); err != nil {
				return err
			}
			b, off = b[n:], off+int64(n)
		}
		sm.filled.advance(off)
		return nil
	})
}

// beforeCacheRead is called before the cache writer reads the raw training
// movie at off from the caller's store; tests hold the writer back with it.
var beforeCacheRead = func(off int64) {}

// errMovieStopped is why the cache writer stops when the movie it reads
// was not completed or was refused (the session failed, was cancelled, or
// its statistics failed): the session reports its own error, so the cache
// writer says nothing.
var errMovieStopped = errors.New("the movie was not completed")

// refuse records the statistics' outcome for the cache writer, once: nil
// lets it finish the cache, an error makes it drop the cache.
func (sm *StreamedMovie) refuse(err error) {
	if sm.statsDone == nil {
		return
	}
	select {
	case <-sm.statsDone:
	default:
		sm.statsErr = err
		close(sm.statsDone)
	}
}

// addSum adds the values to the running sum, in order.
func (sm *StreamedMovie) addSum(win []float32) {
	s := sm.sum
	for _, x := range win {
		s += float64(x)
	}
	sm.sum = s
}

// renderWith returns a producer that renders training frames a..b-1 with
// c's renderer.
func (sm *StreamedMovie) renderWith(c *composer) func(a, b int, win []float32) error {
	return func(a, b int, win []float32) error { return c.renderTrain(sm.ctx, a, b, win) }
}

// readStore reads the raw training frames a..b-1 from the store.
func (sm *StreamedMovie) readStore(a, b int, win []float32) error {
	if _, err := sm.store.ReadAt(bigmem.View(win), int64(a)*int64(4*sm.fsize)); err != nil {
		return fmt.Errorf("reading back the training movie: %w", err)
	}
	swapLE(win)
	return nil
}

// pipeline calls produce for each window of training frames a..b-1 in
// order, on its own goroutine, and consume with the filled window on the
// caller's, so that the next window is produced while one is consumed
// (two window buffers from the pool, reused across passes). The first error
// stops both and is returned.
func (sm *StreamedMovie) pipeline(produce, consume func(a, b int, win []float32) error) error {
	type item struct {
		a, b int
		win  []float32
	}
	size := min(sm.window, sm.frames) * sm.fsize
	// Unbuffered: two windows in flight (one produced, one consumed).
	full := make(chan item)
	stop := make(chan struct{})
	var perr error
	go func() {
		defer close(full)
		for a := 0; a < sm.frames; a += sm.window {
			if sm.ctx != nil {
				if perr = sm.ctx.Err(); perr != nil { // every pass stops on cancellation
					return
				}
			}
			b := min(sm.frames, a+sm.window)
			buf := sm.pool.get(size)
			win := buf[:(b-a)*sm.fsize]
			if perr = produce(a, b, win); perr != nil {
				sm.pool.put(buf)
				return
			}
			select {
			case full <- item{a, b, win}:
			case <-stop:
				sm.pool.put(buf)
				return
			}
		}
	}()
	var err error
	for it := range full {
		if err == nil {
			if err = consume(it.a, it.b, it.win); err != nil {
				close(stop)
			}
		}
		sm.pool.put(it.win)
	}
	if err != nil {
		return err
	}
	return perr
}

// bufPool keeps the window buffers of a StreamedMovie for the next pass
// (fresh large allocations cost page faults and zeroing).
type bufPool struct {
	mu   sync.Mutex
	free [][]float32
}

// get returns a buffer of at least n values (its content is garbage).
func (p *bufPool) get(n int) []float32 {
	p.mu.Lock()
	for len(p.free) > 0 {
		b := p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
		if cap(b) >= n {
			p.mu.Unlock()
			return b[:n]
		}
	}
	p.mu.Unlock()
	return bigmem.Float32s(n)
}

func (p *bufPool) put(b []float32) {
	p.mu.Lock()
	p.free = append(p.free, b[:cap(b)])
	p.mu.Unlock()
}

// watermark is how far a reader has got, for a writer that must not
// overtake it.
type watermark struct {
	mu   sync.Mutex
	cond *sync.Cond
	n    int64
	done bool
}

func (w *watermark) lock() {
	w.mu.Lock()
	if w.cond == nil {
		w.cond = sync.NewCond(&w.mu)
	}
}

// advance records that the reader has read up to n.
func (w *watermark) advance(n int64) {
	w.lock()
	if n > w.n {
		w.n = n
	}
	w.mu.Unlock()
	w.cond.Broadcast()
}

// finish records that the reader will read no more.
func (w *watermark) finish() {
	w.lock()
	w.done = true
	w.mu.Unlock()
	w.cond.Broadcast()
}

// waitFor waits until the reader has read up to n or finished.
func (w *watermark) waitFor(n int64) {
	w.lock()
	for !w.done && w.n < n {
		w.cond.Wait()
	}
	w.mu.Unlock()
}

// at returns how far the reader has read, and whether it finished.
func (w *watermark) at() (int64, bool) {
	w.lock()
	defer w.mu.Unlock()
	return w.n, w.done
}

// rawWindows calls fn with the raw training movie, window by window, in
// order (fn must not keep the slice).
func (sm *StreamedMovie) rawWindows(fn func([]float32) error) error {
	consume := func(_, _ int, win []float32) error { return fn(win) }
	switch {
	case sm.train != nil:
		for a := 0; a < len(sm.train); a += sm.window * sm.fsize {
			if err := fn(sm.train[a:min(len(sm.train), a+sm.window*sm.fsize)]); err != nil {
				return err
			}
		}
		return nil
	case sm.store != nil:
		return sm.pipeline(sm.readStore, consume)
	}
	return sm.renderWindows(consume)
}

// renderWindows renders the training movie again, window by window, with
// its own renderer (so that passes may run side by side), and calls
// consume with each.
func (sm *StreamedMovie) renderWindows(consume func(a, b int, win []float32) error) error {
	rd, err := newRenderer(sm.quiet, 0)
	if err != nil {
		return err
	}
	c := *sm.comp
	c.rd = rd
	return sm.pipeline(sm.renderWith(&c), consume)
}

// rawTrainReader returns a reader of the raw training movie as
// little-endian float32 bytes (for the cache); the cache writer closes it
// when it is an io.Closer.
func (sm *StreamedMovie) rawTrainReader() io.Reader {
	size := int64(4 * sm.frames * sm.fsize)
	switch {
	case sm.train != nil:
		return npyLE(sm.train)
	case sm.inPlace:
		return &storeReader{sm: sm, size: size}
	case sm.store != nil:
		return io.NewSectionReader(sm.store, 0, size)
	}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(sm.renderWindows(func(_, _ int, v []float32) error {
			swapLE(v)
			_, err := pw.Write(bigmem.View(v))
			return err
		}))
	}()
	return pr
}

// storeReader reads the raw training movie from the caller's store for the
// cache, recording how far it got (EachTrainWindow's fn may overwrite what
// it has read). A second reader cannot start over what may already be
// overwritten.
type storeReader struct {
	sm        *StreamedMovie
	off, size int64
}

func (r *storeReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if r.sm.ctx != nil {
		if err := r.sm.ctx.Err(); err != nil { // no cache from a cancelled run
			return 0, fmt.Errorf("%w: %w", errMovieStopped, err)
		}
	}
	if n, _ := r.sm.cacheRead.at(); n > r.off {
		return 0, fmt.Errorf("the raw training movie from byte %d may already be overwritten", r.off)
	}
	beforeCacheRead(r.off)
	// what the renderer has written into the store so far
	r.sm.filled.waitFor(r.off + 1)
	filled, _ := r.sm.filled.at()
	if filled <= r.off {
		return 0, fmt.Errorf("%w: the training movie was rendered up to byte %d of %d only", errMovieStopped, filled, r.size)
	}
	p = p[:min(int64(len(p)), filled-r.off)]
	if r.off+int64(len(p)) == r.size && r.sm.statsDone != nil {
		<-r.sm.statsDone
		if r.sm.statsErr != nil {
			// the session reports why
			return 0, fmt.Errorf("%w: refused: %w", errMovieStopped, r.sm.statsErr)
		}
	}
	n, err := r.sm.store.ReadAt(p, r.off)
	r.off += int64(n)
	r.sm.cacheRead.advance(r.off)
	if err == io.EOF && r.off < r.size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// normalise computes normStats' statistics over the raw training movie
// window by window (the same sums in the same order, so bit for bit the
// same values) and normalises the test movie when opt.Normalize is set.
func (sm *StreamedMovie) normalise(opt StimulusOptions) error {
	if !opt.Normalize {
		return nil
	}
	n := sm.frames * sm.fsize
	if n < 2 {
		return fmt.Errorf("cannot normalise: the training movie has %d values", n)
	}
	s := sm.sum
	if sm.train != nil { // from a cache or kept: not summed yet
		s = 0
		for _, x := range sm.train {
			s += float64(x)
		}
	}
	m := s / float64(n)
	var ss float64
	defer opt.timing("std", time.Now())
	if err := sm.rawWindows(func(v []float32) error {
		acc := ss
		for _, x := range v {
			d := float64(x) - m
			acc += d * d
		}
		ss = acc
		return nil
	}); err != nil {
		return err
	}
	sd := math.Sqrt(ss / float64(n-1))
	if !(sd > 0) || math.IsInf(sd, 0) {
		return fmt.Errorf("%w: its standard deviation is %v (constant or non-finite movie)", ErrConstantMovie, sd)
	}
	mean, std := float32(m), float32(sd)
	if sm.testCached != nil {
		<-sm.testCached // the cache writer has the raw test movie written
	}
	applyNorm(nil, sm.Split.Test, mean, std)
	sm.Split.Normalized, sm.Split.NormMean, sm.Split.NormStd = true, mean, std
	return nil
}

// TrainFrames is the number of training frames.
func (sm *StreamedMovie) TrainFrames() int { return sm.frames }

// EachTrainWindow calls fn with the training movie, normalised when the
// options asked for it, a window of whole frames at a time, in order; the
// next window is read back (or rendered) and normalised, over all cores,
// while fn takes this one. fn must not keep or change the slice. For a
// movie rendered into the caller's store (StreamStimuliInto) it runs once,
// and fn may write the window's output values over the window's place in
// the store.
func (sm *StreamedMovie) EachTrainWindow(fn func([]float32) error) error {
	if sm.inPlace {
		// A cache not started by now would read values fn overwrote.
		sm.cacheOnce.Do(func() {})
		if sm.eachDone.Swap(true) {
			return errors.New("karamanlis: EachTrainWindow runs once over a movie rendered into the caller's store")
		}
	}
	norm := sm.Split.Normalized
	mean, std := sm.Split.NormMean, sm.Split.NormStd
	var produce func(a, b int, win []float32) error
	switch {
	case sm.train != nil:
		produce = func(a, b int, win []float32) error {
			src := sm.train[a*sm.fsize : b*sm.fsize]
			if norm {
				normaliseInto(win, src, mean, std)
			} else {
				copy(win, src)
			}
			return nil
		}
	default:
		read := sm.readStore
		if sm.store == nil {
			rd, err := newRenderer(sm.quiet, 0)
			if err != nil {
				return err
			}
			c := *sm.comp
			c.rd = rd
			read = sm.renderWith(&c)
		}
		produce = func(a, b int, win []float32) error {
			if err := read(a, b, win); err != nil {
				return err
			}
			if norm {
				normaliseInto(win, win, mean, std)
			}
			return nil
		}
	}
	caching := sm.inPlace && sm.cacheDone != nil
	return sm.pipeline(produce, func(_, b int, win []float32) error {
		if caching {
			sm.cacheRead.waitFor(int64(b) * int64(4*sm.fsize))
		}
		return fn(win)
	})
}

// WriteCache starts writing the stimulus cache (unless the options turned
// caching off or the movie came from a cache) in the background, once;
// Close waits for it. A pipeline calls it once the session is known to be
// good (its responses loaded), so that a failing session leaves no cache.
func (sm *StreamedMovie) WriteCache() {
	sm.cacheOnce.Do(func() {
		if sm.cacheJob == nil {
			return
		}
		sm.cacheDone = make(chan struct{})
		go func() {
			defer close(sm.cacheDone)
			sm.cacheJob()
		}()
	})
}

// Close waits for the cache being written, if any, and removes the spill
// file.
func (sm *StreamedMovie) Close() error {
	sm.cacheOnce.Do(func() {}) // no cache after Close
	if sm.cacheDone != nil {
		<-sm.cacheDone
	}
	sm.comp = nil
	var err error
	if sm.spill != nil {
		err = sm.spill.Close()
		sm.spill = nil
		if sm.spillName != "" {
			if rerr := os.Remove(sm.spillName); err == nil {
				err = rerr
			}
		}
	}
	return err
}

// npyLE returns a reader of float32 values as little-endian bytes.
func npyLE(v []float32) io.Reader {
	if bigmem.LittleEndian {
		return bytes.NewReader(bigmem.View(v))
	}
	return &f32Reader{v: v}
}

// swapLE converts float32 values between this machine's byte order and
// little-endian, in place (nothing to do on little-endian machines).
func swapLE(v []float32) {
	if bigmem.LittleEndian {
		return
	}
	for i, x := range v {
		b := math.Float32bits(x)
		v[i] = math.Float32frombits(b>>24 | (b>>8)&0xff00 | (b<<8)&0xff0000 | b<<24)
	}
}

type f32Reader struct{ v []float32 }

func (r *f32Reader) Read(p []byte) (int, error) {
	if len(r.v) == 0 {
		return 0, io.EOF
	}
	n := min(len(p)/4, len(r.v))
	if n == 0 {
		return 0, io.ErrShortBuffer
	}
	for i, x := range r.v[:n] {
		b := math.Float32bits(x)
		p[4*i], p[4*i+1], p[4*i+2], p[4*i+3] = byte(b), byte(b>>8), byte(b>>16), byte(b>>24)
	}
	r.v = r.v[n:]
	return 4 * n, nil
}

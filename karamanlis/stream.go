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
	"time"
	"unsafe"
)

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
// never the whole movie. The training movie is rendered window by window
// for the mean, then again for the standard deviation, then again for
// EachTrainWindow (and once more for the stimulus cache on a first run):
// rendering a frame from cached width passes is cheaper than keeping it.
// With a spill folder it is instead rendered once into a temporary spill
// file and read back. The test movie, one sequence, stays in memory.
// Close it.
type StreamedMovie struct {
	// Split has the shapes, Source, FromCache, the normalisation and the
	// test movie (normalised when the options ask for it); its Train is nil:
	// the training frames come from EachTrainWindow.
	Split *MoviesTrainTestSplit

	window    int       // frames per window
	fsize     int       // values per frame
	frames    int       // training frames
	train     []float32 // the raw training movie when it came from a cache
	comp      *composer // renders training windows again (no spill file)
	ctx       context.Context
	quiet     StimulusOptions // opt without progress, for the renders after the first
	spill     *os.File
	spillName string
	sum       float64 // of the raw training values, in order (spilled movies)
	cacheDone chan struct{}
	cacheOnce sync.Once
	cacheJob  func() // writes the cache (nil: caching is off)
}

// StreamStimuliForSession is LoadStimuliForSession for writers that take
// the training movie window by window (see StreamedMovie): the same movie,
// statistics and cache, bit for bit, in memory bounded by the image
// ensemble, the test movie and window frames (window <= 0:
// DefaultWindowFrames). With spillDir not empty the movie is rendered once
// into a spill file made there (and removed by Close) instead of rendered
// again for each pass. A training movie of at most 64 MiB is kept in
// memory, rendered once. A valid cache is read whole, as
// LoadStimuliForSession does.
func StreamStimuliForSession(ctx context.Context, sessionPath string, opt StimulusOptions, window int, spillDir string) (*StreamedMovie, error) {
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
	sm := &StreamedMovie{window: window, fsize: opt.Height * opt.Width}
	if !opt.DisableCache {
		if mov, path := lookupCache(ctx, folder, matPath, opt); mov != nil {
			src := &movieSource{mov: mov, path: path, fromCache: true}
			sm.Split, sm.train, sm.frames = src.split(opt.StimType), mov.train, mov.t
			sm.Split.Train = nil
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
			sm.Close()
		}
	}()
	mov, err := sm.compose(ctx, matPath, opt, spillDir)
	if err != nil {
		if errors.Is(err, ErrNoStimulus) {
			warnf(opt.Warn, "%v", err)
		}
		return nil, err
	}
	src := &movieSource{mov: mov, path: matPath}
	sm.Split = src.split(opt.StimType)
	sm.Split.Train = nil
	if !opt.DisableCache {
		// The cache is written (from the spill file, or rendering again)
		// while the statistics are computed and the caller writes its
		// output. It gets its own copy of the raw test movie, which normalise
		// scales in place.
		cm := *mov
		cm.test = append([]float32(nil), mov.test...)
		sm.cacheJob = func() {
			defer opt.timing("cache_write", time.Now())
			writeCacheFrom(folder, matPath, &cm, sm.rawTrainReader, opt)
		}
	}
	if err := sm.normalise(opt); err != nil {
		return nil, fmt.Errorf("%s: %w", matPath, err)
	}
	ok = true
	return sm, nil
}

// compose renders the test movie into memory and the training movie, window
// by window, into the spill file; the returned movie has no train values.
func (sm *StreamedMovie) compose(ctx context.Context, matPath string, opt StimulusOptions, spillDir string) (*rawMovie, error) {
	c, err := openComposer(ctx, matPath, opt)
	if err != nil {
		return nil, err
	}
	mov := &rawMovie{t: len(c.train), tf: len(c.test), h: opt.Height, w: opt.Width}
	sm.frames = mov.t
	mov.test = make([]float32, mov.tf*sm.fsize)
	defer opt.timing("render", time.Now())
	if err := c.renderTest(ctx, mov.test); err != nil {
		return nil, err
	}
	if keepMovie(4*mov.t*sm.fsize, c.imageBytes) {
		sm.train = make([]float32, mov.t*sm.fsize)
		if err := c.renderTrain(ctx, 0, mov.t, sm.train); err != nil {
			return nil, err
		}
		return mov, nil
	}
	if spillDir == "" {
		sm.comp, sm.ctx = c, ctx
		sm.quiet = opt
		sm.quiet.Progress = nil
		// normStats' first sum, in order, while the next window renders
		if err := sm.renderWindowsWith(c.rd, func(win []float32) error {
			for _, x := range win {
				sm.sum += float64(x)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		return mov, nil
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
	buf := make([]float32, min(sm.window, mov.t)*sm.fsize)
	for a := 0; a < mov.t; a += sm.window {
		b := min(mov.t, a+sm.window)
		win := buf[:(b-a)*sm.fsize]
		if err := c.renderTrain(ctx, a, b, win); err != nil {
			return nil, err
		}
		// normStats' first sum, over the frames in order, while they are
		// in the cache
		for _, x := range win {
			sm.sum += float64(x)
		}
		swapLE(win) // the spill file is little-endian, as the cache
		if _, err := sm.spill.Write(f32Bytes(win)); err != nil {
			return nil, fmt.Errorf("spill file for the training movie: %w", err)
		}
	}
	return mov, nil
}

// f32Bytes views float32 values as their in-memory bytes.
func f32Bytes(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

// rawWindows calls fn with the raw training movie, window by window, in
// order (fn must not keep the slice).
func (sm *StreamedMovie) rawWindows(fn func([]float32) error) error {
	if sm.comp != nil {
		return sm.renderWindows(fn)
	}
	if sm.spill == nil {
		for a := 0; a < len(sm.train); a += sm.window * sm.fsize {
			if err := fn(sm.train[a:min(len(sm.train), a+sm.window*sm.fsize)]); err != nil {
				return err
			}
		}
		return nil
	}
	buf := make([]float32, min(sm.window, sm.frames)*sm.fsize)
	var off int64
	for a := 0; a < sm.frames; a += sm.window {
		win := buf[:(min(sm.frames, a+sm.window)-a)*sm.fsize]
		if _, err := sm.spill.ReadAt(f32Bytes(win), off); err != nil {
			return fmt.Errorf("spill file for the training movie: %w", err)
		}
		off += int64(4 * len(win))
		swapLE(win)
		if err := fn(win); err != nil {
			return err
		}
	}
	return nil
}

// renderWindows renders the training movie again, window by window, with
// its own renderer (so that passes may run side by side).
func (sm *StreamedMovie) renderWindows(fn func([]float32) error) error {
	rd, err := newRenderer(sm.quiet, 0)
	if err != nil {
		return err
	}
	return sm.renderWindowsWith(rd, fn)
}

// renderWindowsWith renders the training movie with rd, window by window,
// and calls fn with each in order; the next window renders while fn runs
// (two buffers in turn).
func (sm *StreamedMovie) renderWindowsWith(rd *renderer, fn func([]float32) error) error {
	c := *sm.comp
	c.rd = rd
	full := make(chan []float32, 1)
	free := make(chan []float32, 2)
	stop := make(chan struct{})
	var rerr error
	go func() {
		defer close(full)
		for a := 0; a < sm.frames; a += sm.window {
			var buf []float32
			select {
			case buf = <-free:
			case <-stop:
				return
			}
			b := min(sm.frames, a+sm.window)
			if cap(buf) < (b-a)*sm.fsize {
				buf = make([]float32, min(sm.window, sm.frames)*sm.fsize)
			}
			win := buf[:(b-a)*sm.fsize]
			if rerr = c.renderTrain(sm.ctx, a, b, win); rerr != nil {
				return
			}
			select {
			case full <- win:
			case <-stop:
				return
			}
		}
	}()
	free <- nil
	free <- nil
	var err error
	for win := range full {
		if err == nil {
			if err = fn(win); err != nil {
				close(stop)
			}
		}
		free <- win
	}
	if err != nil {
		return err
	}
	return rerr
}

// rawTrainReader returns a reader of the raw training movie as
// little-endian float32 bytes (for the cache); the cache writer closes it
// when it is an io.Closer.
func (sm *StreamedMovie) rawTrainReader() io.Reader {
	if sm.comp != nil {
		pr, pw := io.Pipe()
		go func() {
			pw.CloseWithError(sm.renderWindows(func(v []float32) error {
				swapLE(v)
				_, err := pw.Write(f32Bytes(v))
				return err
			}))
		}()
		return pr
	}
	if sm.spill == nil {
		return npyLE(sm.train)
	}
	return io.NewSectionReader(sm.spill, 0, int64(4*sm.frames*sm.fsize))
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
	if sm.train != nil { // from a cache: not summed yet
		s = 0
		for _, x := range sm.train {
			s += float64(x)
		}
	}
	m := s / float64(n)
	var ss float64
	if err := sm.rawWindows(func(v []float32) error {
		for _, x := range v {
			d := float64(x) - m
			ss += d * d
		}
		return nil
	}); err != nil {
		return err
	}
	sd := math.Sqrt(ss / float64(n-1))
	if !(sd > 0) || math.IsInf(sd, 0) {
		return fmt.Errorf("%w: its standard deviation is %v (constant or non-finite movie)", ErrConstantMovie, sd)
	}
	mean, std := float32(m), float32(sd)
	applyNorm(nil, sm.Split.Test, mean, std)
	sm.Split.Normalized, sm.Split.NormMean, sm.Split.NormStd = true, mean, std
	return nil
}

// TrainFrames is the number of training frames.
func (sm *StreamedMovie) TrainFrames() int { return sm.frames }

// EachTrainWindow calls fn with the training movie, normalised when the
// options asked for it, a window of whole frames at a time, in order. fn
// must not keep or change the slice.
func (sm *StreamedMovie) EachTrainWindow(fn func([]float32) error) error {
	norm := sm.Split.Normalized
	mean, std := sm.Split.NormMean, sm.Split.NormStd
	// A second goroutine reads back and normalises the next window while
	// fn writes this one (two buffers in turn).
	full := make(chan []float32, 1)
	free := make(chan []float32, 2)
	stop := make(chan struct{})
	var perr error
	go func() {
		defer close(full)
		perr = sm.rawWindows(func(v []float32) error {
			var o []float32
			select {
			case o = <-free:
			case <-stop:
				return errStopped
			}
			if cap(o) < len(v) {
				o = make([]float32, len(v))
			}
			o = o[:len(v)]
			if norm {
				for i, x := range v {
					o[i] = (x - mean) / std
				}
			} else {
				copy(o, v)
			}
			select {
			case full <- o:
				return nil
			case <-stop:
				return errStopped
			}
		})
	}()
	free <- nil
	free <- nil
	var err error
	for o := range full {
		if err == nil {
			if err = fn(o); err != nil {
				close(stop)
			}
		}
		free <- o
	}
	if err != nil {
		return err
	}
	return perr
}

// errStopped ends EachTrainWindow's reader when fn failed.
var errStopped = errors.New("stopped")

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

// littleEndian reports whether this machine stores float32 little-endian
// (the spill file and the caches are little-endian).
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// npyLE returns a reader of float32 values as little-endian bytes.
func npyLE(v []float32) io.Reader {
	if littleEndian {
		return bytes.NewReader(f32Bytes(v))
	}
	return &f32Reader{v: v}
}

// swapLE converts float32 values between this machine's byte order and
// little-endian, in place (nothing to do on little-endian machines).
func swapLE(v []float32) {
	if littleEndian {
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

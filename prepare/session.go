package prepare

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/retinaio/retinaio/clips"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/npy"
	"github.com/retinaio/retinaio/prepared"
)

// sessionRun is one session being prepared: its settings and the result
// filled in step by step.
type sessionRun struct {
	s   karamanlis.Session
	so  karamanlis.StimulusOptions
	opt Options
	t0  time.Time

	mu  sync.Mutex // guards res.Warnings and res.Timings (the stimulus cache writer adds to them), and the status fields
	res prepared.SessionResult

	// stream, when set, supplies the training movie window by window
	// (the whole movie is never in memory).
	stream *karamanlis.StreamedMovie
}

// prepareSession loads, checks and writes one session: locate its files,
// hash them in the background, load the responses and the stimulus, check
// that they agree, then write the .npz.
func prepareSession(ctx context.Context, s karamanlis.Session, so karamanlis.StimulusOptions, opt Options) prepared.SessionResult {
	r := &sessionRun{s: s, so: so, opt: opt, t0: time.Now(),
		res: prepared.SessionResult{Name: s.Name, Source: s.Path, Zip: s.Zip, Timings: map[string]float64{}}}
	r.run(ctx)
	// run has returned, so the background work it started (checksums, the
	// stimulus cache) has ended; the lock orders this with its last writes.
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Timings["total"] = time.Since(r.t0).Seconds()
	return r.res
}

// run does prepareSession's steps; the result is in r.res.
func (r *sessionRun) run(ctx context.Context) {
	opt := r.opt
	folder, matPath, err := r.locate(ctx)
	if err != nil {
		r.end(err)
		return
	}
	sums := startChecksums(ctx, r.sourceFiles(matPath), opt.NoChecksums)
	defer sums.stop() // stops hashing when the session fails
	if opt.Split == nil && !opt.Compress {
		if err := r.streamSession(ctx, folder, sums); err != nil {
			r.end(err)
			return
		}
		r.mu.Lock()
		r.res.Status = prepared.StatusOK
		r.mu.Unlock()
		return
	}
	stim, resp, err := r.load(ctx, folder)
	if r.stream != nil {
		defer r.stream.Close() // waits for the stimulus cache
	}
	if err != nil {
		r.end(err)
		return
	}
	if err := r.checksums(sums); err != nil {
		r.end(err)
		return
	}
	if err := r.write(folder, stim, resp); err != nil {
		r.end(err)
		return
	}
	r.mu.Lock()
	r.res.Status = prepared.StatusOK
	r.mu.Unlock()
}

// checksums waits for the sources' hashes and records them.
func (r *sessionRun) checksums(sums *checksums) error {
	if err := sums.wait(); err != nil {
		return fmt.Errorf("checksum: %w", err)
	}
	r.mu.Lock()
	r.res.Checksums = sums.sums
	if !r.opt.NoChecksums {
		r.res.Timings["checksum"] = sums.secs
	}
	r.mu.Unlock()
	return nil
}

// end records a session that did not complete: skipped when it has no
// stimulus or responses of the requested type, failed otherwise.
func (r *sessionRun) end(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Status = prepared.StatusFailed
	if errors.Is(err, karamanlis.ErrNoStimulus) || errors.Is(err, karamanlis.ErrNoResponses) {
		r.res.Status = prepared.StatusSkipped
	}
	r.res.Error, r.res.Err = err.Error(), err
}

func (r *sessionRun) warn(msg string) {
	r.mu.Lock()
	r.res.Warnings = append(r.res.Warnings, msg)
	r.mu.Unlock()
	if r.opt.Warn != nil {
		r.opt.Warn(r.s.Name, msg)
	}
}

func (r *sessionRun) info(msg string) {
	if r.opt.Info != nil {
		r.opt.Info(r.s.Name, msg)
	}
}

// lap records the seconds since t under name.
func (r *sessionRun) lap(name string, t time.Time) {
	r.mu.Lock()
	r.res.Timings[name] += time.Since(t).Seconds()
	r.mu.Unlock()
}

// locate returns the session's folder (unpacking a zip) and its data file
// ("" when absent).
func (r *sessionRun) locate(ctx context.Context) (folder, matPath string, err error) {
	t := time.Now()
	folder, err = karamanlis.SessionFolder(ctx, r.s.Path, r.so.CacheDir)
	if err != nil {
		return "", "", err
	}
	if r.s.Zip {
		r.lap("unpack", t)
	}
	matPath, err = karamanlis.FindDataFile(folder, r.so.StimType)
	return folder, matPath, err
}

// sourceFiles are the files whose SHA-256 the manifest records: the zip,
// or the data file.
func (r *sessionRun) sourceFiles(matPath string) []string {
	switch {
	case r.s.Zip:
		return []string{r.s.Path}
	case matPath != "":
		return []string{matPath}
	}
	return nil
}

// load reads the stimulus and the responses and checks that they agree. A
// session whose responses fail writes nothing at all (not even a stimulus
// cache), and its error is the responses' whatever the stimulus gives.
func (r *sessionRun) load(ctx context.Context, folder string) (*karamanlis.MoviesTrainTestSplit, *karamanlis.ResponsesTrainTestSplit, error) {
	so := r.stimOptions()
	loadResp := func() (*karamanlis.ResponsesTrainTestSplit, error) { return r.loadResponses(ctx, folder) }
	var stim *karamanlis.MoviesTrainTestSplit
	var resp *karamanlis.ResponsesTrainTestSplit
	var err error
	if r.opt.Split == nil {
		// The movie is streamed into the .npz (clips need it whole). The
		// stimulus comes first, so that its images are freed before the
		// responses are read; its cache is written only once the responses
		// loaded, and when both fail the responses' error is reported, as
		// when they are read first.
		t := time.Now()
		// (a compressed archive: the movie is spilled beside the output,
		// not into a temporary folder that may be memory)
		r.stream, err = karamanlis.StreamStimuliForSession(ctx, folder, so, WindowFrames(r.opt.MemoryBudget, so.Height, so.Width), r.opt.OutDir)
		if err != nil {
			if _, rerr := loadResp(); rerr != nil {
				return nil, nil, rerr
			}
			return nil, nil, err
		}
		r.lap("stimuli", t)
		stim = r.stream.Split
		// Collect the images now (a short collection: the heap is large
		// pointer-free arrays), so that the responses reuse their memory
		// instead of growing the heap until the next automatic one.
		runtime.GC()
		if resp, err = loadResp(); err != nil {
			return nil, nil, err
		}
	} else {
		// Responses first: they are cheap, and a session whose responses
		// fail then writes nothing at all (not even a stimulus cache).
		if resp, err = loadResp(); err != nil {
			return nil, nil, err
		}
		t := time.Now()
		if stim, err = karamanlis.LoadStimuliForSession(ctx, folder, so); err != nil {
			return nil, nil, err
		}
		r.lap("stimuli", t)
	}
	r.res.StimulusSource, r.res.FromCache = stim.Source, stim.FromCache
	r.res.NaNSpikeCounts = resp.NaNCount
	if err := karamanlis.CheckStimuliResponsesMatch(stim, resp); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", folder, err)
	}
	if err := resp.Validate(); err != nil {
		return nil, nil, err
	}
	if r.stream != nil {
		r.stream.WriteCache()
	}
	return stim, resp, nil
}

// stimOptions are the session's stimulus options, reporting to the
// session's result.
func (r *sessionRun) stimOptions() karamanlis.StimulusOptions {
	so := r.so
	so.Warn, so.Info = r.warn, r.info
	so.Timing = func(phase string, seconds float64) {
		r.mu.Lock()
		r.res.Timings[phase] += seconds
		r.mu.Unlock()
	}
	if r.opt.Progress != nil {
		so.Progress = func(done, total int) { r.opt.Progress(r.s.Name, done, total) }
	}
	return so
}

// responseOptions are the session's response options, reporting to the
// session's result.
func (r *sessionRun) responseOptions() karamanlis.ResponseOptions {
	return karamanlis.ResponseOptions{
		StimType: r.so.StimType, FrNormalisation: r.opt.FrNormalisation, Species: r.so.Species,
		CacheDir: r.so.CacheDir, Warn: r.warn, Info: r.info,
	}
}

// loadResponses loads the session's responses.
func (r *sessionRun) loadResponses(ctx context.Context, folder string) (*karamanlis.ResponsesTrainTestSplit, error) {
	t := time.Now()
	resp, err := karamanlis.LoadResponsesForSession(ctx, folder, r.responseOptions())
	if err == nil {
		r.lap("responses", t)
	}
	return resp, err
}

// streamResponses streams the session's responses into z as they are read
// (see respSink) and checks them as load does (Validate, but for the
// per-trial array it does not hold: its shape is TestShape's with trials
// by construction, and Test its mean computed as LoadResponsesForSession
// does); the returned split has no TestByTrial. Its time is split into
// "responses" (reading) and "write".
func (r *sessionRun) streamResponses(ctx context.Context, folder string, z *npy.NPZWriter, out string) (*karamanlis.ResponsesTrainTestSplit, error) {
	t := time.Now()
	sink := &respSink{z: z}
	resp, err := karamanlis.StreamResponsesForSession(ctx, folder, r.responseOptions(), sink)
	if err == nil {
		v := *resp
		v.TestByTrialShape = nil
		err = v.Validate()
	}
	if err == nil {
		tw := time.Now()
		if err = sink.finish(resp); err != nil {
			err = fmt.Errorf("write %s: %w", out, err)
		}
		sink.write += time.Since(tw)
	}
	if sink.werr != nil {
		err = fmt.Errorf("write %s: %w", out, err)
	}
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.res.Timings["responses"] += (time.Since(t) - sink.write).Seconds()
	r.res.Timings["write"] += sink.write.Seconds()
	r.mu.Unlock()
	return resp, nil
}

// streamSession prepares a session into a stored .npz without holding its movie:
// the responses are streamed into it first, while the stimulus' images
// are read (resp_test_by_trial a few trials at a time, never whole; see
// streamResponses), and dropped; the raw training movie is rendered once into its
// place in the archive (see npy.Region and karamanlis.StreamStimuliInto),
// read back for its standard deviation, then normalised in place window by
// window; the test movie and the statistics follow. A session whose
// responses fail stops its stimulus and reports the responses' error; a
// failing session publishes no file, and no stimulus cache unless it fails
// after its responses were loaded and its movie rendered (the stimulus
// cache is written from the rendered movie, and only a frame count that
// disagrees, which loading the responses already checks against the
// fixations, or a failing write can still fail it).
func (r *sessionRun) streamSession(ctx context.Context, folder string, sums *checksums) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := filepath.Join(r.opt.OutDir, r.s.Name+".npz")
	z, err := npy.CreateNPZ(out, npy.NPZOptions{})
	if err != nil {
		return err
	}
	defer z.Abort()
	var resp *karamanlis.ResponsesTrainTestSplit
	var respErr error
	respDone := make(chan struct{})
	go func() {
		defer close(respDone)
		if resp, respErr = r.streamResponses(ctx, folder, z, out); respErr != nil {
			cancel()
			return
		}
		resp.Train, resp.Test = nil, nil // written: only the shapes are needed
		releaseMemory()
	}()
	var region *npy.Region
	store := func(shape []int) (karamanlis.MovieStore, error) {
		<-respDone
		if respErr != nil {
			return nil, respErr
		}
		reg, rerr := z.CreateRegion(prepared.KeyStimTrain, npy.Header{Descr: prepared.DescrMovie, Shape: shape})
		if rerr != nil {
			return nil, fmt.Errorf("write %s: %w", out, rerr)
		}
		region = reg
		return reg, nil
	}
	so := r.stimOptions()
	t := time.Now()
	sm, err := karamanlis.StreamStimuliInto(ctx, folder, so, WindowFrames(r.opt.MemoryBudget, so.Height, so.Width), store)
	<-respDone
	if respErr != nil {
		return respErr // whatever the stimulus gave
	}
	if err != nil {
		return err
	}
	defer sm.Close() // waits for the stimulus cache
	r.lap("stimuli", t)
	releaseMemory() // the images
	stim := sm.Split
	r.res.StimulusSource, r.res.FromCache = stim.Source, stim.FromCache
	r.res.NaNSpikeCounts = resp.NaNCount
	if err := karamanlis.CheckStimuliResponsesMatch(stim, resp); err != nil {
		return fmt.Errorf("%s: %w", folder, err)
	}
	t = time.Now()
	if err := addStimulus(z, stim, sm, region); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := r.checksums(sums); err != nil {
		return err
	}
	tc := time.Now()
	if err := z.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	r.lap("commit", tc) // the fsync's wait, part of write
	r.lap("write", t)
	r.written(out, stim, resp, nil)
	return nil
}

// releaseMemory collects the garbage and returns the free memory to the
// system at once (debug.FreeOSMemory), once a session has dropped large
// arrays (its responses, written; its images, rendered): the pages it
// writes next into the system's file cache (the movie, the stimulus cache)
// then reuse that memory instead of pages the process never touched. On
// virtual machines whose host reclaims free memory, a page touched for the
// first time costs several times the copy into it (measured here: writing
// 288 MB into fresh file pages took 0.3-1 s of system time, into pages
// just freed 0.06-0.08 s). The collection itself is short: the heap is
// large pointer-free arrays.
func releaseMemory() { debug.FreeOSMemory() }

// write cuts the clips (with opt.Split), writes OutDir/<session>.npz and
// records the shapes and normalisation in the result.
func (r *sessionRun) write(folder string, stim *karamanlis.MoviesTrainTestSplit, resp *karamanlis.ResponsesTrainTestSplit) error {
	var split *clips.Split
	if r.opt.Split != nil {
		t := time.Now()
		var err error
		split, err = clips.SplitSession(stim.Train, stim.TrainShape, resp.Train, resp.TrainShape, *r.opt.Split)
		if err != nil {
			return fmt.Errorf("%s: split: %w", folder, err)
		}
		r.lap("split", t)
	}
	t := time.Now()
	out := filepath.Join(r.opt.OutDir, r.s.Name+".npz")
	if err := writeSessionNPZ(out, stim, r.stream, resp, split, r.opt.Compress); err != nil {
		return err
	}
	r.lap("write", t)
	r.written(out, stim, resp, split)
	return nil
}

// written records a written output in the session's result: its path, the
// arrays' shapes and the normalisation.
func (r *sessionRun) written(out string, stim *karamanlis.MoviesTrainTestSplit, resp *karamanlis.ResponsesTrainTestSplit, split *clips.Split) {
	r.res.Output = out
	r.res.Shapes = shapes(stim, resp, split)
	if stim.Normalized {
		m, sd := stim.NormMean, stim.NormStd
		r.res.NormMean, r.res.NormStd = &m, &sd
	}
}

package prepare

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/retinaio/retinaio/clips"
	"github.com/retinaio/retinaio/karamanlis"
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
	stim, resp, err := r.load(ctx, folder)
	if r.stream != nil {
		defer r.stream.Close() // waits for the stimulus cache
	}
	if err != nil {
		r.end(err)
		return
	}
	if err := sums.wait(); err != nil {
		r.end(fmt.Errorf("checksum: %w", err))
		return
	}
	r.mu.Lock()
	r.res.Checksums = sums.sums
	if !opt.NoChecksums {
		r.res.Timings["checksum"] = sums.secs
	}
	r.mu.Unlock()
	if err := r.write(folder, stim, resp); err != nil {
		r.end(err)
		return
	}
	r.mu.Lock()
	r.res.Status = prepared.StatusOK
	r.mu.Unlock()
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
	loadResp := func() (*karamanlis.ResponsesTrainTestSplit, error) {
		t := time.Now()
		resp, err := karamanlis.LoadResponsesForSession(ctx, folder, karamanlis.ResponseOptions{
			StimType: r.so.StimType, FrNormalisation: r.opt.FrNormalisation, Species: r.so.Species,
			CacheDir: r.so.CacheDir, Warn: r.warn, Info: r.info,
		})
		if err == nil {
			r.lap("responses", t)
		}
		return resp, err
	}
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
		r.stream, err = karamanlis.StreamStimuliForSession(ctx, folder, so, WindowFrames(r.opt.MemoryBudget, so.Height, so.Width), os.TempDir())
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
	r.res.Output = out
	r.res.Shapes = shapes(stim, resp, split)
	if stim.Normalized {
		m, sd := stim.NormMean, stim.NormStd
		r.res.NormMean, r.res.NormStd = &m, &sd
	}
	return nil
}

package karamanlis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/retinaio/retinaio/clips"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/retinaio/retinaio/internal/atomicfile"
	"github.com/retinaio/retinaio/npy"
)

// PrepareOptions configures Prepare.
type PrepareOptions struct {
	// Stimulus holds the stimulus settings (DefaultStimulusOptions); its
	// Progress, Warn and Info are replaced by the per-session ones below.
	Stimulus StimulusOptions
	// FrNormalisation divides the spike counts (default 1).
	FrNormalisation float64
	// OutDir receives <session>.npz and manifest.json (default
	// ./retinaio-out).
	OutDir string
	// Jobs is the number of sessions prepared at once (default 1).
	Jobs int
	// Compress deflates the output .npz files (default stored).
	Compress bool
	// NoChecksums skips the SHA-256 of the source files.
	NoChecksums bool
	// ToolVersion is recorded in the manifest and caches.
	ToolVersion string
	// Sessions, when set, limits the run to these sessions (after
	// FindSessions); Prepare uses it for sharding.
	Sessions []Session
	// DownloadProgress is where a download progress bar may be drawn when
	// root is a mirror URL (nil: none).
	DownloadProgress io.Writer
	// Shard is recorded in the manifest: "I/N" for a run over share I of
	// N (package shard), "" otherwise.
	Shard string
	// Admit, when set, is called before each session starts, once one of
	// the Jobs slots is free; it may wait (for memory, say) and returns
	// the function to call when the session is done. An error fails the
	// session.
	Admit func(ctx context.Context, s Session) (release func(), err error)
	// Split, when set, cuts each session's training movie and responses
	// into openretina's training and validation clips (package clips) and
	// writes val_clip_idx, stim_train, stim_val, resp_train and resp_val in
	// place of the uncut stim_train and resp_train.
	Split *clips.Options
	// Progress is called with a session's composed frames and total.
	Progress func(session string, done, total int)
	// Warn and Info receive a session's warnings and messages.
	Warn func(session, msg string)
	Info func(session, msg string)
}

// Session statuses in a manifest.
const (
	StatusOK      = "ok"
	StatusSkipped = "skipped" // no stimulus or responses of the requested type
	StatusFailed  = "failed"
)

// Manifest describes a Prepare run (manifest.json).
type Manifest struct {
	Tool        string           `json:"tool"`
	Version     string           `json:"version"`
	Created     string           `json:"created"`
	Root        string           `json:"root"`
	OutDir      string           `json:"out_dir"`
	Shard       string           `json:"shard,omitempty"`
	Settings    ManifestSettings `json:"settings"`
	Sessions    []SessionResult  `json:"sessions"`
	OK          int              `json:"ok"`
	Skipped     int              `json:"skipped"`
	Failed      int              `json:"failed"`
	WallSeconds float64          `json:"wall_seconds"`
}

// ManifestSettings are the settings of a Prepare run.
type ManifestSettings struct {
	Species            string  `json:"species"`
	StimType           string  `json:"stim_type"`
	Height             int     `json:"height"`
	Width              int     `json:"width"`
	Normalize          bool    `json:"normalize"`
	FrNormalisation    float64 `json:"fr_normalisation"`
	Semantics          string  `json:"semantics"`
	ScreenHeight       int     `json:"screen_height"`
	ScreenWidth        int     `json:"screen_width"`
	UseOpenretinaCache bool    `json:"use_openretina_cache"`
	Compress           bool    `json:"compress"`
	Jobs               int     `json:"jobs"`
}

// SessionResult is one session's entry in the manifest.
type SessionResult struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	Zip    bool   `json:"zip,omitempty"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Output is the written .npz ("" unless ok).
	Output   string           `json:"output,omitempty"`
	Shapes   map[string][]int `json:"shapes,omitempty"`
	NormMean *float32         `json:"norm_mean,omitempty"`
	NormStd  *float32         `json:"norm_std,omitempty"`
	// StimulusSource is the .mat or cache the movie came from.
	StimulusSource string `json:"stimulus_source,omitempty"`
	FromCache      bool   `json:"from_cache,omitempty"`
	NaNSpikeCounts int    `json:"nan_spike_counts,omitempty"`
	// Checksums maps source files (the zip, or the .mat files) to their
	// SHA-256.
	Checksums map[string]string  `json:"sha256,omitempty"`
	Warnings  []string           `json:"warnings,omitempty"`
	Timings   map[string]float64 `json:"seconds,omitempty"`
}

// ManifestName is the manifest's file name in the output folder.
const ManifestName = "manifest.json"

// Prepare loads every session below root (see FindSessions; root may also
// be one session folder or zip) and writes OutDir/<session>.npz with keys
// stim_train (1,T,h,w) f32, stim_test (1,Tf,h,w) f32, norm_mean and
// norm_std (f32 scalars, when normalised), resp_train (N,T) f64, resp_test
// (N,Tf) f64, resp_test_by_trial (K,N,Tf) f64, and OutDir/manifest.json.
//
// A session that fails writes nothing and the others still complete; its
// error is in the manifest. Sessions without the stimulus are skipped.
// Prepare's own error is for problems before any session (no sessions,
// output folder not writable) or for the manifest; check Manifest.Failed.
func Prepare(ctx context.Context, root string, opt PrepareOptions) (*Manifest, error) {
	start := time.Now()
	so, err := opt.Stimulus.withDefaults()
	if err != nil {
		return nil, err
	}
	so.ToolVersion = opt.ToolVersion
	if opt.FrNormalisation == 0 {
		opt.FrNormalisation = 1
	}
	if opt.OutDir == "" {
		opt.OutDir = "retinaio-out"
	}
	if opt.Jobs <= 0 {
		opt.Jobs = 1
	}
	sessions := opt.Sessions
	if sessions == nil {
		local, err := ResolveRoot(ctx, root, so.Species, so.CacheDir, opt.DownloadProgress)
		if err != nil {
			return nil, err
		}
		sessions, err = FindSessions(local, so.Species)
		if err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	man := &Manifest{
		Tool: "retinaio", Version: opt.ToolVersion, Created: start.UTC().Format(time.RFC3339),
		Root: root, OutDir: opt.OutDir, Shard: opt.Shard,
		Settings: ManifestSettings{
			Species: so.Species, StimType: string(so.StimType), Height: so.Height, Width: so.Width,
			Normalize: so.Normalize, FrNormalisation: opt.FrNormalisation, Semantics: string(so.Semantics),
			ScreenHeight: so.ScreenHeight, ScreenWidth: so.ScreenWidth, UseOpenretinaCache: so.UseOpenretinaCache,
			Compress: opt.Compress, Jobs: opt.Jobs,
		},
		Sessions: make([]SessionResult, len(sessions)),
	}
	// Workers share the cores between concurrent sessions.
	if so.Workers <= 0 {
		so.Workers = max(1, runtime.GOMAXPROCS(0)/max(1, min(opt.Jobs, len(sessions))))
	}
	sem := make(chan struct{}, opt.Jobs)
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if opt.Admit != nil {
				release, err := opt.Admit(ctx, s)
				if err != nil {
					man.Sessions[i] = SessionResult{Name: s.Name, Source: s.Path, Zip: s.Zip, Status: StatusFailed, Error: err.Error()}
					return
				}
				defer release()
			}
			man.Sessions[i] = prepareSession(ctx, s, so, opt)
		}()
	}
	wg.Wait()
	for _, r := range man.Sessions {
		switch r.Status {
		case StatusOK:
			man.OK++
		case StatusSkipped:
			man.Skipped++
		default:
			man.Failed++
		}
	}
	man.WallSeconds = time.Since(start).Seconds()
	mb, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return man, err
	}
	if err := atomicfile.WriteFile(filepath.Join(opt.OutDir, ManifestName), append(mb, '\n')); err != nil {
		return man, fmt.Errorf("write manifest: %w", err)
	}
	return man, ctx.Err()
}

// prepareSession loads, checks and writes one session.
func prepareSession(ctx context.Context, s Session, so StimulusOptions, opt PrepareOptions) (res SessionResult) {
	t0 := time.Now()
	res = SessionResult{Name: s.Name, Source: s.Path, Zip: s.Zip, Timings: map[string]float64{}}
	var mu sync.Mutex
	warn := func(msg string) {
		mu.Lock()
		res.Warnings = append(res.Warnings, msg)
		mu.Unlock()
		if opt.Warn != nil {
			opt.Warn(s.Name, msg)
		}
	}
	info := func(msg string) {
		if opt.Info != nil {
			opt.Info(s.Name, msg)
		}
	}
	fail := func(err error) SessionResult {
		res.Status, res.Error = StatusFailed, err.Error()
		res.Timings["total"] = time.Since(t0).Seconds()
		return res
	}
	skip := func(err error) SessionResult {
		res.Status, res.Error = StatusSkipped, err.Error()
		res.Timings["total"] = time.Since(t0).Seconds()
		return res
	}
	lap := func(name string, t time.Time) { res.Timings[name] = time.Since(t).Seconds() }

	t := time.Now()
	folder, err := SessionFolder(ctx, s.Path, so.CacheDir)
	if err != nil {
		return fail(err)
	}
	if s.Zip {
		lap("unpack", t)
	}
	matPath, err := findDataFile(folder, so.StimType)
	if err != nil {
		return fail(err)
	}

	// Checksums run beside the loading.
	var sums map[string]string
	var sumErr error
	var sumSecs float64
	sumDone := make(chan struct{})
	sumCtx, cancelSums := context.WithCancel(ctx)
	go func() {
		defer close(sumDone)
		if opt.NoChecksums {
			return
		}
		ts := time.Now()
		sums = map[string]string{}
		var files []string
		if s.Zip {
			files = []string{s.Path}
		} else if matPath != "" {
			files = []string{matPath}
		}
		for _, f := range files {
			h, err := sha256File(sumCtx, f)
			if err != nil {
				sumErr = err
				return
			}
			sums[filepath.Base(f)] = h
		}
		sumSecs = time.Since(ts).Seconds()
	}()
	defer func() { <-sumDone }()
	defer cancelSums() // runs first: stops hashing when the session fails

	// Responses first: they are cheap, and a session whose responses fail
	// then writes nothing at all (not even a stimulus cache).
	t = time.Now()
	resp, err := LoadResponsesForSession(ctx, folder, ResponseOptions{
		StimType: so.StimType, FrNormalisation: opt.FrNormalisation, Species: so.Species,
		CacheDir: so.CacheDir, Warn: warn, Info: info,
	})
	if errors.Is(err, ErrNoResponses) {
		return skip(err)
	}
	if err != nil {
		return fail(err)
	}
	lap("responses", t)
	so.Warn, so.Info = warn, info
	so.Timing = func(phase string, seconds float64) {
		mu.Lock()
		res.Timings[phase] += seconds
		mu.Unlock()
	}
	if opt.Progress != nil {
		so.Progress = func(done, total int) { opt.Progress(s.Name, done, total) }
	}
	t = time.Now()
	stim, err := LoadStimuliForSession(ctx, folder, so)
	if errors.Is(err, ErrNoStimulus) {
		return skip(err)
	}
	if err != nil {
		return fail(err)
	}
	lap("stimuli", t)
	res.StimulusSource, res.FromCache = stim.Source, stim.FromCache

	res.NaNSpikeCounts = resp.NaNCount
	if err := CheckStimuliResponsesMatch(stim, resp); err != nil {
		return fail(fmt.Errorf("%s: %w", folder, err))
	}
	if err := resp.Validate(); err != nil {
		return fail(err)
	}

	<-sumDone
	if sumErr != nil {
		return fail(fmt.Errorf("checksum: %w", sumErr))
	}
	res.Checksums = sums
	if !opt.NoChecksums {
		res.Timings["checksum"] = sumSecs
	}

	t = time.Now()
	var split *clips.Split
	if opt.Split != nil {
		split, err = clips.SplitSession(stim.Train, stim.TrainShape, resp.Train, resp.TrainShape, *opt.Split)
		if err != nil {
			return fail(fmt.Errorf("%s: split: %w", folder, err))
		}
		lap("split", t)
		t = time.Now()
	}
	out := filepath.Join(opt.OutDir, s.Name+".npz")
	if err := writeSessionNPZ(out, stim, resp, split, opt.Compress); err != nil {
		return fail(err)
	}
	lap("write", t)
	res.Status, res.Output = StatusOK, out
	res.Shapes = map[string][]int{
		"stim_train": stim.TrainShape, "stim_test": stim.TestShape,
		"resp_train": resp.TrainShape, "resp_test": resp.TestShape, "resp_test_by_trial": resp.TestByTrialShape,
	}
	if split != nil {
		res.Shapes["stim_train"], res.Shapes["resp_train"] = split.StimTrainShape, split.RespTrainShape
		res.Shapes["stim_val"], res.Shapes["resp_val"] = split.StimValShape, split.RespValShape
		res.Shapes["val_clip_idx"] = []int{len(split.Plan.Val)}
	}
	if stim.Normalized {
		m, sd := stim.NormMean, stim.NormStd
		res.NormMean, res.NormStd = &m, &sd
	}
	res.Timings["total"] = time.Since(t0).Seconds()
	return res
}

// WriteSessionNPZ writes one session's prepared arrays atomically (see
// Prepare for the keys).
func WriteSessionNPZ(path string, stim *MoviesTrainTestSplit, resp *ResponsesTrainTestSplit, compress bool) error {
	return writeSessionNPZ(path, stim, resp, nil, compress)
}

// writeSessionNPZ is WriteSessionNPZ; with a split, its keys replace the
// uncut stim_train and resp_train.
func writeSessionNPZ(path string, stim *MoviesTrainTestSplit, resp *ResponsesTrainTestSplit, split *clips.Split, compress bool) error {
	z, err := npy.CreateNPZ(path, npy.NPZOptions{Compress: compress})
	if err != nil {
		return err
	}
	defer z.Abort()
	add := func(name string, shape []int, data any) {
		if err == nil {
			err = z.Add(name, shape, data)
		}
	}
	if split != nil {
		err = split.AddTo(z)
	} else {
		add("stim_train", stim.TrainShape, stim.Train)
	}
	add("stim_test", stim.TestShape, stim.Test)
	if stim.Normalized {
		add("norm_mean", nil, stim.NormMean)
		add("norm_std", nil, stim.NormStd)
	}
	if split == nil {
		add("resp_train", resp.TrainShape, resp.Train)
	}
	add("resp_test", resp.TestShape, resp.Test)
	add("resp_test_by_trial", resp.TestByTrialShape, resp.TestByTrial)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// sha256File hashes a file, streaming.
func sha256File(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", path, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

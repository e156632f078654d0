// Package prepare is retinaio's pipeline: it turns Karamanlis sessions into
// training-ready files. Run loads every session of a local data root with
// package karamanlis, optionally cuts the training clips (package clips),
// writes one <session>.npz per session and a manifest.json (the contract of
// both is package prepared), records the sources' SHA-256, and admits
// sessions running side by side only as memory allows.
//
// Data roots are local folders: a remote mirror is resolved (downloaded)
// by the caller, with package hub, before Run is called.
package prepare

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/retinaio/retinaio/clips"
	"github.com/retinaio/retinaio/internal/atomicfile"
	"github.com/retinaio/retinaio/internal/version"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/prepared"
	"github.com/retinaio/retinaio/shard"
)

// Options configures Run.
type Options struct {
	// Stimulus holds the stimulus settings (karamanlis.DefaultStimulusOptions);
	// its Progress, Warn and Info are replaced by the per-session ones below.
	Stimulus karamanlis.StimulusOptions
	// FrNormalisation divides the spike counts (default 1).
	FrNormalisation float64
	// OutDir receives <session>.npz and manifest.json (default
	// ./retinaio-out).
	OutDir string
	// Jobs is the number of sessions prepared at once (default 1).
	Jobs int
	// MemoryBudget, when not zero and Jobs > 1, admits a session only while
	// the estimated memory of the running sessions (EstimateSessionMemory)
	// fits in this many bytes.
	MemoryBudget uint64
	// Compress deflates the output .npz files (default stored).
	Compress bool
	// NoChecksums skips the SHA-256 of the source files.
	NoChecksums bool
	// ToolVersion is recorded in the manifest and caches (default
	// internal/version's: the module version, or "devel" and the VCS
	// revision).
	ToolVersion string
	// Source, when set, is recorded in the manifest as the root instead of
	// the local root (the mirror URL the root was downloaded from).
	Source string
	// Origin, when set, returns where a session's source was downloaded
	// from (the URL recorded beside a cached zip, hub.ReadRecord), recorded
	// as the session's origin in the manifest; "" for none.
	Origin func(s karamanlis.Session) string
	// Sessions, when set, limits the run to these sessions; otherwise the
	// sessions below root that Shard owns are prepared (SelectSessions).
	Sessions []karamanlis.Session
	// Shard is the share of the sessions this run covers (package shard;
	// the zero Spec for all), recorded in the manifest.
	Shard shard.Spec
	// Admit, when set, is called before each session starts, once one of
	// the Jobs slots is free; it may wait (for memory, say) and returns
	// the function to call when the session is done. An error fails the
	// session. It replaces the MemoryBudget admission.
	Admit func(ctx context.Context, s karamanlis.Session) (release func(), err error)
	// Split, when set, cuts each session's training movie and responses
	// into openretina's training and validation clips (package clips) and
	// writes val_clip_idx, stim_train, stim_val, resp_train and resp_val in
	// place of the uncut stim_train and resp_train.
	Split *clips.Options
	// Progress is called with a session's composed frames and total.
	Progress func(session string, done, total int)
	// Warn and Info receive a session's warnings and messages, possibly
	// from several goroutines at once (sessions prepared in parallel, a
	// session's stimulus cache writer).
	Warn func(session, msg string)
	Info func(session, msg string)
}

// withDefaults fills the defaults in and checks the stimulus options.
func (o Options) withDefaults() (Options, error) {
	so, err := o.Stimulus.WithDefaults()
	if err != nil {
		return o, err
	}
	if o.ToolVersion == "" {
		o.ToolVersion = version.String()
	}
	so.ToolVersion = o.ToolVersion
	o.Stimulus = so
	if o.FrNormalisation == 0 {
		o.FrNormalisation = 1
	}
	if o.OutDir == "" {
		o.OutDir = "retinaio-out"
	}
	if o.Jobs <= 0 {
		o.Jobs = 1
	}
	return o, nil
}

// Run prepares every session below the local folder root (see
// karamanlis.FindSessions; root may also be one session folder or zip) that
// opt.Shard owns, or opt.Sessions, and writes OutDir/<session>.npz (the arrays of
// prepared.SessionKeys, or the split keys with opt.Split) and
// OutDir/manifest.json.
//
// A session that fails writes nothing and the others still complete; its
// error is in the manifest. The manifest file is merged per session
// (MergeManifest) as each one ends: entries of sessions this run does not
// cover are kept, each entry records its own settings, and two runs on one
// folder take turns per session (a lock per session file). Sessions without the stimulus are skipped.
// Run's own error is for problems before any session (no sessions, output
// folder not writable) or for the manifest; check Manifest.Failed.
func Run(ctx context.Context, root string, opt Options) (*prepared.Manifest, error) {
	start := time.Now()
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	sessions := opt.Sessions
	if sessions == nil {
		if sessions, _, err = SelectSessions(root, opt.Stimulus.Species, opt.Shard); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	man := newManifest(root, start, opt, len(sessions))
	defer limitMemory(opt.MemoryBudget)()
	so := opt.Stimulus
	// Workers share the cores between concurrent sessions.
	if so.Workers <= 0 {
		so.Workers = max(1, runtime.GOMAXPROCS(0)/max(1, min(opt.Jobs, len(sessions))))
	}
	admit := opt.Admit
	if admit == nil && opt.MemoryBudget > 0 && opt.Jobs > 1 {
		admit = memoryAdmission(opt.MemoryBudget, so, opt.Split != nil || opt.Compress)
	}
	cleanOutTemps(opt.OutDir)
	runSessions(ctx, sessions, opt.Jobs, admit, man.Sessions, func(s karamanlis.Session) prepared.SessionResult {
		return lockedSession(ctx, s, man, opt, func(s karamanlis.Session) prepared.SessionResult {
			return prepareSession(ctx, s, so, opt)
		})
	})
	man.Count()
	man.WallSeconds = time.Since(start).Seconds()
	// The file merges this run's entries with those of earlier runs (a
	// cancelled run still records what it finished).
	// (after a cancel, the lock is still waited for, at most 30 s).
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := MergeManifest(mctx, opt.OutDir, man, man.Sessions); err != nil {
		return man, fmt.Errorf("write manifest: %w", err)
	}
	return man, ctx.Err()
}

// newManifest starts the manifest of a run over n sessions.
func newManifest(root string, start time.Time, opt Options, n int) *prepared.Manifest {
	so := opt.Stimulus
	if opt.Source != "" {
		root = opt.Source
	}
	return &prepared.Manifest{
		Tool: prepared.Tool, Version: opt.ToolVersion, Created: start.UTC().Format(time.RFC3339),
		Root: root, OutDir: opt.OutDir, Shard: opt.Shard.String(),
		Settings: prepared.ManifestSettings{
			Species: string(so.Species), StimType: string(so.StimType), Height: so.Height, Width: so.Width,
			Normalize: so.Normalize, FrNormalisation: opt.FrNormalisation, Semantics: so.Semantics.String(),
			ScreenHeight: so.ScreenHeight, ScreenWidth: so.ScreenWidth, UseOpenretinaCache: so.UseOpenretinaCache,
			Compress: opt.Compress, Jobs: opt.Jobs,
		},
		Sessions: make([]prepared.SessionResult, n),
	}
}

// runSessions runs prepare on every session, jobs at a time, each admitted
// by admit (when set) once it has a slot, and stores the results in order.
func runSessions(ctx context.Context, sessions []karamanlis.Session, jobs int,
	admit func(context.Context, karamanlis.Session) (func(), error),
	results []prepared.SessionResult, prepare func(karamanlis.Session) prepared.SessionResult) {
	slots := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			if admit != nil {
				release, err := admit(ctx, s)
				if err != nil {
					results[i] = prepared.SessionResult{Name: s.Name, Source: s.Path, Zip: s.Zip,
						Status: prepared.StatusFailed, Error: err.Error(), Err: err}
					return
				}
				defer release()
			}
			results[i] = prepare(s)
		}()
	}
	wg.Wait()
}

func writeManifest(path string, man *prepared.Manifest) error {
	mb, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, append(mb, '\n')); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// SelectSessions lists the sessions of species below the local root (see
// karamanlis.FindSessions) that the share sp owns, and how many there are
// in all.
func SelectSessions(root string, species karamanlis.Species, sp shard.Spec) (mine []karamanlis.Session, total int, err error) {
	all, err := karamanlis.FindSessions(root, species)
	if err != nil {
		return nil, 0, err
	}
	mine = []karamanlis.Session{}
	for _, s := range all {
		if sp.Owns(s.Name) {
			mine = append(mine, s)
		}
	}
	return mine, len(all), nil
}

// UpToDate reports whether the folder out holds a manifest in which every
// one of sessions was prepared (status ok), written after each session's
// source last changed: a run over them would write nothing new.
func UpToDate(out string, sessions []karamanlis.Session) bool {
	st, err := os.Stat(filepath.Join(out, prepared.ManifestName))
	if err != nil {
		return false
	}
	man, err := prepared.ReadManifest(filepath.Join(out, prepared.ManifestName))
	if err != nil {
		return false
	}
	ok := map[string]bool{}
	for _, s := range man.Sessions {
		ok[s.Name] = s.Status == prepared.StatusOK
	}
	for _, s := range sessions {
		if !ok[s.Name] {
			return false
		}
		if fi, err := os.Stat(s.Path); err != nil || fi.ModTime().After(st.ModTime()) {
			return false
		}
	}
	return true
}

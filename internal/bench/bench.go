// Package bench measures retinaio's prepare pipeline end to end: it
// synthesises a session of a given size (or takes a folder of sessions),
// runs prepare, and reports per phase the throughput (read + inflate MB/s,
// rendered frames/s, write MB/s), the total wall time and the peak resident
// memory, beside the reference numbers of openretina's pipeline measured on
// the project's 2-core machine, and checks them against issue 13's targets
// (Targets).
//
// Options.Runs runs with the cache off (--no-cache) give the median,
// minimum and maximum wall time and peak RSS. With a synthesised session
// each of them is paired with a first run, which writes openretina's
// stimulus cache as a user's first run does (the cache is removed before
// each), the pairs in ABBA order (first, no-cache, no-cache, first, ...);
// the first runs' median is reported apart (Report.FirstRunSeconds). With
// an existing folder every run has the cache off.
//
// For a clean peak-memory figure prepare runs in a child process
// (Options.Command, normally the retinaio executable itself), whose rusage
// reports its peak RSS without the synthesis that preceded it. On Linux,
// Go starts children with vfork semantics and the kernel counts the
// parent's peak RSS at exec time into the child's; Run therefore frees the
// parent's memory and resets its peak (sysmem.ResetPeakRSS) before starting
// the child, and reports the parent's remaining RSS as PeakRSSFloor.
//
// Configurations compared with each other (layouts, image uses) are
// measured together (RunInterleaved): all synthesised first, then one pair
// of runs per configuration and round, every other round in reverse order,
// so that a machine whose speed drifts over minutes slows them alike; each
// visit to a configuration starts with Options.Warmup unmeasured runs.
//
// Before each run the file system is synced (sync(2), outside the measured
// time), so that no run pays for the writeback of data written before it:
// the synthesised session's files (up to 0.5 GB for the mouse size) or an
// earlier run's (without it the synthesised session's writeback fell into
// the first measured runs on the project's machine).
package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/internal/safetext"
	"github.com/retinaio/retinaio/internal/sysmem"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/prepare"
	"github.com/retinaio/retinaio/prepared"
	"github.com/retinaio/retinaio/synth"
)

// Options configure Run.
type Options struct {
	// Profile is the synth profile ("medium" default) used when Dir is "".
	Profile string
	// Layout is the synthesised session's file layout (synth.Layout: "own"
	// default, "h5py", "matlab", "contiguous"); not used with Dir.
	Layout string
	// ImageUse is which images the synthesised session's fixations show
	// (synth.ImageUse: "random" default, "all", "third-unused"); not used
	// with Dir.
	ImageUse string
	// Runs is the number of measured prepare runs with the cache off
	// (default 1). With a synthesised session as many first runs, which
	// write openretina's cache, run with them in ABBA order and are
	// reported apart.
	Runs int
	// Warmup is the number of unmeasured --no-cache runs before the
	// measured ones (0: none; the command's default is 1), and when
	// RunInterleaved measures several configurations, before each round's
	// pair of each. The
	// first run after the synthesis pays for the memory the synthesis just
	// freed: on the project's virtual machine it took 0.3-1.6 s of system
	// time more than the runs after it in every layout x image use of a
	// mouse matrix, and in ABBA order it is always a first run. Coming
	// back to a configuration after the others' runs, its session may have
	// left the page cache (this machine drops pages idle for a minute):
	// interleaved without warm-up runs, the first runs measured 1.08-1.41x
	// the --no-cache runs against 1.01-1.23x measured in turn.
	Warmup int
	// Dir, when set, is an existing folder of sessions (or one session) to
	// prepare instead of a synthesised one. Nothing is written into it:
	// prepare runs with --no-cache and unpacks zips into the work folder.
	Dir string
	// Seed is the synth seed (default 1).
	Seed uint64
	// Keep keeps the work folder (synthesised session, outputs) and reports
	// its path.
	Keep bool
	// TempDir is where the work folder is made (default os.TempDir()).
	TempDir string
	// Command, when not empty, runs prepare as a child process:
	// Command[0] with Command[1:] followed by ROOT --out OUT --cache-dir
	// CACHE and PrepareArgs, e.g. {"/usr/bin/retinaio", "prepare"}. When
	// empty, prepare runs in this process with PrepareOptions and the peak
	// RSS is this process's (including the synthesis).
	Command []string
	// PrepareArgs are extra flags for the prepare child (Command mode).
	PrepareArgs []string
	// PrepareOptions are used in-process (Command empty); OutDir and
	// Stimulus.CacheDir are set by Run.
	PrepareOptions prepare.Options
	// CPUProfile, when set in in-process mode, receives a CPU profile of
	// the prepare phase (go tool pprof).
	CPUProfile io.Writer
	// Log receives progress messages and the child's stderr (nil: none).
	Log io.Writer
	// SynthProgress, when not nil, is called with the bytes of image data
	// synthesised (synth.Options.Progress).
	SynthProgress func(n int64)
	// Errs, when Log is nil, receives the stderr of a child that failed
	// (nil: it is dropped; the error still says the run failed).
	Errs io.Writer
}

// Phase is one measured phase. Seconds are summed over sessions.
type Phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	// Bytes is the data the phase moved (0 when not applicable): for
	// read+inflate the image bytes after inflation, for writes the bytes
	// written.
	Bytes int64 `json:"bytes,omitempty"`
	// Frames is the number of movie frames the phase produced.
	Frames int `json:"frames,omitempty"`
	// MBps is Bytes/Seconds in MB (10^6 bytes) per second.
	MBps float64 `json:"mb_per_s,omitempty"`
	// FPS is Frames/Seconds.
	FPS float64 `json:"frames_per_s,omitempty"`
	// Note says how the phase was measured.
	Note string `json:"note,omitempty"`
}

// Reference holds the numbers to beat for a profile (openretina's
// pipeline on torch 1.13 CPU with antialias=True, on the project's 2-core
// machine) and the targets derived from them.
type Reference struct {
	Seconds      float64 `json:"seconds"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	// TargetSeconds and TargetRSSBytes are the wall time and peak memory a
	// run must stay under (0: no such target), from the profile's Targets;
	// Target says them in words.
	TargetSeconds  float64 `json:"target_seconds"`
	TargetRSSBytes int64   `json:"target_rss_bytes"`
	Target         string  `json:"target"`
}

// References are the reference numbers by profile (GB = 10^9 bytes); their
// target fields are filled from ProfileTargets by Run.
var References = map[string]Reference{
	"medium": {Seconds: 26.7, PeakRSSBytes: 1.83e9},
	"mouse":  {Seconds: 333, PeakRSSBytes: 4.74e9},
}

// Targets are a profile's acceptance limits (issue 13's "Done when"); a
// zero field is not checked. MB and GB are 10^6 and 10^9 bytes.
type Targets struct {
	// WallSeconds bounds the median wall time of the runs.
	WallSeconds float64
	// PeakRSSBytes bounds the median peak RSS of the runs.
	PeakRSSBytes int64
	// Spread bounds each (layout, image use)'s median wall time over the
	// fastest one's, when one bench compares several.
	Spread float64
	// Speedup is the least reference / wall time, for the first run (which
	// writes openretina's cache) and for the median: the slower counts.
	Speedup float64
	// FirstRunRatio bounds the first run's wall time over the median of
	// the runs with the cache off (issue 13, Deliver 5).
	FirstRunRatio float64
	// Text says the targets in words.
	Text string
}

// ProfileTargets are issue 13's targets by profile.
var ProfileTargets = map[string]Targets{
	"mouse": {WallSeconds: 2.5, PeakRSSBytes: 700e6, Spread: 1.25, FirstRunRatio: 1.15,
		Text: "median wall <= 2.5 s, peak RSS <= 700 MB, every layout x image use within 1.25x of the fastest, first run <= 1.15x (issue 13)"},
	"marmoset": {PeakRSSBytes: 1.2e9, FirstRunRatio: 1.15,
		Text: "peak RSS <= 1.2 GB, first run <= 1.15x (issue 13)"},
	"medium": {Speedup: 80, FirstRunRatio: 1.15,
		Text: ">= 80x faster than openretina, first run included; first run <= 1.15x (issue 13)"},
}

// reference returns the profile's reference with its target fields filled
// from its Targets (nil when the profile has no reference).
func reference(profile string) *Reference {
	ref, ok := References[profile]
	if !ok {
		return nil
	}
	t := ProfileTargets[profile]
	ref.TargetSeconds, ref.TargetRSSBytes, ref.Target = t.WallSeconds, t.PeakRSSBytes, t.Text
	if t.Speedup > 0 && (ref.TargetSeconds == 0 || ref.Seconds/t.Speedup < ref.TargetSeconds) {
		ref.TargetSeconds = ref.Seconds / t.Speedup
	}
	return &ref
}

// Check is one target's verdict.
type Check struct {
	// Check says what is compared, e.g. "median wall <= 2.5 s".
	Check string `json:"check"`
	// Value is the measured value, Limit the target (seconds, bytes or a
	// ratio).
	Value  float64 `json:"value"`
	Limit  float64 `json:"limit"`
	Passed bool    `json:"passed"`
	// Interval is the value's 90 % interval where the bench estimates one
	// (the first-run ratio), and Undecided reports that the limit lies
	// inside it: whether the target is met is then not known from these
	// runs (Passed still compares the value itself).
	Interval  []float64 `json:"interval,omitempty"`
	Undecided bool      `json:"undecided,omitempty"`
}

// RunResult is one prepare run's measurement.
type RunResult struct {
	WallSeconds   float64 `json:"wall_seconds"`
	PeakRSSBytes  int64   `json:"peak_rss_bytes"`
	UserSeconds   float64 `json:"user_seconds,omitempty"`
	SystemSeconds float64 `json:"system_seconds,omitempty"`
	// NoCache is true for runs with the stimulus cache off.
	NoCache bool `json:"no_cache"`
}

// SummaryRow is a report's line in the summary of a bench over several
// layouts and image uses.
type SummaryRow struct {
	Profile  string `json:"profile,omitempty"`
	Layout   string `json:"layout,omitempty"`
	ImageUse string `json:"image_use,omitempty"`
	Runs     int    `json:"runs"`
	// WallSeconds is the median wall time, WallMinSeconds and
	// WallMaxSeconds its range.
	WallSeconds    float64 `json:"wall_seconds"`
	WallMinSeconds float64 `json:"wall_min_seconds"`
	WallMaxSeconds float64 `json:"wall_max_seconds"`
	// CPUSeconds is the median run's user + system time (child mode).
	CPUSeconds   float64 `json:"cpu_seconds,omitempty"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	// FirstRunSeconds and FirstRunRatio: see Report.
	FirstRunSeconds float64 `json:"first_run_seconds,omitempty"`
	FirstRunRatio   float64 `json:"first_run_ratio,omitempty"`
	// Spread is WallSeconds over the fastest median of the bench.
	Spread      float64          `json:"spread"`
	MeetsTarget *bool            `json:"meets_target,omitempty"`
	Targets     map[string]Check `json:"targets,omitempty"`
}

// Report is the result of Run.
type Report struct {
	Profile string `json:"profile,omitempty"`
	Layout  string `json:"layout,omitempty"` // the synthesised session's file layout
	// ImageUse is which images the synthesised session's fixations show.
	ImageUse string `json:"image_use,omitempty"`
	Root     string `json:"root"`
	WorkDir  string `json:"work_dir,omitempty"` // kept work folder
	Mode     string `json:"mode"`               // "child process" or "in-process"
	Sessions int    `json:"sessions"`
	OK       int    `json:"ok"`
	Failed   int    `json:"failed"`
	// Frames is the number of movie frames prepared (train + test).
	Frames int `json:"frames"`
	// InputBytes is the size of the stimulus .mat files.
	InputBytes int64 `json:"input_bytes"`
	// OutputBytes is the size of the written .npz files.
	OutputBytes int64 `json:"output_bytes"`
	// SynthSeconds is the time to synthesise the session (0 with Dir).
	SynthSeconds float64 `json:"synth_seconds,omitempty"`
	// WallSeconds is prepare's wall time, process start to exit in child
	// mode: the median of the runs with the cache off (of the two middle
	// ones' mean for an even count).
	WallSeconds float64 `json:"wall_seconds"`
	// Runs is the number of measured runs (cache off), RunResults every
	// run's numbers in order (first runs, with NoCache false, among them in
	// ABBA order on a synthesised session), WallMinSeconds and WallMaxSeconds the range
	// of their wall times and PeakRSSMinBytes and PeakRSSMaxBytes that of
	// their peak RSS. The phases, CPU times, sizes and timings come from
	// the median run (the lower middle one for an even count).
	Runs            int         `json:"runs"`
	RunResults      []RunResult `json:"run_results,omitempty"`
	WallMinSeconds  float64     `json:"wall_min_seconds"`
	WallMaxSeconds  float64     `json:"wall_max_seconds"`
	PeakRSSMinBytes int64       `json:"peak_rss_min_bytes"`
	PeakRSSMaxBytes int64       `json:"peak_rss_max_bytes"`
	// FirstRunSeconds is the median wall time of the first runs, which
	// write openretina's stimulus cache (synthesised sessions only: one
	// paired with each of the Runs, in ABBA order, the cache removed before
	// each; they are not among the Runs), FirstRunPeakRSSBytes their median peak RSS,
	// FirstRunRatio FirstRunSeconds over WallSeconds (issue 13 wants at most
	// 1.15) and FirstRunPhases the phases of the median first run (with the
	// cache write).
	FirstRunSeconds      float64 `json:"first_run_seconds,omitempty"`
	FirstRunPeakRSSBytes int64   `json:"first_run_peak_rss_bytes,omitempty"`
	FirstRunRatio        float64 `json:"first_run_ratio,omitempty"`
	FirstRunPhases       []Phase `json:"first_run_phases,omitempty"`
	// FirstRunRatioInterval is how far FirstRunRatio can be trusted: the
	// 90 % bootstrap percentile interval [low, high] of the ratio of the
	// medians (RatioInterval over the first runs' and the --no-cache runs'
	// wall times), with at least MinIntervalRuns runs of each kind. On the
	// project's virtual machine it reached 0.2-0.3 either side at 5 runs and
	// mostly 0.1-0.2 at 10 (0.4 at the widest): a ratio near 1.15 is then
	// undecided (see Check.Undecided).
	FirstRunRatioInterval []float64 `json:"first_run_ratio_interval,omitempty"`
	// WarmupSeconds are the wall times of the unmeasured warm-up runs
	// (Options.Warmup), in order.
	WarmupSeconds []float64 `json:"warmup_seconds,omitempty"`
	// PrepareSeconds is the wall time prepare itself reports.
	PrepareSeconds float64 `json:"prepare_seconds"`
	// PeakRSSBytes is prepare's peak resident memory (the median of the
	// runs').
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	// PeakRSSFloor is the RSS the parent still had when the child started
	// (Linux counts it into the child's peak); 0 in-process.
	PeakRSSFloor int64 `json:"peak_rss_floor_bytes,omitempty"`
	// UserSeconds and SystemSeconds are prepare's CPU times (child mode).
	UserSeconds   float64 `json:"user_seconds,omitempty"`
	SystemSeconds float64 `json:"system_seconds,omitempty"`
	Phases        []Phase `json:"phases"`
	// Machine describes where it ran.
	Machine   Machine    `json:"machine"`
	Reference *Reference `json:"reference,omitempty"`
	// Speedup and MemoryRatio compare with Reference (reference / ours).
	Speedup     float64 `json:"speedup,omitempty"`
	MemoryRatio float64 `json:"memory_ratio,omitempty"`
	// MeetsTarget reports whether every check in Targets passed (nil: the
	// profile has no targets).
	MeetsTarget *bool `json:"meets_target,omitempty"`
	// Targets are the profile's checks (ProfileTargets) by name:
	// "wall_seconds", "peak_rss_bytes", "spread" (a bench of several
	// layouts or image uses), "speedup", "first_run_ratio".
	Targets map[string]Check `json:"targets,omitempty"`
	// Spread is WallSeconds over the fastest median of the bench it was
	// part of (1 alone; set by Summarise).
	Spread float64 `json:"spread,omitempty"`
	// compared is the number of reports Summarise compared this one with
	// (itself included); the spread is a target only when it is above 1.
	compared int
	// Summary is this report's row of the bench's summary (Summarise).
	Summary *SummaryRow `json:"summary,omitempty"`
	// Timings are prepare's per-session timings from its manifest.
	Timings map[string]map[string]float64 `json:"session_seconds,omitempty"`
	// Errors lists failed sessions.
	Errors []string `json:"errors,omitempty"`
}

// Machine describes the computer a benchmark ran on.
type Machine struct {
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	TotalRAM   uint64 `json:"total_ram_bytes,omitempty"`
	// LoadAverage is the system's 1-, 5- and 15-minute load average when
	// the bench started (Linux; timings on a loaded machine say little).
	LoadAverage []float64 `json:"load_average,omitempty"`
}

// flushWrites is called before each run: syncFS (tests record the calls).
var flushWrites = syncFS

// Run synthesises (or takes) the sessions, runs prepare and measures it:
// after opt.Warmup unmeasured runs, opt.Runs runs with the cache off, with
// a synthesised session each paired with a first run that writes
// openretina's cache, the pairs in ABBA order (first, no-cache, no-cache,
// first, ...).
func Run(ctx context.Context, opt Options) (*Report, error) {
	reps, err := RunInterleaved(ctx, []Options{opt})
	if err != nil {
		return nil, err
	}
	return reps[0], nil
}

// RunInterleaved is Run for several configurations (layouts, image uses)
// compared with each other: every session is synthesised first, then the
// runs go round the sessions, round after round (the first round in the
// order given, the next in reverse, and so on), each round one pair of
// runs per session. A machine whose speed drifts over minutes (a virtual
// machine whose clock and host change) then slows every configuration
// alike, where measuring one configuration after the other charged the
// drift to whichever ran last. The sessions' files are on disk together.
// It returns one report per configuration, in order.
func RunInterleaved(ctx context.Context, opts []Options) ([]*Report, error) {
	var ss []*session
	defer func() {
		for _, s := range ss {
			s.close()
		}
	}()
	rounds := 0
	for _, opt := range opts {
		s, err := newSession(ctx, opt, len(opts) > 1)
		if err != nil {
			return nil, err
		}
		s.warmEvery = len(opts) > 1
		ss = append(ss, s)
		rounds = max(rounds, s.runs)
	}
	for i := range rounds {
		for k := range ss {
			s := ss[k]
			if i%2 == 1 {
				s = ss[len(ss)-1-k]
			}
			if i < s.runs {
				if err := s.round(ctx, i); err != nil {
					return nil, err
				}
			}
		}
	}
	reps := make([]*Report, len(ss))
	for k, s := range ss {
		reps[k] = s.finish()
	}
	return reps, nil
}

// session is one configuration being measured: its synthesised (or
// given) sessions, its work folder and its runs so far.
type session struct {
	opt               Options
	rep               *Report
	work, root, cache string
	runs, firstRuns   int
	measured, firsts  []*Report
	warmEvery         bool // warm-up runs before every round, not only the first
	logf              func(string, ...any)
}

// newSession makes the work folder and synthesises the session (unless
// opt.Dir is set); with labelled, its log lines name its layout and image
// use.
func newSession(ctx context.Context, opt Options, labelled bool) (*session, error) {
	s := &session{opt: opt}
	s.logf = func(format string, a ...any) {
		if opt.Log != nil { // names folders and sessions: escaped
			io.WriteString(opt.Log, safetext.Message(fmt.Sprintf(format, a...))+"\n")
		}
	}
	s.runs = opt.Runs
	if s.runs <= 0 {
		s.runs = 1
	}
	rep := &Report{Machine: machine(), Runs: s.runs}
	s.rep = rep
	root := opt.Dir
	species := "" // the synthesised session's species, for prepare
	if root != "" && opt.Layout != "" && opt.Layout != string(synth.LayoutOwn) {
		return nil, fmt.Errorf("bench: layout %q applies to synthesised sessions, not to the sessions in %s", opt.Layout, root)
	}
	if root != "" && opt.ImageUse != "" && opt.ImageUse != string(synth.ImageUseRandom) {
		return nil, fmt.Errorf("bench: image use %q applies to synthesised sessions, not to the sessions in %s", opt.ImageUse, root)
	}
	var p synth.Profile
	var layout synth.Layout
	var use synth.ImageUse
	if root == "" {
		name := opt.Profile
		if name == "" {
			name = "medium"
		}
		var ok bool
		if p, ok = synth.Profiles[name]; !ok {
			return nil, fmt.Errorf("bench: unknown profile %q; choose one of %s", name, strings.Join(synth.ProfileNames(), ", "))
		}
		var err error
		if layout, err = synth.ParseLayout(opt.Layout); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		if use, err = synth.ParseImageUse(opt.ImageUse); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		rep.Profile, rep.Layout, rep.ImageUse = name, string(layout), string(use)
		species = p.Species
		rep.Reference = reference(name)
		if labelled {
			log := s.logf
			s.logf = func(format string, a ...any) { log("[%s, %s] "+format, append([]any{layout, use}, a...)...) }
		}
	}
	work, err := os.MkdirTemp(opt.TempDir, "retinaio-bench-*")
	if err != nil {
		return nil, fmt.Errorf("bench: work folder: %w", err)
	}
	s.work = work
	if opt.Keep {
		rep.WorkDir = work
	}
	if root == "" {
		seed := opt.Seed
		if seed == 0 {
			seed = 1
		}
		root = filepath.Join(work, "sessions")
		s.logf("bench: synthesising a %s session (%s layout, image use %s) in %s ...", rep.Profile, layout, use, root)
		t := time.Now()
		if _, err := synth.Write(ctx, root, synth.Options{Profile: p, Sessions: 1, Seed: seed, Layout: layout, ImageUse: use,
			Progress: opt.SynthProgress}); err != nil {
			s.close()
			return nil, fmt.Errorf("bench: synth: %w", err)
		}
		rep.SynthSeconds = time.Since(t).Seconds()
	}
	rep.Root = root
	s.root = root
	s.cache = filepath.Join(work, "cache")
	if len(opt.Command) > 0 {
		rep.Mode = "child process"
		if species != "" && !slices.Contains(opt.PrepareArgs, "--species") && !slices.Contains(opt.PrepareArgs, "-species") {
			s.opt.PrepareArgs = append([]string{"--species", species}, opt.PrepareArgs...)
		}
	} else {
		rep.Mode = "in-process"
		if species != "" {
			s.opt.PrepareOptions.Stimulus.Species = karamanlis.Species(species)
		}
	}
	// With a synthesised session, each measured run with the cache off is
	// paired with a first run: the session's stimulus caches removed, so
	// that prepare writes openretina's cache as a user's first run does.
	if opt.Dir == "" {
		s.firstRuns = s.runs
	}
	return s, nil
}

// close removes the work folder unless it is kept.
func (s *session) close() {
	if !s.opt.Keep && s.work != "" {
		os.RemoveAll(s.work)
		s.work = ""
	}
}

// runOnce runs prepare once into a fresh output folder, measured, the
// folder removed afterwards unless kept.
func (s *session) runOnce(ctx context.Context, label string, noCache bool) (*Report, error) {
	out := filepath.Join(s.work, "out-"+label)
	flushWrites()
	r := &Report{Mode: s.rep.Mode}
	var man *prepared.Manifest
	var err error
	if len(s.opt.Command) > 0 {
		man, err = runChild(ctx, s.opt, s.root, out, s.cache, noCache, r, s.logf)
	} else {
		man, err = runInProcess(ctx, s.opt, s.root, out, s.cache, noCache, r)
		if noCache {
			s.opt.CPUProfile = nil // profiled once
		}
	}
	if err != nil {
		return nil, err
	}
	r.fromManifest(man)
	if _, ok := sumTiming(man, "read"); !ok {
		if ph, ok := measureRead(ctx, man, s.logf); ok {
			r.Phases = append([]Phase{ph}, r.Phases...)
		}
	}
	if !s.opt.Keep {
		os.RemoveAll(out)
	}
	return r, nil
}

// round runs the i-th pair: the pairs alternate in order, first run then
// --no-cache run, then the reverse (ABBA: F N N F F N ...), so that each
// kind of run follows each kind about equally often: on a virtual machine
// the state a run leaves behind (memory the host has taken back, the
// disk's queue) changes the time of the next one, and strict alternation
// (F N F N) measured the first runs 1.2-2.2x the --no-cache runs where,
// run in a row, both took the same time. Both kinds then see the same
// machine states, and the first runs' median is as robust as the others'.
// Without first runs (an existing folder) a round is one --no-cache run.
func (s *session) round(ctx context.Context, i int) error {
	total := s.runs + s.firstRuns
	rep := s.rep
	first := func() error {
		if err := removeStimulusCaches(s.root); err != nil {
			return err
		}
		s.logf("bench: run %d of %d (first run: writes openretina's cache)", len(rep.RunResults)+1, total)
		r, err := s.runOnce(ctx, fmt.Sprint("first-", i+1), false)
		if err != nil {
			return err
		}
		s.firsts = append(s.firsts, r)
		rep.RunResults = append(rep.RunResults, RunResult{WallSeconds: r.WallSeconds, PeakRSSBytes: r.PeakRSSBytes,
			UserSeconds: r.UserSeconds, SystemSeconds: r.SystemSeconds})
		return nil
	}
	noCache := func() error {
		s.logf("bench: run %d of %d (--no-cache)", len(rep.RunResults)+1, total)
		r, err := s.runOnce(ctx, fmt.Sprint(i+1), true)
		if err != nil {
			return err
		}
		s.measured = append(s.measured, r)
		rep.RunResults = append(rep.RunResults, RunResult{WallSeconds: r.WallSeconds, PeakRSSBytes: r.PeakRSSBytes,
			UserSeconds: r.UserSeconds, SystemSeconds: r.SystemSeconds, NoCache: true})
		return nil
	}
	// warm-up runs, unmeasured, before the session's first pair, and with
	// several sessions before each of its rounds (coming back from the
	// others' runs, its files may have left the page cache)
	if i == 0 || s.warmEvery {
		for k := range max(s.opt.Warmup, 0) {
			s.logf("bench: warm-up run %d of %d (--no-cache, not measured)", k+1, s.opt.Warmup)
			profile := s.opt.CPUProfile
			s.opt.CPUProfile = nil // the profile is of a measured run
			r, err := s.runOnce(ctx, fmt.Sprint("warmup-", i+1, "-", k+1), true)
			s.opt.CPUProfile = profile
			if err != nil {
				return err
			}
			rep.WarmupSeconds = append(rep.WarmupSeconds, r.WallSeconds)
		}
	}
	order := []func() error{noCache}
	switch {
	case s.firstRuns > 0 && i%2 == 0:
		order = []func() error{first, noCache}
	case s.firstRuns > 0:
		order = []func() error{noCache, first}
	}
	for _, run := range order {
		if err := run(); err != nil {
			return err
		}
	}
	return nil
}

// finish computes the report from the runs.
func (s *session) finish() *Report {
	rep := s.rep
	firstWalls, firstRSS := runFigures(s.firsts)
	if len(s.firsts) > 0 {
		rep.FirstRunSeconds, rep.FirstRunPeakRSSBytes = median(firstWalls), int64(median(firstRSS))
		rep.FirstRunPhases = medianRun(s.firsts).Phases
	}
	rep.fromRuns(s.measured)
	if rep.FirstRunRatio > 0 {
		noCache, _ := runFigures(s.measured)
		if lo, hi := RatioInterval(firstWalls, noCache, 0.9); hi > 0 {
			rep.FirstRunRatioInterval = []float64{lo, hi}
		}
	}
	rep.compare()
	return rep
}

// fromRuns fills the report from its measured runs: medians and ranges of
// the wall time and peak RSS, everything else from the median run.
func (r *Report) fromRuns(runs []*Report) {
	walls, rss := runFigures(runs)
	m := medianRun(runs)
	r.Sessions, r.OK, r.Failed = m.Sessions, m.OK, m.Failed
	r.Frames, r.InputBytes, r.OutputBytes = m.Frames, m.InputBytes, m.OutputBytes
	r.PrepareSeconds, r.PeakRSSFloor = m.PrepareSeconds, m.PeakRSSFloor
	r.UserSeconds, r.SystemSeconds = m.UserSeconds, m.SystemSeconds
	r.Phases, r.Timings, r.Errors = m.Phases, m.Timings, m.Errors
	r.WallSeconds, r.WallMinSeconds, r.WallMaxSeconds = median(walls), slices.Min(walls), slices.Max(walls)
	r.PeakRSSBytes = int64(median(rss))
	r.PeakRSSMinBytes, r.PeakRSSMaxBytes = int64(slices.Min(rss)), int64(slices.Max(rss))
	if r.FirstRunSeconds > 0 && r.WallSeconds > 0 {
		r.FirstRunRatio = r.FirstRunSeconds / r.WallSeconds
	}
}

// MinIntervalRuns is the fewest runs of each kind RatioInterval takes: a
// bootstrap of one or two runs says nothing (one run of each: every
// resample is that pair, an interval of width 0; in simulated runs with a
// true ratio of 1.15, a "90 %" interval from two runs of each held it 64 %
// of the time, from three 90-92 %).
const MinIntervalRuns = 3

// RatioInterval returns the level (between 0 and 1, for example 0.9)
// bootstrap percentile interval of median(num) / median(den): 2000
// resamples of each, drawn with replacement from a fixed seed, so that the
// same runs give the same interval. Fewer than MinIntervalRuns values in
// either, or a level outside (0, 1): 0, 0 (no interval).
func RatioInterval(num, den []float64, level float64) (lo, hi float64) {
	if len(num) < MinIntervalRuns || len(den) < MinIntervalRuns || !(level > 0 && level < 1) {
		return 0, 0
	}
	const resamples = 2000
	rng := rand.New(rand.NewPCG(13, 1))
	ratios := make([]float64, resamples)
	a, b := make([]float64, len(num)), make([]float64, len(den))
	for i := range ratios {
		for k := range a {
			a[k] = num[rng.IntN(len(num))]
		}
		for k := range b {
			b[k] = den[rng.IntN(len(den))]
		}
		ratios[i] = median(a) / median(b)
	}
	slices.Sort(ratios)
	at := func(p float64) float64 { return ratios[int(math.Round(p*(resamples-1)))] }
	return at((1 - level) / 2), at((1 + level) / 2)
}

// runFigures returns the runs' wall times and peak RSS.
func runFigures(runs []*Report) (walls, rss []float64) {
	walls = make([]float64, len(runs))
	rss = make([]float64, len(runs))
	for i, x := range runs {
		walls[i], rss[i] = x.WallSeconds, float64(x.PeakRSSBytes)
	}
	return walls, rss
}

// medianRun returns the run of median wall time (the lower middle one for
// an even count).
func medianRun(runs []*Report) *Report {
	order := make([]int, len(runs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(runs[a].WallSeconds, runs[b].WallSeconds) })
	return runs[order[(len(runs)-1)/2]]
}

// removeStimulusCaches removes the stimulus caches (karamanlis.IsStimulusCache)
// below root, bench's own synthesised sessions, before a first run.
func removeStimulusCaches(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && karamanlis.IsStimulusCache(path) {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("bench: before a first run: %w", err)
			}
		}
		return nil
	})
}

// median returns the median of v (the mean of the two middle values for
// an even count; 0 for none).
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func machine() Machine {
	m := Machine{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version()}
	if t, err := sysmem.Total(); err == nil {
		m.TotalRAM = t
	}
	m.LoadAverage = loadAverage()
	return m
}

// loadAverage reads /proc/loadavg (nil where there is none).
func loadAverage() []float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return nil
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return nil
	}
	out := make([]float64, 3)
	for i := range out {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return nil
		}
		out[i] = v
	}
	return out
}

// runChild runs prepare as a child process and reads its manifest.
func runChild(ctx context.Context, opt Options, root, out, cache string, noCache bool, rep *Report, logf func(string, ...any)) (*prepared.Manifest, error) {
	args := append([]string{}, opt.Command[1:]...)
	args = append(args, root, "--out", out, "--cache-dir", cache)
	if noCache && !slices.Contains(opt.PrepareArgs, "--no-cache") {
		args = append(args, "--no-cache")
	}
	args = append(args, opt.PrepareArgs...)
	cmd := exec.CommandContext(ctx, opt.Command[0], args...)
	cmd.Stdout = io.Discard
	// the child draws no progress bars (the same work on a terminal and in
	// a pipe); its messages still go to Log
	cmd.Env = append(os.Environ(), "RETINAIO_NO_PROGRESS=1")
	var errTail tailBuffer
	if opt.Log != nil {
		cmd.Stderr = opt.Log
	} else if opt.Errs != nil {
		cmd.Stderr = &errTail
	}
	// Free what the synthesis used and reset the peak, so that the child's
	// rusage is its own (see the package doc).
	runtime.GC()
	debug.FreeOSMemory()
	if err := sysmem.ResetPeakRSS(); err != nil {
		logf("note: %v: the peak RSS may include this process's earlier peak", err)
	}
	if rss, err := sysmem.CurrentRSS(); err == nil {
		rep.PeakRSSFloor = int64(rss)
	}
	logf("bench: running %s %s", filepath.Base(opt.Command[0]), strings.Join(args, " "))
	t := time.Now()
	runErr := cmd.Run()
	rep.WallSeconds = time.Since(t).Seconds()
	if ps := cmd.ProcessState; ps != nil {
		if rss, err := sysmem.ChildPeakRSS(ps); err == nil {
			rep.PeakRSSBytes = int64(rss)
		}
		rep.UserSeconds, rep.SystemSeconds = ps.UserTime().Seconds(), ps.SystemTime().Seconds()
	}
	if runErr != nil && opt.Errs != nil && len(errTail.b) > 0 {
		opt.Errs.Write(errTail.b)
	}
	man, err := readManifest(filepath.Join(out, prepared.ManifestName))
	if err != nil {
		if runErr != nil {
			return nil, fmt.Errorf("bench: prepare: %w", runErr)
		}
		return nil, fmt.Errorf("bench: %w", err)
	}
	if runErr != nil {
		var ee *exec.ExitError
		if !errors.As(runErr, &ee) || man.Failed == 0 {
			return nil, fmt.Errorf("bench: prepare: %w", runErr)
		}
		// failed sessions are reported in the manifest
	}
	return man, nil
}

// tailBuffer keeps the last 64 KiB written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	const max = 64 << 10
	t.b = append(t.b, p...)
	if len(t.b) > max {
		t.b = append(t.b[:0], t.b[len(t.b)-max:]...)
	}
	return len(p), nil
}

func readManifest(path string) (*prepared.Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("prepare wrote no manifest: %w", err)
	}
	var m prepared.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	return &m, nil
}

// runInProcess calls prepare.Run in this process.
func runInProcess(ctx context.Context, opt Options, root, out, cache string, noCache bool, rep *Report) (*prepared.Manifest, error) {
	po := opt.PrepareOptions
	if po.Stimulus.StimType == "" {
		sp := po.Stimulus.Species
		po.Stimulus = karamanlis.DefaultStimulusOptions()
		if sp != "" {
			po.Stimulus.Species = sp
		}
	}
	po.OutDir = out
	po.Stimulus.CacheDir = cache
	if noCache {
		po.Stimulus.DisableCache = true
	}
	// the CPU profile covers the first run with the cache off
	profile := opt.CPUProfile != nil && noCache
	if profile {
		if err := pprof.StartCPUProfile(opt.CPUProfile); err != nil {
			return nil, fmt.Errorf("bench: cpu profile: %w", err)
		}
	}
	t := time.Now()
	man, err := prepare.Run(ctx, root, po)
	rep.WallSeconds = time.Since(t).Seconds()
	if profile {
		pprof.StopCPUProfile()
	}
	if rss, perr := sysmem.PeakRSS(); perr == nil {
		rep.PeakRSSBytes = int64(rss)
	}
	if man == nil {
		return nil, fmt.Errorf("bench: prepare: %w", err)
	}
	return man, nil
}

// sumTiming adds a timing over the manifest's sessions.
func sumTiming(man *prepared.Manifest, key string) (float64, bool) {
	var s float64
	found := false
	for _, r := range man.Sessions {
		if v, ok := r.Timings[key]; ok {
			s += v
			found = true
		}
	}
	return s, found
}

func fileSize(p string) int64 {
	if st, err := os.Stat(p); err == nil {
		return st.Size()
	}
	return 0
}

// fromManifest fills the phases from prepare's manifest.
func (r *Report) fromManifest(man *prepared.Manifest) {
	r.Sessions, r.OK, r.Failed = len(man.Sessions), man.OK, man.Failed
	r.PrepareSeconds = man.WallSeconds
	if r.WallSeconds == 0 {
		r.WallSeconds = man.WallSeconds
	}
	r.Timings = map[string]map[string]float64{}
	frames := 0
	for _, s := range man.Sessions {
		r.Timings[s.Name] = s.Timings
		if s.Status == prepared.StatusFailed {
			r.Errors = append(r.Errors, s.Name+": "+s.Error)
		}
		if s.Status != prepared.StatusOK {
			continue
		}
		frames += dim(s.Shapes[prepared.KeyStimTrain], 1) + dim(s.Shapes[prepared.KeyStimTest], 1)
		r.OutputBytes += fileSize(s.Output)
		if strings.HasSuffix(s.StimulusSource, ".mat") {
			r.InputBytes += fileSize(s.StimulusSource)
		}
	}
	r.Frames = frames
	add := func(p Phase) {
		if p.Seconds > 0 {
			if p.Bytes > 0 {
				p.MBps = float64(p.Bytes) / 1e6 / p.Seconds
			}
			if p.Frames > 0 {
				p.FPS = float64(p.Frames) / p.Seconds
			}
		}
		r.Phases = append(r.Phases, p)
	}
	if s, ok := sumTiming(man, "unpack"); ok {
		add(Phase{Name: "unpack zip", Seconds: s})
	}
	if s, ok := sumTiming(man, "read"); ok {
		add(Phase{Name: "read+inflate", Seconds: s, Bytes: imageBytes(man), Note: "prepare's own timing"})
	}
	if s, ok := sumTiming(man, "render"); ok {
		add(Phase{Name: "render", Seconds: s, Frames: frames, Note: "compose + antialiased resize"})
	}
	if s, ok := sumTiming(man, "cache_write"); ok {
		add(Phase{Name: "cache write", Seconds: s, Note: "openretina's cache next to the .mat"})
	}
	if s, ok := sumTiming(man, "stimuli"); ok {
		add(Phase{Name: "stimuli total", Seconds: s, Frames: frames,
			Note: "read + render + cache write + normalise"})
	}
	if s, ok := sumTiming(man, "responses"); ok {
		add(Phase{Name: "responses", Seconds: s})
	}
	if s, ok := sumTiming(man, "checksum"); ok {
		add(Phase{Name: "sha256 (concurrent)", Seconds: s, Bytes: r.InputBytes})
	}
	if s, ok := sumTiming(man, "write"); ok {
		add(Phase{Name: "write .npz", Seconds: s, Bytes: r.OutputBytes})
	}
}

// imageBytes is the inflated size of the sessions' images, from the .mat
// headers (0 when unknown).
func imageBytes(man *prepared.Manifest) int64 {
	var n int64
	for _, s := range man.Sessions {
		if !strings.HasSuffix(s.StimulusSource, ".mat") {
			continue
		}
		f, err := hdf5.Open(s.StimulusSource)
		if err != nil {
			continue
		}
		for _, name := range []string{"/runningImages", "/frozenImages"} {
			if ds, err := f.OpenDataset(name); err == nil {
				n += int64(ds.Len()) * int64(ds.Datatype().Size)
			}
		}
		f.Close()
	}
	return n
}

// measureRead reads every session's image datasets once, whole, and times
// it: the read + inflate phase measured apart from prepare (prepare reads
// only the images the fixations use, usually all of them).
func measureRead(ctx context.Context, man *prepared.Manifest, logf func(string, ...any)) (Phase, bool) {
	ph := Phase{Name: "read+inflate", Note: "images read whole, measured after prepare in the bench process"}
	for _, s := range man.Sessions {
		if s.Status != prepared.StatusOK || !strings.HasSuffix(s.StimulusSource, ".mat") {
			continue
		}
		f, err := hdf5.Open(s.StimulusSource)
		if err != nil {
			logf("read phase: %v", err)
			return ph, false
		}
		for _, name := range []string{"/runningImages", "/frozenImages"} {
			ds, err := f.OpenDataset(name)
			if err != nil {
				continue
			}
			var pix []uint8
			t := time.Now()
			err = ds.Read(ctx, &pix)
			ph.Seconds += time.Since(t).Seconds()
			if err != nil {
				logf("read phase: %s %s: %v", s.StimulusSource, name, err)
				f.Close()
				return ph, false
			}
			ph.Bytes += int64(len(pix))
		}
		f.Close()
	}
	if ph.Seconds == 0 {
		return ph, false
	}
	ph.MBps = float64(ph.Bytes) / 1e6 / ph.Seconds
	return ph, true
}

// compare fills the comparison with the reference and the profile's
// target checks (without the spread, which needs the other reports:
// Summarise).
func (r *Report) compare() {
	if r.Reference != nil && r.WallSeconds > 0 {
		r.Speedup = r.Reference.Seconds / r.WallSeconds
		if r.PeakRSSBytes > 0 {
			r.MemoryRatio = float64(r.Reference.PeakRSSBytes) / float64(r.PeakRSSBytes)
		}
	}
	r.check()
}

// check computes Targets and MeetsTarget from the profile's targets.
func (r *Report) check() {
	t, ok := ProfileTargets[r.Profile]
	if !ok || r.WallSeconds <= 0 {
		return
	}
	c := map[string]Check{}
	if t.WallSeconds > 0 {
		c["wall_seconds"] = Check{Check: fmt.Sprintf("median wall <= %g s", t.WallSeconds),
			Value: r.WallSeconds, Limit: t.WallSeconds, Passed: r.WallSeconds <= t.WallSeconds}
	}
	if t.PeakRSSBytes > 0 {
		c["peak_rss_bytes"] = Check{Check: fmt.Sprintf("median peak RSS <= %g MB", float64(t.PeakRSSBytes)/1e6),
			Value: float64(r.PeakRSSBytes), Limit: float64(t.PeakRSSBytes), Passed: r.PeakRSSBytes > 0 && r.PeakRSSBytes <= t.PeakRSSBytes}
	}
	if t.Speedup > 0 && r.Reference != nil {
		slowest := max(r.WallSeconds, r.FirstRunSeconds)
		v := r.Reference.Seconds / slowest
		c["speedup"] = Check{Check: fmt.Sprintf("openretina's %g s / max(first run, median wall) >= %gx", r.Reference.Seconds, t.Speedup),
			Value: v, Limit: t.Speedup, Passed: v >= t.Speedup}
	}
	if t.FirstRunRatio > 0 && r.FirstRunRatio > 0 {
		x := Check{Check: fmt.Sprintf("median first run / median --no-cache run <= %g", t.FirstRunRatio),
			Value: r.FirstRunRatio, Limit: t.FirstRunRatio, Passed: r.FirstRunRatio <= t.FirstRunRatio}
		if iv := r.FirstRunRatioInterval; len(iv) == 2 {
			x.Interval = iv
			x.Undecided = iv[0] <= t.FirstRunRatio && t.FirstRunRatio < iv[1]
		}
		c["first_run_ratio"] = x
	}
	if t.Spread > 0 && r.Spread > 0 && r.compared > 1 {
		c["spread"] = Check{Check: fmt.Sprintf("median / fastest median <= %g", t.Spread),
			Value: r.Spread, Limit: t.Spread, Passed: r.Spread <= t.Spread}
	}
	ok = true
	for _, x := range c {
		ok = ok && x.Passed
	}
	r.Targets, r.MeetsTarget = c, &ok
}

// Summarise compares the reports of one bench (one per layout and image
// use): each one's Spread is its median wall time over the fastest median,
// checked against its profile's Spread target when there are several, and
// its Summary row is filled.
func Summarise(reps []*Report) {
	best := 0.0
	for _, r := range reps {
		if r.WallSeconds > 0 && (best == 0 || r.WallSeconds < best) {
			best = r.WallSeconds
		}
	}
	for _, r := range reps {
		r.Spread, r.compared = 0, len(reps)
		if best > 0 {
			r.Spread = r.WallSeconds / best
		}
		r.check()
		row := &SummaryRow{Profile: r.Profile, Layout: r.Layout, ImageUse: r.ImageUse, Runs: r.Runs,
			WallSeconds: r.WallSeconds, WallMinSeconds: r.WallMinSeconds, WallMaxSeconds: r.WallMaxSeconds,
			CPUSeconds: r.UserSeconds + r.SystemSeconds, PeakRSSBytes: r.PeakRSSBytes,
			FirstRunSeconds: r.FirstRunSeconds, FirstRunRatio: r.FirstRunRatio,
			Spread: r.Spread, MeetsTarget: r.MeetsTarget, Targets: r.Targets}
		r.Summary = row
	}
}

func dim(s []int, i int) int {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// WriteText prints the report as a table.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	title := r.Root
	if r.Profile != "" {
		title = fmt.Sprintf("profile %s, %s layout, image use %s (synthesised in %.1fs)", r.Profile, r.Layout, r.ImageUse, r.SynthSeconds)
	}
	fmt.Fprintf(&b, "retinaio bench: %s\n", title)
	fmt.Fprintf(&b, "machine: %s/%s, %d CPUs, GOMAXPROCS %d, %s", r.Machine.GOOS, r.Machine.GOARCH, r.Machine.CPUs, r.Machine.GOMAXPROCS, r.Machine.GoVersion)
	if r.Machine.TotalRAM > 0 {
		fmt.Fprintf(&b, ", %s RAM", sysmem.FormatSize(r.Machine.TotalRAM))
	}
	if l := r.Machine.LoadAverage; len(l) == 3 {
		fmt.Fprintf(&b, ", load average %.2f %.2f %.2f", l[0], l[1], l[2])
	}
	fmt.Fprintf(&b, "\nsessions: %d (%d ok, %d failed), %d frames, input %.1f MB, output %.1f MB\n\n",
		r.Sessions, r.OK, r.Failed, r.Frames, float64(r.InputBytes)/1e6, float64(r.OutputBytes)/1e6)
	fmt.Fprintf(&b, "%-22s %9s %11s %12s  %s\n", "phase", "seconds", "MB/s", "frames/s", "")
	for _, p := range r.Phases {
		mbps, fps := "", ""
		if p.MBps > 0 {
			mbps = fmt.Sprintf("%.0f", p.MBps)
		}
		if p.FPS > 0 {
			fps = fmt.Sprintf("%.0f", p.FPS)
		}
		fmt.Fprintf(&b, "%-22s %9.3f %11s %12s  %s\n", p.Name, p.Seconds, mbps, fps, p.Note)
	}
	fmt.Fprintf(&b, "\nprepare wall time: %.2f s", r.WallSeconds)
	if r.Runs > 1 {
		fmt.Fprintf(&b, ", median of %d runs [%.2f-%.2f]", r.Runs, r.WallMinSeconds, r.WallMaxSeconds)
	}
	fmt.Fprintf(&b, " (%s, --no-cache", r.Mode)
	if r.UserSeconds > 0 {
		fmt.Fprintf(&b, "; CPU %.2f s user + %.2f s system", r.UserSeconds, r.SystemSeconds)
	}
	fmt.Fprintf(&b, ")\npeak RSS: %.0f MB", float64(r.PeakRSSBytes)/1e6)
	if r.Runs > 1 {
		fmt.Fprintf(&b, ", median [%.0f-%.0f]", float64(r.PeakRSSMinBytes)/1e6, float64(r.PeakRSSMaxBytes)/1e6)
	}
	if r.PeakRSSFloor > 0 {
		fmt.Fprintf(&b, " (includes the bench process's %.0f MB at start)", float64(r.PeakRSSFloor)/1e6)
	}
	if r.Mode == "in-process" {
		b.WriteString(" (in-process: includes the synthesis)")
	}
	b.WriteString("\n")
	if r.FirstRunSeconds > 0 {
		fmt.Fprintf(&b, "first run (writes openretina's cache): %.2f s, %.0f MB peak RSS: %.2fx the median",
			r.FirstRunSeconds, float64(r.FirstRunPeakRSSBytes)/1e6, r.FirstRunRatio)
		if iv := r.FirstRunRatioInterval; len(iv) == 2 {
			fmt.Fprintf(&b, " (90%% interval %.2f-%.2f)", iv[0], iv[1])
		}
		b.WriteString("\n")
	}
	if len(r.WarmupSeconds) > 0 {
		fmt.Fprintf(&b, "warm-up (not measured): %d run(s) with --no-cache, %s s\n", len(r.WarmupSeconds), formatSeconds(r.WarmupSeconds))
	}
	if ref := r.Reference; ref != nil {
		fmt.Fprintf(&b, "reference (openretina, torch 1.13 CPU): %.1f s, %.2f GB peak RSS -> %.1fx faster, %.1fx less memory\n",
			ref.Seconds, float64(ref.PeakRSSBytes)/1e9, r.Speedup, r.MemoryRatio)
	}
	if r.MeetsTarget != nil {
		fmt.Fprintf(&b, "targets (%s): %s\n", r.Profile, verdict(*r.MeetsTarget))
		for _, k := range slices.Sorted(maps.Keys(r.Targets)) {
			c := r.Targets[k]
			v := verdict(c.Passed)
			if c.Undecided {
				v += fmt.Sprintf(", undecided: %g is inside the 90%% interval %.2f-%.2f (more --runs narrow it)", c.Limit, c.Interval[0], c.Interval[1])
			}
			fmt.Fprintf(&b, "  %-16s %s: %s: %s\n", k, c.Check, formatValue(k, c.Value), v)
		}
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "FAILED %s\n", e)
	}
	if r.WorkDir != "" {
		fmt.Fprintf(&b, "work folder kept: %s\n", r.WorkDir)
	}
	_, err := io.WriteString(w, safetext.Message(b.String())) // folder and session names
	return err
}

// formatSeconds formats times as "1.23, 1.45".
func formatSeconds(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatFloat(x, 'f', 2, 64)
	}
	return strings.Join(parts, ", ")
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// formatValue prints a check's value in its unit.
func formatValue(key string, v float64) string {
	switch key {
	case "wall_seconds":
		return fmt.Sprintf("%.2f s", v)
	case "peak_rss_bytes":
		return fmt.Sprintf("%.0f MB", v/1e6)
	case "speedup":
		return fmt.Sprintf("%.1fx", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// WriteLayoutSummary prints the summary of a bench of several layouts and
// image uses (after Summarise): one line per report with its median wall
// time and range, CPU time, read and render phases, peak RSS, first run,
// spread (median over the fastest median) and whether its profile's
// targets are met, naming the missed ones and the undecided ones
// (Check.Undecided).
func WriteLayoutSummary(w io.Writer, reps []*Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-11s %-13s %4s %8s %13s %7s %7s %8s %8s %7s %7s  %s\n", "layout", "image use", "runs", "wall s", "min-max",
		"CPU s", "read s", "render s", "peak MB", "first", "spread", "targets")
	for _, r := range reps {
		phase := func(name string) string {
			for _, p := range r.Phases {
				if p.Name == name {
					return fmt.Sprintf("%.2f", p.Seconds)
				}
			}
			return "-"
		}
		first := "-"
		if r.FirstRunRatio > 0 {
			first = fmt.Sprintf("%.2fx", r.FirstRunRatio)
		}
		cpu := "-"
		if r.UserSeconds+r.SystemSeconds > 0 {
			cpu = fmt.Sprintf("%.2f", r.UserSeconds+r.SystemSeconds)
		}
		targets := "-"
		if r.MeetsTarget != nil {
			targets = verdict(*r.MeetsTarget)
			var missed []string // and undecided
			for _, k := range slices.Sorted(maps.Keys(r.Targets)) {
				x := r.Targets[k]
				if x.Undecided {
					k += " undecided"
				}
				if !x.Passed || x.Undecided {
					missed = append(missed, k)
				}
			}
			if len(missed) > 0 {
				targets += " (" + strings.Join(missed, ", ") + ")"
			}
		}
		use := r.ImageUse
		if use == "" {
			use = "-"
		}
		fmt.Fprintf(&b, "%-11s %-13s %4d %8.2f %13s %7s %7s %8s %8.0f %7s %7.2f  %s\n", r.Layout, use, r.Runs, r.WallSeconds,
			fmt.Sprintf("%.2f-%.2f", r.WallMinSeconds, r.WallMaxSeconds), cpu, phase("read+inflate"), phase("render"),
			float64(r.PeakRSSBytes)/1e6, first, r.Spread, targets)
	}
	if len(reps) > 0 {
		if t, ok := ProfileTargets[reps[0].Profile]; ok {
			fmt.Fprintf(&b, "targets (%s): %s\n", reps[0].Profile, t.Text)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

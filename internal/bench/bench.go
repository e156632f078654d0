// Package bench measures retinaio's prepare pipeline end to end: it
// synthesises a session of a given size (or takes a folder of sessions),
// runs prepare, and reports per phase the throughput (read + inflate MB/s,
// rendered frames/s, write MB/s), the total wall time and the peak resident
// memory, beside the reference numbers of openretina's pipeline measured on
// the project's 2-core machine.
//
// For a clean peak-memory figure prepare runs in a child process
// (Options.Command, normally the retinaio executable itself), whose rusage
// reports its peak RSS without the synthesis that preceded it. On Linux,
// Go starts children with vfork semantics and the kernel counts the
// parent's peak RSS at exec time into the child's; Run therefore frees the
// parent's memory and resets its peak (sysmem.ResetPeakRSS) before starting
// the child, and reports the parent's remaining RSS as PeakRSSFloor.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/retinaio/retinaio/hdf5"
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
	// run must stay under to meet the target (Report.MeetsTarget); Target says how they
	// were derived from the reference.
	TargetSeconds  float64 `json:"target_seconds"`
	TargetRSSBytes int64   `json:"target_rss_bytes"`
	Target         string  `json:"target"`
}

// References are the reference numbers by profile (GB = 10^9 bytes).
var References = map[string]Reference{
	"medium": {Seconds: 26.7, PeakRSSBytes: 1.83e9, TargetSeconds: 26.7 / 50, TargetRSSBytes: 1.83e9 / 4,
		Target: ">= 50x faster and >= 4x less peak memory"},
	"mouse": {Seconds: 333, PeakRSSBytes: 4.74e9, TargetSeconds: 5, TargetRSSBytes: 1e9,
		Target: "< 5 s wall and < 1 GB peak RSS (acceptance: < 1.5 GB)"},
}

// Report is the result of Run.
type Report struct {
	Profile  string `json:"profile,omitempty"`
	Layout   string `json:"layout,omitempty"` // the synthesised session's file layout
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
	// mode.
	WallSeconds float64 `json:"wall_seconds"`
	// PrepareSeconds is the wall time prepare itself reports.
	PrepareSeconds float64 `json:"prepare_seconds"`
	// PeakRSSBytes is prepare's peak resident memory.
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
	// MeetsTarget reports whether both targets are met.
	MeetsTarget *bool `json:"meets_target,omitempty"`
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
}

// Run synthesises (or takes) the sessions, runs prepare and measures it.
func Run(ctx context.Context, opt Options) (*Report, error) {
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format+"\n", a...)
		}
	}
	rep := &Report{Machine: machine()}
	work, err := os.MkdirTemp(opt.TempDir, "retinaio-bench-*")
	if err != nil {
		return nil, fmt.Errorf("bench: work folder: %w", err)
	}
	if opt.Keep {
		rep.WorkDir = work
	} else {
		defer os.RemoveAll(work)
	}
	root := opt.Dir
	species := "" // the synthesised session's species, for prepare
	if root != "" && opt.Layout != "" && opt.Layout != string(synth.LayoutOwn) {
		return nil, fmt.Errorf("bench: layout %q applies to synthesised sessions, not to the sessions in %s", opt.Layout, root)
	}
	if root == "" {
		name := opt.Profile
		if name == "" {
			name = "medium"
		}
		p, ok := synth.Profiles[name]
		if !ok {
			return nil, fmt.Errorf("bench: unknown profile %q; choose one of %s", name, strings.Join(synth.ProfileNames(), ", "))
		}
		layout, err := synth.ParseLayout(opt.Layout)
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		rep.Profile, rep.Layout = name, string(layout)
		species = p.Species
		if ref, ok := References[name]; ok {
			rep.Reference = &ref
		}
		seed := opt.Seed
		if seed == 0 {
			seed = 1
		}
		root = filepath.Join(work, "sessions")
		logf("synthesising a %s session (%s layout) in %s ...", name, layout, root)
		t := time.Now()
		if _, err := synth.Write(ctx, root, synth.Options{Profile: p, Sessions: 1, Seed: seed, Layout: layout}); err != nil {
			return nil, fmt.Errorf("bench: synth: %w", err)
		}
		rep.SynthSeconds = time.Since(t).Seconds()
	}
	rep.Root = root
	out := filepath.Join(work, "out")
	cache := filepath.Join(work, "cache")

	var man *prepared.Manifest
	if len(opt.Command) > 0 {
		rep.Mode = "child process"
		if species != "" && !slices.Contains(opt.PrepareArgs, "--species") && !slices.Contains(opt.PrepareArgs, "-species") {
			opt.PrepareArgs = append([]string{"--species", species}, opt.PrepareArgs...)
		}
		man, err = runChild(ctx, opt, root, out, cache, rep, logf)
	} else {
		rep.Mode = "in-process"
		if species != "" {
			opt.PrepareOptions.Stimulus.Species = karamanlis.Species(species)
		}
		man, err = runInProcess(ctx, opt, root, out, cache, rep)
	}
	if err != nil {
		return nil, err
	}
	rep.fromManifest(man)
	if _, ok := sumTiming(man, "read"); !ok {
		if ph, ok := measureRead(ctx, man, logf); ok {
			rep.Phases = append([]Phase{ph}, rep.Phases...)
		}
	}
	rep.compare()
	return rep, nil
}

func machine() Machine {
	m := Machine{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version()}
	if t, err := sysmem.Total(); err == nil {
		m.TotalRAM = t
	}
	return m
}

// runChild runs prepare as a child process and reads its manifest.
func runChild(ctx context.Context, opt Options, root, out, cache string, rep *Report, logf func(string, ...any)) (*prepared.Manifest, error) {
	args := append([]string{}, opt.Command[1:]...)
	args = append(args, root, "--out", out, "--cache-dir", cache)
	if opt.Dir != "" {
		args = append(args, "--no-cache")
	}
	args = append(args, opt.PrepareArgs...)
	cmd := exec.CommandContext(ctx, opt.Command[0], args...)
	cmd.Stdout = io.Discard
	if opt.Log != nil {
		cmd.Stderr = opt.Log
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
	logf("running %s %s", filepath.Base(opt.Command[0]), strings.Join(args, " "))
	t := time.Now()
	runErr := cmd.Run()
	rep.WallSeconds = time.Since(t).Seconds()
	if ps := cmd.ProcessState; ps != nil {
		if rss, err := sysmem.ChildPeakRSS(ps); err == nil {
			rep.PeakRSSBytes = int64(rss)
		}
		rep.UserSeconds, rep.SystemSeconds = ps.UserTime().Seconds(), ps.SystemTime().Seconds()
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
func runInProcess(ctx context.Context, opt Options, root, out, cache string, rep *Report) (*prepared.Manifest, error) {
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
	if opt.Dir != "" {
		po.Stimulus.DisableCache = true
	}
	if opt.CPUProfile != nil {
		if err := pprof.StartCPUProfile(opt.CPUProfile); err != nil {
			return nil, fmt.Errorf("bench: cpu profile: %w", err)
		}
	}
	t := time.Now()
	man, err := prepare.Run(ctx, root, po)
	rep.WallSeconds = time.Since(t).Seconds()
	if opt.CPUProfile != nil {
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

// compare fills the comparison with the reference.
func (r *Report) compare() {
	if r.Reference == nil || r.WallSeconds <= 0 {
		return
	}
	r.Speedup = r.Reference.Seconds / r.WallSeconds
	ok := r.WallSeconds <= r.Reference.TargetSeconds
	if r.PeakRSSBytes > 0 {
		r.MemoryRatio = float64(r.Reference.PeakRSSBytes) / float64(r.PeakRSSBytes)
		ok = ok && r.PeakRSSBytes <= r.Reference.TargetRSSBytes
	} else {
		ok = false
	}
	r.MeetsTarget = &ok
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
		title = fmt.Sprintf("profile %s, %s layout (synthesised in %.1fs)", r.Profile, r.Layout, r.SynthSeconds)
	}
	fmt.Fprintf(&b, "retinaio bench: %s\n", title)
	fmt.Fprintf(&b, "machine: %s/%s, %d CPUs, GOMAXPROCS %d, %s", r.Machine.GOOS, r.Machine.GOARCH, r.Machine.CPUs, r.Machine.GOMAXPROCS, r.Machine.GoVersion)
	if r.Machine.TotalRAM > 0 {
		fmt.Fprintf(&b, ", %s RAM", sysmem.FormatSize(r.Machine.TotalRAM))
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
	fmt.Fprintf(&b, "\nprepare wall time: %.2f s (%s", r.WallSeconds, r.Mode)
	if r.UserSeconds > 0 {
		fmt.Fprintf(&b, "; CPU %.2f s user + %.2f s system", r.UserSeconds, r.SystemSeconds)
	}
	fmt.Fprintf(&b, ")\npeak RSS: %.0f MB", float64(r.PeakRSSBytes)/1e6)
	if r.PeakRSSFloor > 0 {
		fmt.Fprintf(&b, " (includes the bench process's %.0f MB at start)", float64(r.PeakRSSFloor)/1e6)
	}
	if r.Mode == "in-process" {
		b.WriteString(" (in-process: includes the synthesis)")
	}
	b.WriteString("\n")
	if ref := r.Reference; ref != nil {
		fmt.Fprintf(&b, "reference (openretina, torch 1.13 CPU): %.1f s, %.2f GB peak RSS -> %.1fx faster, %.1fx less memory\n",
			ref.Seconds, float64(ref.PeakRSSBytes)/1e9, r.Speedup, r.MemoryRatio)
		verdict := "MISSED"
		if r.MeetsTarget != nil && *r.MeetsTarget {
			verdict = "met"
		}
		fmt.Fprintf(&b, "target: %s: %s\n", ref.Target, verdict)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "FAILED %s\n", e)
	}
	if r.WorkDir != "" {
		fmt.Fprintf(&b, "work folder kept: %s\n", r.WorkDir)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteLayoutSummary prints one line per report (one per layout of a
// multi-layout run): prepare's wall time, its read and render phases and
// its peak RSS, and the ratio to the fastest layout.
func WriteLayoutSummary(w io.Writer, reps []*Report) error {
	best := 0.0
	for _, r := range reps {
		if best == 0 || (r.WallSeconds > 0 && r.WallSeconds < best) {
			best = r.WallSeconds
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-11s %9s %9s %9s %9s %9s\n", "layout", "wall s", "read s", "render s", "peak MB", "x fastest")
	for _, r := range reps {
		phase := func(name string) string {
			for _, p := range r.Phases {
				if p.Name == name {
					return fmt.Sprintf("%.2f", p.Seconds)
				}
			}
			return "-"
		}
		ratio := 0.0
		if best > 0 {
			ratio = r.WallSeconds / best
		}
		fmt.Fprintf(&b, "%-11s %9.2f %9s %9s %9.0f %9.2f\n", r.Layout, r.WallSeconds, phase("read+inflate"), phase("render"),
			float64(r.PeakRSSBytes)/1e6, ratio)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

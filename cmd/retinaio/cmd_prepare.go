package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"

	"github.com/retinaio/retinaio/internal/safetext"

	"github.com/retinaio/retinaio/clips"
	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/internal/progress"
	"github.com/retinaio/retinaio/internal/sysmem"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/nprand"
	"github.com/retinaio/retinaio/prepare"
	"github.com/retinaio/retinaio/prepared"
	"github.com/retinaio/retinaio/shard"
)

func init() {
	register(&command{
		name:    "prepare",
		summary: "turn Karamanlis sessions into training-ready .npz files",
		usage: `retinaio prepare ROOT [flags]

ROOT is a folder of sessions (sub-folders and <session>.zip files whose name
contains the species), a single session folder or zip, or the Hugging Face
mirror's sessions folder URL
(https://huggingface.co/datasets/open-retina/open-retina/tree/main/gollisch_lab/karamanlis_2024/sessions),
whose zips are fetched into the cache first. For every session
retinaio composes the fixation movie (openretina's algorithm, downsampled
with torchvision's antialiased bilinear filter), reads the spike counts and
writes OUT/<session>.npz with

  stim_train (1,T,h,w) float32   stim_test (1,Tf,h,w) float32
  norm_mean, norm_std  float32 scalars (unless --no-normalize)
  resp_train (N,T) float64       resp_test (N,Tf) float64
  resp_test_by_trial (K,N,Tf) float64

and OUT/manifest.json (sessions, shapes, settings, version, SHA-256 of the
sources, timings). Movies are cached as openretina does
(<stim>_data_extracted_stimuli_<h>_<w>.npz next to the .mat), so openretina
reuses retinaio's work and the other way round. Zips are unpacked into the
cache folder and never changed. A failing session writes nothing; the others
still complete and the exit code is 1.`,
		run: runPrepare,
	})
}

// prepareFlags are the flags shared by prepare and demo.
type prepareFlags struct {
	species, stim, size, semantics, out, cacheDir, screen string
	noNormalize, noOpenretinaCache, noCache, compress     bool
	jsonOut, verbose, noChecksums                         bool
	frNorm                                                float64
	jobs                                                  int
	shard, maxMemory                                      string // --shard I/N, --max-memory
	split                                                 bool
	clipLength, valClips                                  int
	seed                                                  uint64
}

// The default --size and --screen: openretina's frame size and the
// recordings' monitor (karamanlis' layout).
var (
	defaultSize   = fmt.Sprintf("%dx%d", karamanlis.DefaultHeight, karamanlis.DefaultWidth)
	defaultScreen = fmt.Sprintf("%dx%d", karamanlis.DefaultScreenHeight, karamanlis.DefaultScreenWidth)
)

// registerPrepareFlags defines prepare's flags on fs (also used by bench's
// in-process runs).
func registerPrepareFlags(fs *flag.FlagSet, f *prepareFlags) {
	fs.StringVar(&f.species, "species", string(karamanlis.Mouse), "species word the session names must contain (mouse or marmoset)")
	fs.StringVar(&f.stim, "stim", string(karamanlis.FixationMovie), "stimulus type: fixationmovie, frozencheckerflicker, gratingflicker or imagesequence")
	fs.StringVar(&f.size, "size", defaultSize, "downsampled frame size HEIGHTxWIDTH")
	fs.BoolVar(&f.noNormalize, "no-normalize", false, "keep raw 0..255 movies (no mean/std normalisation)")
	fs.Float64Var(&f.frNorm, "fr-norm", 1.0, "divide spike counts by this firing-rate normalisation")
	fs.StringVar(&f.semantics, "semantics", fixmovie.OpenRetina.String(), "fixation semantics: openretina (the Python port, default) or matlab (returnFixMovie.m)")
	fs.StringVar(&f.screen, "screen", defaultScreen, "screen size HEIGHTxWIDTH of the recordings")
	fs.StringVar(&f.out, "out", "retinaio-out", "output folder")
	fs.StringVar(&f.cacheDir, "cache-dir", "", "folder for unpacked zips and for caches of read-only sessions (default $RETINAIO_CACHE or the user cache folder)")
	fs.BoolVar(&f.noOpenretinaCache, "no-openretina-cache", false, "neither read nor write openretina's <stim>_data_extracted_stimuli_<h>_<w>.npz")
	fs.BoolVar(&f.noCache, "no-cache", false, "neither read nor write any stimulus cache")
	fs.IntVar(&f.jobs, "jobs", 1, "sessions prepared at once, as memory allows (--max-memory)")
	fs.StringVar(&f.maxMemory, "max-memory", "", "memory bound: bytes, 4G, or a share of RAM such as 60% (default 50% of RAM or of the cgroup limit); --jobs sessions start only while their estimates fit, it sets the movie window and is the Go runtime's soft memory limit (see README, Memory)")
	fs.StringVar(&f.shard, "shard", "", "prepare only share I of N (0-based, e.g. $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT; \"auto\" in a SLURM array) of the sessions; join the manifests with merge-manifest")
	fs.BoolVar(&f.compress, "compress", false, "deflate the output .npz files (smaller, slower)")
	fs.BoolVar(&f.noChecksums, "no-checksums", false, "skip the SHA-256 of the source files")
	fs.BoolVar(&f.jsonOut, "json", false, "print the manifest as JSON on stdout")
	fs.BoolVar(&f.verbose, "v", false, "print which files are loaded and cached")
	fs.BoolVar(&f.split, "split", false, "also cut each session into openretina's training and validation clips: writes val_clip_idx, stim_train, stim_val, resp_train, resp_val (as 'retinaio split')")
	fs.IntVar(&f.clipLength, "clip-length", 75, "with --split: frames per clip")
	fs.IntVar(&f.valClips, "val-clips", 20, "with --split: validation clips per session")
	fs.Uint64Var(&f.seed, "seed", 42, "with --split: numpy RandomState seed of the validation clip draw")
}

func runPrepare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["prepare"]
	fs := newFlagSet(c, stderr)
	var f prepareFlags
	registerPrepareFlags(fs, &f)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "one ROOT (a folder of sessions, a session folder or zip, or the mirror URL)"); err != nil {
		return err
	}
	man, err := doPrepare(ctx, pos[0], f, stdout, stderr)
	if err != nil {
		return err
	}
	return prepareExit(man)
}

// prepareExit is prepare's exit status: 1 when a session failed, and 1 when
// every session was skipped (nothing was prepared: a script that goes on to
// train would find no data, so this is an error, not "nothing to do").
func prepareExit(man *prepared.Manifest) error {
	if man.Failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d sessions failed (see above and %s)", man.Failed, len(man.Sessions), filepath.Join(man.OutDir, prepared.ManifestName))}
	}
	if man.OK == 0 && man.Skipped > 0 {
		return &exitError{code: 1, err: fmt.Errorf("nothing was prepared: all %d session(s) were skipped (no %s data in them, see above); choose the stimulus the sessions have with --stim", man.Skipped, man.Settings.StimType)}
	}
	return nil
}

// options turns the flags into the pipeline's options.
func (f prepareFlags) options() (prepare.Options, error) {
	so := karamanlis.DefaultStimulusOptions()
	var err error
	if so.StimType, err = karamanlis.ParseStimType(f.stim); err != nil {
		return prepare.Options{}, usagef("--stim: %w", err)
	}
	if so.Species, err = parseSpecies(f.species, false); err != nil {
		return prepare.Options{}, err
	}
	if so.Height, so.Width, err = karamanlis.ParseSize(f.size); err != nil {
		return prepare.Options{}, usagef("--size: %w", err)
	}
	if so.ScreenHeight, so.ScreenWidth, err = karamanlis.ParseSize(f.screen); err != nil {
		return prepare.Options{}, usagef("--screen: %w", err)
	}
	if so.Semantics, err = fixmovie.ParseSemantics(f.semantics); err != nil {
		return prepare.Options{}, usagef("--semantics: %w", err)
	}
	if !(f.frNorm > 0) {
		return prepare.Options{}, usagef("--fr-norm %v must be positive", f.frNorm)
	}
	if f.jobs < 1 {
		return prepare.Options{}, usagef("--jobs %d must be at least 1", f.jobs)
	}
	so.Normalize = !f.noNormalize
	so.UseOpenretinaCache = !f.noOpenretinaCache
	so.DisableCache = f.noCache
	so.CacheDir = f.cacheDir
	so.CompressCache = f.compress
	po := prepare.Options{
		Stimulus: so, FrNormalisation: f.frNorm, OutDir: f.out, Jobs: f.jobs,
		Compress: f.compress, NoChecksums: f.noChecksums,
	}
	if po.Shard, err = shard.Parse(f.shard); err != nil {
		return prepare.Options{}, usagef("--shard: %w", err)
	}
	if po.MemoryBudget, err = parseBudget(f.maxMemory); err != nil {
		return prepare.Options{}, err
	}
	if f.split {
		seed, err := nprand.CheckSeed(f.seed)
		if err != nil {
			return prepare.Options{}, usagef("--seed: %w", err)
		}
		co := clips.DefaultOptions()
		co.ClipLength, co.ValClips, co.Seed = f.clipLength, f.valClips, seed
		po.Split = &co
	}
	return po, nil
}

// parseBudget reads --max-memory (default: sysmem.DefaultBudget, a share
// of RAM or of the cgroup limit).
func parseBudget(s string) (uint64, error) {
	if s == "" {
		return sysmem.DefaultBudget(), nil
	}
	b, err := sysmem.ParseSize(s)
	if err != nil {
		return 0, usagef("--max-memory: %w", err)
	}
	if b < 64<<20 {
		return 0, usagef("--max-memory %s is below 64 MiB", s)
	}
	return b, nil
}

// doPrepare runs the pipeline with progress bars and messages on stderr,
// and the summary (or JSON) on stdout: it resolves a mirror URL into the
// cache, selects the shard's sessions, sets the memory limit, runs
// prepare.Run and prints the manifest.
func doPrepare(ctx context.Context, root string, f prepareFlags, stdout, stderr io.Writer) (*prepared.Manifest, error) {
	opt, err := f.options()
	if err != nil {
		return nil, err
	}
	if err := checkWritableDir(opt.OutDir, "--out"); err != nil {
		return nil, err
	}
	newPrepareUI(stderr, f.verbose).attach(&opt)
	local, err := resolveRoot(ctx, root, opt.Stimulus.Species, opt.Stimulus.CacheDir, stderr)
	if err != nil {
		return nil, err
	}
	if local != root {
		opt.Source = root
		opt.Origin = downloadOrigin
	} else if abs, err := filepath.Abs(local); err == nil {
		// The manifest records absolute sources, so that 'retinaio view
		// OUT' finds the source images from any working folder.
		local = abs
	}
	if ign := karamanlis.IgnoredSessions(local, opt.Stimulus.Species); len(ign) > 0 {
		fmt.Fprintf(stderr, "note: %d session(s) in %s are not prepared: their name has no species word (mouse or marmoset), which retinaio needs for the frame rate: %s; rename them, or pass a session folder or zip itself as ROOT\n",
			len(ign), safetext.Message(local), safetext.Message(strings.Join(ign, ", ")))
	}
	if !opt.Shard.IsAll() {
		mine, total, err := prepare.SelectSessions(local, opt.Stimulus.Species, opt.Shard)
		if err != nil {
			return nil, err
		}
		opt.Sessions = mine
		fmt.Fprintf(stderr, "shard %s: %d of %d sessions\n", opt.Shard, len(mine), total)
	}
	man, err := prepare.Run(ctx, local, opt)
	if err != nil && man == nil {
		return nil, err
	}
	if perr := printManifest(stdout, man, f.jsonOut); perr != nil {
		return man, perr
	}
	return man, err
}

// prepareUI draws one progress line per session (several at once with
// --jobs) and prints warnings above the bars.
type prepareUI struct {
	mu      sync.Mutex
	stderr  io.Writer
	multi   *progress.Multi
	bars    map[string]*progress.MultiBar
	verbose bool
}

func newPrepareUI(stderr io.Writer, verbose bool) *prepareUI {
	return &prepareUI{stderr: stderr, multi: progress.NewMulti(stderr), bars: map[string]*progress.MultiBar{}, verbose: verbose}
}

// attach sets opt's Progress, Warn and Info callbacks.
func (u *prepareUI) attach(opt *prepare.Options) {
	if u.multi != nil {
		opt.Progress = u.progress
	}
	opt.Warn = func(session, msg string) { u.say(fmt.Sprintf("warning: %s: %s", session, msg)) }
	if u.verbose {
		opt.Info = func(session, msg string) { u.say(fmt.Sprintf("%s: %s", session, msg)) }
	}
}

func (u *prepareUI) progress(session string, done, total int) {
	u.mu.Lock()
	b, ok := u.bars[session]
	if !ok {
		b = u.multi.Bar(session, int64(total))
		u.bars[session] = b
	}
	u.mu.Unlock()
	b.Set(int64(done), int64(total))
}

func (u *prepareUI) say(msg string) {
	msg = safetext.Message(msg)
	if u.multi != nil {
		u.multi.Println(msg)
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	fmt.Fprintln(u.stderr, msg)
}

// printManifest prints the manifest as JSON, or a line per session and a
// summary.
func printManifest(w io.Writer, man *prepared.Manifest, asJSON bool) error {
	if asJSON {
		enc := newJSONEncoder(w)
		return enc.Encode(man)
	}
	printPrepareSummary(w, man)
	return nil
}

func printPrepareSummary(w io.Writer, man *prepared.Manifest) {
	w = safetext.MessageWriter(w) // names and errors from the data
	for _, s := range man.Sessions {
		switch s.Status {
		case prepared.StatusOK:
			src := "composed"
			if s.FromCache {
				src = "from cache"
			}
			fmt.Fprintf(w, "ok      %s  stim_train %s  stim_test %s  resp_train %s  trials %d  (%s, %.2fs)\n",
				s.Name, shapeStr(s.Shapes[prepared.KeyStimTrain]), shapeStr(s.Shapes[prepared.KeyStimTest]), shapeStr(s.Shapes[prepared.KeyRespTrain]),
				firstDim(s.Shapes[prepared.KeyRespTestByTrial]), src, s.Timings["total"])
		case prepared.StatusSkipped:
			fmt.Fprintf(w, "skipped %s  %s\n", s.Name, s.Error)
		default:
			msg := s.Error
			if s.Err != nil {
				msg = explain(s.Err)
			}
			fmt.Fprintf(w, "FAILED  %s  %s\n", s.Name, msg)
		}
	}
	fmt.Fprintf(w, "%d ok, %d skipped, %d failed in %.2fs; outputs and %s in %s\n",
		man.OK, man.Skipped, man.Failed, man.WallSeconds, prepared.ManifestName, man.OutDir)
}

func shapeStr(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ",") + ")"
}

func firstDim(s []int) int {
	if len(s) == 0 {
		return 0
	}
	return s[0]
}

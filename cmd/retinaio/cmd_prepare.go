package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/retinaio/retinaio/clips"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/retinaio/retinaio/internal/progress"
	"github.com/retinaio/retinaio/karamanlis"
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
	shard, maxMemory                                      string // --shard I/N, --max-memory (prepare_budget.go)
	split                                                 bool
	clipLength, valClips                                  int
	seed                                                  uint
}

// registerPrepareFlags defines prepare's flags on fs (also used by bench's
// in-process runs).
func registerPrepareFlags(fs *flag.FlagSet, f *prepareFlags) {
	fs.StringVar(&f.species, "species", "mouse", "species word the session names must contain (mouse or marmoset)")
	fs.StringVar(&f.stim, "stim", "fixationmovie", "stimulus type: fixationmovie, frozencheckerflicker, gratingflicker or imagesequence")
	fs.StringVar(&f.size, "size", "60x80", "downsampled frame size HEIGHTxWIDTH")
	fs.BoolVar(&f.noNormalize, "no-normalize", false, "keep raw 0..255 movies (no mean/std normalisation)")
	fs.Float64Var(&f.frNorm, "fr-norm", 1.0, "divide spike counts by this firing-rate normalisation")
	fs.StringVar(&f.semantics, "semantics", "openretina", "fixation semantics: openretina (the Python port, default) or matlab (returnFixMovie.m)")
	fs.StringVar(&f.screen, "screen", "600x800", "screen size HEIGHTxWIDTH of the recordings")
	fs.StringVar(&f.out, "out", "retinaio-out", "output folder")
	fs.StringVar(&f.cacheDir, "cache-dir", "", "folder for unpacked zips and for caches of read-only sessions (default $RETINAIO_CACHE or the user cache folder)")
	fs.BoolVar(&f.noOpenretinaCache, "no-openretina-cache", false, "neither read nor write openretina's <stim>_data_extracted_stimuli_<h>_<w>.npz")
	fs.BoolVar(&f.noCache, "no-cache", false, "neither read nor write any stimulus cache")
	fs.IntVar(&f.jobs, "jobs", 1, "sessions prepared at once, as memory allows (--max-memory)")
	fs.StringVar(&f.maxMemory, "max-memory", "", "memory budget of --jobs: bytes, 4G, or a share of RAM such as 60% (default 50% of RAM or of the cgroup limit)")
	fs.StringVar(&f.shard, "shard", "", "prepare only share I of N (0-based, e.g. $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT; \"auto\" in a SLURM array) of the sessions; join the manifests with merge-manifest")
	fs.BoolVar(&f.compress, "compress", false, "deflate the output .npz files (smaller, slower)")
	fs.BoolVar(&f.noChecksums, "no-checksums", false, "skip the SHA-256 of the source files")
	fs.BoolVar(&f.jsonOut, "json", false, "print the manifest as JSON on stdout")
	fs.BoolVar(&f.verbose, "v", false, "print which files are loaded and cached")
	fs.BoolVar(&f.split, "split", false, "also cut each session into openretina's training and validation clips: writes val_clip_idx, stim_train, stim_val, resp_train, resp_val (as 'retinaio split')")
	fs.IntVar(&f.clipLength, "clip-length", 75, "with --split: frames per clip")
	fs.IntVar(&f.valClips, "val-clips", 20, "with --split: validation clips per session")
	fs.UintVar(&f.seed, "seed", 42, "with --split: numpy RandomState seed of the validation clip draw")
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
	if len(pos) != 1 {
		return errUsage
	}
	man, err := doPrepare(ctx, pos[0], f, stdout, stderr)
	if err != nil {
		return err
	}
	return prepareExit(man)
}

func prepareExit(man *karamanlis.Manifest) error {
	if man.Failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d sessions failed (see above and %s)", man.Failed, len(man.Sessions), man.OutDir+"/"+karamanlis.ManifestName)}
	}
	return nil
}

// prepareOptions turns flags into library options.
func (f prepareFlags) options(stderr io.Writer) (karamanlis.PrepareOptions, error) {
	so := karamanlis.DefaultStimulusOptions()
	var err error
	if so.StimType, err = karamanlis.ParseStimType(f.stim); err != nil {
		return karamanlis.PrepareOptions{}, err
	}
	if so.Height, so.Width, err = karamanlis.ParseSize(f.size); err != nil {
		return karamanlis.PrepareOptions{}, fmt.Errorf("--size: %w", err)
	}
	if so.ScreenHeight, so.ScreenWidth, err = karamanlis.ParseSize(f.screen); err != nil {
		return karamanlis.PrepareOptions{}, fmt.Errorf("--screen: %w", err)
	}
	if so.Semantics, err = karamanlis.ParseSemantics(f.semantics); err != nil {
		return karamanlis.PrepareOptions{}, fmt.Errorf("--semantics: %w", err)
	}
	if !(f.frNorm > 0) {
		return karamanlis.PrepareOptions{}, fmt.Errorf("--fr-norm %v must be positive", f.frNorm)
	}
	if f.jobs < 1 {
		return karamanlis.PrepareOptions{}, fmt.Errorf("--jobs %d must be at least 1", f.jobs)
	}
	so.Species = f.species
	so.Normalize = !f.noNormalize
	so.UseOpenretinaCache = !f.noOpenretinaCache
	so.DisableCache = f.noCache
	so.CacheDir = f.cacheDir
	so.CompressCache = f.compress
	po := karamanlis.PrepareOptions{
		Stimulus: so, FrNormalisation: f.frNorm, OutDir: f.out, Jobs: f.jobs,
		Compress: f.compress, NoChecksums: f.noChecksums, ToolVersion: version,
	}
	if f.split {
		if f.seed > math.MaxUint32 {
			return karamanlis.PrepareOptions{}, fmt.Errorf("--seed %d: numpy's RandomState takes seeds below 2^32", f.seed)
		}
		co := clips.DefaultOptions()
		co.ClipLength, co.ValClips, co.Seed = f.clipLength, f.valClips, uint32(f.seed)
		po.Split = &co
	}
	return po, nil
}

// doPrepare runs Prepare with progress bars and messages on stderr, and the
// summary (or JSON) on stdout.
func doPrepare(ctx context.Context, root string, f prepareFlags, stdout, stderr io.Writer) (*karamanlis.Manifest, error) {
	opt, err := f.options(stderr)
	if err != nil {
		return nil, err
	}
	// One progress line per session (several at once with --jobs); warnings
	// are printed above the bars.
	var mu sync.Mutex
	multi := progress.NewMulti(stderr)
	bars := map[string]*progress.MultiBar{}
	if multi != nil {
		opt.Progress = func(session string, done, total int) {
			mu.Lock()
			b, ok := bars[session]
			if !ok {
				b = multi.Bar(session, int64(total))
				bars[session] = b
			}
			mu.Unlock()
			b.Set(int64(done), int64(total))
		}
	}
	say := func(msg string) {
		if multi != nil {
			multi.Println(msg)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(stderr, msg)
	}
	opt.DownloadProgress = stderr
	if err := applyShardAndBudget(ctx, root, f, &opt, stderr); err != nil {
		return nil, err
	}
	opt.Warn = func(session, msg string) { say(fmt.Sprintf("warning: %s: %s", session, msg)) }
	if f.verbose {
		opt.Info = func(session, msg string) { say(fmt.Sprintf("%s: %s", session, msg)) }
	}
	man, err := karamanlis.Prepare(ctx, root, opt)
	if err != nil && man == nil {
		return nil, err
	}
	if f.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(man); jerr != nil {
			return man, jerr
		}
	} else {
		printPrepareSummary(stdout, man)
	}
	if err != nil {
		return man, err
	}
	return man, nil
}

func printPrepareSummary(w io.Writer, man *karamanlis.Manifest) {
	for _, s := range man.Sessions {
		switch s.Status {
		case karamanlis.StatusOK:
			src := "composed"
			if s.FromCache {
				src = "from cache"
			}
			fmt.Fprintf(w, "ok      %s  stim_train %s  stim_test %s  resp_train %s  trials %d  (%s, %.2fs)\n",
				s.Name, shapeStr(s.Shapes["stim_train"]), shapeStr(s.Shapes["stim_test"]), shapeStr(s.Shapes["resp_train"]),
				firstDim(s.Shapes["resp_test_by_trial"]), src, s.Timings["total"])
		case karamanlis.StatusSkipped:
			fmt.Fprintf(w, "skipped %s  %s\n", s.Name, s.Error)
		default:
			fmt.Fprintf(w, "FAILED  %s  %s\n", s.Name, s.Error)
		}
	}
	fmt.Fprintf(w, "%d ok, %d skipped, %d failed in %.2fs; outputs and %s in %s\n",
		man.OK, man.Skipped, man.Failed, man.WallSeconds, karamanlis.ManifestName, man.OutDir)
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

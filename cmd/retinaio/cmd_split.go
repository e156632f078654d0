package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/retinaio/retinaio/clips"
	"github.com/retinaio/retinaio/internal/safetext"
	"github.com/retinaio/retinaio/nprand"
	"github.com/retinaio/retinaio/npy"
)

func init() {
	register(&command{
		name:    "split",
		summary: "cut a prepared session into openretina's training and validation clips",
		usage: `retinaio split SESSION.npz --out SPLIT.npz [--clip-length 75] [--val-clips 20] [--seed 42]
              [--val-clip-indices I,J,...] [--openretina-resp-tail] [--compress] [--json]

Cuts the training movie and responses of SESSION.npz (written by 'retinaio
prepare') into clips exactly as openretina does: num_clips = T // clip-length,
validation clips = numpy.random.RandomState(seed).choice(num_clips, val-clips,
replace=False) in draw order, training = the other clips in ascending order,
tail frames dropped. --val-clip-indices gives the validation clips instead
(openretina's val_clip_indices, used in the order given; --val-clips and
--seed are then not used). SPLIT.npz gets

  val_clip_idx (V,) int64 (draw order)
  stim_train (1, T_tr, h, w)   stim_val (1, V*L, h, w)
  resp_train (N, T_tr)         resp_val (N, V*L)

plus every other array of SESSION.npz unchanged (stim_test, resp_test,
resp_test_by_trial, norm_mean, norm_std). The responses are cut like the
movie; openretina keeps the tail frames at the end of its training responses
(--openretina-resp-tail reproduces that). SESSION.npz is never modified.
The session needs at least val-clips + 1 whole clips; if it is shorter, the
error says which --val-clips or --clip-length would work.

--json prints {"frames", "clip_length", "num_clips", "tail_frames",
"val_clip_idx", "train_clip_idx", "seed", ...} instead of the report.

Examples:
  retinaio split out/session.npz --out split.npz
  retinaio split out/session.npz --out split.npz --val-clips 2 --seed 7
  retinaio split out/session.npz --out split.npz --val-clip-indices 3,7,12 --json`,
		run: runSplit,
	})
}

func runSplit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["split"]
	fs := newFlagSet(c, stderr)
	def := clips.DefaultOptions()
	clipLen := fs.Int("clip-length", def.ClipLength, "frames per clip")
	valClips := fs.Int("val-clips", def.ValClips, "number of validation clips drawn")
	seed := fs.Uint64("seed", uint64(def.Seed), "seed of numpy's RandomState for the draw (0 to 2^32-1)")
	given := fs.String("val-clip-indices", "", "comma-separated validation clip `INDICES` (e.g. 3,7,12) to use instead of the draw (openretina's val_clip_indices)")
	out := fs.String("out", "", "output `SPLIT.npz` (required)")
	keepTail := fs.Bool("openretina-resp-tail", false, "keep the tail frames at the end of resp_train, as openretina does")
	compress := fs.Bool("compress", false, "deflate the output entries")
	jsonOut := fs.Bool("json", false, "print JSON instead of the report")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "one SESSION.npz"); err != nil {
		return err
	}
	if *out == "" {
		return flagValueUsageError("--out SPLIT.npz is required")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	opt := clips.Options{ClipLength: *clipLen, ValClips: *valClips, KeepResponseTail: *keepTail}
	if set["val-clip-indices"] {
		if set["val-clips"] || set["seed"] {
			return flagValueUsageError("--val-clip-indices gives the validation clips, so --val-clips and --seed are not used: give either --val-clip-indices or --val-clips/--seed")
		}
		if opt.ValClipIndices, err = clips.ParseClipIndices(*given); err != nil {
			return flagValueUsageError("--val-clip-indices %q: %w", *given, err)
		}
	} else {
		if opt.Seed, err = nprand.CheckSeed(*seed); err != nil {
			return flagValueUsageError("--seed: %w", err)
		}
	}
	if sameFile(pos[0], *out) {
		return usagef("--out %s is the input file; choose another path (the input is never modified)", *out)
	}
	in, err := npy.OpenNPZ(pos[0])
	if err != nil {
		return err
	}
	defer in.Close()
	z, err := npy.CreateNPZ(*out, npy.NPZOptions{Compress: *compress})
	if err != nil {
		return err
	}
	defer z.Abort()
	p, err := clips.SplitNPZ(in, z, opt)
	if err != nil {
		var few *clips.TooFewClipsError
		if errors.As(err, &few) {
			return fmt.Errorf("%s: %s", pos[0], tooFewClipsMessage(few))
		}
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := z.Close(); err != nil {
		return err
	}
	if *jsonOut {
		return writeSplitJSON(stdout, pos[0], *out, p, opt, set["val-clip-indices"])
	}
	fmt.Fprintf(stdout, "%s: %d frames = %d clips of %d frames", safetext.Escape(pos[0]), p.NumFrames, p.NumClips, p.ClipLength)
	if t := p.TailFrames(); t > 0 {
		fmt.Fprintf(stdout, " + %d tail frames (dropped", t)
		if *keepTail {
			fmt.Fprint(stdout, " from the movie, kept in resp_train")
		}
		fmt.Fprint(stdout, ")")
	}
	fmt.Fprintln(stdout)
	vs := make([]string, len(p.Val))
	for i, v := range p.Val {
		vs[i] = fmt.Sprint(v)
	}
	if set["val-clip-indices"] {
		fmt.Fprintf(stdout, "validation clips (given): %s\n", strings.Join(vs, " "))
	} else {
		fmt.Fprintf(stdout, "validation clips (seed %d, draw order): %s\n", opt.Seed, strings.Join(vs, " "))
	}
	fmt.Fprintf(stdout, "training %d clips = %d frames, validation %d clips = %d frames\n", len(p.Train), p.TrainFrames(), len(p.Val), p.ValFrames())
	fmt.Fprintf(stdout, "wrote %s\n", safetext.Escape(*out))
	return nil
}

// tooFewClipsMessage says, with the command's flags, what is wrong and what
// would work.
func tooFewClipsMessage(e *clips.TooFewClipsError) string {
	msg := fmt.Sprintf("the training movie has %d frames = %d clips of %d frames; --val-clips %d needs at least %d clips (%d for validation, 1 or more for training)",
		e.Frames, e.Clips, e.ClipLength, e.ValClips, e.ValClips+1, e.ValClips)
	var fix []string
	if m := e.MaxValClips(); m >= 1 {
		fix = append(fix, fmt.Sprintf("--val-clips %d or fewer", m))
	}
	if l := e.MaxClipLength(); l >= 1 {
		fix = append(fix, fmt.Sprintf("--clip-length %d or shorter", l))
	}
	if len(fix) == 0 {
		return msg + ": the session is too short to split"
	}
	return msg + ": use " + strings.Join(fix, ", or ")
}

func writeSplitJSON(w io.Writer, input, output string, p *clips.Plan, opt clips.Options, given bool) error {
	train, _ := p.Ranges(p.KeepTail)
	respTrain := 0
	for _, r := range train {
		respTrain += r[1] - r[0]
	}
	out := struct {
		Input           string  `json:"input"`
		Output          string  `json:"output"`
		Frames          int     `json:"frames"`
		ClipLength      int     `json:"clip_length"`
		NumClips        int     `json:"num_clips"`
		TailFrames      int     `json:"tail_frames"`
		ValClipIdx      []int   `json:"val_clip_idx"`
		TrainClipIdx    []int   `json:"train_clip_idx"`
		ValClipsGiven   bool    `json:"val_clips_given"`
		Seed            *uint32 `json:"seed"`
		TrainFrames     int     `json:"train_frames"`
		ValFrames       int     `json:"val_frames"`
		RespTrainTail   bool    `json:"openretina_resp_tail"`
		RespTrainFrames int     `json:"resp_train_frames"`
	}{input, output, p.NumFrames, p.ClipLength, p.NumClips, p.TailFrames(), p.Val, p.Train, given, nil,
		p.TrainFrames(), p.ValFrames(), p.KeepTail, respTrain}
	if !given {
		s := opt.Seed
		out.Seed = &s
	}
	return writeIndentedJSON(w, out)
}

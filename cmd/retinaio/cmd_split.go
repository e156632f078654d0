package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/retinaio/retinaio/clips"
	"github.com/retinaio/retinaio/npy"
)

func init() {
	register(&command{
		name:    "split",
		summary: "cut a prepared session into openretina's training and validation clips",
		usage: `retinaio split SESSION.npz --out SPLIT.npz [--clip-length 75] [--val-clips 20] [--seed 42]

Cuts the training movie and responses of SESSION.npz (written by 'retinaio
prepare') into clips exactly as openretina does: num_clips = T // clip-length,
validation clips = numpy.random.RandomState(seed).choice(num_clips, val-clips,
replace=False) in draw order, training = the other clips in ascending order,
tail frames dropped. SPLIT.npz gets

  val_clip_idx (V,) int64 (draw order)
  stim_train (1, T_tr, h, w)   stim_val (1, V*L, h, w)
  resp_train (N, T_tr)         resp_val (N, V*L)

plus every other array of SESSION.npz unchanged (stim_test, resp_test,
resp_test_by_trial, norm_mean, norm_std). The responses are cut like the
movie; openretina keeps the tail frames at the end of its training responses
(--openretina-resp-tail reproduces that). SESSION.npz is never modified.`,
		run: runSplit,
	})
}

func runSplit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["split"]
	fs := newFlagSet(c, stderr)
	def := clips.DefaultOptions()
	clipLen := fs.Int("clip-length", def.ClipLength, "frames per clip")
	valClips := fs.Int("val-clips", def.ValClips, "number of validation clips")
	seed := fs.Int64("seed", int64(def.Seed), "seed of numpy's RandomState (0 to 2^32-1)")
	out := fs.String("out", "", "output .npz (required)")
	keepTail := fs.Bool("openretina-resp-tail", false, "keep the tail frames at the end of resp_train, as openretina does")
	compress := fs.Bool("compress", false, "deflate the output entries")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errUsage
	}
	if *out == "" {
		return errors.New("--out SPLIT.npz is required")
	}
	if *seed < 0 || *seed > 0xFFFFFFFF {
		return fmt.Errorf("--seed %d: numpy seeds are between 0 and 2^32-1", *seed)
	}
	if sameFile(pos[0], *out) {
		return fmt.Errorf("--out %s is the input file; choose another path (the input is never modified)", *out)
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
	opt := clips.Options{ClipLength: *clipLen, ValClips: *valClips, Seed: uint32(*seed), KeepResponseTail: *keepTail}
	p, err := clips.SplitNPZ(in, z, opt)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := z.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d frames = %d clips of %d frames", pos[0], p.NumFrames, p.NumClips, p.ClipLength)
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
	fmt.Fprintf(stdout, "validation clips (seed %d, draw order): %s\n", *seed, strings.Join(vs, " "))
	fmt.Fprintf(stdout, "training %d clips = %d frames, validation %d clips = %d frames\n", len(p.Train), p.TrainFrames(), len(p.Val), p.ValFrames())
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}

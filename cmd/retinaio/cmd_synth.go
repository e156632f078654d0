package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/retinaio/retinaio/internal/progress"
	"github.com/retinaio/retinaio/internal/safetext"
	"github.com/retinaio/retinaio/synth"
)

func init() {
	register(&command{
		name:    "synth",
		summary: "write realistic synthetic sessions in the Karamanlis 2024 layout",
		usage: `retinaio synth OUT [--profile tiny|small|medium|mouse|marmoset] [--sessions N] [--seed S] [--zip] [--format earliest] [--layout own|h5py|matlab|contiguous] [--image-use random|all|third-unused]

Writes N synthetic sessions into the folder OUT, in the real files' layout
(MATLAB v7.3: fixationmovie_data.mat with runningImages, frozenImages,
runningfixations, frozenfixations, runningbin, frozenbin; and
frozencheckerflicker_data.mat with responses only): natural-image-like images
larger than the screen, gaze-like fixations, Poisson spike counts driven by
the stimulus. Deterministic in --seed. Profiles:
` + profileList() + `
--zip writes <session>.zip (one top folder inside) instead of a folder.
The names follow the real recordings' scheme: a session folder or zip in OUT
that synth did not write there (listed in OUT/.retinaio-synth.json) is never
written over; synth stops with an error naming it.
--format: only "earliest" (superblock 0, as MATLAB writes) is supported.
--layout: how the datasets are chunked and compressed (the values are the same):
  own         synth's own: chunks of one image's 256-column slab, one block
              or trial of responses; deflate 3
  h5py        h5py's automatic chunk shape (its guess_chunk rule: halve the
              axes in turn towards a target of 8 KiB to 1 MiB); deflate 3
  matlab      MATLAB v7.3's rule: chunks <= 64 KiB, n = ceil(bytes/65536),
              the largest dimension (ties: the last) cut into floor(dim/n),
              the others whole; deflate 3. Where floor(dim/n) would be 0
              (image stacks; never seen in MATLAB's files, our extrapolation)
              the rule is applied dimension by dimension, largest first:
              mouse images (150, 1532, 1024) -> chunks (150, 1, 341)
  contiguous  no chunks, no compression
--image-use: which images the fixations show (one image a second; the
images and the layout are the same):
  random        each second's image drawn at random (the default, synth's
                original sessions): some images never shown, scattered
                (mouse: about 105 of the 150 training images used)
  all           every training and test image shown at least once (the
                seconds walk seeded permutations of the ensemble)
  third-unused  floor(n/3) of the n training images never shown, in several
                runs of consecutive indices between runs of used ones, as
                in a real recording (mouse: 100 used in 31 runs, 50 unused
                in 30); every test image shown
  A session with fewer seconds than images to show (tiny) shows each image
  for less than a second.`,
		run: runSynth,
	})
}

func profileList() string {
	var sb strings.Builder
	for _, n := range synth.ProfileNames() {
		fmt.Fprintf(&sb, "  %s\n", synth.Profiles[n].Describe())
	}
	return strings.TrimRight(sb.String(), "\n")
}

func runSynth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["synth"]
	fs := newFlagSet(c, stderr)
	profile := fs.String("profile", "tiny", "session size: "+strings.Join(synth.ProfileNames(), ", "))
	sessions := fs.Int("sessions", 1, "number of sessions")
	seed := fs.Uint64("seed", 1, "random seed (session i uses seed+i)")
	zip := fs.Bool("zip", false, "write <session>.zip files instead of folders")
	format := fs.String("format", "earliest", `HDF5 format setting (only "earliest")`)
	layout := fs.String("layout", "own", "chunking and compression: own, h5py, matlab or contiguous")
	imageUse := fs.String("image-use", "random", "which images the fixations show: random, all or third-unused")
	jsonOut := fs.Bool("json", false, `print {"profile", "layout", "image_use", "seed", "sessions": [paths], "seconds"} as JSON instead of the paths`)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "one OUT folder"); err != nil {
		return err
	}
	p, ok := synth.Profiles[*profile]
	if !ok {
		return usagef("--profile %q: unknown profile; choose one of %s", *profile, strings.Join(synth.ProfileNames(), ", "))
	}
	if *format != "earliest" {
		return usagef("--format %q is not supported: our writer writes the \"earliest\" format (superblock 0, as MATLAB does); write \"latest\" files with h5py (libver='latest')", *format)
	}
	lay, err := synth.ParseLayout(*layout)
	if err != nil {
		return usagef("unknown --layout %q; choose one of own, h5py, matlab, contiguous", *layout)
	}
	use, err := synth.ParseImageUse(*imageUse)
	if err != nil {
		return usagef("unknown --image-use %q; choose one of random, all, third-unused", *imageUse)
	}
	if *sessions < 1 {
		return usagef("--sessions %d: must be at least 1", *sessions)
	}
	imgBytes := int64(*sessions) * int64(p.NRun+p.NFroz) * int64(p.Rows*p.Cols)
	bar := progress.New(stderr, "synth", imgBytes, "B")
	start := time.Now()
	paths, err := synth.Write(ctx, pos[0], synth.Options{Profile: p, Sessions: *sessions, Seed: *seed, Zip: *zip, Layout: lay,
		ImageUse: use,
		Progress: func(n int64) { bar.Add(n) }})
	bar.Done()
	if err != nil {
		for _, s := range paths { // what was written before the error
			fmt.Fprintln(stderr, "written:", safetext.Escape(s))
		}
		return err
	}
	if *jsonOut {
		enc := newJSONEncoder(stdout)
		return enc.Encode(struct {
			Profile  string   `json:"profile"`
			Layout   string   `json:"layout"`
			ImageUse string   `json:"image_use"`
			Seed     uint64   `json:"seed"`
			Zip      bool     `json:"zip"`
			Sessions []string `json:"sessions"`
			Seconds  float64  `json:"seconds"`
		}{p.Name, string(lay), string(use), *seed, *zip, paths, time.Since(start).Seconds()})
	}
	for _, s := range paths {
		fmt.Fprintln(stdout, safetext.Escape(s))
	}
	fmt.Fprintf(stderr, "wrote %d %s session(s) in %.1fs\n", len(paths), p.Name, time.Since(start).Seconds())
	return nil
}

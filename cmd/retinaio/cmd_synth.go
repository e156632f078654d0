package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/retinaio/retinaio/internal/progress"
	"github.com/retinaio/retinaio/synth"
)

func init() {
	register(&command{
		name:    "synth",
		summary: "write realistic synthetic sessions in the Karamanlis 2024 layout",
		usage: `retinaio synth OUT [--profile tiny|small|medium|mouse|marmoset] [--sessions N] [--seed S] [--zip] [--format earliest]

Writes N synthetic sessions into the folder OUT, in the real files' layout
(MATLAB v7.3: fixationmovie_data.mat with runningImages, frozenImages,
runningfixations, frozenfixations, runningbin, frozenbin; and
frozencheckerflicker_data.mat with responses only): natural-image-like images
larger than the screen, gaze-like fixations, Poisson spike counts driven by
the stimulus. Deterministic in --seed. Profiles:
` + profileList() + `
--zip writes <session>.zip (one top folder inside) instead of a folder.
--format: only "earliest" (superblock 0, as MATLAB writes) is supported.`,
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
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errUsage
	}
	p, ok := synth.Profiles[*profile]
	if !ok {
		return fmt.Errorf("unknown profile %q; choose one of %s", *profile, strings.Join(synth.ProfileNames(), ", "))
	}
	if *format != "earliest" {
		return fmt.Errorf("--format %q is not supported: our writer writes the \"earliest\" format (superblock 0, as MATLAB does); write \"latest\" files with h5py (libver='latest')", *format)
	}
	if *sessions < 1 {
		return fmt.Errorf("--sessions %d: must be at least 1", *sessions)
	}
	imgBytes := int64(*sessions) * int64(p.NRun+p.NFroz) * int64(p.Rows*p.Cols)
	bar := progress.New(stderr, "synth", imgBytes, "B")
	start := time.Now()
	paths, err := synth.Write(ctx, pos[0], synth.Options{Profile: p, Sessions: *sessions, Seed: *seed, Zip: *zip,
		Progress: func(n int64) { bar.Add(n) }})
	bar.Done()
	for _, s := range paths {
		fmt.Fprintln(stdout, s)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %d %s session(s) in %.1fs\n", len(paths), p.Name, time.Since(start).Seconds())
	return nil
}

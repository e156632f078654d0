package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/internal/safetext"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/prepared"
	"github.com/retinaio/retinaio/synth"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "synthesise a small session, prepare it and summarise the result",
		usage: `retinaio demo [DIR] [--profile tiny|small] [--semantics openretina|matlab]

Writes a small synthetic session in the real Karamanlis layout into
DIR/sessions (default DIR: ./retinaio-demo), prepares it as
'retinaio prepare DIR/sessions --out DIR/out' does, and prints a summary:
sessions, shapes, normalisation statistics, timings and where the files are.
Takes a few seconds. An existing demo session is reused.`,
		run: runDemo,
	})
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["demo"]
	fs := newFlagSet(c, stderr)
	profile := fs.String("profile", "small", "synthetic session size: tiny or small")
	semantics := fs.String("semantics", fixmovie.OpenRetina.String(), "fixation semantics: openretina or matlab")
	jsonOut := fs.Bool("json", false, "print the manifest as JSON on stdout instead of the summary")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 1, "at most one DIR"); err != nil {
		return err
	}
	dir := "retinaio-demo"
	if len(pos) == 1 {
		dir = pos[0]
	}
	p, ok := synth.Profiles[*profile]
	if !ok || (*profile != "tiny" && *profile != "small") {
		return usagef("--profile %q: use tiny or small (for bigger sessions use 'retinaio synth')", *profile)
	}
	start := time.Now()
	sessDir := filepath.Join(dir, "sessions")
	synthSecs, err := demoSession(ctx, sessDir, p, stderr)
	if err != nil {
		return err
	}
	outDir := filepath.Join(dir, "out")
	f := prepareFlags{species: p.Species, stim: string(karamanlis.FixationMovie), size: defaultSize, screen: defaultScreen,
		semantics: *semantics, out: outDir, frNorm: 1, jobs: 1, jsonOut: *jsonOut}
	fmt.Fprintf(stderr, "Preparing %s -> %s ...\n", safetext.Escape(sessDir), safetext.Escape(outDir))
	prepOut := io.Discard
	if *jsonOut {
		prepOut = stdout
	}
	man, err := doPrepare(ctx, sessDir, f, prepOut, stderr)
	if err != nil {
		return err
	}
	if *jsonOut {
		return prepareExit(man)
	}
	stdout = safetext.MessageWriter(stdout) // DIR and the names of the sessions in it
	for _, s := range man.Sessions {
		printDemoSession(stdout, s)
	}
	fmt.Fprintf(stdout, "\nmanifest %s\n", filepath.Join(outDir, prepared.ManifestName))
	if synthSecs > 0 {
		fmt.Fprintf(stdout, "synthesis %.2fs, ", synthSecs)
	}
	fmt.Fprintf(stdout, "prepare %.2fs, total %.2fs\n", man.WallSeconds, time.Since(start).Seconds())
	first := firstOutput(man)
	fmt.Fprintf(stdout, "\nIn Python:  d = numpy.load(%q); d['stim_train'].shape\n", first)
	if first != "" {
		split := filepath.Join(dir, "split.npz")
		fmt.Fprintf(stdout, "Next:       retinaio split %s --out %s\n", shellQuote(first), shellQuote(split))
		fmt.Fprintf(stdout, "            retinaio view %s\n", shellQuote(outDir))
	}
	return prepareExit(man)
}

// demoSession synthesises the demo session into sessDir unless it is there
// already, and returns the seconds it took (0 when reused).
func demoSession(ctx context.Context, sessDir string, p synth.Profile, status io.Writer) (float64, error) {
	name := synth.SessionName(p.Species, 0)
	if _, err := os.Stat(filepath.Join(sessDir, name, karamanlis.DataFileName(karamanlis.FixationMovie))); err == nil {
		fmt.Fprintf(status, "Reusing the demo session in %s\n", safetext.Escape(sessDir))
		return 0, nil
	}
	t := time.Now()
	fmt.Fprintf(status, "Synthesising a %q session (%dx%d images, %d blocks x %d frames, %d test frames x %d trials, %d cells) ...\n",
		p.Name, p.Rows, p.Cols, p.Blocks, p.Tr, p.Tf, p.Trials, p.Cells)
	if _, err := synth.Write(ctx, sessDir, synth.Options{Profile: p, Sessions: 1, Seed: 1}); err != nil {
		return 0, fmt.Errorf("synthesise: %w", err)
	}
	return time.Since(t).Seconds(), nil
}

// printDemoSession prints one session of the demo's manifest (w escapes:
// runDemo passes a safetext.MessageWriter).
func printDemoSession(w io.Writer, s prepared.SessionResult) {
	if s.Status != prepared.StatusOK {
		msg := s.Error
		if s.Err != nil {
			msg = explain(s.Err)
		}
		fmt.Fprintf(w, "%s: %s: %s\n", s.Name, s.Status, msg)
		return
	}
	fmt.Fprintf(w, "\nsession %s\n", s.Name)
	fmt.Fprintf(w, "  stim_train %s  stim_test %s  (float32, normalised)\n", shapeStr(s.Shapes[prepared.KeyStimTrain]), shapeStr(s.Shapes[prepared.KeyStimTest]))
	fmt.Fprintf(w, "  resp_train %s  resp_test %s  resp_test_by_trial %s  (float64)\n",
		shapeStr(s.Shapes[prepared.KeyRespTrain]), shapeStr(s.Shapes[prepared.KeyRespTest]), shapeStr(s.Shapes[prepared.KeyRespTestByTrial]))
	if s.NormMean != nil && s.NormStd != nil {
		fmt.Fprintf(w, "  normalisation: mean %.4f, std %.4f (of the raw 0..255 training movie)\n", *s.NormMean, *s.NormStd)
	}
	how := "composed from " + s.StimulusSource
	if s.FromCache {
		how = "loaded from cache " + s.StimulusSource
	}
	fmt.Fprintf(w, "  movie %s in %.2fs\n", how, s.Timings["stimuli"])
	fmt.Fprintf(w, "  output %s\n", s.Output)
}

func firstOutput(man *prepared.Manifest) string {
	for _, s := range man.Sessions {
		if s.Output != "" {
			return s.Output
		}
	}
	return ""
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/retinaio/retinaio/internal/bench"
	"github.com/retinaio/retinaio/synth"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "measure prepare's speed and memory on a synthetic session",
		usage: `retinaio bench [--profile medium|mouse|marmoset] [--json] [--keep] [PATH] [-- PREPARE FLAGS]

Synthesises one session of the given size into a temporary folder (or takes
the sessions in PATH, writing nothing there), runs 'retinaio prepare' on it
in a child process and reports per phase the throughput (read + inflate MB/s,
rendered frames/s, .npz write MB/s), the total wall time and prepare's peak
resident memory, beside the reference numbers of openretina's pipeline where
the profile has them (medium, mouse). Flags after -- go to prepare, e.g.
-- --no-checksums or -- --jobs 2.`,
		run: runBench,
	})
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["bench"]
	fs := newFlagSet(c, stderr)
	profile := fs.String("profile", "medium", "session size to synthesise: "+strings.Join(synth.ProfileNames(), ", "))
	jsonOut := fs.Bool("json", false, "print the report as JSON")
	keep := fs.Bool("keep", false, "keep the work folder (session, outputs) and print its path")
	seed := fs.Uint64("seed", 1, "synth seed")
	tmp := fs.String("tmp", "", "folder for the work folder (default the system temp folder)")
	cpuprofile := fs.String("cpuprofile", "", "") // hidden: profile prepare in-process
	inProcess := fs.Bool("in-process", false, "") // hidden: run prepare in this process
	var prepArgs []string
	for i, a := range args {
		if a == "--" {
			args, prepArgs = args[:i], args[i+1:]
			break
		}
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return errUsage
	}
	if _, ok := synth.Profiles[*profile]; !ok {
		return fmt.Errorf("unknown profile %q; choose one of %s", *profile, strings.Join(synth.ProfileNames(), ", "))
	}
	opt := bench.Options{Profile: *profile, Seed: *seed, Keep: *keep, TempDir: *tmp, PrepareArgs: prepArgs, Log: stderr}
	if len(pos) == 1 {
		opt.Dir = pos[0]
	}
	if *cpuprofile != "" || *inProcess {
		// in-process: parse prepare's flags the way prepare does
		var f prepareFlags
		pfs := newFlagSet(commands["prepare"], stderr)
		registerPrepareFlags(pfs, &f)
		if _, err := parseInterspersed(pfs, prepArgs); err != nil {
			return err
		}
		po, err := f.options(stderr)
		if err != nil {
			return err
		}
		po.ToolVersion = version
		opt.PrepareOptions = po
		if *cpuprofile != "" {
			pf, err := os.Create(*cpuprofile)
			if err != nil {
				return err
			}
			defer pf.Close()
			opt.CPUProfile = pf
		}
	} else {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("cannot find the retinaio executable to run prepare in a child process (%v); use --in-process", err)
		}
		opt.Command = []string{exe, "prepare"}
	}
	rep, err := bench.Run(ctx, opt)
	if err != nil {
		return err
	}
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if rep.Failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d sessions failed", rep.Failed, rep.Sessions)}
	}
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/retinaio/retinaio/internal/safetext"
	"github.com/retinaio/retinaio/shard"
)

func init() {
	register(&command{
		name:    "merge-manifest",
		summary: "join the manifest.json files of sharded prepare runs",
		usage: `retinaio merge-manifest OUT.json IN1.json IN2.json ...

Joins the manifest.json files written by 'retinaio prepare --shard I/N'
(one per shard, e.g. per SLURM array task) into one manifest listing every
session, sorted by name, with the counts recomputed and the inputs listed
under "merged_from". The shards must have been prepared with the same
settings (size, semantics, normalisation, ...): a difference is an error, as
is a session that appears in two inputs. Missing shards and differing tool
versions are reported as warnings. OUT.json is written atomically and may
itself be merged again. An existing OUT.json is replaced only when it is an
earlier merge's output (it lists "merged_from"): a prepare run's
manifest.json, named first by mistake, or any other file is left as it is.`,
		run: runMergeManifest,
	})
}

func runMergeManifest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["merge-manifest"]
	fs := newFlagSet(c, stderr)
	quiet := fs.Bool("q", false, "print nothing on success")
	jsonOut := fs.Bool("json", false, `print {"output", "inputs", "sessions", "ok", "skipped", "failed", "warnings"} as JSON`)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 2, -1, "OUT.json and at least one IN.json"); err != nil {
		return err
	}
	outPath, inputs := pos[0], pos[1:]
	parts := make([]shard.Part, 0, len(inputs))
	for _, in := range inputs {
		if isSamePath(in, outPath) {
			return fmt.Errorf("output %s is also an input; write the merged manifest to a new file", outPath)
		}
		p, err := shard.ReadPart(in)
		if err != nil {
			return err
		}
		parts = append(parts, p)
	}
	if err := checkMergeOutput(outPath); err != nil {
		return err
	}
	m, warns, err := shard.Merge(parts)
	if err != nil {
		return err
	}
	for _, w := range warns {
		fmt.Fprintf(stderr, "warning: %s\n", safetext.Message(w)) // names and versions from the shards' files
	}
	if err := m.Write(outPath); err != nil {
		return fmt.Errorf("write %s: %w", outPath, err)
	}
	if *jsonOut {
		if warns == nil {
			warns = []string{}
		}
		enc := newJSONEncoder(stdout)
		return enc.Encode(struct {
			Output   string   `json:"output"`
			Inputs   []string `json:"inputs"`
			Sessions int      `json:"sessions"`
			OK       int      `json:"ok"`
			Skipped  int      `json:"skipped"`
			Failed   int      `json:"failed"`
			Warnings []string `json:"warnings"`
		}{outPath, inputs, len(m.Sessions), m.OK, m.Skipped, m.Failed, warns})
	}
	if !*quiet {
		fmt.Fprintf(stdout, "merged %d manifests: %d sessions (%d ok, %d skipped, %d failed) -> %s\n",
			len(parts), len(m.Sessions), m.OK, m.Skipped, m.Failed, safetext.Escape(outPath))
	}
	return nil
}

// isSamePath reports whether a and b name the same existing file.
func isSamePath(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// checkMergeOutput refuses an existing out that is not an earlier merge's
// output (a JSON object with "merged_from"): merge-manifest takes its
// output first, and "merge-manifest a/manifest.json b/manifest.json" would
// otherwise replace prepare's manifest of folder a with one listing only
// b's sessions.
func checkMergeOutput(out string) error {
	b, err := os.ReadFile(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", out, err)
	}
	var m struct {
		MergedFrom json.RawMessage `json:"merged_from"`
	}
	if json.Unmarshal(b, &m) == nil && len(m.MergedFrom) > 0 && string(m.MergedFrom) != "null" {
		return nil
	}
	return usagef("OUT.json %s exists and is not a merged manifest (no \"merged_from\"), so it is left as it is; the output comes first: retinaio merge-manifest NEW.json IN1.json IN2.json ...", out)
}

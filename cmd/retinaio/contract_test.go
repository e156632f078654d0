package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// contractCase is one command's inputs for the CLI contract test.
type contractCase struct {
	cmd string
	// missing is a command line with a missing (or, for commands that take
	// no required argument, an extra) positional argument.
	missing []string
	// badValue is a command line with a bad flag value; badFlag names the
	// flag the message must mention.
	badValue []string
	badFlag  string
	// dataErr is a command line that fails on the data (a file that does
	// not exist); dataFile must be named exactly once on stderr.
	dataErr  []string
	dataFile string
}

// contractCases covers every registered command (checked by the test).
func contractCases(dir string) []contractCase {
	nofile := filepath.Join(dir, "no-such-file")
	return []contractCase{
		{"prepare", nil, []string{"prepare", "x", "--seed", "-1"}, "--seed", []string{"prepare", nofile, "--out", filepath.Join(dir, "o1")}, nofile},
		{"inspect", nil, []string{"inspect", "x", "--species", "rat"}, "--species", []string{"inspect", nofile}, nofile},
		{"fetch", []string{"fetch", "extra"}, []string{"fetch", "--jobs", "x"}, "--jobs", nil, ""},
		{"split", nil, []string{"split", "x.npz", "--out", "y.npz", "--seed", "4294967296"}, "--seed", []string{"split", nofile, "--out", filepath.Join(dir, "s.npz")}, nofile},
		{"eval", nil, []string{"eval", "--pred", "p.npz", "--data", "d.npz", "--cut-first-n-frames", "-1"}, "--cut-first-n-frames", []string{"eval", "--pred", nofile, "--data", nofile + "2"}, nofile},
		{"view", nil, []string{"view", "x", "--allow-remote=maybe"}, "--allow-remote", []string{"view", nofile, "--addr", "127.0.0.1:0"}, nofile},
		{"render", nil, []string{"render", "x.npz", "--out", "a.png", "--cell", "x"}, "--cell", []string{"render", nofile, "--out", filepath.Join(dir, "r.png")}, nofile},
		{"ls", nil, []string{"ls", "--json=maybe", "x.mat"}, "--json", []string{"ls", nofile}, nofile},
		{"mat2npz", nil, []string{"mat2npz", "--compress=maybe", "a.mat", "b.npz"}, "--compress", []string{"mat2npz", nofile, filepath.Join(dir, "m.npz")}, nofile},
		{"synth", nil, []string{"synth", dir, "--profile", "huge"}, "--profile", nil, ""},
		{"bench", []string{"bench", "a", "b"}, []string{"bench", "--profile", "huge"}, "--profile", []string{"bench", nofile}, nofile},
		{"merge-manifest", nil, []string{"merge-manifest", "--json=maybe", "a.json", "b.json"}, "--json", []string{"merge-manifest", filepath.Join(dir, "m.json"), nofile}, nofile},
		{"demo", []string{"demo", "a", "b"}, []string{"demo", "--profile", "huge"}, "--profile", nil, ""},
	}
}

// runCLI runs the CLI in-process with ctx.
func runCLI(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = runMain(ctx, args, &o, &e)
	return code, o.String(), e.String()
}

// checkUsageError checks the contract's usage-error rule: exit 2, nothing on
// stdout, one line naming the problem (containing want) and a pointer to
// --help on stderr, no help dump.
func checkUsageError(t *testing.T, name string, code int, stdout, stderr, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if code != exitUsage || stdout != "" || len(lines) != 2 {
		t.Fatalf("%s: want exit 2, empty stdout, two stderr lines; got exit %d, stdout %q, stderr %q", name, code, stdout, stderr)
	}
	if !strings.HasPrefix(lines[0], "retinaio") || !strings.Contains(lines[0], want) {
		t.Errorf("%s: first line %q should start with 'retinaio' and mention %q", name, lines[0], want)
	}
	if !strings.Contains(lines[1], "--help") {
		t.Errorf("%s: second line %q should point to --help", name, lines[1])
	}
	if strings.Contains(stderr, "Examples:") || strings.Contains(stderr, "Flags:") {
		t.Errorf("%s: usage error dumps the help: %q", name, stderr)
	}
}

// TestCLIContract enforces README's command-line contract on every
// subcommand: help on stdout with exit 0 and examples, one-line usage errors
// with exit 2 for a missing argument, an unknown flag and a bad value, and
// data errors with exit 1 naming the file once.
func TestCLIContract(t *testing.T) {
	dir := t.TempDir()
	cases := contractCases(dir)
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.cmd] = true
	}
	var names []string
	for n := range commands {
		names = append(names, n)
		if !covered[n] {
			t.Errorf("command %q has no contract case", n)
		}
	}
	sort.Strings(names)
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.cmd, func(t *testing.T) {
			if commands[tc.cmd] == nil {
				t.Fatalf("no command %q", tc.cmd)
			}
			var helps []string
			for _, args := range [][]string{{tc.cmd, "--help"}, {tc.cmd, "-h"}, {"help", tc.cmd}} {
				code, out, errs := runCLI(ctx, args...)
				if code != exitOK || errs != "" {
					t.Errorf("%v: exit %d, stderr %q; want exit 0 and nothing on stderr", args, code, errs)
				}
				if !strings.HasPrefix(out, "retinaio "+tc.cmd) || !strings.Contains(out, "\nExamples:\n  retinaio") {
					t.Errorf("%v: help should start with the synopsis and have an Examples section:\n%s", args, out)
				}
				if strings.Contains(out, "    \t\n") {
					t.Errorf("%v: a flag without description in the help:\n%s", args, out)
				}
				helps = append(helps, out)
			}
			if helps[0] != helps[1] || helps[0] != helps[2] {
				t.Errorf("--help, -h and 'help %s' differ", tc.cmd)
			}

			missing := tc.missing
			want := "unexpected argument"
			if missing == nil {
				missing, want = []string{tc.cmd}, "missing"
			}
			code, out, errs := runCLI(ctx, missing...)
			checkUsageError(t, "missing/extra argument", code, out, errs, want)

			code, out, errs = runCLI(ctx, tc.cmd, "--no-such-flag")
			checkUsageError(t, "unknown flag", code, out, errs, "unknown flag --no-such-flag")

			code, out, errs = runCLI(ctx, tc.badValue...)
			checkUsageError(t, "bad value", code, out, errs, tc.badFlag)

			if tc.dataErr != nil {
				code, out, errs = runCLI(ctx, tc.dataErr...)
				if code != exitData || out != "" {
					t.Errorf("data error %v: exit %d, stdout %q, stderr %q; want exit 1 and empty stdout", tc.dataErr, code, out, errs)
				}
				if n := strings.Count(errs, tc.dataFile); n != 1 {
					t.Errorf("data error %v: stderr names %s %d times, want once: %q", tc.dataErr, tc.dataFile, n, errs)
				}
				if !strings.HasPrefix(errs, "retinaio "+tc.cmd+": ") {
					t.Errorf("data error %v: stderr should start with 'retinaio %s: ': %q", tc.dataErr, tc.cmd, errs)
				}
			}
		})
	}
}

// TestCLITopLevel: the top-level help, unknown commands and no command.
func TestCLITopLevel(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, out, errs := runCLI(ctx, args...)
		if code != 0 || errs != "" || !strings.Contains(out, "Commands:") || !strings.Contains(out, "Examples:") {
			t.Errorf("%v: exit %d, stderr %q, stdout %q", args, code, errs, out)
		}
	}
	code, out, errs := runCLI(ctx)
	checkUsageError(t, "no command", code, out, errs, "missing command")
	code, out, errs = runCLI(ctx, "frobnicate")
	checkUsageError(t, "unknown command", code, out, errs, `unknown command "frobnicate"`)
	code, out, errs = runCLI(ctx, "help", "frobnicate")
	checkUsageError(t, "help unknown command", code, out, errs, `unknown command "frobnicate"`)
}

// TestCLIInterrupt: a run whose context is cancelled (SIGINT) exits 130.
func TestCLIInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"synth", filepath.Join(dir, "s"), "--profile", "tiny"},
		{"demo", filepath.Join(dir, "d"), "--profile", "tiny"},
	} {
		code, _, errs := runCLI(ctx, args...)
		if code != exitInterrupt || !strings.Contains(errs, "interrupted") {
			t.Errorf("%v with a cancelled context: exit %d, stderr %q; want 130 and 'interrupted'", args, code, errs)
		}
	}
}

// TestCLIFlagsConsistent: a flag name means the same type in every command,
// and --seed is a uint64 wherever it exists.
func TestCLIFlagsConsistent(t *testing.T) {
	types := map[string]map[string][]string{} // flag -> type -> commands
	for name, c := range commands {
		err := c.run(context.Background(), []string{"--help"}, io.Discard, io.Discard)
		var h *helpRequest
		if !errors.As(err, &h) {
			t.Fatalf("%s --help: %v", name, err)
		}
		h.fs.VisitAll(func(f *flag.Flag) {
			typ := fmt.Sprintf("%T", f.Value)
			if typ == "*main.repeatedPaths" { // a repeatable string flag
				typ = "*flag.stringValue"
			}
			if types[f.Name] == nil {
				types[f.Name] = map[string][]string{}
			}
			types[f.Name][typ] = append(types[f.Name][typ], name)
			if f.Name == "seed" && typ != "*flag.uint64Value" {
				t.Errorf("%s --seed is %s, want uint64", name, typ)
			}
		})
	}
	// Known exception: prepare --split (bool: also cut the clips) and
	// render --split test|train|val (which movie); both names are the
	// documented ones (issue 14 asks for 'render --split val').
	delete(types, "split")
	for fl, byType := range types {
		if len(byType) > 1 {
			t.Errorf("--%s has different types: %v", fl, byType)
		}
	}
}

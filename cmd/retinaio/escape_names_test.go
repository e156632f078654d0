package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/internal/safetext"
	"github.com/retinaio/retinaio/synth"
)

// rawControl returns the first control byte other than newline, tab and
// carriage return in b (-1 if none).
func rawControl(b []byte) int {
	for _, c := range b {
		if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f {
			return int(c)
		}
	}
	return -1
}

// TestHostileSessionNamesEscaped: session folders named with terminal
// control sequences (ESC, BEL: clear the screen, set the title) go through
// prepare and inspect, text and JSON, successes and failures, and no raw
// control byte reaches stdout or stderr (names are escaped with
// internal/safetext; they used to be printed raw).
func TestHostileSessionNamesEscaped(t *testing.T) {
	root := filepath.Join(t.TempDir(), "data")
	if _, err := synth.Write(context.Background(), root, synth.Options{Profile: synth.Profiles["tiny"], Sessions: 2, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(root)
	hostile := []string{"20990101_mouse_\x1b[2J\x1b[H\x1b]0;owned\a_ok", "20990102_mouse_\x1b[31mred\a\u202e_bad"}
	for i, e := range ents[:2] {
		if err := os.Rename(filepath.Join(root, e.Name()), filepath.Join(root, hostile[i])); err != nil {
			t.Skip("file system refuses the name:", err)
		}
	}
	// The second one fails: its stimulus file is not a .mat.
	os.WriteFile(filepath.Join(root, hostile[1], "fixationmovie_data.mat"), []byte("\x1b]0;pwned\a not hdf5"), 0o644)
	cache := t.TempDir()
	t.Setenv("RETINAIO_CACHE", cache)
	out := filepath.Join(t.TempDir(), "out")
	for _, args := range [][]string{
		{"prepare", root, "--out", out},
		{"prepare", root, "--out", out, "--json"},
		{"inspect", root},
		{"inspect", root, "--json"},
		{"inspect", filepath.Join(root, hostile[1])},
	} {
		var stdout, stderr bytes.Buffer
		code := runMain(context.Background(), args, &stdout, &stderr)
		if stdout.Len()+stderr.Len() == 0 {
			t.Errorf("%q: no output (exit %d)", args, code)
		}
		if c := rawControl(stdout.Bytes()); c >= 0 {
			t.Errorf("%q: raw control byte %#x in stdout:\n%q", args, c, stdout.String())
		}
		if c := rawControl(stderr.Bytes()); c >= 0 {
			t.Errorf("%q: raw control byte %#x in stderr:\n%q", args, c, stderr.String())
		}
		if bytes.Contains(stdout.Bytes(), []byte("\u202e")) || bytes.Contains(stderr.Bytes(), []byte("\u202e")) {
			t.Errorf("%q: raw U+202E printed", args)
		}
	}
}

// TestUsageErrorsEscaped: a command-line mistake echoes the offending
// argument (an unknown flag's name, a path in a usage message); one typed
// with a terminal escape is printed escaped, not raw.
func TestUsageErrorsEscaped(t *testing.T) {
	evil := "x\x1b]0;owned\a\x1b[2J"
	same := filepath.Join(t.TempDir(), evil+".npz")
	if err := os.WriteFile(same, nil, 0o644); err != nil {
		t.Skip("file system refuses the name:", err)
	}
	for _, args := range [][]string{
		{"ls", "--" + evil},
		{"ls", "---" + evil},
		{"split", same, "--out", same}, // --out ... is the input file
	} {
		var stdout, stderr bytes.Buffer
		if code := runMain(context.Background(), args, &stdout, &stderr); code != exitUsage {
			t.Errorf("%q: exit %d, want %d: %q", args, code, exitUsage, stderr.String())
		}
		if c := rawControl(stderr.Bytes()); c >= 0 {
			t.Errorf("%q: raw control byte %#x in stderr: %q", args, c, stderr.String())
		}
		if !bytes.Contains(stderr.Bytes(), []byte(`\x1b]0;owned\a`)) {
			t.Errorf("%q: the argument is not shown escaped: %q", args, stderr.String())
		}
	}
}

// TestLsFilterNamesEscaped: ls's FILTERS column shows the name a file
// stores for a filter without a known name (bzip2, 307); a stored name
// holding a terminal escape is printed escaped, not raw.
func TestLsFilterNamesEscaped(t *testing.T) {
	b, err := os.ReadFile("../../hdf5/testdata/filters/filters.h5")
	if err != nil {
		t.Fatal(err)
	}
	// The stored names of filters 307 and 32004 start with "http://"; the
	// same number of bytes keeps the file valid.
	evil := "\x1b[2J\x1b[H"
	if n := bytes.Count(b, []byte("http://")); n == 0 {
		t.Fatal(`no "http://" filter name in filters.h5`)
	}
	b = bytes.ReplaceAll(b, []byte("http://"), []byte(evil))
	p := filepath.Join(t.TempDir(), "filters.h5")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run("ls", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if c := rawControl([]byte(stdout)); c >= 0 {
		t.Errorf("raw control byte %#x in stdout", c)
	}
	if !strings.Contains(stdout, `\x1b[2j\x1b[h`) { // ls lower-cases filter names
		t.Errorf("the filter name is not shown escaped: %q", stdout)
	}
}

// TestCommandLinePathsEscaped: paths typed on the command line and echoed
// back in the report lines (split's input and output, synth's sessions,
// merge-manifest's output, view's "preparing ... of PATH" and its warning
// about --addr) are printed escaped when they hold a terminal escape.
func TestCommandLinePathsEscaped(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesises and prepares a session")
	}
	dir := filepath.Join(t.TempDir(), "x\x1b]0;owned\a")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skip("file system refuses the name:", err)
	}
	t.Setenv("RETINAIO_CACHE", t.TempDir())
	raw, err := os.ReadFile("../../clips/testdata/session_tail.npz")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "session.npz"), raw, 0o644)
	check := func(args []string, stdout, stderr []byte) {
		t.Helper()
		for _, b := range [][]byte{stdout, stderr} {
			if c := rawControl(b); c >= 0 {
				t.Errorf("%q: raw control byte %#x in %q", args, c, b)
			}
		}
		if !bytes.Contains(append(stdout, stderr...), []byte(`\x1b]0;owned\a`)) {
			t.Errorf("%q: the path is not shown escaped: %q %q", args, stdout, stderr)
		}
	}
	data := filepath.Join(dir, "data")
	man := filepath.Join(dir, "out", "manifest.json")
	for _, args := range [][]string{
		{"split", filepath.Join(dir, "session.npz"), "--out", filepath.Join(dir, "split.npz"), "--val-clips", "5"},
		{"synth", data, "--profile", "tiny"},
		{"prepare", data, "--out", filepath.Join(dir, "out"), "--no-cache"},
		{"merge-manifest", filepath.Join(dir, "merged.json"), man},
	} {
		var stdout, stderr bytes.Buffer
		if code := runMain(context.Background(), args, &stdout, &stderr); code != 0 {
			t.Fatalf("%q: exit %d: %q", args, code, stderr.String())
		}
		check(args, stdout.Bytes(), stderr.Bytes())
	}
	var stderr bytes.Buffer
	if err := prepareForView(context.Background(), data, filepath.Join(t.TempDir(), "view"), rawSessions(data), &stderr); err != nil {
		t.Fatal(err)
	}
	check([]string{"view", data}, nil, stderr.Bytes())
	// a session that fails: "see OUT/manifest.json" (OUT is in the cache,
	// $RETINAIO_CACHE)
	bad := filepath.Join(t.TempDir(), "20990102_mouse_bad")
	os.Mkdir(bad, 0o755)
	os.WriteFile(filepath.Join(bad, "fixationmovie_data.mat"), []byte("not hdf5"), 0o644)
	stderr.Reset()
	if err := prepareForView(context.Background(), bad, filepath.Join(dir, "view"), rawSessions(bad), &stderr); err != nil {
		t.Fatal(err)
	}
	if c := rawControl(stderr.Bytes()); c >= 0 || !strings.Contains(stderr.String(), "failed to prepare (see "+safetext.Escape(filepath.Join(dir, "view", "manifest.json"))) {
		t.Errorf("view of a failing session: raw control byte %#x or OUT not escaped in %q", c, stderr.Bytes())
	}
	// view's warning about a non-loopback --addr names it
	args := []string{"view", t.TempDir(), "--addr", "x\x1bc\a:0", "--allow-remote"} // ESC c: reset
	stderr.Reset()
	runMain(context.Background(), args, io.Discard, &stderr)
	if c := rawControl(stderr.Bytes()); c >= 0 || !bytes.Contains(stderr.Bytes(), []byte(`WARNING: serving on x\x1bc\a:0`)) {
		t.Errorf("%q: raw control byte %#x or the address not shown escaped in %q", args, c, stderr.Bytes())
	}
}

// TestDemoNamesEscaped: demo echoes its DIR and summarises every session
// it finds in DIR/sessions; a DIR and a session folder named with terminal
// escapes (the session failing) are printed escaped.
func TestDemoNamesEscaped(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesises and prepares a session")
	}
	dir := filepath.Join(t.TempDir(), "demo\x1b]0;owned\a")
	bad := filepath.Join(dir, "sessions", "20990102_mouse_\x1b[31mred\a_bad")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Skip("file system refuses the name:", err)
	}
	os.WriteFile(filepath.Join(bad, "fixationmovie_data.mat"), []byte("not hdf5"), 0o644)
	t.Setenv("RETINAIO_CACHE", t.TempDir())
	var stdout, stderr bytes.Buffer
	code := runMain(context.Background(), []string{"demo", dir, "--profile", "tiny"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stdout.String(), "FAILED") && !strings.Contains(stdout.String(), "failed") {
		t.Fatalf("exit %d (want 1: one session fails): %q %q", code, stdout.String(), stderr.String())
	}
	for _, b := range [][]byte{stdout.Bytes(), stderr.Bytes()} {
		if c := rawControl(b); c >= 0 {
			t.Errorf("raw control byte %#x in %q", c, b)
		}
	}
	for _, want := range []string{`demo\x1b]0;owned\a`, `\x1b[31mred\a_bad`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %s: %q", want, stdout.String())
		}
	}
	// a second run reuses the session and says where it is
	stderr.Reset()
	runMain(context.Background(), []string{"demo", dir, "--profile", "tiny"}, io.Discard, &stderr)
	if c := rawControl(stderr.Bytes()); c >= 0 || !strings.Contains(stderr.String(), "Reusing") {
		t.Errorf("second run: raw control byte %#x or no Reusing line in %q", c, stderr.String())
	}
}

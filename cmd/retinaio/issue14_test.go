package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/prepared"
	"github.com/retinaio/retinaio/synth"
)

// tinySessions writes one tiny synthetic session below dir/data and returns
// the data root and the session folder.
func tinySessions(t *testing.T, dir string) (root, session string) {
	t.Helper()
	root = filepath.Join(dir, "data")
	paths, err := synth.Write(context.Background(), root, synth.Options{Profile: synth.Profiles["tiny"], Sessions: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return root, paths[0]
}

// A relative ROOT is recorded as an absolute path, so that 'view OUT' finds
// the source images from any working folder.
func TestPrepareRelativeRootRecordsAbsoluteSource(t *testing.T) {
	dir := t.TempDir()
	tinySessions(t, dir)
	t.Chdir(dir)
	code, _, errs := runCLI(context.Background(), "prepare", "data", "--out", "prep", "--no-checksums")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	m, err := prepared.ReadManifest(filepath.Join(dir, "prep", prepared.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(m.Root) {
		t.Errorf("manifest root %q is relative", m.Root)
	}
	for _, s := range m.Sessions {
		if !filepath.IsAbs(s.Source) || !filepath.IsAbs(s.StimulusSource) {
			t.Errorf("session %s: source %q, stimulus source %q: want absolute paths", s.Name, s.Source, s.StimulusSource)
		}
		t.Chdir(t.TempDir()) // elsewhere, the recorded source still exists
		if _, err := os.Stat(s.Source); err != nil {
			t.Errorf("recorded source not found from another folder: %v", err)
		}
	}
	// view's lookup of the source images, from another folder.
	if src := manifestSources(filepath.Join(dir, "prep")); len(src) != 1 {
		t.Errorf("view finds %d source .mat files from another folder, want 1: %v", len(src), src)
	}
}

// prepare --split on a session too short for the default split names the
// flags that fix it (the split command's advice), once.
func TestPrepareSplitTooFewClipsAdvice(t *testing.T) {
	dir := t.TempDir()
	root, _ := tinySessions(t, dir)
	code, out, errs := runCLI(context.Background(), "prepare", root, "--out", filepath.Join(dir, "p"), "--split", "--no-checksums")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errs)
	}
	if !strings.Contains(out, "FAILED") || !strings.Contains(out, "--val-clips 20 needs at least 21 clips") || !strings.Contains(out, "--clip-length 3 or shorter") {
		t.Errorf("summary lacks the flag-named advice:\n%s", out)
	}
	if strings.Contains(out, "validation clips of") || strings.Count(out, "use ") != 1 {
		t.Errorf("advice given in the library's words or twice:\n%s", out)
	}
}

// inspect exits 1 when a session's .mat file cannot be read (truncated,
// MATLAB v5, random bytes), still listing the session, and names the file
// once.
func TestInspectUnreadableMatExits1(t *testing.T) {
	dir := t.TempDir()
	_, sess := tinySessions(t, dir)
	good, err := os.ReadFile(filepath.Join(sess, karamanlis.DataFileName(karamanlis.FixationMovie)))
	if err != nil {
		t.Fatal(err)
	}
	v5 := make([]byte, 256)
	copy(v5, "MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024")
	for i := 76; i < 116; i++ {
		v5[i] = ' '
	}
	v5[124], v5[125], v5[126], v5[127] = 0x00, 0x01, 'I', 'M'
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*131 + i*i*7)
	}
	for name, data := range map[string][]byte{"truncated": good[:len(good)/3], "v5": v5, "random": random} {
		t.Run(name, func(t *testing.T) {
			s := filepath.Join(dir, name, "20200101_mouse_"+name)
			if err := os.MkdirAll(s, 0o755); err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(s, karamanlis.DataFileName(karamanlis.FixationMovie))
			if err := os.WriteFile(f, data, 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errs := runCLI(context.Background(), "inspect", filepath.Join(dir, name))
			if code != 1 {
				t.Errorf("exit %d, want 1; stderr %q", code, errs)
			}
			if !strings.Contains(out, "20200101_mouse_"+name) || strings.Count(out, f) != 1 {
				t.Errorf("stdout should list the session and name %s once:\n%s", f, out)
			}
		})
	}
}

// --species takes the dataset's species only, in prepare as in fetch.
func TestPrepareRefusesUnknownSpecies(t *testing.T) {
	code, out, errs := runCLI(context.Background(), "prepare", t.TempDir(), "--species", "rat")
	checkUsageError(t, "prepare --species rat", code, out, errs, `--species "rat": use mouse or marmoset`)
}

// A session folder whose name has no species word is reported with a hint;
// when it is the only one, the error says why nothing was found.
func TestSessionWithoutSpeciesWordHint(t *testing.T) {
	dir := t.TempDir()
	root, sess := tinySessions(t, dir)
	if err := os.Rename(sess, filepath.Join(root, "session_without_word")); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(context.Background(), "prepare", root, "--out", filepath.Join(dir, "p"), "--no-checksums")
	if code != 1 || !strings.Contains(errs, "session_without_word") || !strings.Contains(errs, "species") {
		t.Errorf("only a session without the species word: exit %d, stderr %q", code, errs)
	}
	// Beside a proper session, it is a note on stderr.
	if _, err := synth.Write(context.Background(), root, synth.Options{Profile: synth.Profiles["tiny"], Sessions: 1, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(context.Background(), "prepare", root, "--out", filepath.Join(dir, "q"), "--no-checksums")
	if code != 0 || !strings.Contains(errs, "note: 1 session(s) in ") || !strings.Contains(errs, "session_without_word") || strings.Contains(out, "session_without_word") {
		t.Errorf("with a proper session: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// A run that prepares nothing because every session was skipped exits 1.
func TestPrepareAllSkippedExits1(t *testing.T) {
	dir := t.TempDir()
	root, _ := tinySessions(t, dir)
	code, _, errs := runCLI(context.Background(), "prepare", root, "--out", filepath.Join(dir, "p"), "--stim", "gratingflicker", "--no-checksums")
	if code != 1 || !strings.Contains(errs, "nothing was prepared: all 1 session(s) were skipped") || !strings.Contains(errs, "--stim") {
		t.Errorf("all skipped: exit %d, stderr %q", code, errs)
	}
}

// An --out that cannot be written is reported before any session is read.
func TestPrepareUnwritableOutBeforeWork(t *testing.T) {
	dir := t.TempDir()
	root, sess := tinySessions(t, dir)
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	outs := []string{filepath.Join(file, "out")}
	if os.Geteuid() != 0 { // root writes into read-only folders
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, ro)
	}
	for _, out := range outs {
		code, stdout, errs := runCLI(context.Background(), "prepare", root, "--out", out, "--no-checksums")
		if code != 1 || stdout != "" || !strings.Contains(errs, "--out "+out) || !strings.Contains(errs, "writable") {
			t.Errorf("--out %s: exit %d, stdout %q, stderr %q", out, code, stdout, errs)
		}
		// No work was done: no stimulus cache beside the .mat.
		if caches, _ := filepath.Glob(filepath.Join(sess, "*extracted_stimuli*")); len(caches) > 0 {
			t.Errorf("--out %s: a cache was written before the output check: %v", out, caches)
		}
	}
}

// A corrupt session zip fails that session, names the zip once and leaves
// no folder behind in the cache.
func TestCorruptZipLeavesNoFolder(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "zips")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	zip := filepath.Join(root, "20200101_mouse_bad.zip")
	if err := os.WriteFile(zip, append([]byte("PK\x03\x04"), make([]byte, 500)...), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, "cache")
	code, out, errs := runCLI(context.Background(), "prepare", root, "--out", filepath.Join(dir, "p"), "--cache-dir", cache, "--no-checksums")
	if code != 1 || strings.Count(out, zip) != 1 {
		t.Errorf("exit %d; the summary should name %s once:\n%s\n%s", code, zip, out, errs)
	}
	entries, _ := os.ReadDir(filepath.Join(cache, "unpacked"))
	if len(entries) != 0 {
		t.Errorf("the cache keeps %d entries after a corrupt zip", len(entries))
	}
}

// synth and merge-manifest print JSON with --json.
func TestSynthAndMergeManifestJSON(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	code, out, errs := runCLI(ctx, "synth", filepath.Join(dir, "data"), "--profile", "tiny", "--json")
	var sj struct {
		Profile  string   `json:"profile"`
		Sessions []string `json:"sessions"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &sj) != nil || sj.Profile != "tiny" || len(sj.Sessions) != 1 {
		t.Fatalf("synth --json: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, _, errs = runCLI(ctx, "prepare", filepath.Join(dir, "data"), "--out", filepath.Join(dir, "p"), "--no-checksums"); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs = runCLI(ctx, "merge-manifest", "--json", filepath.Join(dir, "all.json"), filepath.Join(dir, "p", prepared.ManifestName))
	var mj struct {
		Sessions int      `json:"sessions"`
		OK       int      `json:"ok"`
		Warnings []string `json:"warnings"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &mj) != nil || mj.Sessions != 1 || mj.OK != 1 || mj.Warnings == nil {
		t.Errorf("merge-manifest --json: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// README's SLURM block is docs/slurm/prepare-array.sbatch, byte for byte.
func TestReadmeSlurmBlockIsTheScript(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("../../docs/slurm/prepare-array.sbatch")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```bash\n"+string(script)+"```\n") {
		t.Errorf("README's SLURM block differs from docs/slurm/prepare-array.sbatch:\n%s", script)
	}
}

// demo --json prints the manifest on stdout (status lines stay on stderr).
func TestDemoJSON(t *testing.T) {
	code, out, errs := runCLI(context.Background(), "demo", filepath.Join(t.TempDir(), "d"), "--profile", "tiny", "--json")
	var m prepared.Manifest
	if code != 0 || json.Unmarshal([]byte(out), &m) != nil || m.OK != 1 {
		t.Fatalf("demo --json: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if !strings.Contains(errs, "Synthesising") || !strings.Contains(errs, "Preparing") {
		t.Errorf("status lines not on stderr: %q", errs)
	}
}

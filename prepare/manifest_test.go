package prepare

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/prepared"
	"github.com/retinaio/retinaio/synth"
)

// twoSessions writes two tiny synthetic sessions under dir/data.
func twoSessions(t *testing.T, dir string) []karamanlis.Session {
	t.Helper()
	if _, err := synth.Write(context.Background(), filepath.Join(dir, "data"), synth.Options{Profile: synth.Profiles["tiny"], Sessions: 2, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	ss, err := karamanlis.FindSessions(filepath.Join(dir, "data"), karamanlis.Mouse)
	if err != nil || len(ss) != 2 {
		t.Fatalf("%v %v", ss, err)
	}
	return ss
}

// checkAgrees fails unless the manifest lists exactly the .npz files of
// out, each ok entry with its own settings.
func checkAgrees(t *testing.T, out string) *prepared.Manifest {
	t.Helper()
	man, err := prepared.ReadManifest(filepath.Join(out, prepared.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.npz"))
	have := map[string]bool{}
	for _, f := range files {
		have[strings.TrimSuffix(filepath.Base(f), ".npz")] = true
	}
	listed := map[string]bool{}
	for _, e := range man.Sessions {
		if e.Status == prepared.StatusOK || e.Status == prepared.StatusUnrecorded {
			listed[e.Name] = true
			if !have[e.Name] {
				t.Errorf("manifest lists %s (%s) but the file is not there", e.Name, e.Status)
			}
			if e.Status == prepared.StatusOK && e.Settings == nil {
				t.Errorf("%s has no settings of its own", e.Name)
			}
		}
	}
	for n := range have {
		if !listed[n] {
			t.Errorf("%s.npz is in the folder but not in the manifest", n)
		}
	}
	return man
}

// TestManifestMergedPerSession: a rerun on a subset with other settings
// keeps the other sessions' entries (it used to replace the manifest with
// the subset), each entry with the settings its file was made with.
func TestManifestMergedPerSession(t *testing.T) {
	dir := t.TempDir()
	ss := twoSessions(t, dir)
	so := karamanlis.DefaultStimulusOptions()
	so.CacheDir, so.DisableCache = filepath.Join(dir, "cache"), true
	out := filepath.Join(dir, "out")
	ctx := context.Background()
	if man, err := Run(ctx, filepath.Join(dir, "data"), Options{Stimulus: so, OutDir: out, ToolVersion: "test"}); err != nil || man.OK != 2 {
		t.Fatalf("%v %+v", err, man)
	}
	so2 := so
	so2.Normalize = !so.Normalize
	if man, err := Run(ctx, filepath.Join(dir, "data"), Options{Stimulus: so2, OutDir: out, ToolVersion: "test", Sessions: ss[:1]}); err != nil || man.OK != 1 {
		t.Fatalf("%v %+v", err, man)
	}
	man := checkAgrees(t, out)
	if len(man.Sessions) != 2 || man.OK != 2 {
		t.Fatalf("after a rerun on one session the manifest has %d entries (%d ok), want 2", len(man.Sessions), man.OK)
	}
	for _, e := range man.Sessions {
		want := e.Name != ss[0].Name // the untouched session keeps the first settings
		if e.Settings == nil || e.Settings.Normalize != (want == so.Normalize) {
			t.Errorf("%s: settings %+v, want normalize %v", e.Name, e.Settings, want == so.Normalize)
		}
	}
	// A file written by a killed run but not recorded, and a recorded file
	// since removed: the next merge lists the one and drops the other.
	os.Remove(filepath.Join(out, ss[1].Name+".npz"))
	os.WriteFile(filepath.Join(out, "stray.npz"), []byte("x"), 0o644)
	if man, err := Run(ctx, filepath.Join(dir, "data"), Options{Stimulus: so, OutDir: out, ToolVersion: "test", Sessions: ss[:1]}); err != nil || man.OK != 1 {
		t.Fatalf("%v %+v", err, man)
	}
	man = checkAgrees(t, out)
	if len(man.Sessions) != 2 {
		t.Errorf("entries %+v", man.Sessions)
	}
}

// TestManifestAfterKill: a run killed (SIGKILL) in the middle of the second
// session, or between a session's file and its entry, leaves a manifest
// that agrees with the folder (or, in the second case, that the next run
// puts right), and no temporary files after the rerun.
func TestManifestAfterKill(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	if d := os.Getenv("RETINAIO_PREPARE_KILL_CHILD"); d != "" {
		point := os.Getenv("RETINAIO_PREPARE_KILL_AT")
		so := karamanlis.DefaultStimulusOptions()
		so.CacheDir, so.DisableCache = filepath.Join(d, "cache"), true
		n := 0
		die := func() { p, _ := os.FindProcess(os.Getpid()); p.Kill() }
		if point == "record" {
			beforeRecord = func(string) { die() }
		}
		opt := Options{Stimulus: so, OutDir: filepath.Join(d, "out"), ToolVersion: "test",
			Progress: func(s string, done, total int) {
				if point == "second" && n == 1 && done > total/2 {
					die()
				}
			},
			Info: func(string, string) {}}
		beforeRecord2 := beforeRecord
		beforeRecord = func(name string) {
			n++
			if beforeRecord2 != nil && n == 2 {
				beforeRecord2(name)
			}
		}
		Run(context.Background(), filepath.Join(d, "data"), opt)
		os.Exit(0)
	}
	for _, point := range []string{"second", "record"} {
		t.Run(point, func(t *testing.T) {
			dir := t.TempDir()
			twoSessions(t, dir)
			cmd := exec.Command(os.Args[0], "-test.run=^TestManifestAfterKill$")
			cmd.Env = append(os.Environ(), "RETINAIO_PREPARE_KILL_CHILD="+dir, "RETINAIO_PREPARE_KILL_AT="+point)
			out, err := cmd.CombinedOutput()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); err == nil || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child was not killed by SIGKILL at %s (%v): %s", point, err, out)
			}
			o := filepath.Join(dir, "out")
			if point == "record" {
				// killed after the second file was written, before its entry
				man, err := prepared.ReadManifest(filepath.Join(o, prepared.ManifestName))
				if err != nil {
					t.Fatal(err)
				}
				if man.OK != 1 {
					t.Errorf("killed before the second entry: %d ok, want 1", man.OK)
				}
				if npzs, _ := filepath.Glob(filepath.Join(o, "*.npz")); len(npzs) != 2 {
					t.Errorf("killed before the second entry: %d .npz files, want 2 (the second written)", len(npzs))
				}
			}
			if point == "second" {
				man := checkAgrees(t, o)
				if man.OK != 1 {
					t.Errorf("after a kill in the second session: %d ok, want the first recorded", man.OK)
				}
			}
			so := karamanlis.DefaultStimulusOptions()
			so.CacheDir, so.DisableCache = filepath.Join(dir, "cache"), true
			ss, _ := karamanlis.FindSessions(filepath.Join(dir, "data"), karamanlis.Mouse)
			if _, err := Run(context.Background(), filepath.Join(dir, "data"), Options{Stimulus: so, OutDir: o, ToolVersion: "test", Sessions: ss[:1]}); err != nil {
				t.Fatal(err)
			}
			checkAgrees(t, o)
		})
	}
}

// TestOutTempsCleaned: the .npz and manifest temporaries a killed run left
// in --out (200 MB each for a mouse session) are removed by the next run;
// a live process's are kept.
func TestOutTempsCleaned(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("pid liveness is Unix-only")
	}
	dir := t.TempDir()
	ss := twoSessions(t, dir)
	out := filepath.Join(dir, "out")
	os.MkdirAll(out, 0o755)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := strconv.Itoa(cmd.Process.Pid)
	old := time.Now().Add(-time.Hour)
	mk := func(name string) string {
		p := filepath.Join(out, name)
		os.WriteFile(p, make([]byte, 100), 0o644)
		os.Chtimes(p, old, old)
		return p
	}
	gone := []string{mk(".other_session.npz.tmp-" + dead + "-1"), mk("." + prepared.ManifestName + ".tmp-" + dead + "-2")}
	live := mk(".other_session.npz.tmp-1-3") // pid 1 is alive
	so := karamanlis.DefaultStimulusOptions()
	so.CacheDir, so.DisableCache = filepath.Join(dir, "cache"), true
	if _, err := Run(context.Background(), filepath.Join(dir, "data"), Options{Stimulus: so, OutDir: out, ToolVersion: "test", Sessions: ss[:1]}); err != nil {
		t.Fatal(err)
	}
	for _, p := range gone {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("stale temporary %s not removed", filepath.Base(p))
		}
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live process's temporary was removed")
	}
}

// TestUnreadableManifestKept: a manifest that cannot be read is neither
// replaced nor rebuilt (its entries would be lost); the run says what to do.
func TestUnreadableManifestKept(t *testing.T) {
	out := t.TempDir()
	path := filepath.Join(out, prepared.ManifestName)
	garbage := []byte(`{"sessions": [ not json`)
	if err := os.WriteFile(path, garbage, 0o644); err != nil {
		t.Fatal(err)
	}
	err := MergeManifest(context.Background(), out, &prepared.Manifest{}, []prepared.SessionResult{{Name: "s", Status: prepared.StatusFailed}})
	if err == nil || !strings.Contains(err.Error(), "move it aside") {
		t.Fatalf("err = %v, want a refusal that says what to do", err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, garbage) {
		t.Fatalf("the unreadable manifest was changed: %q", b)
	}
}

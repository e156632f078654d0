package prepare

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/retinaio/retinaio/internal/testutil"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/npy"
	"github.com/retinaio/retinaio/prepared"
	"github.com/retinaio/retinaio/synth"
)

// TestRunWritesContract prepares a synthetic session and checks the output
// against package prepared's contract: the arrays of SessionKeys and no
// other, their dtypes, the shapes recorded in the manifest, and the
// manifest itself (read back with prepared.ReadManifest).
func TestRunWritesContract(t *testing.T) {
	dir := t.TempDir()
	p := synth.Profiles["tiny"]
	if _, err := synth.Write(context.Background(), filepath.Join(dir, "data"), synth.Options{Profile: p, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	so := karamanlis.DefaultStimulusOptions()
	so.CacheDir, so.DisableCache = filepath.Join(dir, "cache"), true
	out := filepath.Join(dir, "out")
	man, err := Run(context.Background(), filepath.Join(dir, "data"), Options{Stimulus: so, OutDir: out, ToolVersion: "test"})
	if err != nil || man.OK != 1 || man.Failed != 0 {
		t.Fatalf("Run: %v %+v", err, man)
	}
	back, err := prepared.ReadManifest(filepath.Join(out, prepared.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if back.Tool != prepared.Tool || back.Version != "test" || back.Settings.Semantics != "openretina" || back.Settings.Species != "mouse" || len(back.Sessions) != 1 {
		t.Fatalf("manifest %+v", back)
	}
	res := back.Sessions[0]
	z, err := npy.OpenNPZ(res.Output)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if !slices.Equal(z.Names(), prepared.SessionKeys) {
		t.Errorf("arrays %v, want %v", z.Names(), prepared.SessionKeys)
	}
	for _, k := range prepared.SessionKeys {
		h, err := z.Header(k)
		if err != nil {
			t.Fatal(err)
		}
		want := prepared.DescrResponses
		if strings.HasPrefix(k, "stim_") || strings.HasPrefix(k, "norm_") {
			want = prepared.DescrMovie
		}
		if h.Descr != want {
			t.Errorf("%s has dtype %s, want %s", k, h.Descr, want)
		}
		if sh, ok := res.Shapes[k]; ok && !slices.Equal(sh, h.Shape) {
			t.Errorf("%s has shape %v, the manifest says %v", k, h.Shape, sh)
		}
	}
	// tiny: 2 blocks x 40 frames, 30 test frames, 3 trials, 5 cells
	T, Tf := p.Blocks*p.Tr, p.Tf
	for k, want := range map[string][]int{
		prepared.KeyStimTrain: {1, T, 60, 80}, prepared.KeyStimTest: {1, Tf, 60, 80},
		prepared.KeyRespTrain: {p.Cells, T}, prepared.KeyRespTest: {p.Cells, Tf},
		prepared.KeyRespTestByTrial: {p.Trials, p.Cells, Tf},
	} {
		if !slices.Equal(res.Shapes[k], want) {
			t.Errorf("%s: manifest shape %v, want %v", k, res.Shapes[k], want)
		}
	}
}

// TestRunTypedError: a session whose fixation lies off screen fails; the
// result keeps the typed error (for the command line's advice) and its
// message names no command-line flag.
func TestRunTypedError(t *testing.T) {
	dir := t.TempDir()
	sess := filepath.Join(dir, "data", "20990101_x_mouse")
	if err := os.MkdirAll(sess, 0o755); err != nil {
		t.Fatal(err)
	}
	name := karamanlis.DataFileName(karamanlis.FixationMovie)
	testutil.CopyFile(t, filepath.Join("..", "karamanlis", "testdata", "bad", "offscreen", name), filepath.Join(sess, name))
	so := karamanlis.DefaultStimulusOptions()
	so.CacheDir = filepath.Join(dir, "cache")
	man, err := Run(context.Background(), filepath.Join(dir, "data"), Options{Stimulus: so, OutDir: filepath.Join(dir, "out"), NoChecksums: true})
	if err != nil || man.Failed != 1 {
		t.Fatalf("Run: %v %+v", err, man)
	}
	r := man.Sessions[0]
	if r.Status != prepared.StatusFailed || !errors.Is(r.Err, karamanlis.ErrOffScreen) || r.Error != r.Err.Error() {
		t.Fatalf("result %+v: want a failure wrapping ErrOffScreen", r)
	}
	if strings.Contains(r.Error, "--") {
		t.Errorf("library error names a flag: %s", r.Error)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "20990101_x_mouse.npz")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failing session wrote its output: %v", err)
	}
}

// TestUpToDate: a run's output is up to date for its sessions until a
// source changes or a session is missing from the manifest.
func TestUpToDate(t *testing.T) {
	dir := t.TempDir()
	paths, err := synth.Write(context.Background(), filepath.Join(dir, "data"), synth.Options{Profile: synth.Profiles["tiny"], Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := karamanlis.FindSessions(filepath.Join(dir, "data"), karamanlis.Mouse)
	if err != nil || len(sessions) != 1 {
		t.Fatalf("%v %v", err, sessions)
	}
	out := filepath.Join(dir, "out")
	if UpToDate(out, sessions) {
		t.Fatal("up to date before any run")
	}
	so := karamanlis.DefaultStimulusOptions()
	so.CacheDir, so.DisableCache = filepath.Join(dir, "cache"), true
	if _, err := Run(context.Background(), filepath.Join(dir, "data"), Options{Stimulus: so, OutDir: out, NoChecksums: true}); err != nil {
		t.Fatal(err)
	}
	if !UpToDate(out, sessions) {
		t.Fatal("not up to date after the run")
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(paths[0], later, later); err != nil {
		t.Fatal(err)
	}
	if UpToDate(out, sessions) {
		t.Error("up to date although the source changed after the run")
	}
	other := karamanlis.Session{Name: "20990101_other_mouse", Path: paths[0]}
	if UpToDate(out, []karamanlis.Session{other}) {
		t.Error("up to date for a session the manifest does not list")
	}
}

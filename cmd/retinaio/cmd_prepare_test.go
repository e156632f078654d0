package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/internal/hubtest"
	"github.com/retinaio/retinaio/internal/testutil"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/npy"
	"github.com/retinaio/retinaio/prepared"
)

const klGoldenDir = "../../testdata/golden"

var klGoldenSessions = []struct {
	name, species string
	zip           bool
}{
	{"20210203_252MEA_mouse_left_half_dorsal", "mouse", false},
	{"20210803_252MEA_mouse_left_half_dorsal", "mouse", true},
	{"20220208_60MEA_marmoset_right_n1", "marmoset", false},
}

// klGoldenRoot copies the golden sessions into a temporary root.
func klGoldenRoot(t *testing.T) string {
	root := t.TempDir()
	for _, g := range klGoldenSessions {
		n := g.name
		if g.zip {
			n += ".zip"
		}
		testutil.CopyTree(t, filepath.Join(klGoldenDir, "sessions", n), filepath.Join(root, n))
	}
	return root
}

func klReadNPZ(t *testing.T, path string) map[string]*npy.Array {
	t.Helper()
	z, err := npy.OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	out := map[string]*npy.Array{}
	for _, n := range z.Names() {
		a, err := z.Read(n)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = a
	}
	return out
}

// klCOrder returns an array's values as float64 in C order.
func klCOrder(t *testing.T, a *npy.Array) []float64 {
	t.Helper()
	v, err := a.Float64()
	if err != nil {
		t.Fatal(err)
	}
	if !a.Fortran || len(a.Shape) < 2 {
		return v
	}
	out := make([]float64, len(v))
	n := len(a.Shape)
	idx := make([]int, n)
	for c := range out {
		off, s := 0, 1
		for i := 0; i < n; i++ {
			off += idx[i] * s
			s *= a.Shape[i]
		}
		out[c] = v[off]
		for i := n - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < a.Shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return out
}

// TestPrepareGolden runs `retinaio prepare` in-process on the golden
// sessions, both species and both semantics, and compares every output with
// the independent reference (README tolerances: 1e-5 normalised, responses
// exact).
func TestPrepareGolden(t *testing.T) {
	ctx := context.Background()
	for _, sem := range []string{"openretina", "matlab"} {
		for _, sp := range []string{"mouse", "marmoset"} {
			t.Run(sem+"/"+sp, func(t *testing.T) {
				root := klGoldenRoot(t)
				zipPath := filepath.Join(root, klGoldenSessions[1].name+".zip")
				zipSHA := testutil.FileSHA256(t, zipPath)
				out := filepath.Join(t.TempDir(), "out")
				var stdout, stderr bytes.Buffer
				code := runMain(ctx, []string{"prepare", root, "--species", sp, "--semantics", sem, "--out", out,
					"--cache-dir", t.TempDir(), "--json"}, &stdout, &stderr)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr.String())
				}
				var man prepared.Manifest
				if err := json.Unmarshal(stdout.Bytes(), &man); err != nil {
					t.Fatalf("--json output: %v\n%s", err, stdout.String())
				}
				n := 0
				for _, g := range klGoldenSessions {
					if g.species != sp {
						continue
					}
					n++
					klCheckOutput(t, filepath.Join(out, g.name+".npz"), g.name, sem)
					var res *prepared.SessionResult
					for i := range man.Sessions {
						if man.Sessions[i].Name == g.name {
							res = &man.Sessions[i]
						}
					}
					if res == nil || res.Status != prepared.StatusOK {
						t.Fatalf("manifest entry for %s: %+v", g.name, res)
					}
					src := filepath.Join(root, g.name, "fixationmovie_data.mat")
					key := "fixationmovie_data.mat"
					if g.zip {
						src, key = zipPath, g.name+".zip"
					}
					if res.Checksums[key] != testutil.FileSHA256(t, src) {
						t.Errorf("%s: manifest sha256 %v, want %s of %s", g.name, res.Checksums, testutil.FileSHA256(t, src), src)
					}
					if !g.zip && sem == "openretina" {
						// openretina's cache next to the unzipped .mat.
						if _, err := os.Stat(filepath.Join(root, g.name, "fixationmovie_data_extracted_stimuli_60_80.npz")); err != nil {
							t.Errorf("no openretina cache: %v", err)
						}
					}
				}
				if man.OK != n || man.Failed != 0 || len(man.Sessions) != n {
					t.Fatalf("manifest ok %d failed %d sessions %d, want %d", man.OK, man.Failed, len(man.Sessions), n)
				}
				if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
					t.Fatal(err)
				}
				if testutil.FileSHA256(t, zipPath) != zipSHA {
					t.Fatal("zip modified")
				}
			})
		}
	}
}

func klCheckOutput(t *testing.T, path, session, sem string) {
	t.Helper()
	got := klReadNPZ(t, path)
	want := klReadNPZ(t, filepath.Join(klGoldenDir, "expected", session+"__"+sem+".npz"))
	mean := klCOrder(t, want["norm_mean"])[0]
	std := klCOrder(t, want["norm_std"])[0]
	for _, p := range [][2]string{{"stim_train", "train_raw"}, {"stim_test", "test_raw"}} {
		g, w := got[p[0]], want[p[1]]
		if g == nil || g.Descr != "<f4" || !slices.Equal(g.Shape, w.Shape) {
			t.Fatalf("%s: %s missing or wrong: %+v", session, p[0], g)
		}
		gv, wv := klCOrder(t, g), klCOrder(t, w)
		worst := 0.0
		for i := range wv {
			worst = math.Max(worst, math.Abs(gv[i]-(wv[i]-mean)/std))
		}
		if worst > 1e-5 {
			t.Errorf("%s %s: %s differs from the normalised reference by %g", session, sem, p[0], worst)
		}
	}
	for _, k := range []string{"norm_mean", "norm_std"} {
		g, w := klCOrder(t, got[k]), klCOrder(t, want[k])
		if got[k].Descr != "<f4" || len(got[k].Shape) != 0 || math.Abs(g[0]-w[0]) > 1e-5*std {
			t.Errorf("%s: %s = %v (%s %v), want %v", session, k, g, got[k].Descr, got[k].Shape, w)
		}
	}
	for _, k := range []string{"resp_train", "resp_test", "resp_test_by_trial"} {
		g, w := got[k], want[k]
		if g == nil || g.Descr != "<f8" || !slices.Equal(g.Shape, w.Shape) {
			t.Fatalf("%s: %s missing or wrong", session, k)
		}
		gv, wv := klCOrder(t, g), klCOrder(t, w)
		for i := range wv {
			if gv[i] != wv[i] {
				t.Fatalf("%s: %s[%d] = %v, want %v", session, k, i, gv[i], wv[i])
			}
		}
	}
}

// TestPrepareFailureIsolated: a broken session fails alone: it writes
// nothing, the others complete, the exit code is 1 and the manifest and
// stderr say why (file, dataset, frame, value).
func TestPrepareFailureIsolated(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	good := klGoldenSessions[0].name
	testutil.CopyTree(t, filepath.Join(klGoldenDir, "sessions", good), filepath.Join(root, good))
	testutil.CopyTree(t, "../../karamanlis/testdata/bad/zero_index", filepath.Join(root, "20200101_bad_mouse_index"))
	testutil.CopyTree(t, "../../karamanlis/testdata/bad/frames_mismatch", filepath.Join(root, "20200102_bad_mouse_frames"))
	testutil.CopyTree(t, "../../karamanlis/testdata/bad/responses_only", filepath.Join(root, "20200103_mouse_no_movie"))
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	code := runMain(ctx, []string{"prepare", "--out", out, "--cache-dir", t.TempDir(), root}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, good+".npz")); err != nil {
		t.Fatalf("good session not written: %v", err)
	}
	for _, bad := range []string{"20200101_bad_mouse_index", "20200102_bad_mouse_frames", "20200103_mouse_no_movie"} {
		if _, err := os.Stat(filepath.Join(out, bad+".npz")); err == nil {
			t.Errorf("%s written", bad)
		}
		if m, _ := filepath.Glob(filepath.Join(root, bad, "*.npz")); len(m) != 0 {
			t.Errorf("%s: cache written for a failing session: %v", bad, m)
		}
	}
	var man prepared.Manifest
	b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	if man.OK != 1 || man.Failed != 2 || man.Skipped != 1 {
		t.Fatalf("ok %d failed %d skipped %d", man.OK, man.Failed, man.Skipped)
	}
	s := stdout.String()
	for _, w := range []string{"FAILED  20200101_bad_mouse_index", "/runningfixations: block 2, frame 3: image index = 0",
		"2 blocks x 7 frames", "2 blocks x 6 frames", "skipped 20200103_mouse_no_movie", "1 ok, 1 skipped, 2 failed"} {
		if !strings.Contains(s, w) {
			t.Errorf("summary lacks %q:\n%s", w, s)
		}
	}
	if !strings.Contains(stderr.String(), "2 of 4 sessions failed") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// TestPrepareSingleSessionAndFlags: ROOT may be one session; flag errors
// are reported.
func TestPrepareSingleSessionAndFlags(t *testing.T) {
	ctx := context.Background()
	root := klGoldenRoot(t)
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	zip := filepath.Join(root, klGoldenSessions[1].name+".zip")
	code := runMain(ctx, []string{"prepare", zip, "--out", out, "--cache-dir", t.TempDir(), "--no-normalize", "--size", "30x40", "--compress", "--jobs", "2"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got := klReadNPZ(t, filepath.Join(out, klGoldenSessions[1].name+".npz"))
	if !slices.Equal(got["stim_train"].Shape, []int{1, 90, 30, 40}) || got["norm_mean"] != nil {
		t.Fatalf("stim_train %v, norm_mean present %v", got["stim_train"].Shape, got["norm_mean"] != nil)
	}
	for _, args := range [][]string{
		{"prepare"},
		{"prepare", root, "--size", "60"},
		{"prepare", root, "--semantics", "python"},
		{"prepare", root, "--stim", "movie"},
		{"prepare", root, "--fr-norm", "0"},
		{"prepare", filepath.Join(root, "nothing")},
	} {
		stdout.Reset()
		stderr.Reset()
		if code := runMain(ctx, args, &stdout, &stderr); code == 0 {
			t.Errorf("%q: exit 0", args)
		}
	}
}

func TestInspectCommand(t *testing.T) {
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	code := runMain(ctx, []string{"inspect", filepath.Join(klGoldenDir, "sessions"), "--cache-dir", t.TempDir()}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	s := stdout.String()
	for _, w := range []string{"20210803_252MEA_mouse_left_half_dorsal  (zip", "species marmoset, frame rate 85 Hz",
		"runningImages", "(3, 860, 640)", "2 blocks x 40 frames = 80 training frames, 30 test frames",
		"differ on 20 of 80 training and 20 of 30 test frames", "responses: 6 cells, 3 test trials",
		"frozencheckerflicker_data.mat"} {
		if !strings.Contains(s, w) {
			t.Errorf("inspect output lacks %q:\n%s", w, s)
		}
	}
	stdout.Reset()
	code = runMain(ctx, []string{"inspect", "--json", filepath.Join(klGoldenDir, "sessions", klGoldenSessions[0].name)}, &stdout, &stderr)
	var infos []karamanlis.SessionInfo
	if code != 0 || json.Unmarshal(stdout.Bytes(), &infos) != nil || len(infos) != 1 || infos[0].Stimulus.Semantics.TrainDiffer != 20 {
		t.Fatalf("--json: exit %d %s", code, stdout.String())
	}
}

func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesises a session")
	}
	dir := filepath.Join(t.TempDir(), "demo")
	var stdout bytes.Buffer
	code := runMain(context.Background(), []string{"demo", dir, "--profile", "tiny"}, &stdout, io.Discard)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stdout.String())
	}
	s := stdout.String()
	for _, w := range []string{"stim_train (1,80,60,80)", "normalisation: mean", "manifest", "numpy.load"} {
		if !strings.Contains(s, w) {
			t.Errorf("demo output lacks %q:\n%s", w, s)
		}
	}
	// A second run reuses the session and the cache.
	stdout.Reset()
	if code := runMain(context.Background(), []string{"demo", dir, "--profile", "tiny"}, &stdout, io.Discard); code != 0 || !strings.Contains(stdout.String(), "loaded from cache") {
		t.Fatalf("second run: exit %d\n%s", code, stdout.String())
	}
}

// TestPrepareMirrorURL: ROOT may be the Hugging Face mirror's sessions
// folder; the zips are fetched into the cache (here from package hubtest's
// stand-in, via HF_ENDPOINT) and prepared.
func TestPrepareMirrorURL(t *testing.T) {
	s := hubtest.New(t)
	name := klGoldenSessions[1].name
	zipBytes, err := os.ReadFile(filepath.Join(klGoldenDir, "sessions", name+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	s.Add("gollisch_lab/karamanlis_2024/sessions/"+name+".zip", zipBytes)
	s.Add("gollisch_lab/karamanlis_2024/sessions/20220208_60MEA_marmoset_right_n1.zip", []byte("not fetched for mouse"))
	t.Setenv("HF_ENDPOINT", s.URL())
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	cache := t.TempDir()
	t.Setenv("RETINAIO_CACHE", cache)
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	url := "https://huggingface.co/datasets/open-retina/open-retina/tree/main/gollisch_lab/karamanlis_2024/sessions"
	if code := runMain(context.Background(), []string{"prepare", url, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stdout.String(), stderr.String())
	}
	klCheckOutput(t, filepath.Join(out, name+".npz"), name, "openretina")
	// The manifest records where the zip really came from (the stand-in on
	// loopback), not only the official URL the run was given.
	man, err := prepared.ReadManifest(filepath.Join(out, prepared.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if len(man.Sessions) != 1 || !strings.HasPrefix(man.Sessions[0].Origin, s.URL()) {
		t.Errorf("manifest origin %q, want the URL it was downloaded from (%s...)", man.Sessions[0].Origin, s.URL())
	}
}

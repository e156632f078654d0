package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBenchCommandInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesises and prepares a session")
	}
	dir := t.TempDir()
	// --cpuprofile through a link: the link stays, its target gets the profile
	target := filepath.Join(dir, "cpu.pprof")
	prof := filepath.Join(dir, "link.pprof")
	if err := os.Symlink(target, prof); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := runMain(context.Background(), []string{"bench", "--profile", "tiny", "--json", "--tmp", dir,
		"--cpuprofile", prof, "--", "--no-checksums"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Profile string `json:"profile"`
		Mode    string `json:"mode"`
		Frames  int    `json:"frames"`
		Phases  []struct {
			Name string `json:"name"`
		} `json:"phases"`
		PeakRSS int64 `json:"peak_rss_bytes"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	// tiny: 2 blocks x 40 frames + 30 test frames
	if rep.Profile != "tiny" || rep.Mode != "in-process" || rep.Frames != 110 || rep.PeakRSS <= 0 {
		t.Errorf("report %+v", rep)
	}
	for _, p := range rep.Phases {
		if strings.HasPrefix(p.Name, "sha256") {
			t.Errorf("--no-checksums not passed on: %v", rep.Phases)
		}
	}
	if st, err := os.Stat(target); err != nil || st.Size() == 0 {
		t.Errorf("cpu profile: %v", err)
	}
	if st, err := os.Lstat(prof); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("--cpuprofile link replaced: %v %v", st, err)
	}
}

func TestBenchCommandErrors(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runMain(context.Background(), []string{"bench", "--profile", "huge"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "unknown profile") {
		t.Errorf("exit %d %s", code, errb.String())
	}
	if code := runMain(context.Background(), []string{"bench", "a", "b"}, &out, &errb); code != 2 {
		t.Errorf("two paths: exit %d", code)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--runs", "0"}, "--runs 0"},
		{[]string{"bench", "--image-use", "most"}, `--image-use "most"`},
		{[]string{"bench", "--image-use", "all,"}, `--image-use "all,"`},
		{[]string{"bench", "--image-use", "all", t.TempDir()}, "--image-use applies to synthesised sessions"},
	} {
		errb.Reset()
		if code := runMain(context.Background(), c.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", c.args, code, errb.String(), c.want)
		}
	}
	var help bytes.Buffer
	runMain(context.Background(), []string{"bench", "-h"}, &help, &errb)
	for _, w := range []string{"--image-use", "--runs", "first_run_ratio", "--image-use all,third-unused --runs 5", "meets_target"} {
		if !strings.Contains(help.String(), w) {
			t.Errorf("bench -h lacks %q", w)
		}
	}
}

// TestBenchCommandRunsAndImageUses: two image uses with two runs each give
// an array of two reports, each with its runs, first run, summary row and
// the spread over the faster one (hand-computed from the reported medians).
func TestBenchCommandRunsAndImageUses(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesises and prepares sessions")
	}
	dir := t.TempDir()
	prof := filepath.Join(dir, "cpu.pprof")
	var out, errb bytes.Buffer
	code := runMain(context.Background(), []string{"bench", "--profile", "tiny", "--json", "--tmp", dir, "--in-process",
		"--cpuprofile", prof, "--runs", "2", "--image-use", "all,third-unused", "--", "--no-checksums"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var reps []struct {
		ImageUse      string  `json:"image_use"`
		Layout        string  `json:"layout"`
		Runs          int     `json:"runs"`
		Frames        int     `json:"frames"`
		Wall          float64 `json:"wall_seconds"`
		WallMin       float64 `json:"wall_min_seconds"`
		WallMax       float64 `json:"wall_max_seconds"`
		FirstRun      float64 `json:"first_run_seconds"`
		FirstRunRatio float64 `json:"first_run_ratio"`
		Spread        float64 `json:"spread"`
		RunResults    []any   `json:"run_results"`
		Summary       *struct {
			Layout   string  `json:"layout"`
			ImageUse string  `json:"image_use"`
			Wall     float64 `json:"wall_seconds"`
			Spread   float64 `json:"spread"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(out.Bytes(), &reps); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(reps) != 2 || reps[0].ImageUse != "all" || reps[1].ImageUse != "third-unused" {
		t.Fatalf("reports %+v", reps)
	}
	fastest := min(reps[0].Wall, reps[1].Wall)
	for _, r := range reps {
		if r.Layout != "own" || r.Runs != 2 || len(r.RunResults) != 4 || r.Frames != 110 || r.FirstRun <= 0 ||
			r.WallMin > r.Wall || r.Wall > r.WallMax || math.Abs(r.FirstRunRatio-r.FirstRun/r.Wall) > 1e-9 {
			t.Errorf("report %+v", r)
		}
		if math.Abs(r.Spread-r.Wall/fastest) > 1e-9 || r.Summary == nil || r.Summary.Spread != r.Spread ||
			r.Summary.ImageUse != r.ImageUse || r.Summary.Wall != r.Wall {
			t.Errorf("spread %v (want %v), summary %+v", r.Spread, r.Wall/fastest, r.Summary)
		}
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Errorf("cpu profile: %v", err)
	}
	// quiet in a pipe: no progress lines on stderr
	if errb.Len() != 0 {
		t.Errorf("stderr not empty in a pipe: %q", errb.String())
	}

	// text: the reports, then the summary table
	out.Reset()
	code = runMain(context.Background(), []string{"bench", "--profile", "tiny", "--tmp", dir, "--in-process",
		"--image-use", "random,all", "--", "--no-checksums"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	txt := out.String()
	for _, want := range []string{"image use random", "image use all", "first run (writes openretina's cache)",
		"layout      image use     runs   wall s       min-max", "\nown         random           1 ", "\nown         all              1 "} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
}

// A bench that fails leaves an existing --cpuprofile file as it was, and
// no temporary file beside it.
func TestBenchCPUProfileAtomic(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "cpu.pprof")
	if err := os.WriteFile(prof, []byte("an earlier profile"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := runMain(context.Background(), []string{"bench", "--cpuprofile", prof, empty}, &out, &errb)
	if code == 0 {
		t.Fatalf("bench of an empty folder: exit 0: %s", out.String())
	}
	if got, _ := os.ReadFile(prof); string(got) != "an earlier profile" {
		t.Errorf("profile after a failed bench: %q", got)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("left in the folder: %v", ents)
	}
}

package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/prepare"
	"github.com/retinaio/retinaio/synth"
)

// tinyFrames is the frame count a prepared tiny session must have, counted
// by hand from synth's tiny profile: 2 blocks x 40 training frames + 30 test
// frames.
const tinyFrames = 2*40 + 30

func TestRunInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesises and prepares a session")
	}
	var cpu bytes.Buffer
	rep, err := Run(context.Background(), Options{Profile: "tiny", TempDir: t.TempDir(), CPUProfile: &cpu})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep)
	if rep.Mode != "in-process" || cpu.Len() == 0 {
		t.Errorf("mode %q, cpu profile %d bytes", rep.Mode, cpu.Len())
	}
	var txt bytes.Buffer
	if err := rep.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"read+inflate", "write .npz", "peak RSS", "prepare wall time"} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, txt.String())
		}
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatal(err)
	}
}

func checkReport(t *testing.T, rep *Report) {
	t.Helper()
	if rep.Sessions != 1 || rep.OK != 1 || rep.Frames != tinyFrames {
		t.Fatalf("sessions %d ok %d frames %d, want 1 1 %d (errors %v)", rep.Sessions, rep.OK, rep.Frames, tinyFrames, rep.Errors)
	}
	if rep.WallSeconds <= 0 || rep.PeakRSSBytes < 1<<20 || rep.InputBytes <= 0 || rep.OutputBytes <= 0 {
		t.Errorf("wall %v rss %d in %d out %d", rep.WallSeconds, rep.PeakRSSBytes, rep.InputBytes, rep.OutputBytes)
	}
	byName := map[string]Phase{}
	for _, p := range rep.Phases {
		byName[p.Name] = p
	}
	// tiny images: (3 + 2) images of 640x860 bytes
	if p := byName["read+inflate"]; p.Bytes != 5*640*860 || p.MBps <= 0 {
		t.Errorf("read phase %+v, want %d bytes", p, 5*640*860)
	}
	if p := byName["write .npz"]; p.Bytes != rep.OutputBytes || p.MBps <= 0 {
		t.Errorf("write phase %+v", p)
	}
	if p := byName["stimuli total"]; p.Frames != tinyFrames || p.FPS <= 0 {
		t.Errorf("stimuli phase %+v", p)
	}
	if rep.Reference != nil {
		t.Errorf("tiny has no reference: %+v", rep.Reference)
	}
}

// TestRunChild runs prepare in a child process: this test binary, which
// TestHelperPrepare turns into a minimal "prepare ROOT --out OUT ..." when
// BENCH_HELPER_PREPARE is set.
func TestRunChild(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesises and prepares a session")
	}
	dir := t.TempDir()
	t.Setenv("BENCH_HELPER_PREPARE", "1")
	calls := filepath.Join(dir, "calls.txt")
	t.Setenv("BENCH_HELPER_CALLS", calls)
	// every run starts after a sync: recorded in the calls file
	defer func(f func()) { flushWrites = f }(flushWrites)
	flushWrites = func() {
		f, err := os.OpenFile(calls, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Error(err)
			return
		}
		f.WriteString("sync\n")
		f.Close()
	}
	rep, err := Run(context.Background(), Options{
		Profile: "tiny", TempDir: dir, Keep: true, Runs: 3, Warmup: 1, ImageUse: "third-unused",
		Command: []string{os.Args[0], "-test.run=^TestHelperPrepare$", "--"},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep)
	if _, err := os.Stat("/proc/loadavg"); err == nil && len(rep.Machine.LoadAverage) != 3 {
		t.Errorf("load average %v", rep.Machine.LoadAverage)
	}
	if rep.Mode != "child process" || rep.WorkDir == "" || rep.UserSeconds+rep.SystemSeconds <= 0 {
		t.Errorf("mode %q work %q cpu %v", rep.Mode, rep.WorkDir, rep.UserSeconds+rep.SystemSeconds)
	}
	// a warm-up run with --no-cache, then 3 first runs (each writes the
	// cache, none finds one) and 3 runs with --no-cache in ABBA order
	// (F N N F F N), each after a sync
	got, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	f, n := "sync\nno-cache=false from-cache=false\n", "sync\nno-cache=true from-cache=false\n"
	if want := n + f + n + n + f + f + n; string(got) != want {
		t.Errorf("prepare calls:\n%s\nwant\n%s", got, want)
	}
	if rep.Runs != 3 || len(rep.RunResults) != 6 || rep.ImageUse != "third-unused" || len(rep.WarmupSeconds) != 1 || rep.WarmupSeconds[0] <= 0 {
		t.Fatalf("runs %d, results %+v, image use %q, warm-up %v", rep.Runs, rep.RunResults, rep.ImageUse, rep.WarmupSeconds)
	}
	var walls, firsts []float64
	for i, x := range rep.RunResults {
		if x.NoCache != (i%4 == 1 || i%4 == 2) {
			t.Fatalf("run %d: no-cache %v; results %+v", i, x.NoCache, rep.RunResults)
		}
		if x.NoCache {
			walls = append(walls, x.WallSeconds)
		} else {
			firsts = append(firsts, x.WallSeconds)
		}
	}
	slices.Sort(walls)
	slices.Sort(firsts)
	if rep.WallSeconds != walls[1] || rep.WallMinSeconds != walls[0] || rep.WallMaxSeconds != walls[2] ||
		rep.FirstRunSeconds != firsts[1] || math.Abs(rep.FirstRunRatio-rep.FirstRunSeconds/rep.WallSeconds) > 1e-12 {
		t.Errorf("wall %v [%v-%v] of %v; first run %v of %v, ratio %v", rep.WallSeconds, rep.WallMinSeconds, rep.WallMaxSeconds, walls,
			rep.FirstRunSeconds, firsts, rep.FirstRunRatio)
	}
	if iv := rep.FirstRunRatioInterval; len(iv) != 2 || iv[0] > rep.FirstRunRatio || iv[1] < rep.FirstRunRatio ||
		iv[0] < firsts[0]/walls[2] || iv[1] > firsts[2]/walls[0] {
		t.Errorf("first-run ratio %v: interval %v; first runs %v, --no-cache runs %v", rep.FirstRunRatio, iv, firsts, walls)
	}
	hasCacheWrite := func(ph []Phase) bool {
		return slices.ContainsFunc(ph, func(p Phase) bool { return p.Name == "cache write" })
	}
	if !hasCacheWrite(rep.FirstRunPhases) || hasCacheWrite(rep.Phases) {
		t.Errorf("cache write: first run %v, median run %v", rep.FirstRunPhases, rep.Phases)
	}
	os.Remove(calls)
	if _, err := os.Stat(rep.WorkDir); err != nil {
		t.Errorf("--keep: %v", err)
	}
	// an existing folder: prepared with --no-cache, nothing written there
	before := listAll(t, rep.Root)
	rep2, err := Run(context.Background(), Options{
		Dir: rep.Root, TempDir: dir,
		Command: []string{os.Args[0], "-test.run=^TestHelperPrepare$", "--"},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep2)
	if got, _ := os.ReadFile(calls); string(got) != "sync\nno-cache=true from-cache=false\n" || rep2.FirstRunSeconds != 0 || rep2.Runs != 1 {
		t.Errorf("existing folder: prepare calls %q, first run %v, runs %d", got, rep2.FirstRunSeconds, rep2.Runs)
	}
	if after := listAll(t, rep.Root); after != before {
		t.Errorf("bench wrote into the input folder:\nbefore %s\nafter  %s", before, after)
	}
}

func listAll(t *testing.T, root string) string {
	var names []string
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		sub, _ := os.ReadDir(root + "/" + e.Name())
		for _, s := range sub {
			names = append(names, e.Name()+"/"+s.Name())
		}
	}
	return strings.Join(names, " ")
}

// TestHelperPrepare is the child process of TestRunChild.
func TestHelperPrepare(t *testing.T) {
	if os.Getenv("BENCH_HELPER_PREPARE") == "" {
		t.Skip("helper process")
	}
	args := flag.Args()
	fs := flag.NewFlagSet("prepare", flag.ContinueOnError)
	out := fs.String("out", "", "")
	cache := fs.String("cache-dir", "", "")
	noCache := fs.Bool("no-cache", false, "")
	species := fs.String("species", "mouse", "")
	if len(args) < 1 {
		t.Fatal("no root")
	}
	if err := fs.Parse(args[1:]); err != nil {
		t.Fatal(err)
	}
	so := karamanlis.DefaultStimulusOptions()
	so.CacheDir, so.DisableCache, so.Species = *cache, *noCache, karamanlis.Species(*species)
	man, err := prepare.Run(context.Background(), args[0], prepare.Options{Stimulus: so, OutDir: *out})
	if err != nil || man.Failed > 0 {
		t.Fatalf("prepare: %v %+v", err, man)
	}
	if p := os.Getenv("BENCH_HELPER_ROOTS"); p != "" {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(f, "%s %v\n", args[0], *noCache)
		f.Close()
	}
	if p := os.Getenv("BENCH_HELPER_CALLS"); p != "" {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		// from-cache: whether the stimulus came from a cache (a first run
		// must find none)
		fmt.Fprintf(f, "no-cache=%v from-cache=%v\n", *noCache, man.Sessions[0].FromCache)
		f.Close()
	}
}

// TestRunInterleaved: configurations compared with each other are all
// synthesised first, then measured round by round, every other round in
// reverse order, each round one ABBA pair per configuration; each report
// holds its own configuration's runs.
func TestRunInterleaved(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesises and prepares sessions")
	}
	dir := t.TempDir()
	t.Setenv("BENCH_HELPER_PREPARE", "1")
	roots := filepath.Join(dir, "roots.txt")
	t.Setenv("BENCH_HELPER_ROOTS", roots)
	cmd := []string{os.Args[0], "-test.run=^TestHelperPrepare$", "--"}
	var opts []Options
	for _, l := range []string{"own", "contiguous"} {
		opts = append(opts, Options{Profile: "tiny", Layout: l, TempDir: dir, Runs: 3, Warmup: 1, Command: cmd})
	}
	reps, err := RunInterleaved(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 || reps[0].Layout != "own" || reps[1].Layout != "contiguous" {
		t.Fatalf("%d reports", len(reps))
	}
	b, err := os.ReadFile(roots)
	if err != nil {
		t.Fatal(err)
	}
	a, c := reps[0].Root, reps[1].Root
	pair := func(root string, first bool) string {
		if first { // F N
			return root + " false\n" + root + " true\n"
		}
		return root + " true\n" + root + " false\n" // N F
	}
	// each visit starts with a warm-up run (--no-cache, not measured)
	visit := func(root string, first bool) string { return root + " true\n" + pair(root, first) }
	want := visit(a, true) + visit(c, true) + visit(c, false) + visit(a, false) + visit(a, true) + visit(c, true)
	if string(b) != want {
		t.Errorf("runs (root, --no-cache):\n%s\nwant\n%s", b, want)
	}
	for _, r := range reps {
		checkReport(t, r)
		if r.Runs != 3 || len(r.RunResults) != 6 || r.FirstRunSeconds <= 0 || len(r.WarmupSeconds) != 3 {
			t.Errorf("%s: runs %d, %d results, first run %v, warm-ups %v", r.Layout, r.Runs, len(r.RunResults), r.FirstRunSeconds, r.WarmupSeconds)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "retinaio-bench-*")); len(left) != 0 {
		t.Errorf("work folders left: %v", left)
	}
}

func TestUnknownProfile(t *testing.T) {
	_, err := Run(context.Background(), Options{Profile: "huge", TempDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "unknown profile") {
		t.Fatalf("err %v", err)
	}
}

// TestCompare checks the target verdicts against hand-computed values.
func TestCompare(t *testing.T) {
	r := &Report{Profile: "mouse", Reference: reference("mouse"), WallSeconds: 3.33, PeakRSSBytes: 0.948e9}
	r.compare()
	if r.Speedup < 99.99 || r.Speedup > 100.01 || r.MemoryRatio < 4.99 || r.MemoryRatio > 5.01 || *r.MeetsTarget {
		t.Errorf("speedup %v ratio %v meets %v", r.Speedup, r.MemoryRatio, *r.MeetsTarget)
	}
	if c := r.Targets["wall_seconds"]; c.Passed || c.Value != 3.33 || c.Limit != 2.5 {
		t.Errorf("3.33 s against 2.5 s: %+v", c)
	}
	if c := r.Targets["peak_rss_bytes"]; c.Passed || c.Limit != 700e6 {
		t.Errorf("948 MB against 700 MB: %+v", c)
	}
	if _, ok := r.Targets["first_run_ratio"]; ok {
		t.Error("first-run check without a first run")
	}
	if _, ok := r.Targets["spread"]; ok {
		t.Error("spread check on a report compared with nothing")
	}
	// 2.5 s and 700 MB are within; a first run 1.14x the median too
	r = &Report{Profile: "mouse", Reference: reference("mouse"), WallSeconds: 2.5, PeakRSSBytes: 700e6, FirstRunSeconds: 2.85, FirstRunRatio: 2.85 / 2.5}
	r.compare()
	if !*r.MeetsTarget || len(r.Targets) != 3 || !r.Targets["first_run_ratio"].Passed {
		t.Errorf("at the limits: %+v", r.Targets)
	}
	r.FirstRunRatio = 1.16
	r.compare()
	if *r.MeetsTarget || r.Targets["first_run_ratio"].Passed {
		t.Errorf("first run 1.16x: %+v", r.Targets)
	}
	// medium: 26.7 s / 80 = 0.33375 s; the first run counts when slower
	r = &Report{Profile: "medium", Reference: reference("medium"), WallSeconds: 0.3, PeakRSSBytes: 1e8, FirstRunSeconds: 0.34, FirstRunRatio: 0.34 / 0.3}
	r.compare()
	if c := r.Targets["speedup"]; c.Passed || c.Value < 78.52 || c.Value > 78.54 || c.Limit != 80 {
		t.Errorf("medium, first run 0.34 s: %+v", c)
	}
	if r.Reference.TargetSeconds != 26.7/80 || r.Reference.TargetRSSBytes != 0 {
		t.Errorf("medium reference targets %+v", r.Reference)
	}
	r.FirstRunSeconds, r.FirstRunRatio = 0.33, 1.1
	r.compare()
	if !r.Targets["speedup"].Passed || !*r.MeetsTarget {
		t.Errorf("medium, first run 0.33 s: %+v", r.Targets)
	}
	// marmoset: memory only; tiny: no targets
	r = &Report{Profile: "marmoset", WallSeconds: 20, PeakRSSBytes: 1.3e9}
	r.compare()
	if *r.MeetsTarget || len(r.Targets) != 1 || r.Reference != nil {
		t.Errorf("marmoset 1.3 GB: %+v", r.Targets)
	}
	r = &Report{Profile: "tiny", WallSeconds: 1}
	r.compare()
	if r.MeetsTarget != nil || r.Targets != nil {
		t.Errorf("tiny: targets %+v", r.Targets)
	}
}

// TestSummarise: spreads over the fastest median and the spread target
// (1.25 for mouse), against hand-computed ratios.
func TestSummarise(t *testing.T) {
	mk := func(layout string, wall float64) *Report {
		r := &Report{Profile: "mouse", Layout: layout, ImageUse: "all", Runs: 5, Reference: reference("mouse"),
			WallSeconds: wall, WallMinSeconds: wall - 0.1, WallMaxSeconds: wall + 0.2, PeakRSSBytes: 600e6}
		r.compare()
		return r
	}
	reps := []*Report{mk("own", 2.4), mk("h5py", 2.0), mk("matlab", 2.6)}
	Summarise(reps)
	for i, want := range []struct {
		spread float64
		meets  bool
	}{{1.2, true}, {1, true}, {1.3, false}} {
		r := reps[i]
		if math.Abs(r.Spread-want.spread) > 1e-9 || r.Summary == nil || r.Summary.Spread != r.Spread || *r.MeetsTarget != want.meets {
			t.Errorf("%s: spread %v meets %v summary %+v; want %v %v", r.Layout, r.Spread, *r.MeetsTarget, r.Summary, want.spread, want.meets)
		}
		if c, ok := r.Targets["spread"]; !ok || c.Passed != (want.spread <= 1.25) {
			t.Errorf("%s: spread check %+v", r.Layout, c)
		}
	}
	if reps[2].Targets["wall_seconds"].Passed || math.Abs(reps[2].Summary.WallMaxSeconds-2.8) > 1e-9 {
		t.Errorf("matlab 2.6 s: %+v", reps[2].Summary)
	}
	var sum bytes.Buffer
	if err := WriteLayoutSummary(&sum, reps); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(sum.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[3], "matlab      all") || !strings.HasSuffix(lines[3], "MISSED (spread, wall_seconds)") ||
		!strings.HasSuffix(lines[1], "  met") || !strings.HasPrefix(lines[4], "targets (mouse)") {
		t.Errorf("summary:\n%s", sum.String())
	}
	// one report alone: spread 1, no spread check
	one := []*Report{mk("own", 3)}
	Summarise(one)
	if one[0].Spread != 1 || one[0].Summary.Spread != 1 {
		t.Errorf("alone: spread %v", one[0].Spread)
	}
	if _, ok := one[0].Targets["spread"]; ok {
		t.Error("alone: a spread check")
	}
}

// TestFromRuns: medians, ranges and the median run's details, by hand.
func TestFromRuns(t *testing.T) {
	var runs []*Report
	for i, w := range []float64{3, 1, 2, 5} {
		runs = append(runs, &Report{WallSeconds: w, PeakRSSBytes: []int64{100, 400, 200, 300}[i], Frames: i,
			Phases: []Phase{{Name: fmt.Sprint("run", i)}}})
	}
	r := &Report{FirstRunSeconds: 3}
	r.fromRuns(runs)
	// walls sorted 1 2 3 5: median 2.5, the lower middle run is wall 2 (index 2)
	if r.WallSeconds != 2.5 || r.WallMinSeconds != 1 || r.WallMaxSeconds != 5 || r.Frames != 2 || r.Phases[0].Name != "run2" {
		t.Errorf("walls: %v [%v-%v], median run %d %v", r.WallSeconds, r.WallMinSeconds, r.WallMaxSeconds, r.Frames, r.Phases)
	}
	if r.PeakRSSBytes != 250 || r.PeakRSSMinBytes != 100 || r.PeakRSSMaxBytes != 400 || r.FirstRunRatio != 1.2 {
		t.Errorf("rss %d [%d-%d] first run ratio %v", r.PeakRSSBytes, r.PeakRSSMinBytes, r.PeakRSSMaxBytes, r.FirstRunRatio)
	}
	r = &Report{}
	r.fromRuns(runs[:3]) // 3 1 2: median 2
	if r.WallSeconds != 2 || r.Frames != 2 || r.PeakRSSBytes != 200 || r.FirstRunRatio != 0 {
		t.Errorf("odd count: %v %d %d %v", r.WallSeconds, r.Frames, r.PeakRSSBytes, r.FirstRunRatio)
	}
}

// TestRunLayout benchmarks a session synthesised in MATLAB's layout and
// checks that the file prepare read has that layout's chunks.
func TestRunLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesises and prepares a session")
	}
	rep, err := Run(context.Background(), Options{Profile: "tiny", Layout: "matlab", Keep: true, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep)
	if rep.Layout != "matlab" {
		t.Errorf("layout %q", rep.Layout)
	}
	mats, _ := filepath.Glob(filepath.Join(rep.WorkDir, "sessions", "*", "fixationmovie_data.mat"))
	if len(mats) != 1 {
		t.Fatalf("sessions %v", mats)
	}
	f, err := hdf5.Open(mats[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ds, err := f.OpenDataset("/runningImages")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ds.ChunkShape(), synth.MATLABChunk(ds.Shape(), 1); !slices.Equal(got, want) {
		t.Errorf("runningImages chunks %v, want MATLAB's %v", got, want)
	}
	var sum bytes.Buffer
	own := &Report{Layout: "own", WallSeconds: 2, PeakRSSBytes: 5e8}
	if err := WriteLayoutSummary(&sum, []*Report{own, rep}); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(sum.String()), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[2], "matlab") {
		t.Errorf("summary:\n%s", sum.String())
	}
	if _, err := Run(context.Background(), Options{Profile: "tiny", Layout: "hdf4", TempDir: t.TempDir()}); err == nil {
		t.Error("unknown layout: no error")
	}
	if _, err := Run(context.Background(), Options{Dir: t.TempDir(), Layout: "h5py", TempDir: t.TempDir()}); err == nil {
		t.Error("layout with Dir: no error")
	}
}

// TestNamesEscaped: the report and the log lines name the sessions' folder
// (--tmp, or the PATH benched) and failed sessions; names holding a
// terminal escape are printed escaped.
func TestNamesEscaped(t *testing.T) {
	evil := "x\x1b]0;owned\a"
	escaped := `x\x1b]0;owned\a`
	var buf bytes.Buffer
	r := &Report{Root: evil, Errors: []string{"20990101_mouse_" + evil + ": failed"}, WorkDir: evil}
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(buf.String(), 0x1b) || strings.Count(buf.String(), escaped) != 3 {
		t.Errorf("WriteText: want 3 escaped names, no raw escape: %q", buf.String())
	}
	if testing.Short() {
		return
	}
	tmp := filepath.Join(t.TempDir(), evil)
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Skip("file system refuses the name:", err)
	}
	buf.Reset()
	s, err := newSession(context.Background(), Options{Profile: "tiny", TempDir: tmp, Log: &buf}, true)
	if err != nil {
		t.Fatal(err)
	}
	s.close()
	if strings.ContainsRune(buf.String(), 0x1b) || !strings.Contains(buf.String(), escaped) {
		t.Errorf("log: want the --tmp folder escaped: %q", buf.String())
	}
}

func TestRatioInterval(t *testing.T) {
	// too few runs for a bootstrap, or no level: no interval
	for _, c := range []struct {
		num, den []float64
		level    float64
	}{
		{[]float64{3}, []float64{2}, 0.9},
		{[]float64{3, 3}, []float64{2, 2, 2}, 0.9},
		{nil, []float64{2, 2, 2}, 0.9},
		{[]float64{3, 3, 3}, []float64{2, 2, 2}, 1},
		{[]float64{3, 3, 3}, []float64{2, 2, 2}, 1.5},
		{[]float64{3, 3, 3}, []float64{2, 2, 2}, 0},
	} {
		if lo, hi := RatioInterval(c.num, c.den, c.level); lo != 0 || hi != 0 {
			t.Errorf("%v / %v at %v: %v-%v, want none", c.num, c.den, c.level, lo, hi)
		}
	}
	if lo, hi := RatioInterval([]float64{3, 3, 3}, []float64{2, 2, 2}, 0.9); lo != 1.5 || hi != 1.5 {
		t.Errorf("constant runs: %v-%v, want 1.5-1.5", lo, hi)
	}
	// Four first runs of 1 s and one of 3 s against --no-cache runs of
	// 1 s: a resample's median is 3 when at least 3 of its 5 draws are the
	// 3 s run, with probability 10(.2^3)(.8^2) + 5(.2^4)(.8) + .2^5 =
	// 0.058: above 5 %, so the 90 % interval reaches 3; below 10 %, so the
	// 80 % interval does not.
	num, den := []float64{1, 1, 3, 1, 1}, []float64{1, 1, 1, 1, 1}
	if lo, hi := RatioInterval(num, den, 0.9); lo != 1 || hi != 3 {
		t.Errorf("90 %%: %v-%v, want 1-3", lo, hi)
	}
	if lo, hi := RatioInterval(num, den, 0.8); lo != 1 || hi != 1 {
		t.Errorf("80 %%: %v-%v, want 1-1", lo, hi)
	}
	// the same runs give the same interval; it holds the point ratio
	num, den = []float64{2.31, 2.05, 2.48, 1.97, 2.62}, []float64{1.91, 2.02, 1.80, 2.20, 1.88}
	lo, hi := RatioInterval(num, den, 0.9)
	if lo2, hi2 := RatioInterval(num, den, 0.9); lo2 != lo || hi2 != hi {
		t.Errorf("not repeatable: %v-%v then %v-%v", lo, hi, lo2, hi2)
	}
	if r := median(num) / median(den); !(lo < r && r < hi) {
		t.Errorf("interval %v-%v does not hold the ratio %v", lo, hi, r)
	}
}

func TestFirstRunUndecided(t *testing.T) {
	for _, c := range []struct {
		ratio, lo, hi     float64
		passed, undecided bool
	}{
		{1.10, 1.02, 1.30, true, true},   // passes, but 1.15 is inside the interval
		{1.10, 1.02, 1.14, true, false},  // passes for sure
		{1.20, 1.16, 1.31, false, false}, // misses for sure
		{1.20, 1.08, 1.31, false, true},
	} {
		r := &Report{Profile: "mouse", Reference: reference("mouse"), WallSeconds: 2, PeakRSSBytes: 5e8,
			FirstRunSeconds: 2 * c.ratio, FirstRunRatio: c.ratio, FirstRunRatioInterval: []float64{c.lo, c.hi}}
		Summarise([]*Report{r})
		x := r.Targets["first_run_ratio"]
		if x.Passed != c.passed || x.Undecided != c.undecided || !slices.Equal(x.Interval, []float64{c.lo, c.hi}) {
			t.Errorf("ratio %v in %v-%v: %+v", c.ratio, c.lo, c.hi, x)
		}
		var sum strings.Builder
		if err := WriteLayoutSummary(&sum, []*Report{r}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(sum.String(), "first_run_ratio undecided"); got != c.undecided {
			t.Errorf("ratio %v in %v-%v: summary says undecided %v:\n%s", c.ratio, c.lo, c.hi, got, sum.String())
		}
		var text strings.Builder
		if err := r.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("(90%% interval %.2f-%.2f)", c.lo, c.hi); !strings.Contains(text.String(), want) {
			t.Errorf("report text lacks %q:\n%s", want, text.String())
		}
		if got := strings.Contains(text.String(), "undecided: 1.15 is inside"); got != c.undecided {
			t.Errorf("ratio %v in %v-%v: report says undecided %v:\n%s", c.ratio, c.lo, c.hi, got, text.String())
		}
	}
}

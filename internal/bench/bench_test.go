package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
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
	rep, err := Run(context.Background(), Options{
		Profile: "tiny", TempDir: dir, Keep: true,
		Command: []string{os.Args[0], "-test.run=^TestHelperPrepare$", "--"},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep)
	if rep.Mode != "child process" || rep.WorkDir == "" || rep.UserSeconds+rep.SystemSeconds <= 0 {
		t.Errorf("mode %q work %q cpu %v", rep.Mode, rep.WorkDir, rep.UserSeconds+rep.SystemSeconds)
	}
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
}

func TestUnknownProfile(t *testing.T) {
	_, err := Run(context.Background(), Options{Profile: "huge", TempDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "unknown profile") {
		t.Fatalf("err %v", err)
	}
}

func TestCompare(t *testing.T) {
	ref := References["mouse"]
	r := &Report{Reference: &ref, WallSeconds: 3.33, PeakRSSBytes: 0.948e9}
	r.compare()
	if r.Speedup < 99.99 || r.Speedup > 100.01 || r.MemoryRatio < 4.99 || r.MemoryRatio > 5.01 || !*r.MeetsTarget {
		t.Errorf("speedup %v ratio %v meets %v", r.Speedup, r.MemoryRatio, *r.MeetsTarget)
	}
	r = &Report{Reference: &ref, WallSeconds: 6, PeakRSSBytes: 0.5e9}
	r.compare()
	if *r.MeetsTarget {
		t.Error("6 s meets a 5 s target")
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

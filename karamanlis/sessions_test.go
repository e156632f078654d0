package karamanlis

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/internal/testutil"
)

func TestListSessions(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"20210115_252MEA_mouse_left_half_ventral", "20220301_60MEA_marmoset_left_s1", "20210201_252MEA_mouse_right_half_dorsal", "__MACOSX", ".hidden_mouse"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	for _, f := range []string{"20210110_252MEA_mouse_left_half_dorsal.zip", "20210201_252MEA_mouse_right_half_dorsal.zip", "notes_mouse.txt"} {
		os.WriteFile(filepath.Join(root, f), []byte("x"), 0o644)
	}
	got, err := ListSessions(root, "mouse")
	if err != nil {
		t.Fatal(err)
	}
	want := []Session{
		{Name: "20210110_252MEA_mouse_left_half_dorsal", Path: filepath.Join(root, "20210110_252MEA_mouse_left_half_dorsal.zip"), Zip: true},
		{Name: "20210115_252MEA_mouse_left_half_ventral", Path: filepath.Join(root, "20210115_252MEA_mouse_left_half_ventral")},
		// The folder wins over the zip of the same name.
		{Name: "20210201_252MEA_mouse_right_half_dorsal", Path: filepath.Join(root, "20210201_252MEA_mouse_right_half_dorsal")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	mar, err := ListSessions(root, "marmoset")
	if err != nil || len(mar) != 1 || mar[0].Name != "20220301_60MEA_marmoset_left_s1" {
		t.Fatalf("marmoset: %v %+v", err, mar)
	}
	if _, err := ListSessions(root, "rat"); err == nil || !strings.Contains(err.Error(), "rat") {
		t.Fatalf("rat: %v", err)
	}
}

func TestFindSessionsSingle(t *testing.T) {
	s, err := FindSessions(filepath.Join(goldenDir, "sessions", "20220208_60MEA_marmoset_right_n1"), "mouse")
	if err != nil || len(s) != 1 || s[0].Name != "20220208_60MEA_marmoset_right_n1" || s[0].Zip {
		t.Fatalf("folder: %v %+v", err, s)
	}
	s, err = FindSessions(filepath.Join(goldenDir, "sessions", "20210803_252MEA_mouse_left_half_dorsal.zip"), "mouse")
	if err != nil || len(s) != 1 || s[0].Name != "20210803_252MEA_mouse_left_half_dorsal" || !s[0].Zip {
		t.Fatalf("zip: %v %+v", err, s)
	}
	s, err = FindSessions(filepath.Join(goldenDir, "sessions"), "mouse")
	if err != nil || len(s) != 2 {
		t.Fatalf("root: %v %+v", err, s)
	}
	// URLs are the caller's to resolve (package hub): every entry point
	// refuses them with ErrRemote, and a local path with a colon is not a
	// URL.
	const url = "https://huggingface.co/datasets/open-retina/open-retina"
	if _, err := FindSessions(url, "mouse"); !errors.Is(err, ErrRemote) {
		t.Fatalf("FindSessions(URL): %v", err)
	}
	if _, err := LoadAllStimuli(context.Background(), "hf://datasets/x", DefaultStimulusOptions()); !errors.Is(err, ErrRemote) {
		t.Fatalf("LoadAllStimuli(URL): %v", err)
	}
	if _, err := SessionFolder(context.Background(), url+"/s.zip", t.TempDir()); !errors.Is(err, ErrRemote) {
		t.Fatalf("SessionFolder(URL): %v", err)
	}
	if _, err := FindSessions(filepath.Join(t.TempDir(), "a:b"), "mouse"); errors.Is(err, ErrRemote) {
		t.Fatalf("a local path taken for a URL: %v", err)
	}
}

// TestLoadAllSameKeys: LoadAllStimuli and LoadAllResponses give the same
// keys (zips without ".zip"), for each species.
func TestLoadAllSameKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: renders every golden session")
	}
	ctx := context.Background()
	root := t.TempDir()
	for _, gs := range goldenSessions {
		src := filepath.Join(goldenDir, "sessions", gs.name)
		if gs.zip {
			testutil.CopyFile(t, src+".zip", filepath.Join(root, gs.name+".zip"))
		} else {
			testutil.CopyTree(t, src, filepath.Join(root, gs.name))
		}
	}
	// A mouse session without a fixation movie is skipped with a warning.
	os.MkdirAll(filepath.Join(root, "20210301_252MEA_mouse_left_half_ventral"), 0o755)
	for _, sp := range []Species{Mouse, Marmoset} {
		var warns []string
		so := testOptions(t, fixmovie.OpenRetina, &warns)
		so.Species = sp
		stim, err := LoadAllStimuli(ctx, root, so)
		if err != nil {
			t.Fatal(err)
		}
		ro := DefaultResponseOptions()
		ro.Species, ro.CacheDir = sp, so.CacheDir
		ro.Warn = func(m string) { warns = append(warns, m) }
		resp, err := LoadAllResponses(ctx, root, ro)
		if err != nil {
			t.Fatal(err)
		}
		var ks, kr []string
		for k := range stim {
			ks = append(ks, k)
		}
		for k := range resp {
			kr = append(kr, k)
		}
		if len(ks) != len(kr) {
			t.Fatalf("%s: stimulus keys %v, response keys %v", sp, ks, kr)
		}
		for k, s := range stim {
			r, ok := resp[k]
			if !ok || strings.HasSuffix(k, ".zip") {
				t.Fatalf("%s: key %q", sp, k)
			}
			if err := CheckStimuliResponsesMatch(s, r); err != nil {
				t.Fatal(err)
			}
		}
		wantN := map[Species]int{Mouse: 2, Marmoset: 1}[sp]
		if len(ks) != wantN {
			t.Fatalf("%s: %d sessions", sp, len(ks))
		}
		if sp == "mouse" && len(warns) != 2 {
			t.Fatalf("mouse: warnings %q, want one per loader for the empty session", warns)
		}
	}
}

func TestValidate(t *testing.T) {
	m := &MoviesTrainTestSplit{Train: make([]float32, 2*4*5), TrainShape: []int{1, 2, 4, 5}, Test: make([]float32, 4*5), TestShape: []int{1, 1, 4, 5}}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := *m
	bad.TestShape = []int{1, 1, 5, 4}
	if err := bad.Validate(); err == nil {
		t.Fatal("spatial mismatch accepted")
	}
	bad = *m
	bad.TrainShape = []int{2, 4, 5}
	if err := bad.Validate(); err == nil {
		t.Fatal("3-D accepted")
	}
	r := &ResponsesTrainTestSplit{
		Train: []float64{1, 2, 3, 4}, TrainShape: []int{2, 2},
		Test: []float64{1.5, 2, 3, 4}, TestShape: []int{2, 2},
		TestByTrial: []float64{1, 2, 3, 4, 2, 2, 3, 4}, TestByTrialShape: []int{2, 2, 2},
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	r.Test[3] = 5
	if err := r.Validate(); err == nil || !strings.Contains(err.Error(), "mean over trials") {
		t.Fatalf("wrong mean: %v", err)
	}
	r.Test[3] = 4
	r.TrainShape = []int{1, 4}
	if err := r.Validate(); err == nil {
		t.Fatal("neuron mismatch accepted")
	}
	r.TrainShape = []int{2, 2}
	err := CheckStimuliResponsesMatch(m, r)
	if err == nil || !strings.Contains(err.Error(), "training stimulus has 2 frames but training responses have 2") && !strings.Contains(err.Error(), "test stimulus has 1 frames but test responses have 2") {
		t.Fatalf("frame mismatch: %v", err)
	}
}

func TestParseSize(t *testing.T) {
	if h, w, err := ParseSize("60x80"); err != nil || h != 60 || w != 80 {
		t.Fatal(h, w, err)
	}
	for _, s := range []string{"", "60", "x80", "0x80", "-1x3", "60x80x3", "axb"} {
		if _, _, err := ParseSize(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

// TestListSessionsBrokenLink: a session folder reached through a link that
// cannot be followed (its disk unmounted) is listed, so that loading it
// fails naming it; it used to be left out, and LoadAllResponses returned
// the other sessions with no error. A zip of the same name is still used.
func TestListSessionsBrokenLink(t *testing.T) {
	root := t.TempDir()
	ok := filepath.Join(root, "20990101_mouse_ok")
	if err := os.Mkdir(ok, 0o755); err != nil {
		t.Fatal(err)
	}
	testutil.CopyFile(t, filepath.Join("testdata", "bad", "ok", "fixationmovie_data.mat"), filepath.Join(ok, "fixationmovie_data.mat"))
	gone := filepath.Join(root, "20990102_mouse_gone")
	if err := os.Symlink(filepath.Join(root, "unmounted", "20990102_mouse_gone"), gone); err != nil {
		t.Skip("symlink:", err)
	}
	if err := os.Symlink(filepath.Join(root, "unmounted", "x"), filepath.Join(root, "20990103_mouse_z")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "20990103_mouse_z.zip"), []byte("x"), 0o644)
	got, err := ListSessions(root, Mouse)
	if err != nil {
		t.Fatal(err)
	}
	want := []Session{
		{Name: "20990101_mouse_ok", Path: ok},
		{Name: "20990102_mouse_gone", Path: gone},
		{Name: "20990103_mouse_z", Path: filepath.Join(root, "20990103_mouse_z.zip"), Zip: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	os.Remove(filepath.Join(root, "20990103_mouse_z.zip"))
	o := DefaultResponseOptions()
	o.CacheDir = t.TempDir()
	all, err := LoadAllResponses(context.Background(), root, o)
	if err == nil || !strings.Contains(err.Error(), "20990102_mouse_gone") || all["20990101_mouse_ok"] == nil {
		t.Fatalf("LoadAllResponses = %d session(s), %v; want the good one and an error naming the unreachable one", len(all), err)
	}
}

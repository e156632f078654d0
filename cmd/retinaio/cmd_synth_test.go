package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/synth"
)

func TestSynthCommand(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := runMain(context.Background(), []string{"synth", dir, "--profile", "tiny", "--sessions", "2", "--seed", "7"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Fields(out.String())
	if len(lines) != 2 || lines[0] == lines[1] {
		t.Fatalf("printed %q", out.String())
	}
	for _, s := range lines {
		if !strings.Contains(filepath.Base(s), "_mouse_") {
			t.Errorf("session %s has no species in its name", s)
		}
		for _, f := range []string{"fixationmovie_data.mat", "frozencheckerflicker_data.mat"} {
			if _, err := os.Stat(filepath.Join(s, f)); err != nil {
				t.Error(err)
			}
		}
	}

	zdir := t.TempDir()
	out.Reset()
	code = runMain(context.Background(), []string{"synth", "--zip", "--profile", "tiny", zdir}, &out, &errb)
	if code != 0 {
		t.Fatalf("--zip: exit %d: %s", code, errb.String())
	}
	zp := strings.TrimSpace(out.String())
	if !strings.HasSuffix(zp, ".zip") {
		t.Fatalf("--zip printed %q", zp)
	}
	zr, err := zip.OpenReader(zp)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	top := strings.TrimSuffix(filepath.Base(zp), ".zip")
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	want := []string{top + "/", top + "/fixationmovie_data.mat", top + "/frozencheckerflicker_data.mat"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("zip entries %v, want %v", names, want)
	}
	ents, _ := os.ReadDir(zdir)
	ents = slices.DeleteFunc(ents, func(e os.DirEntry) bool { return e.Name() == synth.MadeName }) // synth's record of what it wrote
	if len(ents) != 1 {
		t.Errorf("--zip left %d entries in OUT (temporary folder not removed?)", len(ents))
	}

	for _, bad := range [][]string{
		{"synth", t.TempDir(), "--profile", "huge"},
		{"synth", t.TempDir(), "--format", "latest"},
		{"synth", t.TempDir(), "--image-use", "most"},
		{"synth"},
	} {
		errb.Reset()
		if code := runMain(context.Background(), bad, &out, &errb); code == 0 {
			t.Errorf("%v: exit 0", bad)
		}
	}
}

// TestSynthImageUse: --image-use all shows every image of the tiny profile
// (3 training and 2 test images, more than its one-second periods: 2
// training blocks of 40 frames, 30 test frames), counted in the written
// fixations; the JSON names the image use.
func TestSynthImageUse(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := runMain(context.Background(), []string{"synth", dir, "--profile", "tiny", "--image-use", "all", "--json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		ImageUse string   `json:"image_use"`
		Sessions []string `json:"sessions"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.ImageUse != "all" || len(rep.Sessions) != 1 {
		t.Fatalf("%v: %s", err, out.String())
	}
	f, err := hdf5.Open(filepath.Join(rep.Sessions[0], "fixationmovie_data.mat"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, want := range map[string]int{"/runningfixations": 3, "/frozenfixations": 2} {
		ds, err := f.OpenDataset(name)
		if err != nil {
			t.Fatal(err)
		}
		var v []float64
		if err := ds.Read(context.Background(), &v); err != nil {
			t.Fatal(err)
		}
		seen := map[float64]bool{}
		for i := 0; i < len(v); i += 3 {
			seen[v[i]] = true
		}
		if len(seen) != want {
			t.Errorf("%s shows %d images, want %d", name, len(seen), want)
		}
	}
	var help bytes.Buffer
	runMain(context.Background(), []string{"synth", "-h"}, &help, &errb)
	for _, w := range []string{"--image-use", "third-unused", "runs of consecutive indices"} {
		if !strings.Contains(help.String(), w) {
			t.Errorf("synth -h lacks %q", w)
		}
	}
}

package main

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
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
	if len(ents) != 1 {
		t.Errorf("--zip left %d entries in OUT (temporary folder not removed?)", len(ents))
	}

	for _, bad := range [][]string{
		{"synth", t.TempDir(), "--profile", "huge"},
		{"synth", t.TempDir(), "--format", "latest"},
		{"synth"},
	} {
		errb.Reset()
		if code := runMain(context.Background(), bad, &out, &errb); code == 0 {
			t.Errorf("%v: exit 0", bad)
		}
	}
}

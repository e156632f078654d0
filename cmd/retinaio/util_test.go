package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkWritableDir creates nothing: a missing --out is checked through the
// nearest folder above it that exists (a run that fails later leaves no
// folder behind, and two runs starting on a new folder do not remove it
// from under each other).
func TestCheckWritableDirCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := checkWritableDir(filepath.Join(dir, "a", "b"), "--out"); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join(dir, "gone"), link); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{file, filepath.Join(file, "x"), link, filepath.Join(link, "x")} {
		if err := checkWritableDir(out, "--out"); err == nil || !strings.Contains(err.Error(), "--out "+out) || !strings.Contains(err.Error(), "writable folder") {
			t.Errorf("%s: %v", out, err)
		}
	}
	if os.Geteuid() != 0 { // root writes into read-only folders
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(ro, "new", "out")
		if err := checkWritableDir(out, "--out"); err == nil || !strings.Contains(err.Error(), "cannot create the folder in "+ro) {
			t.Errorf("%s: %v", out, err)
		}
	}
}

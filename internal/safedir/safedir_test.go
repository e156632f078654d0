package safedir

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestMkdirAll(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks")
	}
	root := t.TempDir()
	victim := t.TempDir()
	if err := MkdirAll(root, filepath.Join(root, "a", "b", "c")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(root, "a", "b", "c")); err != nil || !fi.IsDir() {
		t.Fatal("not created")
	}
	os.Symlink(victim, filepath.Join(root, "a", "link"))
	for _, d := range []string{filepath.Join(root, "a", "link", "x"), filepath.Join(root, "a", "link")} {
		if err := MkdirAll(root, d); !errors.Is(err, ErrLink) {
			t.Fatalf("%s: %v", d, err)
		}
	}
	if ents, _ := os.ReadDir(victim); len(ents) != 0 {
		t.Fatalf("created in the link's target: %v", ents)
	}
	if err := MkdirAll(root, filepath.Join(victim, "x")); err == nil {
		t.Fatal("folder outside root accepted")
	}
	// The root itself may be a link.
	lroot := filepath.Join(t.TempDir(), "lroot")
	os.Symlink(root, lroot)
	if err := MkdirAll(lroot, filepath.Join(lroot, "a", "d")); err != nil {
		t.Fatal(err)
	}
}

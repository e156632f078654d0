package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestCopyTree(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(src, "a", "b", "x.mat"), []byte("data"), 0o444)
	os.WriteFile(filepath.Join(src, "top.zip"), []byte("zip"), 0o644)
	dst := filepath.Join(t.TempDir(), "copy")
	CopyTree(t, src, dst)
	for name, want := range map[string]string{"a/b/x.mat": "data", "top.zip": "zip"} {
		b, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || string(b) != want {
			t.Errorf("%s: %q, %v", name, b, err)
		}
	}
	one := filepath.Join(t.TempDir(), "one.zip")
	CopyTree(t, filepath.Join(src, "top.zip"), one)
	if b, _ := os.ReadFile(one); string(b) != "zip" {
		t.Errorf("single file: %q", b)
	}
	// The copy is writable even when the source file is read-only.
	if err := os.WriteFile(filepath.Join(dst, "a", "b", "x.mat"), []byte("changed"), 0o644); err != nil {
		t.Errorf("copy of a read-only file is not writable: %v", err)
	}
}

func ExampleCopyFile() {
	dir, _ := os.MkdirTemp("", "testutil")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "a"), []byte("fixture"), 0o644)
	CopyFile(&testing.T{}, filepath.Join(dir, "a"), filepath.Join(dir, "b"))
	b, _ := os.ReadFile(filepath.Join(dir, "b"))
	fmt.Println(string(b))
	// Output: fixture
}

func TestFileSHA256(t *testing.T) {
	p := filepath.Join(t.TempDir(), "abc")
	os.WriteFile(p, []byte("abc"), 0o644)
	// FIPS 180-2 test vector.
	if got := FileSHA256(t, p); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("sha256(abc) = %s", got)
	}
}

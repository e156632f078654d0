package atomicfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestCommitPublishesWholeFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("new content")); err != nil {
		t.Fatal(err)
	}
	// Before Commit the old file is intact.
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatalf("before commit: %q", b)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new content" {
		t.Fatalf("after commit: %q", b)
	}
	f.Abort() // no-op after Commit
	if b, _ := os.ReadFile(p); string(b) != "new content" {
		t.Fatalf("abort after commit changed the file: %q", b)
	}
	if err := f.Commit(); err == nil {
		t.Fatal("second Commit succeeded")
	}
	assertNoTemp(t, dir, 1)
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	f, err := Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("partial"))
	f.Abort()
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("destination exists after Abort: %v", err)
	}
	assertNoTemp(t, dir, 0)
}

func TestConcurrentWritersNeverMix(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "shared.bin")
	const writers = 8
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			data := bytes.Repeat([]byte{byte('a' + i)}, 1<<16)
			if err := WriteFile(p, data); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 1<<16 {
		t.Fatalf("len %d", len(b))
	}
	for _, c := range b {
		if c != b[0] {
			t.Fatal("file mixes bytes of two writers")
		}
	}
	assertNoTemp(t, dir, 1)
}

func TestCreateInMissingFolder(t *testing.T) {
	_, err := Create(filepath.Join(t.TempDir(), "no", "such", "x"))
	if err == nil {
		t.Fatal("Create in a missing folder succeeded")
	}
}

func assertNoTemp(t *testing.T, dir string, want int) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != want {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("folder holds %v, want %d file(s)", names, want)
	}
}

func ExampleWriteFile() {
	dir, _ := os.MkdirTemp("", "atomicfile")
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "result.txt")
	if err := WriteFile(p, []byte("done\n")); err != nil {
		fmt.Println(err)
		return
	}
	b, _ := os.ReadFile(p)
	fmt.Print(string(b))
	// Output: done
}

package atomicfile

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
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

// TestKilledWriterTempCleaned: a child process is killed with SIGKILL in
// the middle of a write; its temporary file stays (nothing else can remove
// it), and the next write of the same destination removes it once its
// owner is gone and it is old enough.
func TestKilledWriterTempCleaned(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("pid liveness is Unix-only")
	}
	if p := os.Getenv("ATOMICFILE_CHILD"); p != "" {
		f, err := Create(p)
		if err != nil {
			os.Exit(3)
		}
		f.Write(make([]byte, 1<<20))
		os.WriteFile(p+".ready", nil, 0o644)
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "out.npz")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriterTempCleaned$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_CHILD="+p)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(p + ".ready"); err == nil {
			break
		}
		if i > 500 {
			cmd.Process.Kill()
			t.Fatal("child did not start writing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	os.Remove(p + ".ready")
	temps, _ := filepath.Glob(filepath.Join(dir, TempPrefix(p)+"*"))
	if len(temps) != 1 {
		t.Fatalf("temps after kill: %v", temps)
	}
	// A rerun right away keeps it (it may belong to a writer on another
	// host of a shared folder); once it is old, the rerun removes it.
	if err := WriteFile(p, []byte("a")); err != nil {
		t.Fatal(err)
	}
	assertNoTemp(t, dir, 2)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(temps[0], old, old)
	if err := WriteFile(p, []byte("b")); err != nil {
		t.Fatal(err)
	}
	assertNoTemp(t, dir, 1)
}

// TestStartWriteback checks that the writeback hint reaches the system (on
// Linux: sync_file_range accepts the range, and refuses a negative one)
// and leaves the content as written.
func TestStartWriteback(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.bin")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	data := bytes.Repeat([]byte("retinaio"), 1<<17) // 1 MiB
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := startWriteback(f.File, 0, int64(len(data))); err != nil {
		t.Fatalf("writeback of the written range: %v", err)
	}
	if err := startWriteback(f.File, 0, -1); writebackSupported && err == nil {
		t.Error("a negative length was accepted: the call does not reach sync_file_range")
	}
	f.StartWriteback(0, int64(len(data)))
	f.StartWriteback(-1, 10) // ignored
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.StartWriteback(0, 10) // after Commit: nothing
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("content after writeback: %d bytes, %v", len(got), err)
	}
}

package staletemp

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestClean(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("pid liveness is Unix-only")
	}
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	dead := strconv.Itoa(deadPID(t))
	mk := func(name string, mtime time.Time) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("x"), 0o644)
		os.Chtimes(p, mtime, mtime)
		return p
	}
	gone := mk(".a.tmp-"+dead+"-123", old)
	fresh := mk(".a.tmp-"+dead+"-456", time.Now())
	mine := mk(".a.tmp-"+strconv.Itoa(os.Getpid())+"-789", old)
	live := mk(".a.tmp-1-111", old) // pid 1 is alive
	legacyOld := mk(".a.tmp-99887766", time.Now().Add(-48*time.Hour))
	legacyNew := mk(".a.tmp-99887767", old)
	other := mk("a.zip", old)
	os.Mkdir(filepath.Join(dir, ".a.tmp-"+dead+"-dir"), 0o755)
	dirp := filepath.Join(dir, ".a.tmp-"+dead+"-dir")
	os.WriteFile(filepath.Join(dirp, "f"), nil, 0o644)
	os.Chtimes(dirp, old, old)

	got := Clean(dir, ".a.tmp-")
	want := map[string]bool{gone: true, legacyOld: true, dirp: true}
	if len(got) != len(want) {
		t.Fatalf("removed %v", got)
	}
	for _, p := range got {
		if !want[p] {
			t.Fatalf("removed %s", p)
		}
	}
	for _, p := range []string{fresh, mine, live, legacyNew, other} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s removed: %v", p, err)
		}
	}
}

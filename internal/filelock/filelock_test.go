package filelock

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMutualExclusion: many goroutines (each with its own file
// descriptor, as separate processes would have) never overlap.
func TestMutualExclusion(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.lock")
	var inside, overlaps, total atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				unlock, err := Lock(context.Background(), p, nil)
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) != 1 {
					overlaps.Add(1)
				}
				time.Sleep(50 * time.Microsecond)
				inside.Add(-1)
				total.Add(1)
				unlock()
			}
		}()
	}
	wg.Wait()
	if overlaps.Load() != 0 || total.Load() != 160 {
		t.Fatalf("%d overlaps, %d critical sections", overlaps.Load(), total.Load())
	}
}

// TestDeadHolderReleases: a child process takes the lock and is killed
// with SIGKILL; the lock is free at once, with no stale-lock heuristics.
func TestDeadHolderReleases(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("flock semantics are Unix-only")
	}
	if p := os.Getenv("FILELOCK_CHILD"); p != "" {
		if _, err := Lock(context.Background(), p, nil); err != nil {
			os.Exit(3)
		}
		os.WriteFile(p+".ready", nil, 0o644)
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	p := filepath.Join(t.TempDir(), "x.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestDeadHolderReleases$")
	cmd.Env = append(os.Environ(), "FILELOCK_CHILD="+p)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(p + ".ready"); err == nil {
			break
		}
		if i > 500 {
			cmd.Process.Kill()
			t.Fatal("child never took the lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, ok, err := TryLock(p); err != nil || ok {
		t.Fatalf("lock held by a live child was taken: ok=%v err=%v", ok, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	unlock, err := Lock(ctx, p, nil)
	if err != nil {
		t.Fatalf("lock of a killed holder not released: %v", err)
	}
	unlock()
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v to get a dead holder's lock", d)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("lock file left behind after unlock: %v", err)
	}
}

func TestCancelWhileWaiting(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := Lock(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	waited := false
	if _, err := Lock(ctx, p, func() { waited = true }); err == nil || !waited {
		t.Fatalf("second Lock: err=%v waited=%v", err, waited)
	}
}

func TestRefusesSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks")
	}
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("keep"), 0o644)
	p := filepath.Join(dir, "x.lock")
	os.Symlink(victim, p)
	if _, err := Lock(context.Background(), p, nil); err == nil {
		t.Fatal("lock through a planted symlink accepted")
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Fatal("victim changed")
	}
}

package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"
)

// TestExitIfStuck: after SIGINT/SIGTERM, a command that does not return
// (a goroutine blocked in open(2) on a FIFO cannot see its context) is
// ended with status 130 after the grace period, so that a signal always
// stops retinaio (it used to hang forever).
func TestExitIfStuck(t *testing.T) {
	if os.Getenv("RETINAIO_STUCK_CHILD") == "1" {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // as if a signal came
		go exitIfStuck(ctx, io.Discard, 200*time.Millisecond)
		select {} // stuck
	}
	if runtime.GOOS == "windows" {
		t.Skip("exit status")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestExitIfStuck$")
	cmd.Env = append(os.Environ(), "RETINAIO_STUCK_CHILD=1")
	t0 := time.Now()
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 130 {
			t.Fatalf("stuck command ended with %v, want exit 130", err)
		}
		t.Logf("stopped %v after the signal", time.Since(t0).Round(time.Millisecond))
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("a stuck command did not stop after the signal")
	}
}

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run the real command (main, with its signal
// handling) in a child process: RETINAIO_TEST_MAIN=1 runs main with the
// arguments after the test binary's own.
func TestMain(m *testing.M) {
	if os.Getenv("RETINAIO_TEST_MAIN") == "1" {
		os.Args = append([]string{"retinaio"}, os.Args[1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}

// TestSIGINTExits130 sends a real SIGINT to a running command: it stops,
// says so on stderr and exits 130.
func TestSIGINTExits130(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(exe, "synth", filepath.Join(t.TempDir(), "s"), "--profile", "small", "--sessions", "200")
	cmd.Env = append(os.Environ(), "RETINAIO_TEST_MAIN=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the command did not stop within 30 s of SIGINT")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupt || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("after SIGINT: %v, stderr %q; want exit 130 and 'interrupted'", err, errb.String())
	}
}

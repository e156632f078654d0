package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func init() {
	// RETINAIO_TEST_FSIZE=N (with RETINAIO_TEST_MAIN=1): the child cannot
	// write files beyond N bytes, as on a full disk (the Go runtime ignores
	// SIGXFSZ, so writes fail with EFBIG).
	if v := os.Getenv("RETINAIO_TEST_FSIZE"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err == nil {
			err = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n})
		}
		if err != nil {
			panic(err)
		}
	}
}

// TestMat2npzFullDisk: an archive that cannot be written is reported as a
// write error on the output, exit 1, and not as unreadable datasets of the
// input (which reads fine); nothing is left behind in the output folder.
func TestMat2npzFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	in := filepath.Join(corpusDir, "chunks_latest.h5")
	dir := t.TempDir()
	out := filepath.Join(dir, "out.npz")
	cmd := exec.Command(exe, "mat2npz", in, out)
	cmd.Env = append(os.Environ(), "RETINAIO_TEST_MAIN=1", "RETINAIO_TEST_FSIZE=65536")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, stderr %q; want exit 1", err, errb.String())
	}
	msg := errb.String()
	if !strings.Contains(msg, "writing "+out) || strings.Contains(msg, "unreadable") {
		t.Errorf("stderr %q; want a write error on %s, no unreadable datasets", msg, out)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left in the output folder: %v", left)
	}
	// the same conversion without the limit succeeds (the limit is the cause)
	cmd = exec.Command(exe, "mat2npz", in, out)
	cmd.Env = append(os.Environ(), "RETINAIO_TEST_MAIN=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("without the limit: %v: %s", err, b)
	}
}

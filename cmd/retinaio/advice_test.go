package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/internal/testutil"
	"github.com/retinaio/retinaio/karamanlis"
)

// TestPrepareAdvice: the library's off-screen error carries no flag; the
// command adds the flag advice to the failed session's line.
func TestPrepareAdvice(t *testing.T) {
	dir := t.TempDir()
	sess := filepath.Join(dir, "data", "20990101_x_mouse")
	if err := os.MkdirAll(sess, 0o755); err != nil {
		t.Fatal(err)
	}
	testutil.CopyFile(t, filepath.Join("..", "..", "karamanlis", "testdata", "bad", "offscreen", "fixationmovie_data.mat"),
		filepath.Join(sess, "fixationmovie_data.mat"))
	var out, errb bytes.Buffer
	code := runMain(context.Background(), []string{"prepare", filepath.Join(dir, "data"), "--out", filepath.Join(dir, "out"),
		"--cache-dir", filepath.Join(dir, "cache"), "--no-checksums"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s %s", code, out.String(), errb.String())
	}
	line := ""
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "FAILED") {
			line = l
		}
	}
	if !strings.Contains(line, "off the 600x800 screen") || !strings.HasSuffix(line, "(use --semantics matlab, which leaves such a frame blank as returnFixMovie.m does)") {
		t.Errorf("FAILED line %q lacks the advice", line)
	}
	if advice(nil) != "" || withAdvice(errors.New("something")) != "" {
		t.Error("advice for an error without one")
	}
	if a := advice(&os.PathError{Op: "open", Path: "/x", Err: os.ErrNotExist}); a != "check the path" {
		t.Errorf("missing file: advice %q", a)
	}
	if a := advice(fmt.Errorf("s: %w", karamanlis.ErrConstantMovie)); a != "use --no-normalize" {
		t.Errorf("constant movie: advice %q", a)
	}
	if a := advice(fmt.Errorf("s: %w", karamanlis.ErrRemote)); !strings.Contains(a, "retinaio fetch") {
		t.Errorf("URL: advice %q", a)
	}
}

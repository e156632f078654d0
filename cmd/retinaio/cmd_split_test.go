package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/npy"
)

func runSplitEvalCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runMain(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// TestSplitCommand: the split written by the command equals the split
// computed by numpy the way openretina does (clips/testdata/gen_clips.py).
func TestSplitCommand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "session.npz")
	raw, err := os.ReadFile("../../clips/testdata/session_tail.npz")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(in, raw, 0o644)
	out := filepath.Join(dir, "split.npz")
	stdout, stderr, code := runSplitEvalCmd(t, "split", in, "--clip-length", "75", "--val-clips", "5", "--seed", "42", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "13 clips of 75 frames + 25 tail frames") {
		t.Errorf("stdout: %s", stdout)
	}
	got, err := npy.OpenNPZ(out)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	want, err := npy.OpenNPZ("../../clips/testdata/expect_tail.npz")
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()
	for _, k := range []string{"val_clip_idx", "stim_train", "stim_val", "resp_train", "resp_val"} {
		a, err := got.Read(k)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := want.Read(k)
		if a.Descr != b.Descr || !reflect.DeepEqual(a.Shape, b.Shape) || !reflect.DeepEqual(a.Data, b.Data) {
			t.Errorf("%s differs from numpy's split: %s %v vs %s %v", k, a.Descr, a.Shape, b.Descr, b.Shape)
		}
	}
	for _, k := range []string{"stim_test", "resp_test", "resp_test_by_trial", "norm_mean", "norm_std"} {
		if !got.Has(k) {
			t.Errorf("%s not passed through", k)
		}
	}
	if after, _ := os.ReadFile(in); !bytes.Equal(after, raw) {
		t.Error("input modified")
	}

	// openretina's response tail.
	out2 := filepath.Join(dir, "split2.npz")
	if _, stderr, code := runSplitEvalCmd(t, "split", in, "--val-clips", "5", "--out", out2, "--openretina-resp-tail"); code != 0 {
		t.Fatal(stderr)
	}
	g2, _ := npy.OpenNPZ(out2)
	defer g2.Close()
	a, _ := g2.Read("resp_train")
	b, _ := want.Read("resp_train_openretina")
	if !reflect.DeepEqual(a.Shape, b.Shape) || !reflect.DeepEqual(a.Data, b.Data) {
		t.Errorf("--openretina-resp-tail: %v vs numpy %v", a.Shape, b.Shape)
	}

	// Errors: too few clips (13 < 20+1), same file, missing --out.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"split", in, "--out", filepath.Join(dir, "x.npz")}, "13 clips of 75 frames, too few for 20"},
		{[]string{"split", in, "--val-clips", "5", "--out", in}, "input file"},
		{[]string{"split", in}, "--out"},
		{[]string{"split", in, "--seed", "-1", "--out", filepath.Join(dir, "y.npz")}, "seed"},
	} {
		_, stderr, code := runSplitEvalCmd(t, c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.npz")); !os.IsNotExist(err) {
		t.Error("failed split left an output file")
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
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
	sameAsNumpySplit(t, out, "../../clips/testdata/expect_tail.npz")
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
		code int // 0: any failure (the flag package's parse errors)
		want string
	}{
		{[]string{"split", in, "--out", filepath.Join(dir, "x.npz")}, 1, "session.npz: the training movie has 1000 frames = 13 clips of 75 frames; --val-clips 20 needs at least 21 clips (20 for validation, 1 or more for training): use --val-clips 12 or fewer, or --clip-length 47 or shorter\n"},
		{[]string{"split", in, "--val-clips", "5", "--out", in}, 2, "input file"},
		{[]string{"split", in}, 2, "--out"},
		{[]string{"split", in, "--seed", "-1", "--out", filepath.Join(dir, "y.npz")}, 0, "seed"},
		{[]string{"split", in, "--seed", "4294967296", "--out", filepath.Join(dir, "y.npz")}, 2, "--seed: seed 4294967296 is out of range: numpy's RandomState takes seeds from 0 to 2^32-1 = 4294967295"},
		{[]string{"split", in, "--val-clip-indices", "1,2", "--seed", "3", "--out", filepath.Join(dir, "y.npz")}, 2, "give either --val-clip-indices or --val-clips/--seed"},
		{[]string{"split", in, "--val-clip-indices", "1,x", "--out", filepath.Join(dir, "y.npz")}, 2, `--val-clip-indices "1,x": clip index "x" is not an integer`},
		{[]string{"split", in, "--val-clip-indices", "1,13", "--out", filepath.Join(dir, "y.npz")}, 1, "validation clip index 13 is out of range: the training movie has 1000 frames = 13 clips of 75 frames (indices 0 to 12)"},
	} {
		_, stderr, code := runSplitEvalCmd(t, c.args...)
		if code == 0 || (c.code != 0 && code != c.code) || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
	for _, f := range []string{"x.npz", "y.npz"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("failed split left %s", f)
		}
	}
}

// TestSplitGivenAndJSON: --val-clip-indices gives numpy's split with those
// clips (clips/testdata/gen_given.py), and --json reports the plan.
func TestSplitGivenAndJSON(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "session.npz")
	raw, err := os.ReadFile("../../clips/testdata/session_tail.npz")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(in, raw, 0o644)
	out := filepath.Join(dir, "split.npz")
	stdout, stderr, code := runSplitEvalCmd(t, "split", in, "--val-clip-indices", "11, 2,7", "--out", out, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Frames          int   `json:"frames"`
		ClipLength      int   `json:"clip_length"`
		NumClips        int   `json:"num_clips"`
		TailFrames      int   `json:"tail_frames"`
		ValClipIdx      []int `json:"val_clip_idx"`
		TrainClipIdx    []int `json:"train_clip_idx"`
		Given           bool  `json:"val_clips_given"`
		Seed            *int  `json:"seed"`
		TrainFrames     int   `json:"train_frames"`
		ValFrames       int   `json:"val_frames"`
		RespTrainFrames int   `json:"resp_train_frames"`
		Output          string
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	// By hand: 1000 frames = 13 clips of 75 + 25; validation 11 2 7;
	// training the 10 others.
	if rep.Frames != 1000 || rep.ClipLength != 75 || rep.NumClips != 13 || rep.TailFrames != 25 || !reflect.DeepEqual(rep.ValClipIdx, []int{11, 2, 7}) ||
		!reflect.DeepEqual(rep.TrainClipIdx, []int{0, 1, 3, 4, 5, 6, 8, 9, 10, 12}) || !rep.Given || rep.Seed != nil ||
		rep.TrainFrames != 750 || rep.ValFrames != 225 || rep.RespTrainFrames != 750 || rep.Output != out {
		t.Errorf("report %+v\n%s", rep, stdout)
	}
	sameAsNumpySplit(t, out, "../../clips/testdata/expect_given_unsorted.npz")
	// Drawn, with --json: the seed is reported.
	stdout, stderr, code = runSplitEvalCmd(t, "split", in, "--val-clips", "5", "--out", filepath.Join(dir, "s2.npz"), "--json", "--openretina-resp-tail")
	if code != 0 {
		t.Fatal(stderr)
	}
	rep.Seed = nil
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || rep.Seed == nil || *rep.Seed != 42 || rep.Given || rep.RespTrainFrames != 600+25 {
		t.Errorf("%v %+v", err, rep)
	}
	// Without --json: the report says the clips were given.
	stdout, _, code = runSplitEvalCmd(t, "split", in, "--val-clip-indices", "4", "--out", filepath.Join(dir, "s3.npz"))
	if code != 0 || !strings.Contains(stdout, "validation clips (given): 4\n") {
		t.Errorf("exit %d\n%s", code, stdout)
	}
}

// sameAsNumpySplit checks that the split file at path holds numpy's arrays
// from the reference file want (dtype, shape and values).
func sameAsNumpySplit(t *testing.T, path, want string) {
	t.Helper()
	got, err := npy.OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	ref, err := npy.OpenNPZ(want)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	for _, k := range []string{"val_clip_idx", "stim_train", "stim_val", "resp_train", "resp_val"} {
		a, err := got.Read(k)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ref.Read(k)
		if err != nil {
			t.Fatalf("reference %s: %v", want, err)
		}
		if a.Descr != b.Descr || !reflect.DeepEqual(a.Shape, b.Shape) || !reflect.DeepEqual(a.Data, b.Data) {
			t.Errorf("%s differs from numpy's split: %s %v vs %s %v", k, a.Descr, a.Shape, b.Descr, b.Shape)
		}
	}
}

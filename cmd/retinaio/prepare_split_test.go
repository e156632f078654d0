package main

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// TestPrepareSplit: prepare --split writes the same session as prepare,
// with stim_train/resp_train cut into openretina's clips. The validation
// clip order comes from numpy: RandomState(7).choice(8, 3, replace=False)
// is [2 5 0] (numpy 1.24); the cut arrays are checked against slicing the
// unsplit output by hand.
func TestPrepareSplit(t *testing.T) {
	ctx := context.Background()
	root := klGoldenRoot(t)
	g := klGoldenSessions[2] // marmoset: 2 blocks x 40 frames = 8 clips of 10
	plain, split := t.TempDir(), t.TempDir()
	for _, run := range []struct {
		out  string
		args []string
	}{
		{plain, nil},
		{split, []string{"--split", "--clip-length", "10", "--val-clips", "3", "--seed", "7"}},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"prepare", root, "--species", g.species, "--out", run.out, "--cache-dir", t.TempDir(), "--no-cache"}, run.args...)
		if code := runMain(ctx, args, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
	}
	a := klReadNPZ(t, filepath.Join(plain, g.name+".npz"))
	b := klReadNPZ(t, filepath.Join(split, g.name+".npz"))

	idx, err := b["val_clip_idx"].Int64()
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{2, 5, 0}; !slices.Equal(idx, want) {
		t.Fatalf("val_clip_idx %v, want numpy's %v", idx, want)
	}
	train := []int{1, 3, 4, 6, 7} // the other clips, ascending
	const L, fs = 10, 60 * 80

	stim := klCOrder(t, a["stim_train"])
	resp := klCOrder(t, a["resp_train"])
	T := a["stim_train"].Shape[1]
	N := a["resp_train"].Shape[0]
	cut := func(clipsIdx []int64) (s, r []float64) {
		for _, c := range clipsIdx {
			s = append(s, stim[int(c)*L*fs:(int(c)+1)*L*fs]...)
		}
		for n := 0; n < N; n++ {
			for _, c := range clipsIdx {
				r = append(r, resp[n*T+int(c)*L:n*T+(int(c)+1)*L]...)
			}
		}
		return s, r
	}
	var trainIdx []int64
	for _, c := range train {
		trainIdx = append(trainIdx, int64(c))
	}
	wantST, wantRT := cut(trainIdx)
	wantSV, wantRV := cut(idx)
	for _, c := range []struct {
		key   string
		want  []float64
		shape []int
	}{
		{"stim_train", wantST, []int{1, len(train) * L, 60, 80}},
		{"stim_val", wantSV, []int{1, 3 * L, 60, 80}},
		{"resp_train", wantRT, []int{N, len(train) * L}},
		{"resp_val", wantRV, []int{N, 3 * L}},
	} {
		got := b[c.key]
		if got == nil {
			t.Fatalf("no %s in the split output", c.key)
		}
		if !slices.Equal(got.Shape, c.shape) {
			t.Fatalf("%s shape %v, want %v", c.key, got.Shape, c.shape)
		}
		if !slices.Equal(klCOrder(t, got), c.want) {
			t.Errorf("%s differs from slicing the unsplit output", c.key)
		}
	}
	for _, key := range []string{"stim_test", "resp_test", "resp_test_by_trial", "norm_mean", "norm_std"} {
		if !slices.Equal(klCOrder(t, a[key]), klCOrder(t, b[key])) {
			t.Errorf("%s changed with --split", key)
		}
	}

	// Too few clips: a clear error for the session.
	var stdout, stderr bytes.Buffer
	code := runMain(ctx, []string{"prepare", root, "--species", g.species, "--out", t.TempDir(), "--cache-dir", t.TempDir(),
		"--no-cache", "--split", "--clip-length", "40", "--val-clips", "2"}, &stdout, &stderr)
	if code == 0 {
		t.Fatalf("2 clips with 2 validation clips: exit 0\n%s", stdout.String())
	}
}

package clips

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/npy"
)

type caseParams struct {
	ClipLength int    `json:"clip_length"`
	ValClips   int    `json:"val_clips"`
	Seed       uint32 `json:"seed"`
	T          int    `json:"T"`
}

func loadCases(t *testing.T) map[string]caseParams {
	t.Helper()
	b, err := os.ReadFile("testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]caseParams
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func mustRead(t *testing.T, r *npy.NPZReader, name string) *npy.Array {
	t.Helper()
	a, err := r.Read(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func openT(t *testing.T, path string) *npy.NPZReader {
	t.Helper()
	r, err := npy.OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func sameArray(t *testing.T, what string, got, want *npy.Array) {
	t.Helper()
	if !reflect.DeepEqual(got.Shape, want.Shape) || got.Descr != want.Descr {
		t.Errorf("%s: %s %v, numpy %s %v", what, got.Descr, got.Shape, want.Descr, want.Shape)
		return
	}
	if !reflect.DeepEqual(got.Data, want.Data) {
		t.Errorf("%s: values differ from numpy's", what)
	}
}

func TestSplitSessionMatchesNumpy(t *testing.T) {
	for name, c := range loadCases(t) {
		in := openT(t, "testdata/session_"+name+".npz")
		exp := openT(t, "testdata/expect_"+name+".npz")
		stim := mustRead(t, in, "stim_train")
		resp := mustRead(t, in, "resp_train")
		opt := Options{ClipLength: c.ClipLength, ValClips: c.ValClips, Seed: c.Seed}
		for _, keep := range []bool{false, true} {
			opt.KeepResponseTail = keep
			s, err := SplitSession(stim.Data.([]float32), stim.Shape, resp.Data.([]float64), resp.Shape, opt)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got, want := s.Plan.ValClipIdx(), mustRead(t, exp, "val_clip_idx").Data; !reflect.DeepEqual(got, want) {
				t.Errorf("%s: val_clip_idx %v, numpy %v", name, got, want)
			}
			sameArray(t, name+" stim_train", &npy.Array{Header: npy.Header{Descr: "<f4", Shape: s.StimTrainShape}, Data: s.StimTrain}, mustRead(t, exp, "stim_train"))
			sameArray(t, name+" stim_val", &npy.Array{Header: npy.Header{Descr: "<f4", Shape: s.StimValShape}, Data: s.StimVal}, mustRead(t, exp, "stim_val"))
			sameArray(t, name+" resp_val", &npy.Array{Header: npy.Header{Descr: "<f8", Shape: s.RespValShape}, Data: s.RespVal}, mustRead(t, exp, "resp_val"))
			wantResp := "resp_train"
			if keep {
				wantResp = "resp_train_openretina"
			}
			sameArray(t, name+" "+wantResp, &npy.Array{Header: npy.Header{Descr: "<f8", Shape: s.RespTrainShape}, Data: s.RespTrain}, mustRead(t, exp, wantResp))
		}
	}
}

func TestSplitNPZMatchesNumpy(t *testing.T) {
	for name, c := range loadCases(t) {
		in := openT(t, "testdata/session_"+name+".npz")
		exp := openT(t, "testdata/expect_"+name+".npz")
		var buf bytes.Buffer
		z := npy.NewNPZWriter(&buf, npy.NPZOptions{})
		opt := Options{ClipLength: c.ClipLength, ValClips: c.ValClips, Seed: c.Seed}
		p, err := SplitNPZ(in, z, opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		if p.NumClips != c.T/c.ClipLength || p.TailFrames() != c.T%c.ClipLength {
			t.Errorf("%s: plan %+v", name, p)
		}
		out, err := npy.NewNPZReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		wantNames := []string{"val_clip_idx", "stim_train", "stim_val", "resp_train", "resp_val", "stim_test", "norm_mean", "norm_std", "resp_test", "resp_test_by_trial"}
		if got := out.Names(); !reflect.DeepEqual(got, wantNames) {
			t.Errorf("%s: names %v", name, got)
		}
		for _, k := range []string{"val_clip_idx", "stim_train", "stim_val", "resp_train", "resp_val"} {
			sameArray(t, name+" "+k, mustRead(t, out, k), mustRead(t, exp, k))
		}
		for _, k := range []string{"stim_test", "norm_mean", "norm_std", "resp_test", "resp_test_by_trial"} {
			sameArray(t, name+" "+k, mustRead(t, out, k), mustRead(t, in, k))
		}
	}
}

func TestDefaultsAndErrors(t *testing.T) {
	// The documented draw: RandomState(42).choice(100, 20).
	p, err := NewPlan(100*75+74, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := []int{83, 53, 70, 45, 44, 39, 22, 80, 10, 0, 18, 30, 73, 33, 90, 4, 76, 77, 12, 31}
	if !reflect.DeepEqual(p.Val, want) || len(p.Train) != 80 || p.TailFrames() != 74 || p.Train[0] != 1 {
		t.Errorf("plan %+v", p)
	}
	if _, err := NewPlan(20*75+74, DefaultOptions()); err == nil || !strings.Contains(err.Error(), "20 clips") {
		t.Errorf("too few clips: %v", err)
	}
	if _, err := NewPlan(100, Options{ClipLength: 0}); err == nil {
		t.Error("clip length 0 accepted")
	}
	if _, err := SplitSession(make([]float32, 10), []int{1, 10}, make([]float64, 9), []int{1, 9}, Options{ClipLength: 2, ValClips: 1}); err == nil {
		t.Error("mismatched frame counts accepted")
	}
	// Splitting a split archive is refused.
	in := openT(t, "testdata/expect_tail.npz")
	var buf bytes.Buffer
	if _, err := SplitNPZ(in, npy.NewNPZWriter(&buf, npy.NPZOptions{}), DefaultOptions()); err == nil || !strings.Contains(err.Error(), "split already") {
		t.Errorf("split of a split: %v", err)
	}
}

// TestGivenValClipIndices: explicit validation clips (openretina's
// val_clip_indices) give numpy's split (testdata/gen_given.py), both in
// memory and streamed; the numpy-drawn indices given explicitly give the
// drawn split.
func TestGivenValClipIndices(t *testing.T) {
	b, err := os.ReadFile("testdata/given.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases map[string]struct {
		ClipLength int   `json:"clip_length"`
		Given      []int `json:"val_clip_indices"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 3 {
		t.Fatalf("%d cases", len(cases))
	}
	in := openT(t, "testdata/session_tail.npz")
	stim := mustRead(t, in, "stim_train")
	resp := mustRead(t, in, "resp_train")
	for name, c := range cases {
		exp := openT(t, "testdata/expect_"+name+".npz")
		// Seed and ValClips are ignored when indices are given.
		opt := Options{ClipLength: c.ClipLength, ValClips: 99, Seed: 7, ValClipIndices: append([]int{}, c.Given...)}
		for _, keep := range []bool{false, true} {
			opt.KeepResponseTail = keep
			s, err := SplitSession(stim.Data.([]float32), stim.Shape, resp.Data.([]float64), resp.Shape, opt)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got, want := s.Plan.ValClipIdx(), mustRead(t, exp, "val_clip_idx").Data; !reflect.DeepEqual(got, want) {
				t.Errorf("%s: val_clip_idx %v, numpy %v", name, got, want)
			}
			sameArray(t, name+" stim_train", &npy.Array{Header: npy.Header{Descr: "<f4", Shape: s.StimTrainShape}, Data: s.StimTrain}, mustRead(t, exp, "stim_train"))
			sameArray(t, name+" stim_val", &npy.Array{Header: npy.Header{Descr: "<f4", Shape: s.StimValShape}, Data: s.StimVal}, mustRead(t, exp, "stim_val"))
			sameArray(t, name+" resp_val", &npy.Array{Header: npy.Header{Descr: "<f8", Shape: s.RespValShape}, Data: s.RespVal}, mustRead(t, exp, "resp_val"))
			wantResp := "resp_train"
			if keep {
				wantResp = "resp_train_openretina"
			}
			sameArray(t, name+" "+wantResp, &npy.Array{Header: npy.Header{Descr: "<f8", Shape: s.RespTrainShape}, Data: s.RespTrain}, mustRead(t, exp, wantResp))
		}
		var buf bytes.Buffer
		z := npy.NewNPZWriter(&buf, npy.NPZOptions{})
		opt.KeepResponseTail = false
		if _, err := SplitNPZ(in, z, opt); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		out, err := npy.NewNPZReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"val_clip_idx", "stim_train", "stim_val", "resp_train", "resp_val"} {
			sameArray(t, name+" streamed "+k, mustRead(t, out, k), mustRead(t, exp, k))
		}
	}
	// The drawn indices, given explicitly, reproduce the draw.
	for name, c := range loadCases(t) {
		exp := openT(t, "testdata/expect_"+name+".npz")
		idx, _ := mustRead(t, exp, "val_clip_idx").Int64()
		given := make([]int, len(idx))
		for i, v := range idx {
			given[i] = int(v)
		}
		p, err := NewPlan(c.T, Options{ClipLength: c.ClipLength, ValClipIndices: given})
		if err != nil {
			t.Fatal(err)
		}
		q, _ := NewPlan(c.T, Options{ClipLength: c.ClipLength, ValClips: c.ValClips, Seed: c.Seed})
		if !reflect.DeepEqual(p, q) {
			t.Errorf("%s: given %+v, drawn %+v", name, p, q)
		}
	}
}

func TestGivenValClipIndicesErrors(t *testing.T) {
	for _, c := range []struct {
		given []int
		want  string
	}{
		{[]int{3, 13}, "index 13 is out of range: the training movie has 1000 frames = 13 clips of 75 frames (indices 0 to 12)"},
		{[]int{-1}, "index -1 is out of range"},
		{[]int{4, 2, 4}, "index 4 is given twice (positions 1 and 3)"},
		{[]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, "13 validation clips given but the training movie has 1000 frames = 13 clips of 75 frames: leave at least one clip for training"},
	} {
		_, err := NewPlan(1000, Options{ClipLength: 75, ValClipIndices: c.given})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.given, err, c.want)
		}
	}
	for _, c := range []struct {
		in   string
		want []int
		err  string
	}{
		{"3,7, 12", []int{3, 7, 12}, ""},
		{"", []int{}, ""},
		{"3,,4", nil, `clip index "" is not an integer`},
		{"3;4", nil, `clip index "3;4" is not an integer`},
	} {
		got, err := ParseClipIndices(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: %v %v", c.in, got, err)
		}
	}
}

// TestTooFewClips: the error says how many frames and clips there are and
// which values would work (checked by hand: 750 frames = 10 clips of 75;
// 20 validation clips need 21; at most 9 validation clips, or clips of at
// most 750/21 = 35 frames).
func TestTooFewClips(t *testing.T) {
	_, err := NewPlan(750, DefaultOptions())
	var tf *TooFewClipsError
	if !errors.As(err, &tf) {
		t.Fatalf("%T %v", err, err)
	}
	if tf.Frames != 750 || tf.Clips != 10 || tf.ValClips != 20 || tf.MaxValClips() != 9 || tf.MaxClipLength() != 35 {
		t.Errorf("%+v", tf)
	}
	want := "the training movie has 750 frames = 10 clips of 75 frames; 20 validation clips need at least 21 clips (20 for validation, 1 or more for training): use at most 9 validation clips of 75 frames, or clips of at most 35 frames for 20 validation clips"
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
	// Both suggestions work.
	if _, err := NewPlan(750, Options{ClipLength: 75, ValClips: 9}); err != nil {
		t.Error(err)
	}
	if _, err := NewPlan(750, Options{ClipLength: 35, ValClips: 20}); err != nil {
		t.Error(err)
	}
	// One clip: only a shorter clip helps; 10 frames, 20 clips: nothing.
	_, err = NewPlan(100, DefaultOptions())
	if err == nil || !strings.HasSuffix(err.Error(), "use clips of at most 4 frames for 20 validation clips") {
		t.Error(err)
	}
	_, err = NewPlan(10, DefaultOptions())
	if err == nil || !strings.HasSuffix(err.Error(), "too short to split") {
		t.Error(err)
	}
}

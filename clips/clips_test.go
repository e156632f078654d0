package clips

import (
	"bytes"
	"encoding/json"
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

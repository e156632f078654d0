package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/internal/testutil"
	"github.com/retinaio/retinaio/npy"
)

const metricsData = "../../metrics/testdata/"

// relClose reports agreement to 1e-12 relative (absolute below 1e-3).
func relClose(got, want float64) bool {
	return math.Abs(got-want) <= 1e-12*math.Max(math.Abs(want), 1e-3)
}

// TestEvalCommand: --json output equals the numpy implementation of
// openretina's formulas (metrics/testdata/gen_metrics.py).
func TestEvalCommand(t *testing.T) {
	b, err := os.ReadFile(metricsData + "expect.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]struct {
		Neurons []map[string]float64 `json:"neurons"`
		Summary map[string]float64   `json:"summary"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	for name, e := range exp {
		stdout, stderr, code := runSplitEvalCmd(t, "eval", "--pred", metricsData+"pred_"+name+".npz",
			"--data", metricsData+"session_"+name+".npz", "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		var got struct {
			Neurons []map[string]any `json:"neurons"`
			Summary map[string]any   `json:"summary"`
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stdout)
		}
		if len(got.Neurons) != len(e.Neurons) {
			t.Fatalf("%s: %d neurons", name, len(got.Neurons))
		}
		for i := range e.Neurons {
			for k, w := range e.Neurons[i] {
				if g, ok := got.Neurons[i][k].(float64); !ok || !relClose(g, w) {
					t.Errorf("%s neuron %d %s: %v, numpy %v", name, i, k, got.Neurons[i][k], w)
				}
			}
		}
		for k, w := range e.Summary {
			if g, ok := got.Summary[k].(float64); !ok || !relClose(g, w) {
				t.Errorf("%s summary %s: %v, numpy %v", name, k, got.Summary[k], w)
			}
		}
	}
	// Table output.
	stdout, _, code := runSplitEvalCmd(t, "eval", "--pred", metricsData+"pred_lag.npz",
		"--data", metricsData+"session_lag.npz", "--min-var-ratio", "0.5")
	for _, want := range []string{"targets: the last 45 of 70 frames", "var_ratio >= 0.5", "per trial: corr ", "var_ratio ", "poisson "} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	// Mismatched neuron counts.
	_, stderr, code := runSplitEvalCmd(t, "eval", "--pred", metricsData+"pred_basic.npz",
		"--data", metricsData+"session_lag.npz")
	if code != 1 || !strings.Contains(stderr, "has 8 neurons") {
		t.Errorf("mismatch: exit %d %s", code, stderr)
	}
	// Prediction longer than the test sequence.
	dir := t.TempDir()
	p := filepath.Join(dir, "p.npz")
	z, _ := npy.CreateNPZ(p, npy.NPZOptions{})
	z.Add("pred_test", []int{5, 71}, make([]float32, 5*71))
	z.Close()
	_, stderr, code = runSplitEvalCmd(t, "eval", "--pred", p, "--data", metricsData+"session_lag.npz")
	if code != 1 || !strings.Contains(stderr, "71 frames") {
		t.Errorf("long prediction: exit %d %s", code, stderr)
	}
	if _, _, code := runSplitEvalCmd(t, "eval", "--pred", p); code != 2 {
		t.Errorf("missing --data: exit %d", code)
	}
}

// evalJSON is eval's --json output, decoded with null as NaN.
type evalJSON struct {
	Neurons []struct {
		CorrToAverage *float64   `json:"corr_to_average"`
		FEVE          *float64   `json:"feve"`
		VarRatio      *float64   `json:"var_ratio"`
		OracleCorr    *float64   `json:"oracle_corr"`
		MSE           *float64   `json:"mse"`
		Poisson       *float64   `json:"poisson"`
		GMO           *float64   `json:"global_mean_oracle"`
		Kept          bool       `json:"kept"`
		CorrByTrial   []*float64 `json:"corr_by_trial"`
		MSEByTrial    []*float64 `json:"mse_by_trial"`
	} `json:"neurons"`
	Summary map[string]any `json:"summary"`
	Notes   []string       `json:"notes"`
}

// expectEval is a case of metrics/testdata/expect_eval.json (numpy
// re-implementation of openretina's evaluation script).
type expectEval = testutil.EvalCase

func loadExpectEval(t *testing.T) map[string]expectEval {
	t.Helper()
	return testutil.LoadEvalCases(t, metricsData+"expect_eval.json")
}

// compareEval checks eval's JSON against the numpy reference, every
// per-neuron value and every summary field of openretina's
// EvaluationSummary, to 1e-12 relative; it returns the largest relative
// difference.
func compareEval(t *testing.T, name string, got evalJSON, e expectEval) float64 {
	t.Helper()
	worst := 0.0
	cmp := func(what string, g, w *float64) {
		t.Helper()
		switch {
		case w == nil && g == nil:
		case w == nil || g == nil:
			t.Errorf("%s %s: %v, numpy %v (nil is NaN)", name, what, g, w)
		default:
			d := math.Abs(*g-*w) / math.Max(math.Abs(*w), 1e-3)
			if !(d <= 1e-12) {
				t.Errorf("%s %s: %.17g, numpy %.17g", name, what, *g, *w)
			}
			worst = math.Max(worst, d)
		}
	}
	if len(got.Neurons) != len(e.Neurons) {
		t.Fatalf("%s: %d neurons, numpy %d", name, len(got.Neurons), len(e.Neurons))
	}
	for i, w := range e.Neurons {
		g := got.Neurons[i]
		at := func(k string) string { return fmt.Sprintf("neuron %d %s", i, k) }
		cmp(at("corr_to_average"), g.CorrToAverage, w.CorrToAverage)
		cmp(at("feve"), g.FEVE, w.FEVE)
		cmp(at("var_ratio"), g.VarRatio, w.VarRatio)
		cmp(at("jackknife"), g.OracleCorr, w.Jackknife)
		cmp(at("mse"), g.MSE, w.MSE)
		cmp(at("poisson"), g.Poisson, w.Poisson)
		if e.Options.GMO {
			cmp(at("global_mean_oracle"), g.GMO, w.GMO)
		} else if g.GMO != nil {
			t.Errorf("%s: global_mean_oracle not asked for but written", name)
		}
		if g.Kept != w.Kept {
			t.Errorf("%s %s: %v", name, at("kept"), g.Kept)
		}
		if len(g.CorrByTrial) != len(w.CorrByTrial) || len(g.MSEByTrial) != len(w.MSEByTrial) {
			t.Fatalf("%s %s: %d trials, numpy %d", name, at("by trial"), len(g.CorrByTrial), len(w.CorrByTrial))
		}
		for k := range w.CorrByTrial {
			cmp(at(fmt.Sprintf("corr_%d", k)), g.CorrByTrial[k], w.CorrByTrial[k])
			cmp(at(fmt.Sprintf("mse_%d", k)), g.MSEByTrial[k], w.MSEByTrial[k])
		}
	}
	reasons, _ := got.Summary["nan_reasons"].(map[string]any)
	for k, w := range e.Summary {
		if k == "global_mean_oracle_mean" && !e.Options.GMO {
			if _, ok := got.Summary[k]; ok {
				t.Errorf("%s: %s written though not asked for", name, k)
			}
			continue
		}
		g, ok := got.Summary[k]
		if !ok {
			t.Errorf("%s: summary has no %s", name, k)
			continue
		}
		switch w := w.(type) {
		case nil:
			if g != nil {
				t.Errorf("%s summary %s: %v, openretina NaN", name, k, g)
			}
			if r, _ := reasons[k].(string); r == "" {
				t.Errorf("%s summary %s: NaN without a reason in nan_reasons", name, k)
			}
		case bool:
			if g != w {
				t.Errorf("%s summary %s: %v, openretina %v", name, k, g, w)
			}
		case float64:
			gf, ok := g.(float64)
			if !ok {
				t.Errorf("%s summary %s: %v, numpy %v", name, k, g, w)
				continue
			}
			cmp("summary "+k, &gf, &w)
		}
	}
	return worst
}

func runEvalJSON(t *testing.T, args ...string) (evalJSON, string) {
	t.Helper()
	stdout, stderr, code := runSplitEvalCmd(t, append([]string{"eval", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	var got evalJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, stdout)
	}
	return got, stderr
}

// TestEvalMatchesOpenretinaEval: every case of the numpy re-implementation
// of openretina's evaluation script, with its options as flags (one trial,
// lag + --cut-first-n-frames, --global-mean-oracle, NaN responses, nothing
// kept, float16 prediction).
func TestEvalMatchesOpenretinaEval(t *testing.T) {
	worst := 0.0
	for name, e := range loadExpectEval(t) {
		args := []string{"--pred", metricsData + "eval_pred_" + name + ".npz", "--data", metricsData + "eval_session_" + name + ".npz",
			"--min-var-ratio", fmt.Sprint(e.Options.Cutoff), "--cut-first-n-frames", fmt.Sprint(e.Options.Cut)}
		if e.Options.GMO {
			args = append(args, "--global-mean-oracle")
		}
		got, stderr := runEvalJSON(t, args...)
		worst = math.Max(worst, compareEval(t, name, got, e))
		if name == "one_trial" {
			if len(got.Notes) != 1 || !strings.Contains(got.Notes[0], "single trial") || !strings.Contains(stderr, "single trial") {
				t.Errorf("one trial: notes %q, stderr %q", got.Notes, stderr)
			}
		}
	}
	t.Logf("largest relative difference from numpy: %.2g", worst)
}

// TestEvalPredictionForms: the prediction as .npy, in Fortran order (what
// np.save / np.savez write for pred.T) in .npz and .npy, scores the same as
// the C-order .npz; float16 is covered by the "half" case above.
func TestEvalPredictionForms(t *testing.T) {
	e := loadExpectEval(t)["full"]
	for _, p := range []string{"eval_pred_full.npy", "eval_pred_full_fortran.npy", "eval_pred_full_fortran.npz"} {
		got, _ := runEvalJSON(t, "--pred", metricsData+p, "--data", metricsData+"eval_session_full.npz", "--global-mean-oracle")
		compareEval(t, p, got, e)
	}
	// The transposed hint, then the fix it suggests, works.
	dir := t.TempDir()
	tr := filepath.Join(dir, "transposed.npz")
	z, _ := npy.CreateNPZ(tr, npy.NPZOptions{})
	z.Add("pred_test", []int{60, 7}, make([]float64, 60*7))
	z.Close()
	_, stderr, code := runSplitEvalCmd(t, "eval", "--pred", tr, "--data", metricsData+"eval_session_full.npz")
	if code != 1 || !strings.Contains(stderr, "looks transposed (frames, neurons): save pred.T") {
		t.Errorf("transposed: exit %d %s", code, stderr)
	}
	// Neither .npy nor .npz.
	bad := filepath.Join(dir, "pred.txt")
	os.WriteFile(bad, []byte("1 2 3\n"), 0o644)
	_, stderr, code = runSplitEvalCmd(t, "eval", "--pred", bad, "--data", metricsData+"eval_session_full.npz")
	if code != 1 || !strings.Contains(stderr, "neither an .npy file nor an .npz archive") {
		t.Errorf("text file: exit %d %s", code, stderr)
	}
	// A prediction that cannot be read says why, not what it is not.
	_, stderr, code = runSplitEvalCmd(t, "eval", "--pred", dir, "--data", metricsData+"eval_session_full.npz")
	if code != 1 || strings.Contains(stderr, "neither an .npy file") || !strings.Contains(stderr, dir) { // ("is a directory" on Unix)
		t.Errorf("a folder as --pred: exit %d %s", code, stderr)
	}
	// An .npz without pred_test names what it has.
	other := filepath.Join(dir, "other.npz")
	z, _ = npy.CreateNPZ(other, npy.NPZOptions{})
	z.Add("prediction", []int{7, 60}, make([]float64, 7*60))
	z.Close()
	_, stderr, code = runSplitEvalCmd(t, "eval", "--pred", other, "--data", metricsData+"eval_session_full.npz")
	if code != 1 || !strings.Contains(stderr, `has no pred_test array (it has "prediction")`) {
		t.Errorf("no pred_test: exit %d %s", code, stderr)
	}
	// Bad option values.
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--cut-first-n-frames", "-1"}, 2, "--cut-first-n-frames -1: want 0 or more frames"},
		{[]string{"--min-var-ratio", "NaN"}, 2, "--min-var-ratio NaN"},
		{[]string{"--cut-first-n-frames", "60"}, 1, "cut_first_n_frames 60 leaves none of the 60 predicted frames"},
		{[]string{"--pred", metricsData + "eval_pred_full.npy"}, 2, "2 --pred and 1 --data: give one --pred for each --data"},
	} {
		args := append([]string{"eval", "--pred", metricsData + "eval_pred_full.npy", "--data", metricsData + "eval_session_full.npz"}, c.args...)
		_, stderr, code := runSplitEvalCmd(t, args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d %s", c.args, code, stderr)
		}
	}
}

// TestEvalWithoutTrials: a session with resp_test only is scored as one
// trial (openretina's fallback), with a warning on stderr.
func TestEvalWithoutTrials(t *testing.T) {
	src, err := npy.OpenNPZ(metricsData + "eval_session_one_trial.npz")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	avg, err := src.Read("resp_test")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "avg_only.npz")
	z, _ := npy.CreateNPZ(p, npy.NPZOptions{})
	z.Add("resp_test", avg.Shape, avg.Data)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	got, stderr := runEvalJSON(t, "--pred", metricsData+"eval_pred_one_trial.npz", "--data", p, "--global-mean-oracle")
	compareEval(t, "resp_test only", got, loadExpectEval(t)["one_trial"])
	if !strings.Contains(stderr, "has no resp_test_by_trial: resp_test (the trial average) is scored as a single trial") {
		t.Errorf("stderr %q", stderr)
	}
}

// TestFortranToC: element (i, j, k) of a Fortran-order (2, 3, 4) array
// sits at i + 2j + 6k; in C order at 12i + 4j + k.
func TestFortranToC(t *testing.T) {
	f := make([]float64, 24)
	for i := range f {
		f[i] = float64(i)
	}
	c := fortranToC(f, []int{2, 3, 4})
	for i := 0; i < 2; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 4; k++ {
				if got, want := c[12*i+4*j+k], float64(i+2*j+6*k); got != want {
					t.Errorf("(%d,%d,%d) = %v, want %v", i, j, k, got, want)
				}
			}
		}
	}
	if got := fortranToC([]float64{}, []int{0, 3}); len(got) != 0 {
		t.Errorf("empty: %v", got)
	}
}

// TestEvalSessions: several --pred/--data pairs give openretina's summary
// of one evaluation over all sessions (metrics/testdata/expect_eval_multi.json).
func TestEvalSessions(t *testing.T) {
	b, err := os.ReadFile(metricsData + "expect_eval_multi.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases map[string]struct {
		Sessions []string       `json:"sessions"`
		Cut      int            `json:"cut_first_n_frames"`
		Summary  map[string]any `json:"summary"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for name, c := range cases {
		args := []string{"--global-mean-oracle", "--cut-first-n-frames", fmt.Sprint(c.Cut)}
		for _, s := range c.Sessions {
			args = append(args, "--pred", metricsData+"eval_pred_"+s+".npz", "--data", metricsData+"eval_session_"+s+".npz")
		}
		stdout, stderr, code := runSplitEvalCmd(t, append([]string{"eval", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d %s", name, code, stderr)
		}
		var got struct {
			Neurons []struct {
				Session int  `json:"session"`
				Index   int  `json:"index"`
				Kept    bool `json:"kept"`
			} `json:"neurons"`
			Summary  map[string]any `json:"summary"`
			Sessions []struct {
				Data   string `json:"data"`
				Trials int    `json:"trials"`
			} `json:"sessions"`
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatal(err)
		}
		var e expectEval
		e.Summary = c.Summary
		e.Options.GMO = true
		compareEval(t, name, evalJSON{Summary: got.Summary}, e)
		if len(got.Sessions) != len(c.Sessions) || got.Neurons[len(got.Neurons)-1].Session != len(c.Sessions)-1 {
			t.Errorf("%s: sessions %+v", name, got.Sessions)
		}
		for _, n := range got.Neurons {
			if got.Sessions[n.Session].Trials == 1 && len(c.Sessions) > 1 && n.Kept {
				t.Errorf("%s: a single-trial neuron kept next to multi-trial sessions", name)
			}
		}
		// The table says how many trials each session has.
		stdout, _, _ = runSplitEvalCmd(t, append([]string{"eval"}, args...)...)
		if len(c.Sessions) == 3 && !strings.Contains(stdout, "trials: min 1, max 5, mean 3.0") {
			t.Errorf("%s table:\n%s", name, stdout)
		}
	}
	// Different lags are refused.
	_, stderr, code := runSplitEvalCmd(t, "eval", "--pred", metricsData+"eval_pred_full.npz", "--data", metricsData+"eval_session_full.npz",
		"--pred", metricsData+"eval_pred_multi_a.npz", "--data", metricsData+"eval_session_multi_a.npz")
	if code != 1 || !strings.Contains(stderr, "different temporal lags (0 and 4 frames)") {
		t.Errorf("lags: exit %d %s", code, stderr)
	}
}

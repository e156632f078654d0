package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/retinaio/retinaio/internal/testutil"
	"github.com/retinaio/retinaio/npy"
)

// evalCase is one case of testdata/expect_eval.json.
type evalCase = testutil.EvalCase

func loadEvalCases(t testing.TB) map[string]evalCase {
	t.Helper()
	return testutil.LoadEvalCases(t, "testdata/expect_eval.json")
}

func loadEvalInput(t testing.TB, name string) Input {
	t.Helper()
	s, err := npy.OpenNPZ("testdata/eval_session_" + name + ".npz")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := npy.OpenNPZ("testdata/eval_pred_" + name + ".npz")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	bt, err := s.Read("resp_test_by_trial")
	if err != nil {
		t.Fatal(err)
	}
	avg, err := s.Read("resp_test")
	if err != nil {
		t.Fatal(err)
	}
	pr, err := p.Read("pred_test")
	if err != nil {
		t.Fatal(err)
	}
	pred, err := pr.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return Input{Pred: pred, N: pr.Shape[0], Tp: pr.Shape[1],
		ByTrial: bt.Data.([]float64), K: bt.Shape[0], Tf: bt.Shape[2], Avg: avg.Data.([]float64)}
}

// relTol is the agreement asked of every value: 1e-12 relative (absolute
// below 1e-3, where a relative bound says little).
const relTol = 1e-12

// parity tracks the largest relative difference seen.
type parity struct {
	t     *testing.T
	worst float64
	where string
}

func (p *parity) check(what string, got float64, want *float64) {
	p.t.Helper()
	if want == nil {
		if !math.IsNaN(got) {
			p.t.Errorf("%s = %v, openretina NaN", what, got)
		}
		return
	}
	w := *want
	d := math.Abs(got-w) / math.Max(math.Abs(w), 1e-3)
	if !(d <= relTol) {
		p.t.Errorf("%s = %.17g, numpy %.17g (relative %.2g)", what, got, w, d)
	}
	if d > p.worst {
		p.worst, p.where = d, what
	}
}

func fp(v any) *float64 {
	f, ok := v.(float64)
	if !ok {
		return nil
	}
	return &f
}

// TestEvaluateMatchesOpenretinaEval compares every per-neuron value and
// every summary field with the numpy re-implementation of openretina's
// evaluation script.
func TestEvaluateMatchesOpenretinaEval(t *testing.T) {
	cases := loadEvalCases(t)
	if len(cases) < 6 {
		t.Fatalf("%d cases", len(cases))
	}
	p := &parity{t: t}
	for name, c := range cases {
		in := loadEvalInput(t, name)
		res, err := EvaluateWith(in, Options{MinVarRatio: c.Options.Cutoff, CutFirstNFrames: c.Options.Cut, GlobalMeanOracle: c.Options.GMO})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(res.Neurons) != len(c.Neurons) {
			t.Fatalf("%s: %d neurons, numpy %d", name, len(res.Neurons), len(c.Neurons))
		}
		for i, w := range c.Neurons {
			g := res.Neurons[i]
			at := func(k string) string { return fmt.Sprintf("%s neuron %d %s", name, i, k) }
			p.check(at("corr_to_average"), g.CorrToAverage, w.CorrToAverage)
			p.check(at("mse_to_average"), g.MSE, w.MSE)
			p.check(at("poisson_loss_to_average"), g.Poisson, w.Poisson)
			p.check(at("feve"), g.FEVE, w.FEVE)
			p.check(at("jackknife"), g.OracleCorr, w.Jackknife)
			p.check(at("var_ratio"), g.VarRatio, w.VarRatio)
			p.check(at("global_mean_oracle"), g.GlobalMeanOracle, w.GMO)
			if g.Kept != w.Kept {
				t.Errorf("%s: kept %v, openretina %v", at(""), g.Kept, w.Kept)
			}
			if len(g.CorrByTrial) != len(w.CorrByTrial) || len(g.MSEByTrial) != len(w.MSEByTrial) {
				t.Fatalf("%s: %d/%d trials, numpy %d", at("by trial"), len(g.CorrByTrial), len(g.MSEByTrial), len(w.CorrByTrial))
			}
			for k := range w.CorrByTrial {
				p.check(at(fmt.Sprintf("corr_%d", k)), g.CorrByTrial[k], w.CorrByTrial[k])
				p.check(at(fmt.Sprintf("mse_%d", k)), g.MSEByTrial[k], w.MSEByTrial[k])
			}
		}
		s := res.Summary
		for k, g := range map[string]float64{
			"corr_to_avg_mean": s.CorrToAverage, "corr_by_trial_mean": s.CorrByTrialMean, "corr_by_trial_std": s.CorrByTrialStd,
			"mse_to_avg_mean": s.MSE, "mse_by_trial_mean": s.MSEByTrialMean, "mse_by_trial_std": s.MSEByTrialStd,
			"feve_mean": s.FEVE, "fev_mean": s.VarRatio, "poisson_loss_mean": s.Poisson, "jackknife_mean": s.OracleCorr,
			"global_mean_oracle_mean": s.GlobalMeanOracle, "n_test_repeats_avg": s.RepeatsAvg, "var_ratio_cutoff": s.MinVarRatio,
		} {
			want, ok := c.Summary[k]
			if !ok {
				t.Fatalf("%s: numpy summary has no %s", name, k)
			}
			p.check(name+" summary "+k, g, fp(want))
			if want == nil && s.NaNReasons[k] == "" {
				t.Errorf("%s summary %s is NaN with no reason", name, k)
			}
			if want != nil && s.NaNReasons[k] != "" {
				t.Errorf("%s summary %s = %v has a NaN reason %q", name, k, g, s.NaNReasons[k])
			}
		}
		for k, g := range map[string]int{"temporal_lag": s.TemporalLag, "n_test_repeats_min": s.RepeatsMin, "n_test_repeats_max": s.RepeatsMax,
			"n_neurons_total": s.NeuronsTotal, "n_neurons_filtered": s.Kept} {
			if w := c.Summary[k].(float64); float64(g) != w {
				t.Errorf("%s summary %s = %d, openretina %v", name, k, g, w)
			}
		}
		if s.FilteringApplied != c.Summary["filtering_applied"].(bool) {
			t.Errorf("%s: filtering_applied %v", name, s.FilteringApplied)
		}

		// The standalone oracles on the uncut responses, cut_first_n_frames 5.
		if in.Tf <= 5 {
			// openretina's slice leaves no frame and its oracles are NaN;
			// here that is an error.
			if _, err := OracleCorrJackknife(in.ByTrial, in.K, in.N, in.Tf, 5); err == nil {
				t.Errorf("%s: cut of every frame accepted", name)
			}
			if c.Oracles.Jackknife[0] != nil || c.Oracles.GMO[0] != nil {
				t.Errorf("%s: numpy's oracles of no frame are not NaN", name)
			}
			continue
		}
		jk, err := OracleCorrJackknife(in.ByTrial, in.K, in.N, in.Tf, 5)
		if err != nil {
			t.Fatal(err)
		}
		gm, err := GlobalMeanOracle(in.ByTrial, in.K, in.N, in.Tf, 5)
		if err != nil {
			t.Fatal(err)
		}
		gm2, err := GlobalMeanOracle(in.ByTrial[:in.N*in.Tf], 1, in.N, in.Tf, 5)
		if err != nil {
			t.Fatal(err)
		}
		for i := range jk {
			p.check(fmt.Sprintf("%s oracle_corr_jackknife(cut 5) neuron %d", name, i), jk[i], c.Oracles.Jackknife[i])
			p.check(fmt.Sprintf("%s global_mean_oracle(cut 5) neuron %d", name, i), gm[i], c.Oracles.GMO[i])
			p.check(fmt.Sprintf("%s global_mean_oracle(2-d, cut 5) neuron %d", name, i), gm2[i], c.Oracles.GMO2D[i])
		}
	}
	t.Logf("largest relative difference from numpy: %.2g (%s)", p.worst, p.where)
}

// TestOneTrial: openretina's evaluation of a single trial reports
// corr_to_average, MSE and Poisson, NaN for FEVE, var_ratio and the
// jackknife, and keeps every neuron; the reasons are given.
func TestOneTrial(t *testing.T) {
	in := loadEvalInput(t, "one_trial")
	res, err := EvaluateWith(in, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if s.FilteringApplied || s.Kept != in.N || math.IsNaN(s.CorrToAverage) || !math.IsNaN(s.FEVE) {
		t.Errorf("summary %+v", s)
	}
	for _, k := range []string{"feve_mean", "fev_mean", "jackknife_mean"} {
		if r := s.NaNReasons[k]; r != oneTrialReason {
			t.Errorf("%s: reason %q", k, r)
		}
	}
	if len(res.Notes) != 1 || res.Notes[0] != oneTrialNote {
		t.Errorf("notes %q", res.Notes)
	}
	// The same with the average computed from the single trial.
	in.Avg = nil
	res2, err := EvaluateWith(in, DefaultOptions())
	if err != nil || res2.Summary.CorrToAverage != s.CorrToAverage {
		t.Errorf("computed average: %v %v vs %v", err, res2.Summary.CorrToAverage, s.CorrToAverage)
	}
	// openretina's functions on one repeat (checked with numpy):
	// explainable_vs_total_var and feve give NaN (a variance over one
	// repeat with ddof 1), oracle_corr_jackknife gives 0.
	one := Repeats{{1, 2, 3, 0}}
	if r, ev := one.VarRatio(); !math.IsNaN(r) || !math.IsNaN(ev) {
		t.Errorf("var_ratio of one repeat: %v %v", r, ev)
	}
	if f := one.FEVE([]float64{1, 2, 3, 1}); !math.IsNaN(f) {
		t.Errorf("feve of one repeat: %v", f)
	}
	if o := one.OracleCorr(); o != 0 {
		t.Errorf("oracle of one repeat: %v", o)
	}
	// The function oracle_corr_jackknife itself gives 0 with one trial.
	jk, err := OracleCorrJackknife(in.ByTrial, 1, in.N, in.Tf, 0)
	if err != nil || jk[0] != 0 {
		t.Errorf("jackknife of one trial: %v %v", jk, err)
	}
}

func TestOptionErrors(t *testing.T) {
	in := loadEvalInput(t, "full")
	for _, c := range []struct {
		opt  Options
		want string
	}{
		{Options{CutFirstNFrames: -1}, "negative"},
		{Options{CutFirstNFrames: in.Tp}, "leaves none"},
		{Options{MinVarRatio: math.NaN()}, "NaN"},
	} {
		if _, err := EvaluateWith(in, c.opt); err == nil || !contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c.opt, err)
		}
	}
	if _, err := GlobalMeanOracle(in.ByTrial, in.K, in.N, in.Tf, in.Tf); err == nil {
		t.Error("cut of every frame accepted")
	}
	if _, err := OracleCorrJackknife(in.ByTrial, in.K, in.N+1, in.Tf, 0); err == nil {
		t.Error("wrong shape accepted")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestInfiniteSums: sums that overflow or meet an infinity give what
// numpy's do (by hand with numpy 1.24: np.mean((p - t)**2) with t = inf is
// inf, np.sum([inf, 1, -inf]) is nan, np.mean([1e308, 1e308]) is inf, the
// Poisson loss with an infinite target is -inf).
func TestInfiniteSums(t *testing.T) {
	inf := math.Inf(1)
	if v := MSE([]float64{1, 2}, []float64{inf, 0}); !math.IsInf(v, 1) {
		t.Errorf("MSE with an infinite target: %v", v)
	}
	if v := sum(3, func(i int) float64 { return []float64{inf, 1, -inf}[i] }); !math.IsNaN(v) {
		t.Errorf("inf + 1 - inf: %v", v)
	}
	if v := mean(2, func(int) float64 { return 1e308 }); !math.IsInf(v, 1) {
		t.Errorf("overflowing mean: %v", v)
	}
	if v := Poisson([]float64{1, 2, 3}, []float64{0, inf, 1}); !math.IsInf(v, -1) {
		t.Errorf("Poisson with an infinite target: %v", v)
	}
	// Evaluate: the neuron is named in the notes and left out of the
	// summary (its var_ratio is NaN, as numpy's).
	in := loadEvalInput(t, "full")
	in.ByTrial = append([]float64{}, in.ByTrial...)
	in.ByTrial[1*in.Tf+3] = inf // trial 0, neuron 1, frame 3
	in.Avg = nil
	res, err := EvaluateWith(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := res.Neurons[1]
	if !math.IsNaN(n.VarRatio) || n.Kept || !math.IsInf(n.MSEByTrial[0], 1) || res.Summary.Kept != in.N-1 ||
		len(res.Notes) != 1 || !contains(res.Notes[0], "neuron(s) [1] contain NaN or infinity") {
		t.Errorf("neuron %+v, kept %d, notes %q", n, res.Summary.Kept, res.Notes)
	}
}

// TestSummarizeSessions: several sessions evaluated at once give
// openretina's one-table summary (testdata/expect_eval_multi.json): repeat
// counts over sessions, per-trial means over the sessions that have the
// trial, single-trial sessions filtered out next to others.
func TestSummarizeSessions(t *testing.T) {
	b, err := os.ReadFile("testdata/expect_eval_multi.json")
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
	if len(cases) != 4 {
		t.Fatalf("%d cases", len(cases))
	}
	p := &parity{t: t}
	for name, c := range cases {
		opt := Options{MinVarRatio: 0.15, CutFirstNFrames: c.Cut, GlobalMeanOracle: true}
		var rs []*Result
		for _, s := range c.Sessions {
			r, err := EvaluateWith(loadEvalInput(t, s), opt)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
		s, err := SummarizeSessions(rs, opt)
		if err != nil {
			t.Fatal(err)
		}
		checkSummary(t, p, name, s, c.Summary)
		kept := 0
		for _, r := range rs {
			for _, n := range r.Neurons {
				if n.Kept {
					kept++
				}
			}
		}
		if kept != s.Kept {
			t.Errorf("%s: %d neurons marked kept, summary %d", name, kept, s.Kept)
		}
	}
	t.Logf("largest relative difference from numpy: %.2g (%s)", p.worst, p.where)

	// Different lags are refused, as openretina does.
	a, _ := EvaluateWith(loadEvalInput(t, "multi_a"), Options{})
	f, _ := EvaluateWith(loadEvalInput(t, "full"), Options{})
	if _, err := SummarizeSessions([]*Result{a, f}, Options{}); err == nil || !contains(err.Error(), "different temporal lags (4 and 0 frames)") {
		t.Errorf("different lags: %v", err)
	}
	if _, err := SummarizeSessions(nil, Options{}); err == nil {
		t.Error("no session accepted")
	}
}

// checkSummary compares a Summary with numpy's EvaluationSummary fields.
func checkSummary(t *testing.T, p *parity, name string, s Summary, want map[string]any) {
	t.Helper()
	for k, g := range map[string]float64{
		"corr_to_avg_mean": s.CorrToAverage, "corr_by_trial_mean": s.CorrByTrialMean, "corr_by_trial_std": s.CorrByTrialStd,
		"mse_to_avg_mean": s.MSE, "mse_by_trial_mean": s.MSEByTrialMean, "mse_by_trial_std": s.MSEByTrialStd,
		"feve_mean": s.FEVE, "fev_mean": s.VarRatio, "poisson_loss_mean": s.Poisson, "jackknife_mean": s.OracleCorr,
		"global_mean_oracle_mean": s.GlobalMeanOracle, "n_test_repeats_avg": s.RepeatsAvg, "var_ratio_cutoff": s.MinVarRatio,
	} {
		w, ok := want[k]
		if !ok {
			t.Fatalf("%s: numpy summary has no %s", name, k)
		}
		p.check(name+" summary "+k, g, fp(w))
		if w == nil && s.NaNReasons[k] == "" {
			t.Errorf("%s summary %s is NaN with no reason", name, k)
		}
	}
	for k, g := range map[string]int{"temporal_lag": s.TemporalLag, "n_test_repeats_min": s.RepeatsMin, "n_test_repeats_max": s.RepeatsMax,
		"n_neurons_total": s.NeuronsTotal, "n_neurons_filtered": s.Kept} {
		if w := want[k].(float64); float64(g) != w {
			t.Errorf("%s summary %s = %d, openretina %v", name, k, g, w)
		}
	}
	if s.FilteringApplied != want["filtering_applied"].(bool) {
		t.Errorf("%s: filtering_applied %v", name, s.FilteringApplied)
	}
}

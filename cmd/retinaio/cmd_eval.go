package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/retinaio/retinaio/metrics"
	"github.com/retinaio/retinaio/npy"
	"github.com/retinaio/retinaio/prepared"
)

func init() {
	register(&command{
		name:    "eval",
		summary: "score predictions on the repeated test sequence with openretina's metrics",
		usage: `retinaio eval --pred PRED.npz --data SESSION.npz [--json] [--min-var-ratio 0.15]

PRED.npz holds pred_test (N, T') (any real dtype); SESSION.npz (from
'retinaio prepare' or 'retinaio split') holds resp_test_by_trial (K, N, Tf)
and resp_test (N, Tf), the trial average. When T' < Tf the targets are the
LAST T' frames (a model that drops its first frames, like openretina's lag).
Per neuron: correlation to the trial average, FEVE, explainable/total
variance ratio, jackknife oracle correlation, MSE and Poisson loss to the
average, with openretina's definitions; the summary averages correlation,
FEVE and oracle correlation over the neurons with var_ratio >= the threshold.
--json prints {"neurons": [...], "summary": {...}}; NaN is written as null.`,
		run: runEval,
	})
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["eval"]
	fs := newFlagSet(c, stderr)
	predPath := fs.String("pred", "", "predictions .npz with pred_test (N, T') (required)")
	dataPath := fs.String("data", "", "session .npz with resp_test_by_trial and resp_test (required)")
	jsonOut := fs.Bool("json", false, "print JSON instead of a table")
	minVar := fs.Float64("min-var-ratio", metrics.DefaultMinVarRatio, "leave neurons with a lower explainable/total variance ratio out of the summary")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *predPath == "" || *dataPath == "" {
		return errUsage
	}
	in, err := loadEvalInput(*predPath, *dataPath)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	res, err := metrics.Evaluate(*in, *minVar)
	if err != nil {
		return fmt.Errorf("%s vs %s: %w", *predPath, *dataPath, err)
	}
	if *jsonOut {
		return writeEvalJSON(stdout, res)
	}
	writeEvalTable(stdout, res)
	return nil
}

func loadEvalInput(predPath, dataPath string) (*metrics.Input, error) {
	pz, err := npy.OpenNPZ(predPath)
	if err != nil {
		return nil, err
	}
	defer pz.Close()
	dz, err := npy.OpenNPZ(dataPath)
	if err != nil {
		return nil, err
	}
	defer dz.Close()
	if !pz.Has(prepared.KeyPredTest) {
		return nil, fmt.Errorf("%s has no pred_test array (it has %v)", predPath, pz.Names())
	}
	if !dz.Has(prepared.KeyRespTestByTrial) {
		return nil, fmt.Errorf("%s has no resp_test_by_trial array (it has %v); evaluate against a session written by 'retinaio prepare'", dataPath, dz.Names())
	}
	ph, err := pz.Header(prepared.KeyPredTest)
	if err != nil {
		return nil, err
	}
	bh, err := dz.Header(prepared.KeyRespTestByTrial)
	if err != nil {
		return nil, err
	}
	if len(bh.Shape) != 3 || bh.Fortran {
		return nil, fmt.Errorf("%s: resp_test_by_trial has shape %v%s: want C-order (trials, neurons, frames)", dataPath, bh.Shape, fortranNote(bh))
	}
	K, N, Tf := bh.Shape[0], bh.Shape[1], bh.Shape[2]
	if len(ph.Shape) != 2 || ph.Fortran {
		return nil, fmt.Errorf("%s: pred_test has shape %v%s: want C-order (neurons, frames) = (%d, <=%d)", predPath, ph.Shape, fortranNote(ph), N, Tf)
	}
	if ph.Shape[0] != N {
		hint := ""
		if ph.Shape[1] == N {
			hint = "; it looks transposed (frames, neurons): save pred.T"
		}
		return nil, fmt.Errorf("pred_test in %s has %d neurons (shape %v) but %s has %d (resp_test_by_trial %v)%s", predPath, ph.Shape[0], ph.Shape, dataPath, N, bh.Shape, hint)
	}
	if ph.Shape[1] > Tf || ph.Shape[1] == 0 {
		return nil, fmt.Errorf("pred_test in %s has %d frames but the test sequence in %s has %d: want 1 to %d (the last frames are scored)", predPath, ph.Shape[1], dataPath, Tf, Tf)
	}
	in := &metrics.Input{N: N, Tp: ph.Shape[1], K: K, Tf: Tf}
	in.Pred = make([]float64, N*in.Tp)
	if _, err := pz.ReadInto(prepared.KeyPredTest, in.Pred); err != nil {
		return nil, err
	}
	in.ByTrial = make([]float64, K*N*Tf)
	if _, err := dz.ReadInto(prepared.KeyRespTestByTrial, in.ByTrial); err != nil {
		return nil, err
	}
	if dz.Has(prepared.KeyRespTest) {
		ah, err := dz.Header(prepared.KeyRespTest)
		if err != nil {
			return nil, err
		}
		if len(ah.Shape) != 2 || ah.Shape[0] != N || ah.Shape[1] != Tf || ah.Fortran {
			return nil, fmt.Errorf("%s: resp_test has shape %v%s, want (%d, %d) like resp_test_by_trial %v", dataPath, ah.Shape, fortranNote(ah), N, Tf, bh.Shape)
		}
		in.Avg = make([]float64, N*Tf)
		if _, err := dz.ReadInto(prepared.KeyRespTest, in.Avg); err != nil {
			return nil, err
		}
	}
	return in, nil
}

func fortranNote(h npy.Header) string {
	if h.Fortran {
		return " in Fortran order"
	}
	return ""
}

// jsonFloat writes NaN and infinities as null.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

func writeEvalJSON(w io.Writer, res *metrics.Result) error {
	type neuron struct {
		Index         int       `json:"index"`
		CorrToAverage jsonFloat `json:"corr_to_average"`
		FEVE          jsonFloat `json:"feve"`
		VarRatio      jsonFloat `json:"var_ratio"`
		OracleCorr    jsonFloat `json:"oracle_corr"`
		MSE           jsonFloat `json:"mse"`
		Poisson       jsonFloat `json:"poisson"`
	}
	type summary struct {
		CorrToAverage jsonFloat `json:"corr_to_average"`
		FEVE          jsonFloat `json:"feve"`
		OracleCorr    jsonFloat `json:"oracle_corr"`
		Kept          int       `json:"kept"`
	}
	out := struct {
		Neurons []neuron `json:"neurons"`
		Summary summary  `json:"summary"`
	}{Neurons: make([]neuron, len(res.Neurons))}
	for i, n := range res.Neurons {
		out.Neurons[i] = neuron{n.Index, jsonFloat(n.CorrToAverage), jsonFloat(n.FEVE), jsonFloat(n.VarRatio),
			jsonFloat(n.OracleCorr), jsonFloat(n.MSE), jsonFloat(n.Poisson)}
	}
	s := res.Summary
	out.Summary = summary{jsonFloat(s.CorrToAverage), jsonFloat(s.FEVE), jsonFloat(s.OracleCorr), s.Kept}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		return errors.New("writing JSON: " + err.Error())
	}
	return nil
}

func fmtMetric(v float64) string {
	if math.IsNaN(v) {
		return "nan"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func writeEvalTable(w io.Writer, res *metrics.Result) {
	fmt.Fprintf(w, "%6s %9s %4s %9s %9s %9s %10s %10s\n", "neuron", "var_ratio", "kept", "corr_avg", "feve", "oracle", "mse", "poisson")
	for _, n := range res.Neurons {
		kept := "no"
		if n.VarRatio >= res.MinVarRatio {
			kept = "yes"
		}
		fmt.Fprintf(w, "%6d %9s %4s %9s %9s %9s %10s %10s\n", n.Index, fmtMetric(n.VarRatio), kept, fmtMetric(n.CorrToAverage),
			fmtMetric(n.FEVE), fmtMetric(n.OracleCorr), fmtMetric(n.MSE), fmtMetric(n.Poisson))
	}
	target := "all"
	if res.Lag > 0 {
		target = fmt.Sprintf("the last %d", res.Frames)
	}
	fmt.Fprintf(w, "\nsummary over %d of %d neurons with var_ratio >= %g (%d trials; targets: %s of %d frames):\n",
		res.Summary.Kept, len(res.Neurons), res.MinVarRatio, res.Trials, target, res.Frames+res.Lag)
	s := res.Summary
	fmt.Fprintf(w, "  corr_to_average %s   feve %s   oracle_corr %s\n", fmtMetric(s.CorrToAverage), fmtMetric(s.FEVE), fmtMetric(s.OracleCorr))
}

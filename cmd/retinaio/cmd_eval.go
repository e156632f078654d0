package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/retinaio/retinaio/internal/safetext"

	"github.com/retinaio/retinaio/metrics"
	"github.com/retinaio/retinaio/npy"
	"github.com/retinaio/retinaio/prepared"
)

func init() {
	register(&command{
		name:    "eval",
		summary: "score predictions on the repeated test sequence with openretina's metrics",
		usage: `retinaio eval --pred PRED.npz|PRED.npy --data SESSION.npz [--pred P2 --data S2 ...]
              [--json] [--min-var-ratio 0.15] [--cut-first-n-frames N] [--global-mean-oracle]

PRED is an .npz holding pred_test, or an .npy holding the array itself, of
shape (N, T'): neurons x frames, any real dtype (float16 to float64, ints),
C or Fortran order (np.save(pred.T) of a (T', N) array is fine).
SESSION.npz (from 'retinaio prepare' or 'retinaio split') holds
resp_test_by_trial (K, N, Tf) and resp_test (N, Tf), the trial average;
without resp_test_by_trial, resp_test is used as a single trial (as
openretina does). When T' < Tf the targets are the LAST T' frames (a model
that drops its first frames, like openretina's lag).

Per neuron, with the formulas of openretina's evaluation script
(openretina/cli/eval.py): correlation to the trial average, FEVE,
explainable/total variance ratio, jackknife oracle correlation, MSE and
Poisson loss to the average, and the correlation and MSE of each trial.
The summary is openretina's EvaluationSummary: means (nanmean) over the
neurons with var_ratio >= --min-var-ratio of each of these, the mean and
spread over trials of the per-trial correlation and MSE, the number of
repeats and the temporal lag. With a single trial, FEVE, var_ratio and the
oracle are NaN and no neuron is filtered out, as in openretina; the JSON
says why under summary.nan_reasons.

Several sessions (--pred and --data repeated, in pairs) are evaluated at
once as openretina does: one table of neurons, one summary over all of
them (repeat counts min/max/mean over sessions; the var_ratio filter then
leaves out single-trial sessions); the temporal lags must agree.

--cut-first-n-frames N drops the first N scored frames from prediction and
targets (openretina's cut_first_n_frames). --global-mean-oracle adds
openretina's global_mean_oracle: each neuron's correlation with the mean
response of all neurons.

--json prints {"neurons": [...], "summary": {...}, "sessions": [...],
"notes": [...]}; each neuron names its session (0-based, the order of
--data); NaN and infinities are written as null. Warnings go to stderr.

Examples:
  retinaio eval --pred pred.npz --data split.npz
  retinaio eval --pred pred.npy --data split.npz --json --cut-first-n-frames 30
  retinaio eval --pred a_pred.npz --data a.npz --pred b_pred.npz --data b.npz`,
		run: runEval,
	})
}

// repeatedPaths is a flag that may be given several times.
type repeatedPaths []string

func (p *repeatedPaths) String() string { return strings.Join(*p, ",") }

func (p *repeatedPaths) Set(v string) error {
	if v == "" {
		return errors.New("empty path")
	}
	*p = append(*p, v)
	return nil
}

// flagValueUsageError is a usage error naming the offending flag (exit 2).
func flagValueUsageError(format string, a ...any) error {
	return usagef(format, a...)
}

// evalSession is one --pred/--data pair and its scores.
type evalSession struct {
	pred, data string
	res        *metrics.Result
	notes      []string // warnings about the input, then the result's notes
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["eval"]
	fs := newFlagSet(c, stderr)
	var preds, datas repeatedPaths
	fs.Var(&preds, "pred", "predictions `PRED`: .npz with pred_test, or .npy, shape (N, T') (required; once per --data)")
	fs.Var(&datas, "data", "`SESSION.npz` with resp_test_by_trial and resp_test (required; repeat with --pred for several sessions)")
	jsonOut := fs.Bool("json", false, "print JSON instead of a table")
	minVar := fs.Float64("min-var-ratio", metrics.DefaultMinVarRatio, "leave neurons with a lower explainable/total variance ratio out of the summary (openretina's var_ratio_cutoff)")
	cut := fs.Int("cut-first-n-frames", 0, "drop the first N scored frames of prediction and targets (openretina's cut_first_n_frames)")
	gmo := fs.Bool("global-mean-oracle", false, "also compute openretina's global_mean_oracle per neuron")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, "no positional arguments (--pred PRED --data SESSION.npz)"); err != nil {
		return err
	}
	if len(preds) == 0 || len(datas) == 0 {
		return usagef("missing --pred or --data: want --pred PRED.npz --data SESSION.npz")
	}
	if len(preds) != len(datas) {
		return flagValueUsageError("%d --pred and %d --data: give one --pred for each --data, in the same order", len(preds), len(datas))
	}
	if *cut < 0 {
		return flagValueUsageError("--cut-first-n-frames %d: want 0 or more frames", *cut)
	}
	if math.IsNaN(*minVar) {
		return flagValueUsageError("--min-var-ratio NaN: want a number (openretina uses 0.15)")
	}
	opt := metrics.Options{MinVarRatio: *minVar, CutFirstNFrames: *cut, GlobalMeanOracle: *gmo}
	sessions := make([]*evalSession, len(preds))
	results := make([]*metrics.Result, len(preds))
	for i := range preds {
		in, warn, err := loadEvalInput(preds[i], datas[i])
		if err != nil {
			return err
		}
		for _, w := range warn {
			fmt.Fprintf(stderr, "retinaio eval: warning: %s\n", safetext.Message(w))
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := metrics.EvaluateWith(*in, opt)
		if err != nil {
			return fmt.Errorf("%s vs %s: %w", preds[i], datas[i], err)
		}
		for _, n := range res.Notes {
			fmt.Fprintf(stderr, "retinaio eval: note: %s: %s\n", safetext.Escape(datas[i]), safetext.Message(n))
		}
		sessions[i] = &evalSession{pred: preds[i], data: datas[i], res: res, notes: append(warn, res.Notes...)}
		results[i] = res
	}
	sum, err := metrics.SummarizeSessions(results, opt)
	if err != nil {
		return err
	}
	if sum.FilteringApplied {
		for _, es := range sessions {
			if es.res.Trials == 1 {
				n := "its neurons have no var_ratio, so the var_ratio filter leaves them out of the summary (as openretina does when other sessions have repeats)"
				es.notes = append(es.notes, n)
				fmt.Fprintf(stderr, "retinaio eval: note: %s: %s\n", safetext.Escape(es.data), safetext.Message(n))
			}
		}
	}
	if *jsonOut {
		return writeEvalJSON(stdout, sessions, sum, opt)
	}
	writeEvalTable(stdout, sessions, sum, opt)
	return nil
}

// loadEvalInput reads the prediction and the test responses in C order,
// checking shapes before anything large is allocated. warn lists what was
// assumed (a single trial taken from resp_test).
func loadEvalInput(predPath, dataPath string) (in *metrics.Input, warn []string, err error) {
	dz, err := npy.OpenNPZ(dataPath)
	if err != nil {
		return nil, nil, err
	}
	defer dz.Close()
	var K, N, Tf int
	trialsKey := prepared.KeyRespTestByTrial
	switch {
	case dz.Has(prepared.KeyRespTestByTrial):
		bh, err := dz.Header(prepared.KeyRespTestByTrial)
		if err != nil {
			return nil, nil, err
		}
		if len(bh.Shape) != 3 {
			return nil, nil, fmt.Errorf("%s: resp_test_by_trial has shape %v: want (trials, neurons, frames)", dataPath, bh.Shape)
		}
		K, N, Tf = bh.Shape[0], bh.Shape[1], bh.Shape[2]
	case dz.Has(prepared.KeyRespTest):
		ah, err := dz.Header(prepared.KeyRespTest)
		if err != nil {
			return nil, nil, err
		}
		if len(ah.Shape) != 2 {
			return nil, nil, fmt.Errorf("%s: resp_test has shape %v: want (neurons, frames)", dataPath, ah.Shape)
		}
		K, N, Tf = 1, ah.Shape[0], ah.Shape[1]
		trialsKey = prepared.KeyRespTest
		warn = append(warn, fmt.Sprintf("%s has no resp_test_by_trial: resp_test (the trial average) is scored as a single trial, as openretina does", dataPath))
	default:
		return nil, nil, fmt.Errorf("%s has neither resp_test_by_trial nor resp_test (it has %s); evaluate against a session written by 'retinaio prepare' or 'retinaio split'", dataPath, strings.Join(quoteNames(dz.Names()), ", "))
	}
	if K == 0 || N == 0 || Tf == 0 {
		return nil, nil, fmt.Errorf("%s: %s is empty (%d trials, %d neurons, %d frames)", dataPath, trialsKey, K, N, Tf)
	}

	pred, err := openPred(predPath)
	if err != nil {
		return nil, nil, err
	}
	defer pred.close()
	ph := pred.h
	if len(ph.Shape) != 2 {
		return nil, nil, fmt.Errorf("%s has shape %v: want (neurons, frames) = (%d, 1 to %d)", pred.label, ph.Shape, N, Tf)
	}
	if ph.Shape[0] != N {
		hint := ""
		if ph.Shape[1] == N {
			hint = "; it looks transposed (frames, neurons): save pred.T"
		}
		shape := fmt.Sprintf("[%d %d %d]", K, N, Tf)
		if trialsKey == prepared.KeyRespTest {
			shape = fmt.Sprintf("[%d %d]", N, Tf)
		}
		return nil, nil, fmt.Errorf("%s has %d neurons (shape %v) but %s has %d (%s %s)%s", pred.label, ph.Shape[0], ph.Shape, dataPath, N, trialsKey, shape, hint)
	}
	if ph.Shape[1] > Tf || ph.Shape[1] == 0 {
		return nil, nil, fmt.Errorf("%s has %d frames but the test sequence in %s has %d: want 1 to %d (the last frames are scored)", pred.label, ph.Shape[1], dataPath, Tf, Tf)
	}
	in = &metrics.Input{N: N, Tp: ph.Shape[1], K: K, Tf: Tf}
	if in.Pred, err = pred.read(); err != nil {
		return nil, nil, err
	}
	if in.ByTrial, err = readC(dz, dataPath, trialsKey); err != nil {
		return nil, nil, err
	}
	if trialsKey == prepared.KeyRespTestByTrial && dz.Has(prepared.KeyRespTest) {
		ah, err := dz.Header(prepared.KeyRespTest)
		if err != nil {
			return nil, nil, err
		}
		if len(ah.Shape) != 2 || ah.Shape[0] != N || ah.Shape[1] != Tf {
			return nil, nil, fmt.Errorf("%s: resp_test has shape %v, want (%d, %d) like resp_test_by_trial (%d, %d, %d)", dataPath, ah.Shape, N, Tf, K, N, Tf)
		}
		if in.Avg, err = readC(dz, dataPath, prepared.KeyRespTest); err != nil {
			return nil, nil, err
		}
	}
	return in, warn, nil
}

func quoteNames(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strconv.Quote(n)
	}
	return out
}

// predSource is a prediction array in an .npz (pred_test) or an .npy.
type predSource struct {
	label string // names the file (and entry) in messages
	h     npy.Header
	npz   *npy.NPZReader
	f     *os.File
	r     *npy.Reader
}

var (
	npyMagic = []byte("\x93NUMPY")
	zipMagic = []byte("PK")
)

// openPred opens path as .npy or .npz by its first bytes and reads the
// prediction's header.
func openPred(path string) (*predSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, len(npyMagic))
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF { // short files are told apart below
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	head = head[:n]
	switch {
	case bytes.Equal(head, npyMagic):
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		r, err := npy.NewReader(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return &predSource{label: path, h: r.Header(), f: f, r: r}, nil
	case bytes.HasPrefix(head, zipMagic):
		f.Close()
		z, err := npy.OpenNPZ(path)
		if err != nil {
			return nil, err
		}
		if !z.Has(prepared.KeyPredTest) {
			z.Close()
			return nil, fmt.Errorf("%s has no pred_test array (it has %s): save the prediction as np.savez(%q, pred_test=pred) or np.save(\"pred.npy\", pred)", path, strings.Join(quoteNames(z.Names()), ", "), "pred.npz")
		}
		h, err := z.Header(prepared.KeyPredTest)
		if err != nil {
			z.Close()
			return nil, err
		}
		return &predSource{label: "pred_test in " + path, h: h, npz: z}, nil
	}
	f.Close()
	return nil, fmt.Errorf("%s is neither an .npy file nor an .npz archive (it starts with %q): save the prediction with np.save or np.savez", path, head)
}

func (p *predSource) close() {
	if p.npz != nil {
		p.npz.Close()
	}
	if p.f != nil {
		p.f.Close()
	}
}

// read returns the prediction as C-order float64.
func (p *predSource) read() ([]float64, error) {
	count, err := p.h.Count()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.label, err)
	}
	data := make([]float64, count)
	if p.npz != nil {
		if _, err := p.npz.ReadInto(prepared.KeyPredTest, data); err != nil {
			return nil, err
		}
	} else if err := p.r.ReadValues(data); err != nil {
		return nil, fmt.Errorf("%s: %w", p.label, err)
	}
	if p.h.Fortran {
		data = fortranToC(data, p.h.Shape)
	}
	return data, nil
}

// readC reads array name of z as C-order float64 (Fortran order is
// transposed).
func readC(z *npy.NPZReader, path, name string) ([]float64, error) {
	h, err := z.Header(name)
	if err != nil {
		return nil, err
	}
	count, err := h.Count()
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", path, name, err)
	}
	data := make([]float64, count)
	if _, err := z.ReadInto(name, data); err != nil {
		return nil, err
	}
	if h.Fortran {
		data = fortranToC(data, h.Shape)
	}
	return data, nil
}

// fortranToC reorders column-major data of the given shape into row-major.
func fortranToC(data []float64, shape []int) []float64 {
	if len(shape) < 2 {
		return data
	}
	out := make([]float64, len(data))
	fstride := make([]int, len(shape))
	s := 1
	for i, d := range shape {
		fstride[i] = s
		s *= d
	}
	idx := make([]int, len(shape))
	off := 0 // Fortran offset of idx
	for i := range out {
		out[i] = data[off]
		for j := len(shape) - 1; j >= 0; j-- {
			idx[j]++
			off += fstride[j]
			if idx[j] < shape[j] {
				break
			}
			off -= idx[j] * fstride[j]
			idx[j] = 0
		}
	}
	return out
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

func jsonFloats(v []float64) []jsonFloat {
	out := make([]jsonFloat, len(v))
	for i, x := range v {
		out[i] = jsonFloat(x)
	}
	return out
}

// evalNeuronJSON is one neuron in eval's JSON.
type evalNeuronJSON struct {
	Session          int         `json:"session"`
	Index            int         `json:"index"`
	CorrToAverage    jsonFloat   `json:"corr_to_average"`
	FEVE             jsonFloat   `json:"feve"`
	VarRatio         jsonFloat   `json:"var_ratio"`
	OracleCorr       jsonFloat   `json:"oracle_corr"`
	MSE              jsonFloat   `json:"mse"`
	Poisson          jsonFloat   `json:"poisson"`
	CorrByTrial      []jsonFloat `json:"corr_by_trial"`
	MSEByTrial       []jsonFloat `json:"mse_by_trial"`
	GlobalMeanOracle *jsonFloat  `json:"global_mean_oracle,omitempty"`
	Kept             bool        `json:"kept"`
}

// evalSummaryJSON is the summary: corr_to_average, feve, oracle_corr and
// kept (retinaio's first names), then openretina's EvaluationSummary
// fields under their own names.
type evalSummaryJSON struct {
	CorrToAverage jsonFloat `json:"corr_to_average"`
	FEVE          jsonFloat `json:"feve"`
	OracleCorr    jsonFloat `json:"oracle_corr"`
	Kept          int       `json:"kept"`

	TemporalLag      int        `json:"temporal_lag"`
	RepeatsMin       int        `json:"n_test_repeats_min"`
	RepeatsMax       int        `json:"n_test_repeats_max"`
	RepeatsAvg       jsonFloat  `json:"n_test_repeats_avg"`
	NeuronsTotal     int        `json:"n_neurons_total"`
	NeuronsFiltered  int        `json:"n_neurons_filtered"`
	VarRatioCutoff   jsonFloat  `json:"var_ratio_cutoff"`
	FilteringApplied bool       `json:"filtering_applied"`
	CorrToAvgMean    jsonFloat  `json:"corr_to_avg_mean"`
	CorrByTrialMean  jsonFloat  `json:"corr_by_trial_mean"`
	CorrByTrialStd   jsonFloat  `json:"corr_by_trial_std"`
	MSEToAvgMean     jsonFloat  `json:"mse_to_avg_mean"`
	MSEByTrialMean   jsonFloat  `json:"mse_by_trial_mean"`
	MSEByTrialStd    jsonFloat  `json:"mse_by_trial_std"`
	FEVEMean         jsonFloat  `json:"feve_mean"`
	FEVMean          jsonFloat  `json:"fev_mean"`
	PoissonLossMean  jsonFloat  `json:"poisson_loss_mean"`
	JackknifeMean    jsonFloat  `json:"jackknife_mean"`
	GlobalMeanOracle *jsonFloat `json:"global_mean_oracle_mean,omitempty"`

	NaNReasons map[string]string `json:"nan_reasons,omitempty"`
}

// evalSessionJSON describes one --pred/--data pair.
type evalSessionJSON struct {
	Pred         string   `json:"pred"`
	Data         string   `json:"data"`
	Neurons      int      `json:"neurons"`
	Trials       int      `json:"trials"`
	FramesScored int      `json:"frames_scored"`
	TemporalLag  int      `json:"temporal_lag"`
	Notes        []string `json:"notes"`
}

func writeEvalJSON(w io.Writer, sessions []*evalSession, s metrics.Summary, opt metrics.Options) error {
	out := struct {
		Neurons  []evalNeuronJSON  `json:"neurons"`
		Summary  evalSummaryJSON   `json:"summary"`
		Sessions []evalSessionJSON `json:"sessions"`
		Options  struct {
			MinVarRatio      jsonFloat `json:"min_var_ratio"`
			CutFirstNFrames  int       `json:"cut_first_n_frames"`
			GlobalMeanOracle bool      `json:"global_mean_oracle"`
		} `json:"options"`
		FramesScored *int     `json:"frames_scored,omitempty"` // one session only; see sessions
		Notes        []string `json:"notes"`
	}{Neurons: []evalNeuronJSON{}, Notes: []string{}}
	out.Options.MinVarRatio, out.Options.CutFirstNFrames, out.Options.GlobalMeanOracle = jsonFloat(opt.MinVarRatio), opt.CutFirstNFrames, opt.GlobalMeanOracle
	for si, es := range sessions {
		res := es.res
		notes := es.notes
		if notes == nil {
			notes = []string{}
		}
		out.Sessions = append(out.Sessions, evalSessionJSON{Pred: es.pred, Data: es.data, Neurons: len(res.Neurons), Trials: res.Trials,
			FramesScored: res.Frames, TemporalLag: res.Lag + res.Cut, Notes: notes})
		if len(sessions) == 1 {
			f := res.Frames
			out.FramesScored = &f
		}
		for _, n := range notes {
			if len(sessions) > 1 {
				n = es.data + ": " + n
			}
			out.Notes = append(out.Notes, n)
		}
		for _, n := range res.Neurons {
			nj := evalNeuronJSON{Session: si, Index: n.Index, CorrToAverage: jsonFloat(n.CorrToAverage), FEVE: jsonFloat(n.FEVE),
				VarRatio: jsonFloat(n.VarRatio), OracleCorr: jsonFloat(n.OracleCorr), MSE: jsonFloat(n.MSE), Poisson: jsonFloat(n.Poisson),
				CorrByTrial: jsonFloats(n.CorrByTrial), MSEByTrial: jsonFloats(n.MSEByTrial), Kept: n.Kept}
			if opt.GlobalMeanOracle {
				g := jsonFloat(n.GlobalMeanOracle)
				nj.GlobalMeanOracle = &g
			}
			out.Neurons = append(out.Neurons, nj)
		}
	}
	out.Summary = evalSummaryJSON{
		CorrToAverage: jsonFloat(s.CorrToAverage), FEVE: jsonFloat(s.FEVE), OracleCorr: jsonFloat(s.OracleCorr), Kept: s.Kept,
		TemporalLag: s.TemporalLag, RepeatsMin: s.RepeatsMin, RepeatsMax: s.RepeatsMax, RepeatsAvg: jsonFloat(s.RepeatsAvg),
		NeuronsTotal: s.NeuronsTotal, NeuronsFiltered: s.Kept, VarRatioCutoff: jsonFloat(s.MinVarRatio), FilteringApplied: s.FilteringApplied,
		CorrToAvgMean: jsonFloat(s.CorrToAverage), CorrByTrialMean: jsonFloat(s.CorrByTrialMean), CorrByTrialStd: jsonFloat(s.CorrByTrialStd),
		MSEToAvgMean: jsonFloat(s.MSE), MSEByTrialMean: jsonFloat(s.MSEByTrialMean), MSEByTrialStd: jsonFloat(s.MSEByTrialStd),
		FEVEMean: jsonFloat(s.FEVE), FEVMean: jsonFloat(s.VarRatio), PoissonLossMean: jsonFloat(s.Poisson), JackknifeMean: jsonFloat(s.OracleCorr),
		NaNReasons: s.NaNReasons,
	}
	if opt.GlobalMeanOracle {
		g := jsonFloat(s.GlobalMeanOracle)
		out.Summary.GlobalMeanOracle = &g
	} else if s.NaNReasons != nil {
		// Not asked for, so not in the JSON: no reason needed.
		reasons := map[string]string{}
		for k, v := range s.NaNReasons {
			if k != "global_mean_oracle_mean" {
				reasons[k] = v
			}
		}
		out.Summary.NaNReasons = nil
		if len(reasons) > 0 {
			out.Summary.NaNReasons = reasons
		}
	}
	return writeIndentedJSON(w, out)
}

// countNoun returns "1 trial", "5 trials".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func fmtMetric(v float64) string {
	if math.IsNaN(v) {
		return "nan"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func writeEvalTable(w io.Writer, sessions []*evalSession, s metrics.Summary, opt metrics.Options) {
	w = safetext.MessageWriter(w) // session and file names
	multi := len(sessions) > 1
	sessHead, gmoHead := "", ""
	if multi {
		sessHead = fmt.Sprintf("%7s ", "session")
	}
	if opt.GlobalMeanOracle {
		gmoHead = fmt.Sprintf(" %9s", "glob_mean")
	}
	fmt.Fprintf(w, "%s%6s %9s %4s %9s %9s %9s %10s %10s%s\n", sessHead, "neuron", "var_ratio", "kept", "corr_avg", "feve", "oracle", "mse", "poisson", gmoHead)
	total := 0
	for si, es := range sessions {
		for _, n := range es.res.Neurons {
			kept := "no"
			if n.Kept {
				kept = "yes"
			}
			sess, gmo := "", ""
			if multi {
				sess = fmt.Sprintf("%7d ", si+1)
			}
			if opt.GlobalMeanOracle {
				gmo = fmt.Sprintf(" %9s", fmtMetric(n.GlobalMeanOracle))
			}
			fmt.Fprintf(w, "%s%6d %9s %4s %9s %9s %9s %10s %10s%s\n", sess, n.Index, fmtMetric(n.VarRatio), kept, fmtMetric(n.CorrToAverage),
				fmtMetric(n.FEVE), fmtMetric(n.OracleCorr), fmtMetric(n.MSE), fmtMetric(n.Poisson), gmo)
		}
		total += len(es.res.Neurons)
	}
	if multi {
		fmt.Fprintln(w)
		for si, es := range sessions {
			fmt.Fprintf(w, "session %d: %s (prediction %s), %d neurons, %s\n", si+1, es.data, es.pred, len(es.res.Neurons), countNoun(es.res.Trials, "trial"))
		}
	}
	res := sessions[0].res
	target := "all"
	if res.Lag+res.Cut > 0 {
		target = fmt.Sprintf("the last %d", res.Frames)
	}
	filter := fmt.Sprintf("with var_ratio >= %g", s.MinVarRatio)
	if !s.FilteringApplied {
		filter = "(no var_ratio filter: a single trial has no variance ratio)"
	}
	trials := countNoun(s.RepeatsMax, "trial")
	if s.RepeatsMin != s.RepeatsMax {
		trials = fmt.Sprintf("trials: min %d, max %d, mean %.1f", s.RepeatsMin, s.RepeatsMax, s.RepeatsAvg)
	}
	frames := fmt.Sprintf("targets: %s of %d frames", target, res.Frames+res.Lag+res.Cut)
	if multi {
		frames = fmt.Sprintf("temporal lag %d frames", s.TemporalLag)
	}
	fmt.Fprintf(w, "\nsummary over %d of %d neurons %s (%s; %s):\n", s.Kept, total, filter, trials, frames)
	fmt.Fprintf(w, "  corr_to_average %s   feve %s   oracle_corr %s\n", fmtMetric(s.CorrToAverage), fmtMetric(s.FEVE), fmtMetric(s.OracleCorr))
	fmt.Fprintf(w, "  var_ratio %s   mse %s   poisson %s", fmtMetric(s.VarRatio), fmtMetric(s.MSE), fmtMetric(s.Poisson))
	if opt.GlobalMeanOracle {
		fmt.Fprintf(w, "   global_mean_oracle %s", fmtMetric(s.GlobalMeanOracle))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  per trial: corr %s (+/-%s)   mse %s (+/-%s)\n", fmtMetric(s.CorrByTrialMean), fmtMetric(s.CorrByTrialStd),
		fmtMetric(s.MSEByTrialMean), fmtMetric(s.MSEByTrialStd))
}

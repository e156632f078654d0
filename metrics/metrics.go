// Package metrics scores predictions of neural responses to a repeated test
// sequence with openretina's definitions (openretina.eval.metrics and
// openretina.eval.oracles), per neuron:
//
//   - correlation to the trial average: Pearson correlation over time with
//     population standard deviations and eps 1e-8 added to each
//     (correlation_numpy);
//   - MSE to the average, mean over time of (pred - avg)^2;
//   - Poisson loss to the average, mean over time of
//     pred - avg*log(pred + 1e-16) (eval.py's PoissonLoss3d, bias 1e-16;
//     poisson_loss_numpy's default eps is 1e-8);
//   - explainable/total variance ratio from the repeats r[t,k]: total = var
//     over (t,k) with ddof 1, noise = mean over t of var over k with
//     ddof 1, EV = max(total - noise, 1e-9), var_ratio = EV/(total + 1e-9)
//     (explainable_vs_total_var);
//   - FEVE = max(0, 1 - max(MSE_trials - noise', 0)/EV) with
//     MSE_trials = mean over (t,k) of (r - pred)^2 and
//     noise' = EV/var_ratio - EV (feve);
//   - jackknife oracle correlation: the correlation, over all (t,k), of each
//     repeat with the mean of the other repeats (oracle_corr_jackknife);
//   - global mean oracle (optional): the correlation, over all (t,k), of
//     each neuron's response with the mean over all neurons at (t,k)
//     (global_mean_oracle);
//   - per trial k: the correlation and the MSE of trial k's responses and
//     the prediction (openretina's eval.py, corr_k and mse_k).
//
// Evaluate follows openretina's evaluation script (openretina/cli/eval.py
// and utils/eval_utils.py's EvaluationSummary): with a single trial, FEVE,
// var_ratio and the jackknife oracle are NaN and no neuron is filtered out;
// otherwise the summary keeps the neurons whose var_ratio is at least a
// threshold (0.15 by default) and averages each metric over them with
// numpy's nanmean (a NaN neuron is skipped). Result.Summary.NaNReasons
// says why a summary value is NaN.
//
// Sums use compensated (Neumaier) summation, so results agree with numpy's
// pairwise sums to ~1e-15 relative on well-conditioned data.
package metrics

import (
	"errors"
	"fmt"
	"math"
)

const (
	corrEps    = 1e-8
	poissonEps = 1e-16
	varEps     = 1e-9
)

// DefaultMinVarRatio is the var_ratio below which neurons are left out of
// summaries.
const DefaultMinVarRatio = 0.15

// sum returns the Neumaier-compensated sum of f(i) for i in [0, n).
func sum(n int, f func(i int) float64) float64 {
	var s, c float64
	for i := 0; i < n; i++ {
		x := f(i)
		t := s + x
		if math.Abs(s) >= math.Abs(x) {
			c += (s - t) + x
		} else {
			c += (x - t) + s
		}
		s = t
	}
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return s // as a plain sum: the compensation of an infinite sum is NaN
	}
	return s + c
}

func mean(n int, f func(i int) float64) float64 { return sum(n, f) / float64(n) }

// Correlation returns openretina's correlation_numpy of x and y (equal
// lengths): mean(((x-mx)/(sx+1e-8)) * ((y-my)/(sy+1e-8))) with population
// standard deviations.
func Correlation(x, y []float64) float64 {
	n := len(x)
	mx := mean(n, func(i int) float64 { return x[i] })
	my := mean(n, func(i int) float64 { return y[i] })
	sx := math.Sqrt(mean(n, func(i int) float64 { d := x[i] - mx; return d * d }))
	sy := math.Sqrt(mean(n, func(i int) float64 { d := y[i] - my; return d * d }))
	dx, dy := sx+corrEps, sy+corrEps
	return mean(n, func(i int) float64 { return ((x[i] - mx) / dx) * ((y[i] - my) / dy) })
}

// MSE returns the mean of (pred - target)^2.
func MSE(pred, target []float64) float64 {
	return mean(len(pred), func(i int) float64 { d := pred[i] - target[i]; return d * d })
}

// Poisson returns the mean of pred - target*log(pred + 1e-16).
func Poisson(pred, target []float64) float64 {
	return mean(len(pred), func(i int) float64 { return pred[i] - target[i]*math.Log(pred[i]+poissonEps) })
}

// Repeats holds one neuron's responses to the repeated sequence:
// R[k][t] for trial k and frame t.
type Repeats [][]float64

// VarRatio returns openretina's explainable_vs_total_var for one neuron:
// the ratio of explainable to total variance and the explainable variance.
func (r Repeats) VarRatio() (ratio, explainable float64) {
	total, noise := r.variances()
	ev := math.Max(total-noise, varEps)
	return ev / (total + varEps), ev
}

// variances returns the total variance over (t,k) (ddof 1) and the noise
// variance: the mean over t of the variance over k (ddof 1).
func (r Repeats) variances() (total, noise float64) {
	K, T := len(r), len(r[0])
	all := K * T
	m := mean(all, func(i int) float64 { return r[i%K][i/K] })
	total = sum(all, func(i int) float64 { d := r[i%K][i/K] - m; return d * d }) / float64(all-1)
	noise = mean(T, func(t int) float64 {
		mk := mean(K, func(k int) float64 { return r[k][t] })
		return sum(K, func(k int) float64 { d := r[k][t] - mk; return d * d }) / float64(K-1)
	})
	return total, noise
}

// FEVE returns openretina's fraction of explainable variance explained for
// one neuron with prediction pred[t].
func (r Repeats) FEVE(pred []float64) float64 {
	K, T := len(r), len(r[0])
	ratio, ev := r.VarRatio()
	totalVar := ev / ratio
	noiseVar := totalVar - ev
	mse := mean(K*T, func(i int) float64 { d := r[i%K][i/K] - pred[i/K]; return d * d })
	fev := 1 - math.Max(mse-noiseVar, 0)/ev
	return math.Max(fev, 0)
}

// OracleCorr returns openretina's oracle_corr_jackknife for one neuron:
// the correlation over all (t,k) of r[k][t] with the mean of the other
// repeats at t (NaN from a single repeat becomes 0, as nan_to_num does).
func (r Repeats) OracleCorr() float64 {
	K, T := len(r), len(r[0])
	x := make([]float64, 0, K*T)
	y := make([]float64, 0, K*T)
	for t := 0; t < T; t++ {
		s := sum(K, func(k int) float64 { return r[k][t] })
		for k := 0; k < K; k++ {
			x = append(x, r[k][t])
			o := (s - r[k][t]) / float64(K-1)
			if math.IsNaN(o) {
				o = 0
			} else if math.IsInf(o, 1) {
				o = math.MaxFloat64
			} else if math.IsInf(o, -1) {
				o = -math.MaxFloat64
			}
			y = append(y, o)
		}
	}
	return Correlation(x, y)
}

// OracleCorrJackknife returns openretina's oracle_corr_jackknife for every
// neuron of byTrial, a C-order (K, N, T) array of K trials, after cutting
// the first cut frames (cut_first_n_frames; 0 keeps every frame). With a
// single trial it returns 0 for every neuron, as openretina's function does
// (its leave-one-out mean is 0/0, which nan_to_num turns into 0).
// openretina's slicing accepts a negative cut or one that leaves no frame
// (and returns NaN); both are errors here.
func OracleCorrJackknife(byTrial []float64, K, N, T, cut int) ([]float64, error) {
	if err := checkRepeats(byTrial, K, N, T, cut); err != nil {
		return nil, err
	}
	out := make([]float64, N)
	for n := range out {
		out[n] = neuronRepeats(byTrial, K, N, T, n, cut, T-cut).OracleCorr()
	}
	return out, nil
}

// GlobalMeanOracle returns openretina's global_mean_oracle for byTrial, a
// C-order (K, N, T) array of K trials (K = 1 for (frames, neurons) data,
// which openretina treats as a single repeat), after cutting the first cut
// frames: per neuron, the correlation (correlation_numpy) over all (t, k)
// of the neuron's response with the mean response of all N neurons
// (itself included) at the same (t, k). Cuts as OracleCorrJackknife.
func GlobalMeanOracle(byTrial []float64, K, N, T, cut int) ([]float64, error) {
	if err := checkRepeats(byTrial, K, N, T, cut); err != nil {
		return nil, err
	}
	return globalMeanOracle(byTrial, K, N, T, cut, T-cut), nil
}

// globalMeanOracle scores the frames [from, from+length) of every neuron.
func globalMeanOracle(byTrial []float64, K, N, T, from, length int) []float64 {
	all := K * length
	g := make([]float64, all) // index t*K + k, openretina's "(t r)" order
	for t := 0; t < length; t++ {
		for k := 0; k < K; k++ {
			g[t*K+k] = mean(N, func(n int) float64 { return byTrial[(k*N+n)*T+from+t] })
		}
	}
	out := make([]float64, N)
	x := make([]float64, all)
	for n := range out {
		for t := 0; t < length; t++ {
			for k := 0; k < K; k++ {
				x[t*K+k] = byTrial[(k*N+n)*T+from+t]
			}
		}
		out[n] = Correlation(x, g)
	}
	return out
}

func checkRepeats(byTrial []float64, K, N, T, cut int) error {
	switch {
	case K <= 0 || N <= 0 || T <= 0:
		return fmt.Errorf("empty responses: %d trials, %d neurons, %d frames", K, N, T)
	case len(byTrial) != K*N*T:
		return fmt.Errorf("responses have %d values, not %d trials x %d neurons x %d frames", len(byTrial), K, N, T)
	case cut < 0:
		return fmt.Errorf("cut_first_n_frames %d is negative", cut)
	case cut >= T:
		return fmt.Errorf("cut_first_n_frames %d leaves none of the %d frames", cut, T)
	}
	return nil
}

// neuronRepeats returns neuron n's trials, frames [from, from+length).
func neuronRepeats(byTrial []float64, K, N, T, n, from, length int) Repeats {
	rep := make(Repeats, K)
	for k := range rep {
		base := (k*N+n)*T + from
		rep[k] = byTrial[base : base+length : base+length]
	}
	return rep
}

// Neuron is one neuron's scores. openretina's eval.py calls them corr_to_average, feve, var_ratio, jackknife,
// mse_to_average, poisson_loss_to_average, corr_<k> and mse_<k>.
type Neuron struct {
	Index         int
	CorrToAverage float64
	// FEVE, VarRatio and OracleCorr are NaN with a single trial.
	FEVE       float64
	VarRatio   float64
	OracleCorr float64
	MSE        float64
	Poisson    float64
	// CorrByTrial[k] and MSEByTrial[k] compare trial k with the prediction.
	CorrByTrial []float64
	MSEByTrial  []float64
	// GlobalMeanOracle is set when Options.GlobalMeanOracle asks for it
	// (NaN otherwise).
	GlobalMeanOracle float64
	// Kept reports whether the neuron is in the summary.
	Kept bool
}

// Summary holds openretina's EvaluationSummary for one session: means
// (numpy's nanmean) over the kept neurons. When no neuron has a variance
// ratio (a single trial) no neuron is filtered out (FilteringApplied is
// false); a mean over no neuron is NaN.
type Summary struct {
	// CorrToAverage (corr_to_avg_mean), FEVE (feve_mean) and OracleCorr
	// (jackknife_mean): means over the kept neurons.
	CorrToAverage float64
	FEVE          float64
	OracleCorr    float64
	// Kept is the number of neurons kept (n_neurons_filtered).
	Kept int
	// NeuronsTotal is n_neurons_total.
	NeuronsTotal int
	// VarRatio is the mean variance ratio (fev_mean), MSE the mean MSE to
	// the average (mse_to_avg_mean), Poisson the mean Poisson loss
	// (poisson_loss_mean).
	VarRatio, MSE, Poisson float64
	// CorrByTrialMean and CorrByTrialStd are the mean and the population
	// standard deviation (np.nanstd) over trials of each trial's mean
	// correlation over the kept neurons; MSEByTrial likewise
	// (corr_by_trial_mean/std, mse_by_trial_mean/std).
	CorrByTrialMean, CorrByTrialStd float64
	MSEByTrialMean, MSEByTrialStd   float64
	// GlobalMeanOracle is the mean global mean oracle when asked for.
	GlobalMeanOracle float64
	// RepeatsMin, RepeatsMax, RepeatsAvg are n_test_repeats_min/max/avg:
	// the number of trials (one session, so all three are equal).
	RepeatsMin, RepeatsMax int
	RepeatsAvg             float64
	// MinVarRatio is var_ratio_cutoff; FilteringApplied is false when no
	// neuron has a variance ratio (a single trial), and then every neuron
	// is kept.
	MinVarRatio      float64
	FilteringApplied bool
	// TemporalLag is the number of frames at the start of the test
	// sequence that are not scored (temporal_lag): Tf - Tp plus the cut.
	TemporalLag int
	// NaNReasons says, for each summary value that is NaN, why (keys are
	// the JSON names of openretina's EvaluationSummary: feve_mean,
	// fev_mean, jackknife_mean, ...).
	NaNReasons map[string]string
}

// Result is the evaluation of one prediction.
type Result struct {
	Neurons     []Neuron
	Summary     Summary
	MinVarRatio float64
	Lag         int // frames dropped from the start of the targets (Tf - Tp)
	Cut         int // frames then cut from the start of prediction and targets
	Frames      int // frames scored
	Trials      int
	// Notes explain NaN values (one trial, non-finite responses).
	Notes []string
}

// Options are openretina's evaluation options.
type Options struct {
	// MinVarRatio is openretina's var_ratio_cutoff (0.15): neurons with a
	// lower explainable/total variance ratio are left out of the summary.
	MinVarRatio float64
	// CutFirstNFrames drops the first frames of the scored window from the
	// prediction and from the targets before anything is computed, as a
	// model with openretina's cut_first_n_frames does (its output is then
	// aligned with the last frames) and as oracle_corr_jackknife and
	// global_mean_oracle do with cut_first_n_frames.
	CutFirstNFrames int
	// GlobalMeanOracle also computes global_mean_oracle per neuron.
	GlobalMeanOracle bool
}

// DefaultOptions returns openretina's defaults: var_ratio_cutoff 0.15, no
// cut, no global mean oracle.
func DefaultOptions() Options { return Options{MinVarRatio: DefaultMinVarRatio} }

// Input is a prediction and the test responses, all C-order float64:
// Pred (N, Tp), ByTrial (K, N, Tf) and, optionally, Avg (N, Tf), the trial
// average (computed from ByTrial when nil). When Tp < Tf the targets are
// the LAST Tp frames (a model that drops its first frames, like
// openretina's lag). K may be 1 (openretina then reports NaN for FEVE,
// var_ratio and the jackknife oracle).
type Input struct {
	Pred    []float64
	N, Tp   int
	ByTrial []float64
	K, Tf   int
	Avg     []float64
}

// Evaluate scores every neuron and summarises over those with
// var_ratio >= minVarRatio: EvaluateWith with that threshold and no other
// option.
func Evaluate(in Input, minVarRatio float64) (*Result, error) {
	return EvaluateWith(in, Options{MinVarRatio: minVarRatio})
}

// oneTrialReason is the NaN reason for the metrics that need repeats.
const oneTrialReason = "the test responses have a single trial: FEVE, the variance ratio and the jackknife oracle need at least 2 (openretina reports NaN and filters no neuron)"

// oneTrialNote is the note of a single-trial session.
const oneTrialNote = "the test responses have a single trial: FEVE, the variance ratio and the jackknife oracle need at least 2 and are NaN (as in openretina)"

// EvaluateWith scores every neuron with openretina's evaluation options.
func EvaluateWith(in Input, opt Options) (*Result, error) {
	N, Tp, K, Tf := in.N, in.Tp, in.K, in.Tf
	switch {
	case N <= 0 || Tp <= 0 || K <= 0 || Tf <= 0:
		return nil, fmt.Errorf("empty input: %d neurons, %d predicted frames, %d trials, %d test frames", N, Tp, K, Tf)
	case len(in.Pred) != N*Tp:
		return nil, fmt.Errorf("prediction has %d values, not %d neurons x %d frames", len(in.Pred), N, Tp)
	case len(in.ByTrial) != K*N*Tf:
		return nil, fmt.Errorf("test responses have %d values, not %d trials x %d neurons x %d frames", len(in.ByTrial), K, N, Tf)
	case in.Avg != nil && len(in.Avg) != N*Tf:
		return nil, fmt.Errorf("trial average has %d values, not %d neurons x %d frames", len(in.Avg), N, Tf)
	case Tp > Tf:
		return nil, fmt.Errorf("the prediction has %d frames, more than the %d frames of the test responses", Tp, Tf)
	case opt.CutFirstNFrames < 0:
		return nil, fmt.Errorf("cut_first_n_frames %d is negative", opt.CutFirstNFrames)
	case opt.CutFirstNFrames >= Tp:
		return nil, fmt.Errorf("cut_first_n_frames %d leaves none of the %d predicted frames to score", opt.CutFirstNFrames, Tp)
	case math.IsNaN(opt.MinVarRatio):
		return nil, errors.New("the var_ratio cutoff is NaN")
	}
	for i, v := range in.Pred {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("prediction for neuron %d, frame %d is %v", i/Tp, i%Tp, v)
		}
	}
	lag, cut := Tf-Tp, opt.CutFirstNFrames
	T := Tp - cut // frames scored
	from := lag + cut
	res := &Result{MinVarRatio: opt.MinVarRatio, Lag: lag, Cut: cut, Frames: T, Trials: K, Neurons: make([]Neuron, N)}
	var gmo []float64
	if opt.GlobalMeanOracle {
		gmo = globalMeanOracle(in.ByTrial, K, N, Tf, from, T)
	}
	avg := make([]float64, T)
	var nonFinite []int
	for n := 0; n < N; n++ {
		pred := in.Pred[n*Tp+cut : (n+1)*Tp]
		rep := neuronRepeats(in.ByTrial, K, N, Tf, n, from, T)
		if in.Avg != nil {
			copy(avg, in.Avg[n*Tf+from:(n+1)*Tf])
		} else {
			for t := 0; t < T; t++ {
				avg[t] = mean(K, func(k int) float64 { return rep[k][t] })
			}
		}
		if !allFinite(avg) || !repeatsFinite(rep) {
			nonFinite = append(nonFinite, n)
		}
		nr := Neuron{
			Index:            n,
			CorrToAverage:    Correlation(avg, pred),
			FEVE:             math.NaN(),
			VarRatio:         math.NaN(),
			OracleCorr:       math.NaN(),
			MSE:              MSE(pred, avg),
			Poisson:          Poisson(pred, avg),
			CorrByTrial:      make([]float64, K),
			MSEByTrial:       make([]float64, K),
			GlobalMeanOracle: math.NaN(),
		}
		if K > 1 {
			nr.VarRatio, _ = rep.VarRatio()
			nr.FEVE = rep.FEVE(pred)
			nr.OracleCorr = rep.OracleCorr()
		}
		for k := range rep {
			nr.CorrByTrial[k] = Correlation(rep[k], pred)
			nr.MSEByTrial[k] = MSE(rep[k], pred)
		}
		if gmo != nil {
			nr.GlobalMeanOracle = gmo[n]
		}
		res.Neurons[n] = nr
	}
	if K == 1 {
		res.Notes = append(res.Notes, oneTrialNote)
	}
	if len(nonFinite) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("the test responses of neuron(s) %v contain NaN or infinity: their metrics are NaN and the summary skips them (numpy's nanmean)", nonFinite))
	}
	res.Summary = summarize(res, opt)
	return res, nil
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

func repeatsFinite(r Repeats) bool {
	for _, v := range r {
		if !allFinite(v) {
			return false
		}
	}
	return true
}

// summarize builds openretina's EvaluationSummary.from_dataframe for one
// session: filter on var_ratio (when any neuron has one), then nanmean.
func summarize(res *Result, opt Options) Summary {
	return summarizeSessions([]*Result{res}, opt)
}

// SummarizeSessions is openretina's summary of an evaluation of several
// sessions at once (its eval.py puts every session's neurons in one table):
// the var_ratio filter applies when any neuron of any session has a
// variance ratio (so single-trial sessions are then left out), means run
// over the kept neurons of all sessions, the per-trial means run over trial
// k of the sessions that have it (the others count as NaN), and the repeat
// counts are the minimum, maximum and mean over sessions. The sessions must
// share the temporal lag, as openretina requires. It sets Neuron.Kept in
// every result.
func SummarizeSessions(results []*Result, opt Options) (Summary, error) {
	if len(results) == 0 {
		return Summary{}, errors.New("no session to summarise")
	}
	for i, r := range results {
		if r.Lag+r.Cut != results[0].Lag+results[0].Cut {
			return Summary{}, fmt.Errorf("sessions 1 and %d have different temporal lags (%d and %d frames); openretina refuses that too: give predictions of the same length relative to their test sequences", i+1, results[0].Lag+results[0].Cut, r.Lag+r.Cut)
		}
	}
	return summarizeSessions(results, opt), nil
}

func summarizeSessions(results []*Result, opt Options) Summary {
	s := Summary{MinVarRatio: opt.MinVarRatio, TemporalLag: results[0].Lag + results[0].Cut,
		RepeatsMin: results[0].Trials, RepeatsMax: results[0].Trials}
	var all []*Neuron
	maxK, sumK := 0, 0
	for _, r := range results {
		for i := range r.Neurons {
			all = append(all, &r.Neurons[i])
		}
		s.RepeatsMin, s.RepeatsMax = min(s.RepeatsMin, r.Trials), max(s.RepeatsMax, r.Trials)
		maxK = max(maxK, r.Trials)
		sumK += r.Trials
	}
	s.RepeatsAvg = float64(sumK) / float64(len(results))
	s.NeuronsTotal = len(all)
	for _, n := range all {
		if !math.IsNaN(n.VarRatio) {
			s.FilteringApplied = true
			break
		}
	}
	var kept []*Neuron
	for _, n := range all {
		n.Kept = !s.FilteringApplied || n.VarRatio >= opt.MinVarRatio
		if n.Kept {
			kept = append(kept, n)
		}
	}
	s.Kept = len(kept)
	avg := func(f func(n *Neuron) float64) float64 {
		v := make([]float64, len(kept))
		for i, n := range kept {
			v[i] = f(n)
		}
		return nanMean(v)
	}
	s.CorrToAverage = avg(func(n *Neuron) float64 { return n.CorrToAverage })
	s.FEVE = avg(func(n *Neuron) float64 { return n.FEVE })
	s.OracleCorr = avg(func(n *Neuron) float64 { return n.OracleCorr })
	s.VarRatio = avg(func(n *Neuron) float64 { return n.VarRatio })
	s.MSE = avg(func(n *Neuron) float64 { return n.MSE })
	s.Poisson = avg(func(n *Neuron) float64 { return n.Poisson })
	s.GlobalMeanOracle = avg(func(n *Neuron) float64 { return n.GlobalMeanOracle })
	at := func(v []float64, k int) float64 {
		if k < len(v) {
			return v[k]
		}
		return math.NaN() // a session with fewer trials
	}
	corrK := make([]float64, maxK)
	mseK := make([]float64, maxK)
	for k := range corrK {
		corrK[k] = avg(func(n *Neuron) float64 { return at(n.CorrByTrial, k) })
		mseK[k] = avg(func(n *Neuron) float64 { return at(n.MSEByTrial, k) })
	}
	s.CorrByTrialMean, s.CorrByTrialStd = nanMean(corrK), nanStd(corrK)
	s.MSEByTrialMean, s.MSEByTrialStd = nanMean(mseK), nanStd(mseK)

	reasons := map[string]string{}
	why := func(key string, v float64, specific string) {
		if !math.IsNaN(v) {
			return
		}
		switch {
		case len(kept) == 0:
			reasons[key] = fmt.Sprintf("no neuron has var_ratio >= %g (var_ratio_cutoff)", opt.MinVarRatio)
		case specific != "":
			reasons[key] = specific
		default:
			reasons[key] = "every kept neuron's value is NaN (non-finite test responses)"
		}
	}
	one := ""
	if s.RepeatsMax == 1 {
		one = oneTrialReason
	}
	gm := ""
	if !opt.GlobalMeanOracle {
		gm = "not computed (ask for the global mean oracle)"
	}
	why("corr_to_avg_mean", s.CorrToAverage, "")
	why("feve_mean", s.FEVE, one)
	why("jackknife_mean", s.OracleCorr, one)
	why("fev_mean", s.VarRatio, one)
	why("mse_to_avg_mean", s.MSE, "")
	why("poisson_loss_mean", s.Poisson, "")
	why("corr_by_trial_mean", s.CorrByTrialMean, "")
	why("corr_by_trial_std", s.CorrByTrialStd, "")
	why("mse_by_trial_mean", s.MSEByTrialMean, "")
	why("mse_by_trial_std", s.MSEByTrialStd, "")
	why("global_mean_oracle_mean", s.GlobalMeanOracle, gm)
	if len(reasons) > 0 {
		s.NaNReasons = reasons
	}
	return s
}

// nanMean is numpy's nanmean: the mean of the non-NaN values, NaN when
// there is none.
func nanMean(v []float64) float64 {
	n := 0
	s := sum(len(v), func(i int) float64 {
		if math.IsNaN(v[i]) {
			return 0
		}
		n++
		return v[i]
	})
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// nanStd is numpy's nanstd (ddof 0) of the non-NaN values.
func nanStd(v []float64) float64 {
	m := nanMean(v)
	if math.IsNaN(m) {
		return m
	}
	n := 0
	s := sum(len(v), func(i int) float64 {
		if math.IsNaN(v[i]) {
			return 0
		}
		n++
		d := v[i] - m
		return d * d
	})
	return math.Sqrt(s / float64(n))
}

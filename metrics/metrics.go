// Package metrics scores predictions of neural responses to a repeated test
// sequence with openretina's definitions (openretina.eval.metrics and
// openretina.eval.oracles), per neuron:
//
//   - correlation to the trial average: Pearson correlation over time with
//     population standard deviations and eps 1e-8 added to each
//     (correlation_numpy);
//   - MSE to the average, mean over time of (pred - avg)^2;
//   - Poisson loss to the average, mean over time of
//     pred - avg*log(pred + 1e-16);
//   - explainable/total variance ratio from the repeats r[t,k]: total = var
//     over (t,k) with ddof 1, noise = mean over t of var over k with
//     ddof 1, EV = max(total - noise, 1e-9), var_ratio = EV/(total + 1e-9)
//     (explainable_vs_total_var);
//   - FEVE = max(0, 1 - max(MSE_trials - noise', 0)/EV) with
//     MSE_trials = mean over (t,k) of (r - pred)^2 and
//     noise' = EV/var_ratio - EV (feve);
//   - jackknife oracle correlation: the correlation, over all (t,k), of each
//     repeat with the mean of the other repeats (oracle_corr_jackknife).
//
// Summaries average over the neurons whose var_ratio is at least a
// threshold (0.15 by default, as in openretina's evaluations).
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

// Neuron is one neuron's scores.
type Neuron struct {
	Index         int     `json:"index"`
	CorrToAverage float64 `json:"corr_to_average"`
	FEVE          float64 `json:"feve"`
	VarRatio      float64 `json:"var_ratio"`
	OracleCorr    float64 `json:"oracle_corr"`
	MSE           float64 `json:"mse"`
	Poisson       float64 `json:"poisson"`
}

// Summary holds the means over the kept neurons (var_ratio >= the
// threshold); NaN when none is kept.
type Summary struct {
	CorrToAverage float64 `json:"corr_to_average"`
	FEVE          float64 `json:"feve"`
	OracleCorr    float64 `json:"oracle_corr"`
	Kept          int     `json:"kept"`
}

// Result is the evaluation of one prediction.
type Result struct {
	Neurons     []Neuron `json:"neurons"`
	Summary     Summary  `json:"summary"`
	MinVarRatio float64  `json:"-"`
	Lag         int      `json:"-"` // frames dropped from the start of the targets
	Frames      int      `json:"-"` // frames scored
	Trials      int      `json:"-"`
}

// Input is a prediction and the test responses, all C-order float64:
// Pred (N, Tp), ByTrial (K, N, Tf) and, optionally, Avg (N, Tf), the trial
// average (computed from ByTrial when nil). When Tp < Tf the targets are
// the LAST Tp frames (a model that drops its first frames, like
// openretina's lag).
type Input struct {
	Pred    []float64
	N, Tp   int
	ByTrial []float64
	K, Tf   int
	Avg     []float64
}

// Evaluate scores every neuron and summarises over those with
// var_ratio >= minVarRatio.
func Evaluate(in Input, minVarRatio float64) (*Result, error) {
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
	case K < 2:
		return nil, errors.New("the variance ratio and FEVE need at least 2 trials of the test sequence")
	}
	for i, v := range in.Pred {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("prediction for neuron %d, frame %d is %v", i/Tp, i%Tp, v)
		}
	}
	lag := Tf - Tp
	res := &Result{MinVarRatio: minVarRatio, Lag: lag, Frames: Tp, Trials: K, Neurons: make([]Neuron, N)}
	avg := make([]float64, Tp)
	var sc, sf, so float64
	for n := 0; n < N; n++ {
		pred := in.Pred[n*Tp : (n+1)*Tp]
		rep := make(Repeats, K)
		for k := 0; k < K; k++ {
			base := (k*N+n)*Tf + lag
			rep[k] = in.ByTrial[base : base+Tp]
		}
		if in.Avg != nil {
			copy(avg, in.Avg[n*Tf+lag:(n+1)*Tf])
		} else {
			for t := 0; t < Tp; t++ {
				avg[t] = mean(K, func(k int) float64 { return rep[k][t] })
			}
		}
		ratio, _ := rep.VarRatio()
		nr := Neuron{
			Index:         n,
			CorrToAverage: Correlation(avg, pred),
			FEVE:          rep.FEVE(pred),
			VarRatio:      ratio,
			OracleCorr:    rep.OracleCorr(),
			MSE:           MSE(pred, avg),
			Poisson:       Poisson(pred, avg),
		}
		res.Neurons[n] = nr
		if ratio >= minVarRatio {
			res.Summary.Kept++
			sc += nr.CorrToAverage
			sf += nr.FEVE
			so += nr.OracleCorr
		}
	}
	if k := float64(res.Summary.Kept); k > 0 {
		res.Summary.CorrToAverage, res.Summary.FEVE, res.Summary.OracleCorr = sc/k, sf/k, so/k
	} else {
		res.Summary.CorrToAverage, res.Summary.FEVE, res.Summary.OracleCorr = math.NaN(), math.NaN(), math.NaN()
	}
	return res, nil
}

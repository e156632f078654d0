package viewer

import (
	"math"

	"github.com/retinaio/retinaio/render"
)

// CellStats are one cell's numbers for the cell table. They are computed
// here with openretina's formulas (../shared/notes/dataset.md, "Metrics"),
// because package metrics was not available when the viewer was written.
type CellStats struct {
	Index int `json:"index"`
	// VarRatio is the explainable/total variance ratio over all test frames
	// (the reliability): EV/(total+1e-9), EV = max(total-noise, 1e-9).
	VarRatio float64 `json:"var_ratio"`
	// MeanRate is the mean test response in spikes/s (file units times the
	// frame rate).
	MeanRate float64 `json:"mean_rate"`
	// FEVE and Corr (to the trial average) need a prediction; they are
	// computed over the last T' test frames when the prediction has T'.
	FEVE *float64 `json:"feve,omitempty"`
	Corr *float64 `json:"corr,omitempty"`
}

// ComputeCellStats streams resp_test_by_trial once (one trial block in
// memory at a time) and returns every cell's statistics; pred, when not nil,
// is (cells, T') with T' <= test frames, aligned to the last T' frames.
func ComputeCellStats(s *render.Session, pred [][]float64) ([]CellStats, error) {
	N, T, K := s.Cells, s.TestFrames, s.Trials
	out := make([]CellStats, N)
	if N == 0 || T == 0 || K == 0 {
		for n := range out {
			out[n].Index = n
		}
		return out, nil
	}
	avg := make([][]float64, N)
	for n := range avg {
		a, err := s.CellResponse(render.Test, n)
		if err != nil {
			return nil, err
		}
		avg[n] = a
	}
	lag := 0
	if pred != nil {
		lag = T - len(pred[0])
	}
	// window means of the trial average (= mean over (t,k))
	mu := make([]float64, N)
	muW := make([]float64, N)
	for n := range N {
		for t, v := range avg[n] {
			mu[n] += v
			if t >= lag {
				muW[n] += v
			}
		}
		mu[n] /= float64(T)
		muW[n] /= float64(T - lag)
	}
	tot := make([]float64, N)   // sum (r - mu)^2 over all (t, k)
	totW := make([]float64, N)  // same over the window
	noise := make([]float64, N) // sum over t,k of (r - avg)^2
	noiseW := make([]float64, N)
	sse := make([]float64, N) // sum (r - p)^2 over the window
	var blk []float64
	var err error
	for k := range K {
		blk, err = s.TrialBlock(k, blk)
		if err != nil {
			return nil, err
		}
		for n := range N {
			row := blk[n*T : (n+1)*T]
			for t, r := range row {
				d := r - mu[n]
				tot[n] += d * d
				e := r - avg[n][t]
				noise[n] += e * e
				if t >= lag {
					dw := r - muW[n]
					totW[n] += dw * dw
					noiseW[n] += e * e
					if pred != nil {
						q := r - pred[n][t-lag]
						sse[n] += q * q
					}
				}
			}
		}
	}
	vr := func(tot, noise float64, nt int) (ev, total, ratio float64) {
		total = tot / float64(nt*K-1)
		nv := 0.0
		if K > 1 {
			nv = noise / float64(K-1) / float64(nt)
		}
		ev = math.Max(total-nv, 1e-9)
		return ev, total, ev / (total + 1e-9)
	}
	for n := range N {
		c := &out[n]
		c.Index = n
		_, _, c.VarRatio = vr(tot[n], noise[n], T)
		c.MeanRate = mu[n] * s.FrameRate
		if pred == nil {
			continue
		}
		nt := T - lag
		ev, _, ratio := vr(totW[n], noiseW[n], nt)
		mse := sse[n] / float64(nt*K)
		feve := math.Max(0, 1-math.Max(mse-(ev/ratio-ev), 0)/ev)
		c.FEVE = &feve
		// correlation of the prediction with the trial average, population std
		var mp, ma float64
		for t := range nt {
			mp += pred[n][t]
			ma += avg[n][t+lag]
		}
		mp /= float64(nt)
		ma /= float64(nt)
		var cov, vp, va float64
		for t := range nt {
			a, b := pred[n][t]-mp, avg[n][t+lag]-ma
			cov += a * b
			vp += a * a
			va += b * b
		}
		corr := (cov / float64(nt)) / (math.Sqrt(vp/float64(nt))*math.Sqrt(va/float64(nt)) + 1e-8)
		c.Corr = &corr
	}
	return out, nil
}

package viewer

import (
	"github.com/retinaio/retinaio/internal/render"
	"github.com/retinaio/retinaio/metrics"
)

// CellStats are one cell's numbers for the cell table, computed with
// package metrics (openretina's definitions).
type CellStats struct {
	Index int `json:"index"`
	// VarRatio is the explainable/total variance ratio over all test frames,
	// or over the predicted frames when there is a prediction (as in eval)
	// (the reliability, metrics.Repeats.VarRatio); 0 when the session has
	// fewer than 2 trials, where the noise variance is undefined.
	VarRatio float64 `json:"var_ratio"`
	// MeanRate is the mean test response in spikes/s (file units times the
	// frame rate).
	MeanRate float64 `json:"mean_rate"`
	// FEVE (metrics.Repeats.FEVE) and Corr (metrics.Correlation with the
	// trial average) need a prediction; they are computed over the last T'
	// test frames when the prediction has T'. FEVE is also left out with
	// fewer than 2 trials.
	FEVE *float64 `json:"feve,omitempty"`
	Corr *float64 `json:"corr,omitempty"`
}

// ComputeCellStats reads each cell's test responses (trial average and
// repeats, one cell in memory at a time) and returns every cell's
// statistics; pred, when not nil, is (cells, T') with T' <= test frames,
// aligned to the last T' frames.
func ComputeCellStats(s *render.Session, pred [][]float64) ([]CellStats, error) {
	N, T, K := s.Cells, s.TestFrames, s.Trials
	out := make([]CellStats, N)
	for n := range out {
		out[n].Index = n
	}
	if N == 0 || T == 0 || K == 0 {
		return out, nil
	}
	lag := 0
	if pred != nil {
		lag = T - len(pred[0])
	}
	for n := range N {
		avg, err := s.CellResponse(render.Test, n)
		if err != nil {
			return nil, err
		}
		c := &out[n]
		mu := 0.0
		for _, v := range avg {
			mu += v
		}
		c.MeanRate = mu / float64(T) * s.FrameRate
		var rep metrics.Repeats
		if K >= 2 {
			if rep, err = s.CellTrials(n); err != nil {
				return nil, err
			}
			c.VarRatio, _ = rep.VarRatio()
		}
		if pred == nil {
			continue
		}
		corr := metrics.Correlation(avg[lag:], pred[n])
		c.Corr = &corr
		if K >= 2 {
			win := make(metrics.Repeats, K)
			for k := range rep {
				win[k] = rep[k][lag:]
			}
			feve := win.FEVE(pred[n])
			c.FEVE = &feve
			// With a prediction, reliability is computed on the frames it
			// covers, as 'retinaio eval' does, so that both agree on which
			// cells pass --min-var-ratio.
			c.VarRatio, _ = win.VarRatio()
		}
	}
	return out, nil
}

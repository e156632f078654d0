package metrics_test

import (
	"fmt"

	"github.com/retinaio/retinaio/metrics"
)

func Example() {
	// One neuron, three trials of four frames, and a prediction (values
	// checked with testdata/gen_metrics.py's numpy evaluate).
	byTrial := []float64{
		1, 2, 0, 3, // trial 0
		1, 3, 0, 2, // trial 1
		2, 2, 1, 3, // trial 2
	}
	pred := []float64{1.2, 2.4, 0.3, 2.6}
	res, err := metrics.Evaluate(metrics.Input{Pred: pred, N: 1, Tp: 4, ByTrial: byTrial, K: 3, Tf: 4}, metrics.DefaultMinVarRatio)
	if err != nil {
		panic(err)
	}
	n := res.Neurons[0]
	fmt.Printf("corr %.4f feve %.4f var_ratio %.4f oracle %.4f mse %.4f\n", n.CorrToAverage, n.FEVE, n.VarRatio, n.OracleCorr, n.MSE)
	// Output:
	// corr 0.9972 feve 1.0000 var_ratio 0.7105 oracle 0.7456 mse 0.0069
}

func ExampleEvaluateWith() {
	// A single trial: openretina still scores the correlation, MSE and
	// Poisson loss to the average, and reports NaN for FEVE, var_ratio and
	// the oracle (values checked with numpy).
	res, err := metrics.EvaluateWith(metrics.Input{
		Pred: []float64{1.2, 2.4, 0.3, 2.6}, N: 1, Tp: 4,
		ByTrial: []float64{1, 2, 0, 3}, K: 1, Tf: 4,
	}, metrics.DefaultOptions())
	if err != nil {
		panic(err)
	}
	s := res.Summary
	fmt.Printf("corr %.4f mse %.4f poisson %.4f feve %v filtered %v\n", s.CorrToAverage, s.MSE, s.Poisson, s.FEVE, s.FilteringApplied)
	fmt.Println("feve_mean:", s.NaNReasons["feve_mean"])
	// Output:
	// corr 0.9699 mse 0.1125 poisson 0.4251 feve NaN filtered false
	// feve_mean: the test responses have a single trial: FEVE, the variance ratio and the jackknife oracle need at least 2 (openretina reports NaN and filters no neuron)
}

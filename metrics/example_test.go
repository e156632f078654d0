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

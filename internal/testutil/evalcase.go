package testutil

import (
	"encoding/json"
	"os"
	"testing"
)

// EvalCase is one case of metrics/testdata/expect_eval.json, written by
// metrics/testdata/gen_openretina_eval.py (a numpy re-implementation of
// openretina's eval.py and EvaluationSummary); null is NaN (nil). The
// metrics package and the eval command's tests both check against it.
type EvalCase struct {
	Options struct {
		Cut    int     `json:"cut_first_n_frames"`
		Cutoff float64 `json:"var_ratio_cutoff"`
		GMO    bool    `json:"global_mean_oracle"`
	} `json:"options"`
	Neurons []struct {
		CorrToAverage *float64   `json:"corr_to_average"`
		MSE           *float64   `json:"mse_to_average"`
		Poisson       *float64   `json:"poisson_loss_to_average"`
		FEVE          *float64   `json:"feve"`
		Jackknife     *float64   `json:"jackknife"`
		VarRatio      *float64   `json:"var_ratio"`
		GMO           *float64   `json:"global_mean_oracle"`
		Kept          bool       `json:"kept"`
		CorrByTrial   []*float64 `json:"corr_by_trial"`
		MSEByTrial    []*float64 `json:"mse_by_trial"`
	} `json:"neurons"`
	Summary map[string]any `json:"summary"`
	Oracles struct {
		Jackknife []*float64 `json:"jackknife"`
		GMO       []*float64 `json:"global_mean_oracle"`
		GMO2D     []*float64 `json:"global_mean_oracle_2d"`
	} `json:"oracles_cut_5"`
}

// LoadEvalCases reads the cases of an expect_eval.json file by name,
// failing tb on any error.
func LoadEvalCases(tb testing.TB, path string) map[string]EvalCase {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var c map[string]EvalCase
	if err := json.Unmarshal(b, &c); err != nil {
		tb.Fatal(err)
	}
	return c
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/npy"
)

// TestEvalCommand: --json output equals the numpy implementation of
// openretina's formulas (metrics/testdata/gen_metrics.py).
func TestEvalCommand(t *testing.T) {
	b, err := os.ReadFile("../../metrics/testdata/expect.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]struct {
		Neurons []map[string]float64 `json:"neurons"`
		Summary map[string]float64   `json:"summary"`
	}
	json.Unmarshal(b, &exp)
	for name, e := range exp {
		stdout, stderr, code := runSplitEvalCmd(t, "eval", "--pred", "../../metrics/testdata/pred_"+name+".npz",
			"--data", "../../metrics/testdata/session_"+name+".npz", "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		var got struct {
			Neurons []map[string]float64 `json:"neurons"`
			Summary map[string]float64   `json:"summary"`
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stdout)
		}
		if len(got.Neurons) != len(e.Neurons) {
			t.Fatalf("%s: %d neurons", name, len(got.Neurons))
		}
		rel := func(a, b float64) bool {
			d := a - b
			if d < 0 {
				d = -d
			}
			m := b
			if m < 0 {
				m = -m
			}
			return d <= 1e-9*max(m, 1e-6)
		}
		for i := range e.Neurons {
			if len(got.Neurons[i]) != 7 {
				t.Errorf("%s neuron %d: keys %v", name, i, got.Neurons[i])
			}
			for k, w := range e.Neurons[i] {
				if !rel(got.Neurons[i][k], w) {
					t.Errorf("%s neuron %d %s: %v, numpy %v", name, i, k, got.Neurons[i][k], w)
				}
			}
		}
		for k, w := range e.Summary {
			if !rel(got.Summary[k], w) {
				t.Errorf("%s summary %s: %v, numpy %v", name, k, got.Summary[k], w)
			}
		}
	}
	// Table output.
	stdout, _, code := runSplitEvalCmd(t, "eval", "--pred", "../../metrics/testdata/pred_lag.npz",
		"--data", "../../metrics/testdata/session_lag.npz", "--min-var-ratio", "0.5")
	if code != 0 || !strings.Contains(stdout, "targets: the last 45 of 70 frames") || !strings.Contains(stdout, "var_ratio >= 0.5") {
		t.Errorf("table:\n%s", stdout)
	}
	// Mismatched neuron counts.
	_, stderr, code := runSplitEvalCmd(t, "eval", "--pred", "../../metrics/testdata/pred_basic.npz",
		"--data", "../../metrics/testdata/session_lag.npz")
	if code == 0 || !strings.Contains(stderr, "has 8 neurons") {
		t.Errorf("mismatch: exit %d %s", code, stderr)
	}
	// Prediction longer than the test sequence.
	dir := t.TempDir()
	p := filepath.Join(dir, "p.npz")
	z, _ := npy.CreateNPZ(p, npy.NPZOptions{})
	z.Add("pred_test", []int{5, 71}, make([]float32, 5*71))
	z.Close()
	_, stderr, code = runSplitEvalCmd(t, "eval", "--pred", p, "--data", "../../metrics/testdata/session_lag.npz")
	if code == 0 || !strings.Contains(stderr, "71 frames") {
		t.Errorf("long prediction: exit %d %s", code, stderr)
	}
	if _, _, code := runSplitEvalCmd(t, "eval", "--pred", p); code != 2 {
		t.Errorf("missing --data: exit %d", code)
	}
}

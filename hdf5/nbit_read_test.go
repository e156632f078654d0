package hdf5_test

import (
	"context"
	"math"
	"testing"

	"github.com/retinaio/retinaio/hdf5"
)

// TestNbitRead reads the n-bit and bfloat16 fixtures (written by h5py,
// gen_fixtures.py) with Dataset.Read into float64 and int64: the values
// h5py printed when it wrote them.
func TestNbitRead(t *testing.T) {
	f, err := hdf5.Open("testdata/fixtures/nbit.h5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ints := map[string][]int64{
		"i32_p12_o4":   {0, 1, -1, 2047, -2048, 100, -100, 5},
		"u16be_p10_o3": {0, 1, 1023, 512, 77},
		"i8_p5_o2":     {0, 15, -16, -1, 3},
	}
	for name, want := range ints {
		d, err := f.OpenDataset(name)
		if err != nil {
			t.Fatal(err)
		}
		var v []int64
		if err := d.Read(context.Background(), &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range want {
			if i >= len(v) || v[i] != want[i] {
				t.Fatalf("%s: %v, want %v", name, v, want)
			}
		}
	}
	// h5py's printout of the stored float values
	floats := map[string][]float64{
		"f24_in_f32":   {0, 0, 1, -1.5, 3.1416016, 9.9998713e-04, 6.1e4, -2.4999958e-05, math.Inf(1), math.Inf(-1), math.NaN(), 1.0000041e+30, 9.9999098e-31},
		"e5m10_in_f32": {0, 1, -2.5, 65504, 6.0975552e-05, 5.9604645e-08, math.Inf(1), math.NaN()},
		"bf16":         {1, -3, 1.00097656e-01, 9.96920997e+37, 1.00100691e-38, math.NaN()},
	}
	for name, want := range floats {
		d, err := f.OpenDataset(name)
		if err != nil {
			t.Fatal(err)
		}
		var v []float64
		if err := d.Read(context.Background(), &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(v) != len(want) {
			t.Fatalf("%s: %d values", name, len(v))
		}
		for i, w := range want {
			if math.IsNaN(w) != math.IsNaN(v[i]) || !math.IsNaN(w) && math.Abs(v[i]-w) > 1e-7*math.Max(1, math.Abs(w)) {
				t.Errorf("%s[%d] = %g, want %g", name, i, v[i], w)
			}
		}
	}
}

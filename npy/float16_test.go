package npy

import (
	"math"
	"testing"
)

// TestFloat16 decodes every half-precision bit pattern, little- and
// big-endian, and compares the bits with numpy's float32 conversion
// (testdata/gen_float16.py).
func TestFloat16(t *testing.T) {
	z, err := OpenNPZ("testdata/float16.npz")
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	want, err := z.Read("f4")
	if err != nil {
		t.Fatal(err)
	}
	w := want.Data.([]float32)
	for _, name := range []string{"le", "be"} {
		a, err := z.Read(name)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := a.Data.([]float32)
		if !ok || len(got) != 65536 {
			t.Fatalf("%s: %T %d", name, a.Data, a.Len())
		}
		bad := 0
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(w[i]) {
				if bad++; bad < 5 {
					t.Errorf("%s: half 0x%04x -> %v (0x%08x), numpy %v (0x%08x)", name, i, got[i], math.Float32bits(got[i]), w[i], math.Float32bits(w[i]))
				}
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of 65536 differ", name, bad)
		}
		f64 := make([]float64, 65536)
		if _, err := z.ReadInto(name, f64); err != nil {
			t.Fatal(err)
		}
		for i, v := range f64 {
			if !(v == float64(w[i]) || math.IsNaN(v) && math.IsNaN(float64(w[i]))) {
				t.Fatalf("%s: half 0x%04x read as float64 %v, numpy %v", name, i, v, w[i])
			}
		}
	}
	if _, err := z.ReadInto("le", make([]int32, 65536)); err == nil {
		t.Error("f2 into int32 accepted")
	}
}

package hdf5_test

import (
	"context"
	"math/cmplx"
	"testing"

	"github.com/retinaio/retinaio/hdf5"
)

// TestComplexClass reads HDF5 2.0's complex datatype class (the HDF Group's
// tcomplex.h5 and tcomplex_be.h5 from the real-world corpus; h5py 3.7
// cannot read them): element (i, 0) is 10 - i, element (i, j>0) is
// (j + i/10)(1 + i) in float32 and float64, in both byte orders; numpy's
// descr is <c8/>c8, <c16/>c16.
func TestComplexClass(t *testing.T) {
	for _, fn := range []string{"tcomplex.h5", "tcomplex_be.h5"} {
		f, err := hdf5.Open("../testdata/hdf5-world/hdfgroup-testfiles/testdata__hdf5_official__" + fn)
		if err != nil {
			t.Fatal(err)
		}
		for name, descr := range map[string]string{"DatasetFloatComplex": "c8", "DatasetDoubleComplex": "c16"} {
			d, err := f.OpenDataset(name)
			if err != nil {
				t.Fatalf("%s %s: %v", fn, name, err)
			}
			order := "<"
			if fn == "tcomplex_be.h5" {
				order = ">"
			}
			if got := d.Datatype().NumpyDescr(); got != order+descr {
				t.Errorf("%s %s: descr %s, want %s", fn, name, got, order+descr)
			}
			var v []complex128
			if err := d.Read(context.Background(), &v); err != nil {
				t.Fatalf("%s %s: %v", fn, name, err)
			}
			if len(v) != 100 {
				t.Fatalf("%s %s: %d values", fn, name, len(v))
			}
			for i := 0; i < 10; i++ {
				for j := 0; j < 10; j++ {
					want := complex(float64(10-i), 0)
					if j > 0 {
						x := float64(j) + float64(i)/10
						want = complex(x, x)
					}
					if cmplx.Abs(v[10*i+j]-want) > 1e-5 {
						t.Errorf("%s %s [%d,%d] = %v, want %v", fn, name, i, j, v[10*i+j], want)
					}
				}
			}
		}
		f.Close()
	}
}

package mat_test

import (
	"context"
	"fmt"

	"github.com/retinaio/retinaio/mat"
)

// The three orders for MATLAB's A = [1 2 3; 4 5 6], which a v7.3 file
// stores with h5py shape [3 2] and bytes 1 4 2 5 3 6.
func ExampleTranspose() {
	h5py := []float64{1, 4, 2, 5, 3, 6} // RowMajorH5py, shape [3 2]; also ColumnMajorMATLAB, dims [2 3]
	colMajor := mat.Array[float64]{Data: h5py, Shape: []uint64{2, 3}, Order: mat.ColumnMajorMATLAB}
	rowMajor := mat.Array[float64]{Data: mat.Transpose(h5py, []uint64{3, 2}), Shape: []uint64{2, 3}, Order: mat.RowMajorMATLAB}
	fmt.Println("RowMajorMATLAB data:", rowMajor.Data)
	fmt.Println("A(2,3):", colMajor.At(1, 2), rowMajor.At(1, 2))
	// Output:
	// RowMajorMATLAB data: [1 2 3 4 5 6]
	// A(2,3): 6 6
}

func ExampleOpen() {
	f, err := mat.Open("../hdf5/testdata/corpus/matlab_v73.mat")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	ctx := context.Background()
	x, err := f.Var("x") // MATLAB: x = [1 2 3; 4 5 6]
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x.Class, "Dims", x.Dims(), "Shape", x.Shape())
	for _, o := range []mat.Order{mat.RowMajorH5py, mat.ColumnMajorMATLAB, mat.RowMajorMATLAB} {
		a, err := x.ReadFloat64(ctx, o)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(o, a.Shape, a.Data)
	}
	name, _ := f.Var("s/b")
	s, _ := name.String(ctx)
	fmt.Printf("s.b = %q\n", s)
	// Output:
	// double Dims [2 3] Shape [3 2]
	// row-major (h5py shape) [3 2] [1 4 2 5 3 6]
	// column-major (MATLAB dims) [2 3] [1 4 2 5 3 6]
	// row-major (MATLAB dims) [2 3] [1 2 3 4 5 6]
	// s.b = "field b"
}

package hdf5write_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/hdf5write"
)

// Example writes a small MATLAB v7.3 file with a chunked, deflated image
// stack streamed one image at a time, and reads it back.
func Example() {
	dir, _ := os.MkdirTemp("", "hdf5write-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "session.mat")

	w, err := hdf5write.Create(path, hdf5write.Options{MATLABHeader: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Abort() // no-op after Close
	root := w.Root()
	// a MATLAB 3x2 double matrix is stored with the shape reversed: (2, 3)
	err = root.WriteDataset("x", hdf5write.Dataset{
		Shape: []uint64{2, 3}, Data: []float64{1, 2, 3, 4, 5, 6},
		Attrs: []hdf5write.Attr{{Name: "MATLAB_class", Value: "double"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ds, err := root.CreateDataset("images", hdf5write.Uint8, []uint64{4, 32, 24},
		hdf5write.DatasetOptions{Chunk: []uint64{1, 32, 24}, Deflate: 3,
			Attrs: []hdf5write.Attr{{Name: "MATLAB_class", Value: "uint8"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for k := 0; k < 4; k++ {
		img := make([]uint8, 32*24)
		for i := range img {
			img[i] = uint8(k*10 + i%7)
		}
		if err := ds.WriteRows(img); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}

	f, err := hdf5.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	d, _ := f.OpenDataset("/images")
	var img []uint8
	_ = d.ReadSlab(context.Background(), []uint64{3, 0, 0}, []uint64{1, 32, 24}, &img)
	a, _ := d.Attr("MATLAB_class")
	fmt.Println(d.Shape(), d.ChunkShape(), a.String(), img[:8], f.UserBlockSize())
	// Output: [4 32 24] [1 32 24] uint8 [30 31 32 33 34 35 36 30] 512
}

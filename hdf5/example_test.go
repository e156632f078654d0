package hdf5_test

import (
	"context"
	"fmt"
	"log"

	"github.com/retinaio/retinaio/hdf5"
)

// Open a MATLAB v7.3 file, print a dataset's shape and type, and read one
// image of the ensemble as float32.
func Example() {
	f, err := hdf5.Open("../testdata/golden/sessions/20210203_252MEA_mouse_left_half_dorsal/fixationmovie_data.mat")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	d, err := f.OpenDataset("/frozenImages")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("user block:", f.UserBlockSize())
	fmt.Println("shape:", d.Shape(), d.Datatype(), "chunks:", d.ChunkShape(), d.Filters()[0].Name)
	var img []float32
	if err := d.ReadSlab(context.Background(), []uint64{1, 0, 0}, []uint64{1, 860, 640}, &img); err != nil {
		log.Fatal(err)
	}
	fmt.Println("image pixels:", len(img))
	// Output:
	// user block: 512
	// shape: [2 860 640] uint8 chunks: [1 108 160] deflate
	// image pixels: 550400
}

// Walk lists every object of a file.
func ExampleFile_Walk() {
	f, err := hdf5.Open("../testdata/golden/sessions/20220208_60MEA_marmoset_right_n1/frozencheckerflicker_data.mat")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	err = f.Walk(func(path string, obj hdf5.Object) error {
		if d, ok := obj.(*hdf5.Dataset); ok {
			cls, _ := d.Attr("MATLAB_class")
			fmt.Println(path, d.Shape(), cls.String(), d.ChunkIndex())
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// /frozenbin [3 15 6] double single chunk
	// /runningbin [2 20 6] double single chunk
}

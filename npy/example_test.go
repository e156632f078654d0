package npy_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/retinaio/retinaio/npy"
)

func Example() {
	dir, _ := os.MkdirTemp("", "npy-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "session.npz")

	// Write: whole slices with Add, or piece by piece with Create.
	z, err := npy.CreateNPZ(path, npy.NPZOptions{})
	if err != nil {
		panic(err)
	}
	defer z.Abort()
	z.Add("resp_test", []int{2, 3}, []float64{0, 1, 2, 3, 4, 5})
	w, _ := z.Create("stim", npy.Header{Descr: "<f4", Shape: []int{3, 2, 2}})
	for frame := 0; frame < 3; frame++ {
		w.WriteValues([]float32{float32(frame), 0, 0, 1})
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	if err := z.Close(); err != nil { // commits session.npz
		panic(err)
	}

	// Read: whole arrays, or into a caller slice with conversion.
	r, err := npy.OpenNPZ(path)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	fmt.Println(r.Names())
	a, _ := r.Read("resp_test")
	fmt.Println(a.Descr, a.Shape, a.Data)
	stim := make([]float64, 12)
	h, _ := r.ReadInto("stim", stim)
	fmt.Println(h.Descr, h.Shape, stim[4:8])

	// A single .npy, byte-identical to numpy.save.
	var buf bytes.Buffer
	npy.WriteArray(&buf, []int{2}, []uint8{7, 9})
	fmt.Printf("%q\n", buf.Bytes()[10:67])
	// Output:
	// [resp_test stim]
	// <f8 [2 3] [0 1 2 3 4 5]
	// <f4 [3 2 2] [1 0 0 1]
	// "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }"
}

package resample_test

import (
	"fmt"

	"github.com/retinaio/retinaio/resample"
)

// Downscale a 4x6 ramp to 2x3, as torchvision's
// Resize((2, 3), antialias=True) would (torch prints the same values).
func Example() {
	const inH, inW, outH, outW = 4, 6, 2, 3
	src := make([]float32, inH*inW)
	for r := 0; r < inH; r++ {
		for c := 0; c < inW; c++ {
			src[r*inW+c] = float32(10*r + c)
		}
	}
	dst := make([]float32, outH*outW)
	if err := resample.Resize(dst, src, inH, inW, outH, outW); err != nil {
		panic(err)
	}
	for r := 0; r < outH; r++ {
		fmt.Printf("%.4f\n", dst[r*outW:(r+1)*outW])
	}
	// Output:
	// [7.8571 9.6429 11.4286]
	// [23.5714 25.3571 27.1429]
}

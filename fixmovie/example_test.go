package fixmovie_test

import (
	"context"
	"fmt"

	"github.com/retinaio/retinaio/fixmovie"
)

// Render a two-frame fixation movie of a 640 x 860 image (h5py shape
// (1, 860, 640): N, Nx, Ny) at 60 x 80, with openretina's semantics.
func Example() {
	const n, nx, ny = 1, 860, 640
	pix := make([]uint8, n*nx*ny)
	for x := 0; x < nx; x++ {
		for y := 0; y < ny; y++ {
			pix[x*ny+y] = uint8((x / 40) * 10) // vertical stripes, 40 columns wide
		}
	}
	imgs, err := fixmovie.NewImages(pix, n, nx, ny)
	if err != nil {
		panic(err)
	}
	// File rows (image index, x, y), as in frozenfixations; the second
	// fixation puts the image's left edge one column right of the screen's.
	fix, err := fixmovie.FixationsFromFloat64([]float64{1, 430, 320, 1, 399, 320}, imgs.N)
	if err != nil {
		panic(err)
	}
	movie, err := fixmovie.Render(context.Background(), imgs, fix, fixmovie.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(movie) / (60 * 80)) // frames
	// Top-left output pixel: frame 0 sees image columns 30..44 (stripe values
	// 0 and 10); in frame 1 openretina's port paints screen column 0 with the
	// image's last column (value 210, index -1 wraps), the rest is 0.
	fmt.Printf("%.3f %.3f\n", movie[0], movie[4800])
	r, _ := fixmovie.GetRanges(399, 320, 800, 600, nx, ny, fixmovie.OpenRetina)
	fmt.Printf("%+v\n", r)
	// Output:
	// 2
	// 1.429 13.200
	// {XMin:0 XMax:799 YMin:0 YMax:599 XOr:-1 YOr:20 Empty:false}
}

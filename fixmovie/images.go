package fixmovie

import (
	"fmt"
	"math"
)

// Images is an image ensemble exactly as stored in the .mat file, in h5py
// order (N, Nx, Ny) uint8: image k's pixel at row y, column x is
// Pix[k*Nx*Ny + x*Ny + y] (0-based k; each image is stored column by column,
// MATLAB's column-major Ny x Nx matrix). openretina rearranges this
// 'n x y -> y x n' to get Ny x Nx images; no copy is needed here.
type Images struct {
	N  int // number of images
	Nx int // image width (columns), the file's second dimension
	Ny int // image height (rows), the file's third dimension
	// Pix holds N*Nx*Ny pixels in file order.
	Pix []uint8
}

// MaxImageSide bounds each image dimension.
const MaxImageSide = 1 << 20

// NewImages wraps pix (h5py shape (n, nx, ny), as read from runningImages or
// frozenImages) after checking its size. pix is not copied.
func NewImages(pix []uint8, n, nx, ny int) (*Images, error) {
	if n < 1 || nx < 1 || ny < 1 || nx > MaxImageSide || ny > MaxImageSide {
		return nil, fmt.Errorf("fixmovie: image ensemble shape (%d, %d, %d) invalid: want (N, Nx, Ny) with N >= 1 and 1 <= Nx, Ny <= %d",
			n, nx, ny, MaxImageSide)
	}
	per := int64(nx) * int64(ny)
	if int64(n) > math.MaxInt32 || int64(len(pix)) != int64(n)*per {
		return nil, fmt.Errorf("fixmovie: image ensemble shape (%d, %d, %d) needs %d pixels, got %d",
			n, nx, ny, int64(n)*per, len(pix))
	}
	return &Images{N: n, Nx: nx, Ny: ny, Pix: pix}, nil
}

// At returns image k's (1-based, as in the fixations) pixel at row y, column
// x (0-based).
func (im *Images) At(k, x, y int) uint8 {
	return im.Pix[(k-1)*im.Nx*im.Ny+x*im.Ny+y]
}

// image returns image k's (1-based) pixels, column-major Ny x Nx.
func (im *Images) image(k int) []uint8 {
	n := im.Nx * im.Ny
	return im.Pix[(k-1)*n : k*n]
}

// Fixation is one frame of a fixation list: the 1-based image index and the
// image pixel (X, Y) shown at the screen's centre.
type Fixation struct {
	Image, X, Y int
}

// FixationError reports an unusable fixation value.
type FixationError struct {
	Frame  int     // 0-based frame (row) index in the list given
	Column int     // 0 image index, 1 x, 2 y
	Value  float64 // the offending value
	Reason string  // what is wrong
}

var columnNames = [3]string{"image index", "x", "y"}

// Error reads like "frame 1203: image index 27 > 25 images".
func (e *FixationError) Error() string {
	name := "column ?"
	if e.Column >= 0 && e.Column < 3 {
		name = columnNames[e.Column]
	}
	return fmt.Sprintf("frame %d: %s %v %s", e.Frame, name, e.Value, e.Reason)
}

// FixationsFromFloat64 converts fixation rows as stored in the file
// (frozenfixations (T, 3) or runningfixations (blocks, T, 3) flattened, float64:
// 1-based image index, x, y) into Fixations, validating each value: NaN, Inf
// and non-integers are errors (openretina would silently truncate them with
// .astype(int)), as are coordinates beyond +-MaxCoord and image indices
// outside 1..nImages. Errors are *FixationError naming the frame (row),
// column and value.
func FixationsFromFloat64(data []float64, nImages int) ([]Fixation, error) {
	if len(data)%3 != 0 {
		return nil, fmt.Errorf("fixmovie: %d fixation values is not a whole number of (image, x, y) rows", len(data))
	}
	if nImages < 1 {
		return nil, fmt.Errorf("fixmovie: fixations need at least one image, have %d", nImages)
	}
	out := make([]Fixation, len(data)/3)
	for i := range out {
		var v [3]int
		for c := 0; c < 3; c++ {
			f := data[3*i+c]
			bad := func(reason string) error {
				return &FixationError{Frame: i, Column: c, Value: f, Reason: reason}
			}
			switch {
			case math.IsNaN(f):
				return nil, bad("is not a number")
			case math.IsInf(f, 0):
				return nil, bad("is infinite")
			case f != math.Trunc(f):
				return nil, bad("is not an integer")
			case math.Abs(f) > MaxCoord:
				return nil, bad(fmt.Sprintf("is beyond +-%d", MaxCoord))
			}
			v[c] = int(f)
		}
		if v[0] < 1 {
			return nil, &FixationError{Frame: i, Column: 0, Value: data[3*i], Reason: "< 1 (indices are 1-based)"}
		}
		if v[0] > nImages {
			return nil, &FixationError{Frame: i, Column: 0, Value: data[3*i], Reason: fmt.Sprintf("> %d images", nImages)}
		}
		out[i] = Fixation{Image: v[0], X: v[1], Y: v[2]}
	}
	return out, nil
}

// checkFixations validates image indices and coordinates of an already
// converted list.
func checkFixations(fix []Fixation, nImages int) error {
	for i, f := range fix {
		if f.Image < 1 {
			return &FixationError{Frame: i, Column: 0, Value: float64(f.Image), Reason: "< 1 (indices are 1-based)"}
		}
		if f.Image > nImages {
			return &FixationError{Frame: i, Column: 0, Value: float64(f.Image), Reason: fmt.Sprintf("> %d images", nImages)}
		}
		if abs(f.X) > MaxCoord {
			return &FixationError{Frame: i, Column: 1, Value: float64(f.X), Reason: fmt.Sprintf("is beyond +-%d", MaxCoord)}
		}
		if abs(f.Y) > MaxCoord {
			return &FixationError{Frame: i, Column: 2, Value: float64(f.Y), Reason: fmt.Sprintf("is beyond +-%d", MaxCoord)}
		}
	}
	return nil
}

// UsedImages reports which images (index k-1 for image k) the fixations
// show, so that a loader can skip reading the others.
func UsedImages(fix []Fixation, nImages int) []bool {
	used := make([]bool, nImages)
	for _, f := range fix {
		if f.Image >= 1 && f.Image <= nImages {
			used[f.Image-1] = true
		}
	}
	return used
}

// frameRanges computes every frame's ranges, validating in frame order.
func frameRanges(screenH, screenW int, imgs *Images, fix []Fixation, sem Semantics) ([]Ranges, error) {
	if err := checkFixations(fix, imgs.N); err != nil {
		return nil, err
	}
	rs := make([]Ranges, len(fix))
	for i, f := range fix {
		r, err := GetRanges(f.X, f.Y, screenW, screenH, imgs.Nx, imgs.Ny, sem)
		if err != nil {
			if oe, ok := err.(*OffScreenError); ok {
				oe.Frame = i
				oe.Image = f.Image
			}
			return nil, err
		}
		rs[i] = r
	}
	return rs, nil
}

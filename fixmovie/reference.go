package fixmovie

import (
	"fmt"
)

// MaxReferenceValues bounds the size of ReturnFixMovie's result (4 GiB of
// float32); use Render for anything larger.
const MaxReferenceValues = 1 << 30

// ComposeFrame writes one full-resolution frame (screenH x screenW,
// row-major, float32 pixel values 0..255) for fixation f into dst: 0-based
// screen column s shows image column s + f.X - screenW/2 and screen row r
// shows image row r + f.Y - screenH/2 (so the 1-based image pixel (X, Y)
// lands at the 1-based screen pixel (screenW/2, screenH/2)), within the
// semantics' ranges (see GetRanges); everything else is 0. This is the loop
// body of return_fix_movie_torch.
func ComposeFrame(dst []float32, screenH, screenW int, imgs *Images, f Fixation, sem Semantics) error {
	if len(dst) != screenH*screenW {
		return fmt.Errorf("fixmovie: frame buffer has %d values, want %dx%d", len(dst), screenH, screenW)
	}
	if err := checkFixations([]Fixation{f}, imgs.N); err != nil {
		return err
	}
	r, err := GetRanges(f.X, f.Y, screenW, screenH, imgs.Nx, imgs.Ny, sem)
	if err != nil {
		if oe, ok := err.(*OffScreenError); ok {
			oe.Image = f.Image
		}
		return err
	}
	composeFrame(dst, screenW, imgs, f.Image, r)
	return nil
}

func composeFrame(dst []float32, screenW int, imgs *Images, k int, r Ranges) {
	clear(dst)
	if r.Empty {
		return
	}
	img := imgs.image(k)
	for s := r.YMin; s <= r.YMax; s++ {
		y, _ := r.Row(s, imgs.Ny)
		row := dst[s*screenW : (s+1)*screenW]
		for c := r.XMin; c <= r.XMax; c++ {
			x, _ := r.Col(c, imgs.Nx)
			row[c] = float32(img[x*imgs.Ny+y])
		}
	}
}

// ReturnFixMovie is the readable reference for openretina's
// return_fix_movie_torch: the full-resolution movie of fixations fix on a
// screenH x screenW screen, as T frames of screenH x screenW float32 values
// (layout (T, H, W), row-major; openretina returns (H, W, T)). It holds the
// whole movie in memory (T*H*W*4 bytes: 1.9 MB per 600x800 frame); use
// Render for real sessions.
func ReturnFixMovie(screenH, screenW int, imgs *Images, fix []Fixation, sem Semantics) ([]float32, error) {
	if screenH < 1 || screenW < 1 {
		return nil, fmt.Errorf("fixmovie: screen %dx%d must be positive", screenH, screenW)
	}
	if imgs == nil {
		return nil, fmt.Errorf("fixmovie: no images")
	}
	per := int64(screenH) * int64(screenW)
	if per*int64(len(fix)) > MaxReferenceValues {
		return nil, fmt.Errorf("fixmovie: %d frames of %dx%d is too large for the reference path (use Render)", len(fix), screenH, screenW)
	}
	rs, err := frameRanges(screenH, screenW, imgs, fix, sem)
	if err != nil {
		return nil, err
	}
	out := make([]float32, int(per)*len(fix))
	for i, f := range fix {
		composeFrame(out[i*int(per):(i+1)*int(per)], screenW, imgs, f.Image, rs[i])
	}
	return out, nil
}

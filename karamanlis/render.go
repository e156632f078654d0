package karamanlis

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/retinaio/retinaio/fixmovie"
)

// GetRanges is openretina's get_ranges (see fixmovie.GetRanges): the screen
// part an nx x ny image covers when fixation (trX, trY) is shown on an
// nxs x nys screen, in 0-based indices. Under OpenRetina an image entirely
// off screen is an error (the port raises IndexError); under MATLAB the
// result is Empty.
func GetRanges(trX, trY, nxs, nys, nx, ny int, sem fixmovie.Semantics) (fixmovie.Ranges, error) {
	return fixmovie.GetRanges(trX, trY, nxs, nys, nx, ny, sem)
}

// ReturnFixMovie is openretina's return_fix_movie: the full-resolution movie
// (T frames of screenH x screenW float32, row-major; openretina returns
// (H, W, T)) of fixations fix on images imgs (as stored in the file, see
// ReadFixationMovie). It holds the whole movie in memory (1.9 MB per
// 600x800 frame): use it for a few frames; the loaders use fixmovie's fused
// renderer, which agrees with it followed by the antialiased resize.
func ReturnFixMovie(screenH, screenW int, imgs *fixmovie.Images, fix []fixmovie.Fixation, sem fixmovie.Semantics) ([]float32, error) {
	return fixmovie.ReturnFixMovie(screenH, screenW, imgs, fix, sem)
}

// checkPlacements checks that every frame can be composed: under the
// openretina semantics an image entirely off screen is an error wrapping
// ErrOffScreen (the port raises IndexError); under MATLAB's such a frame
// stays blank.
func checkPlacements(file, dataset string, fix [][]fixmovie.Fixation, imgShape []int, opt StimulusOptions, blocks bool) error {
	nx, ny := imgShape[1], imgShape[2]
	for b, blk := range fix {
		for t, f := range blk {
			_, err := GetRanges(f.X, f.Y, opt.ScreenWidth, opt.ScreenHeight, nx, ny, opt.Semantics)
			if err == nil {
				continue
			}
			e := &InputError{File: file, Dataset: "/" + dataset, Frame: t + 1, Field: "fixation (image, x, y)",
				Value: fmt.Sprintf("(%d, %d, %d)", f.Image, f.X, f.Y)}
			var oe *fixmovie.OffScreenError
			if errors.As(err, &oe) {
				e.Problem = fmt.Sprintf("places the %dx%d image entirely off the %dx%d screen; openretina's port fails on such a frame (IndexError), the MATLAB semantics leave it blank", ny, nx, opt.ScreenHeight, opt.ScreenWidth)
				e.Err = ErrOffScreen
			} else {
				e.Problem, e.Err = "cannot be placed", err
			}
			if blocks {
				e.Block = b + 1
			}
			return e
		}
	}
	return nil
}

// renderer renders blocks of one session into slices of its movies.
type renderer struct {
	r     *fixmovie.Renderer
	done  atomic.Int64
	total int
	prog  func(done, total int)
}

func newRenderer(opt StimulusOptions, total int) (*renderer, error) {
	rd := &renderer{total: total, prog: opt.Progress}
	fo := fixmovie.Options{
		ScreenH: opt.ScreenHeight, ScreenW: opt.ScreenWidth, OutH: opt.Height, OutW: opt.Width,
		Semantics: opt.Semantics, Workers: opt.Workers,
	}
	if rd.prog != nil {
		fo.Progress = func(n int) { rd.prog(int(rd.done.Add(int64(n))), rd.total) }
	}
	r, err := fixmovie.NewRenderer(fo)
	if err != nil {
		return nil, err
	}
	rd.r = r
	return rd, nil
}

// render composes and resizes fix into dst (len(fix) frames).
func (rd *renderer) render(ctx context.Context, imgs *fixmovie.Images, fix []fixmovie.Fixation, dst []float32) error {
	return rd.r.RenderInto(ctx, dst, imgs, fix)
}

// GetRangesRxRy is the seed's get_ranges with its rx and ry arguments given
// explicitly: the screen columns rx and rows ry (openretina's
// return_fix_movie passes 1..Nxs and 1..Nys, numpy's arange(1, N+1)) are
// kept where they lie within the image's placement, then
//
//	x_or = tr_x - Nxs//2 + rx[kept] - 1,  y_or likewise,
//
// and xmin, xmax (ymin, ymax) are the positions in rx (ry) of the first and
// the last kept value. These are openretina's semantics, including x_or = -1
// (the image's last column, by numpy's wrap) when the image's left edge is
// on screen. When no value of rx (or ry) is kept, the seed raises
// IndexError; this returns an error wrapping ErrOffScreen. With rx = 1..Nxs
// and ry = 1..Nys the result agrees with GetRanges under fixmovie.OpenRetina
// (XMin, XMax, YMin, YMax, and XOr, YOr as the first of xOr, yOr).
func GetRangesRxRy(trX, trY, nxs, nys, nx, ny int, rx, ry []int) (xmin, xmax, ymin, ymax int, xOr, yOr []int, err error) {
	if nxs < 1 || nys < 1 || nx < 1 || ny < 1 {
		return 0, 0, 0, 0, nil, nil, fmt.Errorf("get_ranges: screen %dx%d and image %dx%d must be positive", nys, nxs, ny, nx)
	}
	axis := func(name string, tr, ns, n int, r []int) (lo, hi int, or []int, err error) {
		// ns//2 is a floor division; ns > 0 so Go's / agrees.
		min0 := max(ns/2-tr, 0)
		max0 := min(n+ns/2-tr, ns)
		lo = -1
		for i, v := range r {
			if v >= min0 && v <= max0 {
				if lo < 0 {
					lo = i
				}
				hi = i
				or = append(or, tr-ns/2+v-1)
			}
		}
		if lo < 0 {
			return 0, 0, nil, fmt.Errorf("get_ranges: fixation %s = %d places the image outside the %d given screen positions (openretina raises IndexError): %w", name, tr, len(r), ErrOffScreen)
		}
		return lo, hi, or, nil
	}
	if xmin, xmax, xOr, err = axis("x", trX, nxs, nx, rx); err != nil {
		return 0, 0, 0, 0, nil, nil, err
	}
	if ymin, ymax, yOr, err = axis("y", trY, nys, ny, ry); err != nil {
		return 0, 0, 0, 0, nil, nil, err
	}
	return xmin, xmax, ymin, ymax, xOr, yOr, nil
}

// ReturnFixMovieHWT is ReturnFixMovie with the result in the seed's
// (H, W, T) order: value (h, w, t) at out[(h*screenW+w)*T+t], as numpy
// lays out return_fix_movie's (Ny, Nx, Nframes) array. ReturnFixMovie's
// (T, H, W) order is the one the loaders and the outputs use.
func ReturnFixMovieHWT(screenH, screenW int, imgs *fixmovie.Images, fix []fixmovie.Fixation, sem fixmovie.Semantics) ([]float32, error) {
	thw, err := ReturnFixMovie(screenH, screenW, imgs, fix, sem)
	if err != nil {
		return nil, err
	}
	T, hw := len(fix), screenH*screenW
	out := make([]float32, len(thw))
	for t := 0; t < T; t++ {
		frame := thw[t*hw : (t+1)*hw]
		for p, v := range frame {
			out[p*T+t] = v
		}
	}
	return out, nil
}

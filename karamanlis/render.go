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

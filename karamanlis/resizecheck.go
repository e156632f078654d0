package karamanlis

import (
	"context"
	"fmt"
	"math"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/resample"
)

// Resize names a downsampling that may have made a stimulus cache.
type Resize string

// The resizes a cache made by openretina may come from: torchvision's
// Resize with antialias=True (its default for tensors since 0.17, and what
// retinaio computes) or without antialiasing (the default before 0.17),
// which differs by several grey levels.
const (
	ResizeAntialias   Resize = "antialiased bilinear (torchvision >= 0.17)"
	ResizeNoAntialias Resize = "bilinear without antialiasing (torchvision < 0.17)"
	ResizeUnknown     Resize = "unknown"
)

// resizeTolerance is the largest difference, in grey levels (0..255), at
// which a cached frame counts as made by a resize: float rounding of other
// torch versions stays far below it, the two resizes differ far above it.
const resizeTolerance = 0.05

// resizeCheckFrames is how many test frames CheckCacheResize recomputes.
const resizeCheckFrames = 3

// ResizeCheck is the result of CheckCacheResize.
type ResizeCheck struct {
	Resize Resize // which resize the cached frames match
	Frames []int  // the test frames compared
	// DiffAntialias and DiffNoAntialias are the largest differences (grey
	// levels) between the cached frames and the two resizes of the .mat.
	DiffAntialias, DiffNoAntialias float64
}

// CheckCacheResize recomputes a few test frames (the first, the middle and
// the last) of the movie from the .mat at full resolution, resizes them with
// and without antialiasing, and compares them with the cached test movie
// (tf frames of h x w, raw grey levels), to tell which resize made a cache
// that carries no provenance record (one written by openretina). It reads
// only the fixations and the images those frames show.
func CheckCacheResize(ctx context.Context, matPath string, test []float32, tf, h, w int, opt StimulusOptions) (*ResizeCheck, error) {
	if tf < 1 || len(test) != tf*h*w {
		return nil, fmt.Errorf("cache test movie: %d values for %d frames of %dx%d", len(test), tf, h, w)
	}
	st, err := openStimulus(ctx, matPath, &fractions{})
	if err != nil {
		return nil, err
	}
	defer st.m.Close()
	fix := st.frzFix[0]
	if len(fix) != tf {
		return nil, fmt.Errorf("%s: %d test frames, the cache has %d", matPath, len(fix), tf)
	}
	frames := []int{0, tf / 2, tf - 1}[:min(resizeCheckFrames, tf)]
	used := make([]bool, st.fsh[0])
	sub := make([]fixmovie.Fixation, len(frames))
	for i, k := range frames {
		sub[i] = fix[k]
		used[fix[k].Image-1] = true
	}
	imgs, err := readImages(ctx, st.m, DatasetFrozenImages, st.fds, st.fsh, used)
	if err != nil {
		return nil, err
	}
	sh, sw := opt.ScreenHeight, opt.ScreenWidth
	full, err := ReturnFixMovie(sh, sw, imgs, sub, fixmovie.OpenRetina)
	if err != nil {
		return nil, err
	}
	plan, err := resample.NewPlan(sh, sw, h, w)
	if err != nil {
		return nil, err
	}
	res := &ResizeCheck{Frames: frames}
	aa, na := make([]float32, h*w), make([]float32, h*w)
	for i, k := range frames {
		src := full[i*sh*sw : (i+1)*sh*sw]
		if err := plan.Resize(aa, src); err != nil {
			return nil, err
		}
		bilinearNoAntialias(na, src, sh, sw, h, w)
		cached := test[k*h*w : (k+1)*h*w]
		for p, v := range cached {
			res.DiffAntialias = math.Max(res.DiffAntialias, math.Abs(float64(v)-float64(aa[p])))
			res.DiffNoAntialias = math.Max(res.DiffNoAntialias, math.Abs(float64(v)-float64(na[p])))
		}
	}
	switch {
	case res.DiffAntialias <= resizeTolerance:
		res.Resize = ResizeAntialias
	case res.DiffNoAntialias <= resizeTolerance:
		res.Resize = ResizeNoAntialias
	default:
		res.Resize = ResizeUnknown
	}
	return res, nil
}

// bilinearNoAntialias is torch's upsample_bilinear2d with
// align_corners=False and no antialiasing (torchvision's Resize with
// antialias=False): per axis src = max((i + 0.5) * in/out - 0.5, 0),
// i0 = floor(src), i1 = min(i0 + 1, in - 1), weights 1 - l and l with
// l = src - i0; in float32 as torch computes it for float32 input.
func bilinearNoAntialias(dst, src []float32, inH, inW, outH, outW int) {
	type tap struct {
		i0, i1 int
		l0, l1 float32
	}
	taps := func(in, out int) []tap {
		scale := float32(in) / float32(out)
		t := make([]tap, out)
		for i := range t {
			s := max(scale*(float32(i)+0.5)-0.5, 0)
			i0 := int(s)
			i1 := min(i0+1, in-1)
			l := s - float32(i0)
			t[i] = tap{i0, i1, 1 - l, l}
		}
		return t
	}
	ys, xs := taps(inH, outH), taps(inW, outW)
	for y, ty := range ys {
		r0, r1 := src[ty.i0*inW:], src[ty.i1*inW:]
		for x, tx := range xs {
			dst[y*outW+x] = ty.l0*(tx.l0*r0[tx.i0]+tx.l1*r0[tx.i1]) + ty.l1*(tx.l0*r1[tx.i0]+tx.l1*r1[tx.i1])
		}
	}
}

// foreignResizeProblem checks a cache without a provenance record (made by
// openretina) with CheckCacheResize: "" when its frames match the
// antialiased resize retinaio computes, else why it is not used. A check
// that cannot be made (the .mat cannot be read) does not reject the cache:
// the session's loading reports that problem itself.
func foreignResizeProblem(ctx context.Context, matPath string, mov *rawMovie, opt StimulusOptions) string {
	rc, err := CheckCacheResize(ctx, matPath, mov.test, mov.tf, mov.h, mov.w, opt)
	if err != nil {
		return ""
	}
	switch rc.Resize {
	case ResizeAntialias:
		if opt.Info != nil {
			opt.Info(fmt.Sprintf("cache made with the %s resize (test frames %v recomputed from %s agree within %.2g grey levels)", rc.Resize, rc.Frames, matPath, rc.DiffAntialias))
		}
		return ""
	case ResizeNoAntialias:
		return fmt.Sprintf("it was made with a %s resize: test frames %v recomputed from %s match it, and differ from the antialiased resize (torchvision >= 0.17, which retinaio and current openretina use) by up to %.1f grey levels; the movie is recomputed (delete the cache to let the new one be written)",
			rc.Resize, rc.Frames, matPath, rc.DiffAntialias)
	}
	return fmt.Sprintf("its test frames %v match neither resize of %s (up to %.1f grey levels from the antialiased and %.1f from the non-antialiased one); the movie is recomputed",
		rc.Frames, matPath, rc.DiffAntialias, rc.DiffNoAntialias)
}

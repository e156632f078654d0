// Package resample implements torchvision's Resize with bilinear interpolation
// and antialias=True on float32 images, reproducing torch's CPU kernel
// (upsample_bilinear2d_aa) bit for bit as built in torch 1.13.
//
// Entry points:
//
//   - Resize resizes one row-major frame: Resize(dst, src, inH, inW, outH, outW)
//     does what torchvision.transforms.Resize((outH, outW), antialias=True)
//     does to a (1, inH, inW) float32 tensor.
//   - NewPlan prepares a resize of many frames of one size; Plan.Resize and
//     Plan.ResizeFrames reuse its filter weights and temporary buffer.
//
// Errors: sizes outside 1..MaxSize and buffers of the wrong length are
// reported (buffer mismatches wrap ErrSize); nothing panics on a size.
//
// The filter is separable: a width pass into a float32 temporary, then a
// height pass, each summing its taps in torch 1.13's order (groups of four
// separately rounded products, then fused multiply-adds for the tail), so the
// results equal torch's bit for bit on the committed fixtures
// (testdata/gen_resize.py). Other torch builds may differ from it by an ulp or
// two (a few 1e-5 on 0..255 data).
//
// A 600x800 screen frame resized to 60x80, as openretina's loaders do:
//
//	p, err := resample.NewPlan(600, 800, 60, 80)
//	if err != nil { ... }
//	small := make([]float32, 60*80)
//	err = p.Resize(small, frame) // frame: 600*800 float32 values, row-major
package resample

import (
	"errors"
	"fmt"

	kernel "github.com/retinaio/retinaio/internal/resample"
)

// MaxSize (1<<24) is the largest input or output length accepted along one
// axis.
const MaxSize = kernel.MaxSize

// Plan resizes frames of one size to another, reusing its weights and its
// temporary buffer. A Plan is not safe for concurrent use; make one per
// goroutine (plans are cheap).
type Plan struct {
	inH, inW, outH, outW int
	h, w                 *kernel.Weights // height (rows) and width (columns) filters
	tmp                  []float32       // inH x outW, the width pass
}

// NewPlan prepares a resize of inH x inW frames to outH x outW.
func NewPlan(inH, inW, outH, outW int) (*Plan, error) {
	if int64(inH)*int64(outW) > 1<<31 {
		return nil, fmt.Errorf("resample: %dx%d -> %dx%d needs a too large temporary", inH, inW, outH, outW)
	}
	wh, err := kernel.NewWeights(inH, outH)
	if err != nil {
		return nil, err
	}
	ww, err := kernel.NewWeights(inW, outW)
	if err != nil {
		return nil, err
	}
	return &Plan{inH: inH, inW: inW, outH: outH, outW: outW, h: wh, w: ww,
		tmp: make([]float32, inH*outW)}, nil
}

// Sizes returns the input and output frame sizes the plan was made for.
func (p *Plan) Sizes() (inH, inW, outH, outW int) {
	return p.inH, p.inW, p.outH, p.outW
}

// ErrSize reports buffers whose length does not match the plan.
var ErrSize = errors.New("resample: buffer size mismatch")

// Resize resizes one row-major inH x inW frame in src into the row-major
// outH x outW frame dst (the plan's sizes).
func (p *Plan) Resize(dst, src []float32) error {
	if len(src) != p.inH*p.inW || len(dst) != p.outH*p.outW {
		return fmt.Errorf("%w: src has %d values (want %dx%d), dst %d (want %dx%d)",
			ErrSize, len(src), p.inH, p.inW, len(dst), p.outH, p.outW)
	}
	// Width pass: tmp[r][o] for every input row r.
	for r := 0; r < p.inH; r++ {
		row := src[r*p.inW : (r+1)*p.inW]
		out := p.tmp[r*p.outW : (r+1)*p.outW]
		for o := range out {
			out[o] = p.w.Dot(o, row, 1)
		}
	}
	// Height pass, interleaved over the output columns (same per-output order).
	for oy := 0; oy < p.outH; oy++ {
		taps := p.h.Taps[oy]
		r0 := p.h.Start[oy]
		acc := dst[oy*p.outW : (oy+1)*p.outW]
		first := p.tmp[r0*p.outW : (r0+1)*p.outW]
		w0 := taps[0]
		for o, v := range first {
			acc[o] = float32(v * w0) // explicit: never fused with the next addition (arm64)
		}
		f := kernel.FusedFrom(len(taps))
		for j := 1; j < len(taps); j++ {
			row := p.tmp[(r0+j)*p.outW : (r0+j+1)*p.outW]
			w := taps[j]
			if j < f {
				for o, v := range row {
					acc[o] += float32(v * w)
				}
			} else {
				for o, v := range row {
					acc[o] = kernel.FMA32(v, w, acc[o])
				}
			}
		}
	}
	return nil
}

// ResizeFrames resizes n consecutive frames: src holds n row-major inH x inW
// frames, dst receives n outH x outW frames.
func (p *Plan) ResizeFrames(dst, src []float32, n int) error {
	in, out := p.inH*p.inW, p.outH*p.outW
	if n < 0 || len(src) != n*in || len(dst) != n*out {
		return fmt.Errorf("%w: %d frames: src has %d values (want %d), dst %d (want %d)",
			ErrSize, n, len(src), n*in, len(dst), n*out)
	}
	for t := 0; t < n; t++ {
		if err := p.Resize(dst[t*out:(t+1)*out], src[t*in:(t+1)*in]); err != nil {
			return err
		}
	}
	return nil
}

// Resize resizes one row-major inH x inW frame into the row-major outH x outW
// frame dst (torchvision Resize((outH, outW)), bilinear, antialias=True). Use
// a Plan to resize many frames of the same size.
func Resize(dst, src []float32, inH, inW, outH, outW int) error {
	p, err := NewPlan(inH, inW, outH, outW)
	if err != nil {
		return err
	}
	return p.Resize(dst, src)
}

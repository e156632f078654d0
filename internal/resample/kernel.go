// Package resample holds the arithmetic behind the public resample package and
// fixmovie's fused renderer: torchvision's antialiased bilinear filter weights
// (upsample_bilinear2d_aa, torch 1.13's CPU kernel) and the float32
// accumulation that reproduces torch's results bit for bit.
//
// The filter is separable. For an axis of In -> Out samples, with
// scale = In/Out (float32) and support = scale (1 when upsampling), output i
// reads inputs Start[i] .. Start[i]+len(Taps[i])-1 with triangle-filter
// weights normalised to sum 1 (NewWeights follows torch's C++ line by line,
// float32 and float64 operations included).
//
// Accumulation order. Each output is acc = x0*w0 followed by the remaining
// taps in increasing order. torch 1.13's CPU build vectorises that loop as an
// in-order reduction over groups of 4 taps (products rounded separately, then
// added one by one) and finishes the (n-1) mod 4 leftover taps in a scalar
// tail that the compiler contracts into fused multiply-adds. Weights.Dot does
// exactly the same (see FusedFrom and FMA32).
//
// The package is internal: Go users resize with the public resample package;
// fixmovie uses these pieces to fuse composition and resizing.
package resample

import (
	"fmt"
	"math"
)

// MaxSize is the largest input or output length accepted along one axis.
const MaxSize = 1 << 24

// Weights holds the antialiased bilinear filter of one axis, In -> Out.
type Weights struct {
	In, Out int
	// Scale is In/Out computed in float32, as torch does.
	Scale float32
	// Support is the filter's half width in input samples: Scale when
	// downsampling (Scale >= 1), 1 when upsampling.
	Support float32
	// Start[i] is the first input index read by output i.
	Start []int
	// Taps[i] are output i's normalised weights; output i reads inputs
	// Start[i] .. Start[i]+len(Taps[i])-1.
	Taps [][]float32
}

// NewWeights computes the filter for an axis of in input samples and out
// output samples (1 <= in, out <= MaxSize). Upsampling (out > in) uses a
// support of 1, as torch does.
func NewWeights(in, out int) (*Weights, error) {
	if in < 1 || out < 1 || in > MaxSize || out > MaxSize {
		return nil, fmt.Errorf("resample: axis size %d -> %d out of range (each must be 1..%d)", in, out, MaxSize)
	}
	// torch: scale = static_cast<float>(input_size) / output_size (float division).
	scale := float32(in) / float32(out)
	support := float32(1)
	invscale := float32(1)
	if scale >= 1 {
		support = float32(1.0 * float64(scale)) // (interp_size * 0.5) * scale, interp_size 2
		invscale = float32(1.0 / float64(scale))
	}
	w := &Weights{In: in, Out: out, Scale: scale, Support: support,
		Start: make([]int, out), Taps: make([][]float32, out)}
	maxTaps := int(math.Ceil(float64(support)))*2 + 1
	buf := make([]float32, 0, out*maxTaps)
	for i := 0; i < out; i++ {
		center := float32(float64(scale) * (float64(i) + 0.5))
		xmin := int(float64(center-support) + 0.5)
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(float64(center+support) + 0.5)
		if xmax > in {
			xmax = in
		}
		n := xmax - xmin
		if n < 1 || n > maxTaps {
			return nil, fmt.Errorf("resample: internal error: output %d of %d -> %d has %d taps", i, in, out, n)
		}
		taps := buf[len(buf) : len(buf)+n : len(buf)+n]
		buf = buf[:len(buf)+n]
		var total float32
		for j := 0; j < n; j++ {
			a := float32(j+xmin) - center
			x := float32((float64(a) + 0.5) * float64(invscale))
			if x < 0 {
				x = -x
			}
			var v float32
			if x < 1 {
				v = float32(1.0 - float64(x))
			}
			taps[j] = v
			total += v
		}
		if total != 0 {
			for j := range taps {
				taps[j] /= total
			}
		}
		w.Start[i] = xmin
		w.Taps[i] = taps
	}
	return w, nil
}

// FusedFrom returns the index of the first tap that torch 1.13's CPU kernel
// accumulates with a fused multiply-add in a filter of n taps: taps
// 1 .. FusedFrom(n)-1 are added as separately rounded products
// (acc + float32(x*w), never fused), taps
// FusedFrom(n) .. n-1 with FMA32. Tap 0 starts the sum as a plain product.
func FusedFrom(n int) int {
	if n < 1 {
		return 1
	}
	return 1 + 4*((n-1)/4)
}

// FMA32 returns a*b + c rounded once to float32 (a float32 fused
// multiply-add). The product of two float32 values is exact in float64; the
// float64 sum is then rounded to float32, and the rare sums that land exactly
// on a float32 rounding midpoint are resolved with the exact error of the sum,
// so the result is always correctly rounded.
func FMA32(a, b, c float32) float32 {
	return AddExact(float64(a)*float64(b), c)
}

// AddExact returns p + c rounded once to float32, where p is an exact
// product of two float32 values held in a float64 (as float64(a)*float64(b)
// always is): FMA32 for callers that precompute products.
func AddExact(p float64, c float32) float32 {
	s := p + float64(c)
	// Rounding s (already rounded to float64) to float32 is correct unless s
	// lies exactly on a float32 rounding midpoint, or below float32's normal
	// range, where the slow path decides.
	if math.Float64bits(s)&(1<<29-1) == 1<<28 || math.Abs(s) < 0x1p-124 {
		return fma32Slow(p, float64(c), s)
	}
	return float32(s)
}

// fma32Slow rounds the exact sum p + c (s = fl64(p + c)) to float32 via
// round-to-odd at float64 precision, which makes the second rounding correct.
func fma32Slow(p, c, s float64) float32 {
	if s == 0 || math.IsInf(s, 0) || math.IsNaN(s) {
		return float32(s)
	}
	bb := s - p
	e := (p - (s - bb)) + (c - bb) // exact error of the sum (TwoSum)
	if e == 0 {
		return float32(s)
	}
	bits := math.Float64bits(s)
	if bits&1 == 0 {
		if (e > 0) == (s > 0) {
			bits++
		} else {
			bits--
		}
		s = math.Float64frombits(bits)
	}
	return float32(s)
}

// Dot returns output i of w applied to src, where input sample k of the axis
// is src[k*stride]; the sum runs in torch's order (see FusedFrom).
func (w *Weights) Dot(i int, src []float32, stride int) float32 {
	taps := w.Taps[i]
	base := w.Start[i] * stride
	acc := float32(src[base] * taps[0]) // explicit: never fused with the next addition (arm64)
	f := FusedFrom(len(taps))
	for j := 1; j < f; j++ {
		acc += float32(src[base+j*stride] * taps[j])
	}
	for j := f; j < len(taps); j++ {
		acc = FMA32(src[base+j*stride], taps[j], acc)
	}
	return acc
}

package synth

import (
	"fmt"
	"math"
	"strings"
)

// Layout is how a synthetic session's datasets are stored in its .mat
// files: their chunk shapes and compression. The content (every array's
// values) is the same for every layout; only the storage differs, so a
// reader's speed can be measured on the layouts real files have.
type Layout string

// The layouts synth writes.
const (
	// LayoutOwn is synth's own layout: image chunks of one image's slab of
	// at most 256 columns (1 x 256 x rows), response and fixation chunks of
	// one whole block or trial, deflate level 3.
	LayoutOwn Layout = "own"
	// LayoutH5py is what h5py writes when asked to compress without a chunk
	// shape: chunks from h5py's automatic rule (H5pyChunk), deflate level 3
	// (the level measured on the dataset's files; h5py's own default gzip level is 4).
	LayoutH5py Layout = "h5py"
	// LayoutMATLAB is MATLAB v7.3's layout (save -v7.3): chunks of at most
	// 64 KiB from MATLABChunk, deflate level 3.
	LayoutMATLAB Layout = "matlab"
	// LayoutContiguous stores every dataset contiguously, uncompressed.
	LayoutContiguous Layout = "contiguous"
)

// Layouts returns the layout names, synth's own first.
func Layouts() []Layout {
	return []Layout{LayoutOwn, LayoutH5py, LayoutMATLAB, LayoutContiguous}
}

// ParseLayout returns the layout named s ("" means LayoutOwn).
func ParseLayout(s string) (Layout, error) {
	if s == "" {
		return LayoutOwn, nil
	}
	for _, l := range Layouts() {
		if string(l) == s {
			return l, nil
		}
	}
	names := make([]string, 0, 4)
	for _, l := range Layouts() {
		names = append(names, string(l))
	}
	return "", fmt.Errorf("synth: unknown layout %q; choose one of %s", s, strings.Join(names, ", "))
}

// storage returns the chunk shape (nil: contiguous) and deflate level of a
// dataset of the given shape (h5py order) and element size under layout l;
// own is the chunk shape of LayoutOwn.
func (l Layout) storage(shape []uint64, elemSize int, own []uint64) ([]uint64, int) {
	switch l {
	case LayoutH5py:
		return H5pyChunk(shape, elemSize), 3
	case LayoutMATLAB:
		return MATLABChunk(shape, elemSize), 3
	case LayoutContiguous:
		return nil, 0
	default:
		return own, 3
	}
}

// h5py's chunk-size constants (h5py/_hl/filters.py).
const (
	h5pyChunkBase = 16 * 1024   // bytes: the target's multiplier
	h5pyChunkMin  = 8 * 1024    // bytes: soft lower limit of the target
	h5pyChunkMax  = 1024 * 1024 // bytes: hard upper limit of a chunk
)

// H5pyChunk returns the chunk shape h5py chooses for a dataset of the given
// shape (h5py order, rank >= 1) and element size when it must chunk and no
// chunk shape is given (h5py._hl.filters.guess_chunk, reimplemented here):
//
//   - A target chunk size in bytes is derived from the dataset's size S
//     (bytes): 16 KiB * 2^log10(S / 1 MiB), clamped to [8 KiB, 1 MiB].
//   - Starting from the whole dataset, the axes are halved in turn (first,
//     second, ..., last, first again ...; a halved length is rounded up)
//     until the chunk is below the target or within 50 % of it, and below
//     1 MiB; or until the chunk is a single element.
//
// A zero-length dimension counts as 1024 (h5py's guess for unlimited ones).
// All sizes are computed in float64, as numpy does.
func H5pyChunk(shape []uint64, elemSize int) []uint64 {
	if len(shape) == 0 {
		return nil
	}
	c := make([]float64, len(shape))
	for i, s := range shape {
		if s == 0 {
			s = 1024
		}
		c[i] = float64(s)
	}
	bytes := func() float64 {
		p := 1.0
		for _, v := range c {
			p *= v
		}
		return p * float64(elemSize)
	}
	target := h5pyChunkBase * math.Pow(2, math.Log10(bytes()/(1024*1024)))
	target = min(max(target, h5pyChunkMin), h5pyChunkMax)
	for i := 0; ; i++ {
		b := bytes()
		if (b < target || math.Abs(b-target)/target < 0.5) && b < h5pyChunkMax {
			break
		}
		if b == float64(elemSize) { // one element
			break
		}
		k := i % len(c)
		c[k] = math.Ceil(c[k] / 2)
	}
	out := make([]uint64, len(c))
	for i, v := range c {
		out[i] = uint64(v)
	}
	return out
}

// matlabChunkMax is MATLAB v7.3's largest chunk in bytes.
const matlabChunkMax = 64 * 1024

// MATLABChunk returns the chunk shape MATLAB v7.3 gives a variable of the
// given shape (h5py order, rank >= 1) and element size, as read from 81
// chunked datasets in 75 files that MATLAB wrote (R2007a to 2026, four
// platforms): chunks hold at most 64 KiB. With n =
// ceil(bytes / 65536), the largest dimension (on ties the last one in h5py
// order) is cut into pieces of floor(dim / n) and the others stay whole;
// e.g. (2001, 125) float64 -> (64, 125), (128, 128) float64 -> (128, 64),
// (256, 271) float32 -> (256, 54).
//
// For arrays so large that floor(dim / n) would be 0 (image stacks) no file
// MATLAB wrote was seen. There this function applies the rule dimension by
// dimension, largest first: the largest dimension becomes 1, n is computed
// again for the remaining chunk, and so on until a cut leaves a piece of at
// least 1; e.g. (150, 1532, 1024) uint8 -> (150, 1, 341) and (40, 375, 250)
// float64 -> (40, 1, 125). This extrapolation is ours, not MATLAB's
// documented behaviour.
//
// Arrays of at most 64 KiB get a single chunk (the whole array).
func MATLABChunk(shape []uint64, elemSize int) []uint64 {
	c := append([]uint64(nil), shape...)
	if len(c) == 0 {
		return nil
	}
	for i := range c {
		c[i] = max(c[i], 1) // a chunk dimension is never 0
	}
	cut := make([]bool, len(c)) // dimensions already set to 1
	for {
		bytes := uint64(elemSize)
		for _, v := range c {
			bytes *= v
		}
		n := (bytes + matlabChunkMax - 1) / matlabChunkMax
		if n <= 1 {
			return c
		}
		// the largest dimension not cut yet; ties: the last one
		k := -1
		for i, v := range c {
			if !cut[i] && (k < 0 || v >= c[k]) {
				k = i
			}
		}
		if k < 0 {
			return c // every dimension is 1: one element per chunk
		}
		if p := c[k] / n; p >= 1 {
			c[k] = p
			return c
		}
		c[k], cut[k] = 1, true
	}
}

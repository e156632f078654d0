//go:build amd64 && !purego

package fixmovie

import "github.com/retinaio/retinaio/internal/cpufeat"

// vecWidth and vecHeight select the AVX2 + FMA kernels (kernel_amd64.s)
// of the width and height passes when the CPU and the operating system
// support them; otherwise the pure-Go kernels run. With both, the cache
// entries are row-major (widthVecT, heightVecT); vecWidth alone (tests)
// keeps them column-major (widthVec).
var (
	vecWidth  = cpufeat.AVX2 && cpufeat.FMA
	vecHeight = vecWidth
)

// widthVec computes n (a multiple of 8) width-pass values of one output
// column: for i < n, with p_k = float32(img[offs[k]+i]) * w[k] (a rounded
// float32 product),
//
//	acc[i] = p_0 + p_1 + ... + p_{nadd-1}    (added in order, each rounded)
//	acc[i] = fma(img[offs[k]+i], w[k], acc[i]) for k = nadd .. ntaps-1
//
// eight values per vector, each lane its own sequential sum, so the result
// is that of the scalar loop value by value. 1 <= nadd <= ntaps; every
// offs[k]+n-1 indexes img.
//
//go:noescape
func widthVec(acc *float32, n int, img *uint8, offs *int, w *float32, nadd, ntaps int)

// widthVecT is widthVec storing row-major: value i goes to dst[i*stride].
//
//go:noescape
func widthVecT(dst *float32, stride int, n int, img *uint8, offs *int, w *float32, nadd, ntaps int)

// heightVecT computes nout (a multiple of 8) height-pass values from
// row-major width rows: for o < nout, with t_k = rows[k*stride+o] and p_k =
// t_k * h[k] rounded to float32,
//
//	out[o] = p_0 + p_1 + ... + p_{nadd-1}    (added in order, each rounded)
//	out[o] = fma(t_k, h[k], out[o]) for k = nadd .. ntaps-1
//
// eight outputs per vector (one contiguous load per tap), each lane its own
// sequential sum. 1 <= nadd <= ntaps; (ntaps-1)*stride + nout-1 indexes
// rows.
//
//go:noescape
func heightVecT(out *float32, nout int, rows *float32, stride int, h *float32, nadd, ntaps int)

//go:build arm64 && !purego

package fixmovie

// vecWidth selects the NEON kernel of the width pass (kernel_arm64.s; NEON
// is part of every ARMv8-A CPU). The height pass stays in Go on arm64.
var (
	vecWidth  = true
	vecHeight = false
)

// widthVec computes n (a multiple of 8) width-pass values of one output
// column: for i < n, with p_k = float32(img[offs[k]+i]) * w[k] (a rounded
// float32 product),
//
//	acc[i] = p_0 + p_1 + ... + p_{nadd-1}    (added in order, each rounded)
//	acc[i] = fma(img[offs[k]+i], w[k], acc[i]) for k = nadd .. ntaps-1
//
// four values per vector, each lane its own sequential sum, so the result
// is that of the scalar loop value by value. 1 <= nadd <= ntaps; every
// offs[k]+n-1 indexes img.
//
//go:noescape
func widthVec(acc *float32, n int, img *uint8, offs *int, w *float32, nadd, ntaps int)

// widthVecT is never called without the AVX2 kernels.
func widthVecT(dst *float32, stride int, n int, img *uint8, offs *int, w *float32, nadd, ntaps int) {
	panic("fixmovie: widthVecT without a vector kernel")
}

// heightVecT is never called when vecHeight is false.
func heightVecT(out *float32, nout int, rows *float32, stride int, h *float32, nadd, ntaps int) {
	panic("fixmovie: heightVecT without a vector kernel")
}

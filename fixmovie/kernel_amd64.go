//go:build amd64 && !purego

package fixmovie

// vecWidth and vecHeight select the AVX2 + FMA kernels (kernel_amd64.s)
// of the width and height passes when the CPU and the operating system
// support them; otherwise the pure-Go kernels run. With both, the cache
// entries are row-major (widthVecT, heightVecT); vecWidth alone (tests)
// keeps them column-major (widthVec).
var (
	vecWidth  = hasAVX2FMA()
	vecHeight = vecWidth
)

// cpuid executes CPUID with the given leaf and sub-leaf.
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// xgetbv0 returns the low half of XCR0 (the register states the OS saves).
func xgetbv0() uint32

// hasAVX2FMA reports whether AVX2 and FMA instructions can be used: the CPU
// has them (CPUID leaf 1: FMA, AVX, OSXSAVE; leaf 7: AVX2) and the OS
// saves the YMM registers (XCR0 bits 1 and 2).
func hasAVX2FMA() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if c1&fma == 0 || c1&osxsave == 0 || c1&avx == 0 {
		return false
	}
	if xgetbv0()&6 != 6 {
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<5) != 0
}

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

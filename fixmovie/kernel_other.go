//go:build !(amd64 || arm64) || purego

package fixmovie

// vecWidth and vecHeight are false: this build has only the pure-Go kernels.
var vecWidth, vecHeight = false, false

// widthVec is never called when vecWidth is false.
func widthVec(acc *float32, n int, img *uint8, offs *int, w *float32, nadd, ntaps int) {
	panic("fixmovie: widthVec without a vector kernel")
}

// widthVecT is never called without the AVX2 kernels.
func widthVecT(dst *float32, stride int, n int, img *uint8, offs *int, w *float32, nadd, ntaps int) {
	panic("fixmovie: widthVecT without a vector kernel")
}

// heightVecT is never called when vecHeight is false.
func heightVecT(out *float32, nout int, rows *float32, stride int, h *float32, nadd, ntaps int) {
	panic("fixmovie: heightVecT without a vector kernel")
}

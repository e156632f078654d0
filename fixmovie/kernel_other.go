//go:build !(amd64 || arm64) || purego

package fixmovie

// vecWidth and vecHeight are false: this build has only the pure-Go kernels.
var vecWidth, vecHeight = false, false

// widthVec is never called when vecWidth is false.
func widthVec(acc *float32, n int, img *uint8, offs *int, w *float32, nadd, ntaps int) {
	panic("fixmovie: widthVec without a vector kernel")
}

// heightVec is never called when vecHeight is false.
func heightVec(out *float32, nout int, cols *float32, ny int, h *float32, nadd, ntaps int) {
	panic("fixmovie: heightVec without a vector kernel")
}

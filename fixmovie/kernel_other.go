//go:build !amd64 || purego

package fixmovie

// useAVX2 is false: this build has only the pure-Go kernels.
var useAVX2 = false

// widthAVX2 is never called when useAVX2 is false.
func widthAVX2(acc *float32, n int, img *uint8, offs *int, w *float32, nadd, ntaps int) {
	panic("fixmovie: widthAVX2 without AVX2")
}

// heightAVX2 is never called when useAVX2 is false.
func heightAVX2(out *float32, nout int, cols *float32, ny int, h *float32, nadd, ntaps int) {
	panic("fixmovie: heightAVX2 without AVX2")
}

//go:build !amd64 || purego

package inflate

// useFastAsm is false: there is no assembly fast loop on this platform
// (or with the purego tag).
var useFastAsm = false

// fastAsmOK reports whether fastAsm is assembly that can run (tests skip
// the comparison of fastAsm with fastGo when it is not).
var fastAsmOK = false

// fastAsm stands in for the amd64 assembly: it is fastGo.
func fastAsm(dst, src []byte, op, pos int, bb uint64, nb uint, lt *[litTableSize]uint32, dt *[distTableSize]uint32) (int, int, uint64, uint, bool) {
	return fastGo(dst, src, op, pos, bb, nb, lt, dt)
}

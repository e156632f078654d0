//go:build amd64 && !purego

package inflate

import "github.com/retinaio/retinaio/internal/cpufeat"

// useFastAsm selects the assembly fast loop (fast_amd64.s) when the CPU has
// BMI1 and BMI2 (BEXTR, SHRX, SHLX, BZHI) and SSSE3 (PSHUFB); tests switch
// it off to compare with fastGo.
var useFastAsm = fastAsmOK

// fastAsmOK reports whether fastAsm can run: the CPU has BMI1, BMI2 and
// SSSE3.
var fastAsmOK = cpufeat.BMI2 && cpufeat.SSSE3

// fastAsm is fastGo in assembly (BMI1, BMI2 and SSSE3; no AVX): the bit
// buffer, its count, the input and output pointers, their limits and the
// tables stay in registers; a literal's entry is the BEXTR control of the
// next lookup; the distance entry after a possible length is looked up
// before the branch that ends a run of literals; matches are copied 16
// bytes per store (a distance below 16 as a repeated pattern made with
// PSHUFB). It returns exactly what fastGo
// returns and writes the same dst[:op]; like fastGo it may write garbage
// past op (within dst).
//
//go:noescape
func fastAsm(dst, src []byte, op, pos int, bb uint64, nb uint, lt *[litTableSize]uint32, dt *[distTableSize]uint32) (int, int, uint64, uint, bool)

//go:build amd64 && !purego

package inflate

// useFastAsm selects the assembly fast loop (fast_amd64.s) when the CPU has
// BMI1 and BMI2 (BEXTR, SHRX, SHLX, BZHI) and SSSE3 (PSHUFB); tests switch
// it off to compare with fastGo.
var useFastAsm = fastAsmOK

// fastAsmOK reports whether fastAsm can run: the CPU has BMI1, BMI2 and
// SSSE3.
var fastAsmOK = inflateHasBMI2()

// inflateCPUID executes CPUID with the given leaf and sub-leaf.
func inflateCPUID(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// inflateHasBMI2 reports whether the CPU has BMI1 and BMI2 (CPUID leaf 7,
// EBX bits 3 and 8) and SSSE3 (leaf 1, ECX bit 9). None needs operating
// system support.
func inflateHasBMI2() bool {
	maxLeaf, _, _, _ := inflateCPUID(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, c1, _ := inflateCPUID(1, 0)
	_, b7, _, _ := inflateCPUID(7, 0)
	return c1&(1<<9) != 0 && b7&(1<<3) != 0 && b7&(1<<8) != 0
}

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

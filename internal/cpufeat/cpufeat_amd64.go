//go:build amd64 && !purego

package cpufeat

// cpuid executes CPUID with the given leaf and sub-leaf.
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// xgetbv0 returns the low half of XCR0 (the register states the OS saves).
func xgetbv0() uint32

// CPUID leaf 1 ECX bits.
const (
	bitSSSE3   = 1 << 9
	bitFMA     = 1 << 12
	bitOSXSAVE = 1 << 27
	bitAVX     = 1 << 28
)

// hasYMM reports whether AVX instructions can be used: the CPU has AVX and
// OSXSAVE and the OS saves the XMM and YMM registers (XCR0 bits 1 and 2).
// It also returns CPUID leaf 1's ECX.
func hasYMM() (bool, uint32) {
	_, _, c1, _ := cpuid(1, 0)
	if c1&bitOSXSAVE == 0 || c1&bitAVX == 0 {
		return false, c1
	}
	return xgetbv0()&6 == 6, c1
}

// hasAVX2 computes AVX2 (see there).
func hasAVX2() bool {
	if maxLeaf, _, _, _ := cpuid(0, 0); maxLeaf < 7 {
		return false
	}
	if ok, _ := hasYMM(); !ok {
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<5) != 0
}

// hasFMA computes FMA (see there).
func hasFMA() bool {
	ok, c1 := hasYMM()
	return ok && c1&bitFMA != 0
}

// hasBMI2 computes BMI2 (see there).
func hasBMI2() bool {
	if maxLeaf, _, _, _ := cpuid(0, 0); maxLeaf < 7 {
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	const bmi1, bmi2 = 1 << 3, 1 << 8
	return b7&bmi1 != 0 && b7&bmi2 != 0
}

// hasSSSE3 computes SSSE3 (see there).
func hasSSSE3() bool {
	_, _, c1, _ := cpuid(1, 0)
	return c1&bitSSSE3 != 0
}

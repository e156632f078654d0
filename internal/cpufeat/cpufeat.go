// Package cpufeat reports the x86-64 instruction-set extensions that the
// assembly kernels of other packages (fixmovie, internal/inflate) may use:
// the CPU must have them and the operating system must save the registers
// they use.
//
// The values are computed once, at package initialization, with CPUID and
// XGETBV. On other architectures and in builds with the purego tag (which
// have no assembly) every value is false.
package cpufeat

// AVX2 reports whether AVX2 instructions can be used: the CPU has AVX,
// OSXSAVE (CPUID leaf 1) and AVX2 (leaf 7), and the operating system saves
// the XMM and YMM registers (XCR0 bits 1 and 2).
var AVX2 = hasAVX2()

// FMA reports whether FMA3 instructions on YMM registers can be used: the
// CPU has FMA, AVX and OSXSAVE (CPUID leaf 1), and the operating system
// saves the XMM and YMM registers (XCR0 bits 1 and 2).
var FMA = hasFMA()

// BMI2 reports whether the BMI1 and BMI2 bit-manipulation instructions
// (BEXTR, SHRX, SHLX, BZHI, ...) can be used: the CPU lists both in CPUID
// leaf 7 (EBX bits 3 and 8). They use general-purpose registers only, so no
// operating-system support is needed.
var BMI2 = hasBMI2()

// SSSE3 reports whether SSSE3 instructions (PSHUFB, ...) can be used: the
// CPU lists them in CPUID leaf 1 (ECX bit 9). They use the XMM registers,
// which every x86-64 operating system saves.
var SSSE3 = hasSSSE3()

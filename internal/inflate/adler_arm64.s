//go:build arm64 && !purego

#include "textflag.h"

// adlerWeightsH holds the 16-bit weights 64, 63, ..., 1 of the 64 byte
// columns of a block in the weighted sum.
DATA adlerWeightsH<>+0x00(SB)/8, $0x003d003e003f0040
DATA adlerWeightsH<>+0x08(SB)/8, $0x0039003a003b003c
DATA adlerWeightsH<>+0x10(SB)/8, $0x0035003600370038
DATA adlerWeightsH<>+0x18(SB)/8, $0x0031003200330034
DATA adlerWeightsH<>+0x20(SB)/8, $0x002d002e002f0030
DATA adlerWeightsH<>+0x28(SB)/8, $0x0029002a002b002c
DATA adlerWeightsH<>+0x30(SB)/8, $0x0025002600270028
DATA adlerWeightsH<>+0x38(SB)/8, $0x0021002200230024
DATA adlerWeightsH<>+0x40(SB)/8, $0x001d001e001f0020
DATA adlerWeightsH<>+0x48(SB)/8, $0x0019001a001b001c
DATA adlerWeightsH<>+0x50(SB)/8, $0x0015001600170018
DATA adlerWeightsH<>+0x58(SB)/8, $0x0011001200130014
DATA adlerWeightsH<>+0x60(SB)/8, $0x000d000e000f0010
DATA adlerWeightsH<>+0x68(SB)/8, $0x0009000a000b000c
DATA adlerWeightsH<>+0x70(SB)/8, $0x0005000600070008
DATA adlerWeightsH<>+0x78(SB)/8, $0x0001000200030004
GLOBL adlerWeightsH<>(SB), RODATA|NOPTR, $128

// func adler32Blocks(p *byte, n int) (sum, wsum uint64)
//
// NEON, one 64-byte block H_i (i = 0 .. k-1, k = n/64) per step, as four
// vectors V0-V3 of 16 bytes; instructions the Go assembler does not name
// are encoded with WORD (comments give them). Per step:
//
//	V17 += V16 before the block   (so V17 = sum of (k-1-i) * sum(H_i))
//	V16 += the block's bytes, added pairwise (UADDLP, UADALP) into 4x32 bits
//	V20-V27 += the block's bytes, column by column (64 16-bit lanes)
//
// and at the end sum = hsum(V16), wsum = 64*hsum(V17) + sum over the
// columns j of (64-j) * V20-V27[j] (UMULL, UMLAL). Bounds: a column lane
// gains at most 255 per block, so k <= 257 (adlerChunk is 16 KiB, k =
// 256); V4 lanes add 8 bytes (< 2^11); V16, V17 and the weighted sums
// stay far below 2^32 for k <= 256.
//
// Registers: R0 p, R1 bytes left, V0-V3 the block, V4 its pairwise sums.
TEXT ·adler32Blocks(SB), NOSPLIT, $0-32
	MOVD p+0(FP), R0
	MOVD n+8(FP), R1
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	CMP  $64, R1
	BLT  done

loop:
	VLD1.P 64(R0), [V0.B16, V1.B16, V2.B16, V3.B16]
	VADD   V16.S4, V17.S4, V17.S4
	WORD   $0x6e202804 // UADDLP V4.8H, V0.16B
	WORD   $0x6e206824 // UADALP V4.8H, V1.16B
	WORD   $0x6e206844 // UADALP V4.8H, V2.16B
	WORD   $0x6e206864 // UADALP V4.8H, V3.16B
	WORD   $0x6e606890 // UADALP V16.4S, V4.8H
	VUADDW  V0.B8, V20.H8, V20.H8
	VUADDW2 V0.B16, V21.H8, V21.H8
	VUADDW  V1.B8, V22.H8, V22.H8
	VUADDW2 V1.B16, V23.H8, V23.H8
	VUADDW  V2.B8, V24.H8, V24.H8
	VUADDW2 V2.B16, V25.H8, V25.H8
	VUADDW  V3.B8, V26.H8, V26.H8
	VUADDW2 V3.B16, V27.H8, V27.H8
	SUB    $64, R1, R1
	CMP    $64, R1
	BGE    loop

done:
	// V18 = the weighted column sums, four 32-bit lanes
	MOVD   $adlerWeightsH<>(SB), R2
	VLD1.P 64(R2), [V0.H8, V1.H8, V2.H8, V3.H8]
	VLD1   (R2), [V4.H8, V5.H8, V6.H8, V7.H8]
	WORD   $0x2e60c292 // UMULL  V18.4S, V20.4H, V0.4H
	WORD   $0x6e608292 // UMLAL2 V18.4S, V20.8H, V0.8H
	WORD   $0x2e6182b2 // UMLAL  V18.4S, V21.4H, V1.4H
	WORD   $0x6e6182b2 // UMLAL2 V18.4S, V21.8H, V1.8H
	WORD   $0x2e6282d2 // UMLAL  V18.4S, V22.4H, V2.4H
	WORD   $0x6e6282d2 // UMLAL2 V18.4S, V22.8H, V2.8H
	WORD   $0x2e6382f2 // UMLAL  V18.4S, V23.4H, V3.4H
	WORD   $0x6e6382f2 // UMLAL2 V18.4S, V23.8H, V3.8H
	WORD   $0x2e648312 // UMLAL  V18.4S, V24.4H, V4.4H
	WORD   $0x6e648312 // UMLAL2 V18.4S, V24.8H, V4.8H
	WORD   $0x2e658332 // UMLAL  V18.4S, V25.4H, V5.4H
	WORD   $0x6e658332 // UMLAL2 V18.4S, V25.8H, V5.8H
	WORD   $0x2e668352 // UMLAL  V18.4S, V26.4H, V6.4H
	WORD   $0x6e668352 // UMLAL2 V18.4S, V26.8H, V6.8H
	WORD   $0x2e678372 // UMLAL  V18.4S, V27.4H, V7.4H
	WORD   $0x6e678372 // UMLAL2 V18.4S, V27.8H, V7.8H
	// horizontal sums, widened to 64 bits
	VUADDLV V16.S4, V16
	VUADDLV V17.S4, V17
	VUADDLV V18.S4, V18
	VMOV   V16.D[0], R3
	VMOV   V17.D[0], R4
	VMOV   V18.D[0], R5
	ADD    R4<<6, R5, R5
	MOVD   R3, sum+16(FP)
	MOVD   R5, wsum+24(FP)
	RET

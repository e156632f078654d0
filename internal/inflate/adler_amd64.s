//go:build amd64 && !purego

#include "textflag.h"

// adlerWeights holds the signed byte weights 64, 63, ..., 1 of the bytes
// of one 64-byte block in the weighted sum.
DATA adlerWeights<>+0x00(SB)/8, $0x393a3b3c3d3e3f40
DATA adlerWeights<>+0x08(SB)/8, $0x3132333435363738
DATA adlerWeights<>+0x10(SB)/8, $0x292a2b2c2d2e2f30
DATA adlerWeights<>+0x18(SB)/8, $0x2122232425262728
DATA adlerWeights<>+0x20(SB)/8, $0x191a1b1c1d1e1f20
DATA adlerWeights<>+0x28(SB)/8, $0x1112131415161718
DATA adlerWeights<>+0x30(SB)/8, $0x090a0b0c0d0e0f10
DATA adlerWeights<>+0x38(SB)/8, $0x0102030405060708
GLOBL adlerWeights<>(SB), RODATA|NOPTR, $64

// adlerOnes holds sixteen 16-bit ones (VPMADDWD adds pairs of words).
DATA adlerOnes<>+0x00(SB)/8, $0x0001000100010001
DATA adlerOnes<>+0x08(SB)/8, $0x0001000100010001
DATA adlerOnes<>+0x10(SB)/8, $0x0001000100010001
DATA adlerOnes<>+0x18(SB)/8, $0x0001000100010001
GLOBL adlerOnes<>(SB), RODATA|NOPTR, $32

// func adler32Blocks(p *byte, n int) (sum, wsum uint64)
//
// In 64-byte blocks H_i (i = 0 .. k-1, k = n/64), each as two vectors A
// (bytes 0-31) and B (bytes 32-63), with Y1 counting in units of 64:
//
//	Y0 += VPSADBW(A, 0) + VPSADBW(B, 0)  (byte sums, four 64-bit lanes)
//	Y1 += Y0 before each block           (so Y1 = sum of (k-1-i) * sum(H_i))
//	Y2 += VPMADDWD(VPMADDUBSW(A, 64..33), 1) + VPMADDWD(VPMADDUBSW(B, 32..1), 1)
//
// so that sum = hsum(Y0) and wsum = 64*hsum(Y1) + hsum(Y2). The main loop
// takes two blocks per step (Y1 += 2*Y0 + the first block's sums; the
// second block's weighted sums go to Y3, added to Y2's at the end), then
// one block if n is an odd multiple of 64.
//
// Bounds: VPMADDUBSW adds two products of at most 255*64 + 255*63 = 32385
// < 2^15, so its signed saturation never applies; a 32-bit lane of Y2 or
// Y3 gains at most 2*32385 + 2*16065 = 96900 per block, less than 2^32 for
// k < 44323 (n up to 2.8 MB; adlerChunk is 1 MiB); Y0 and Y1 have 64-bit
// lanes, and the lanes of Y2 and Y3 are widened to 64 bits before they are
// added.
//
// Registers: SI p, CX the bytes left minus 128 (minus 64 in the tail), Y15 zero, Y14 weights
// 64..33, Y13 weights 32..1, Y12 16-bit ones, Y4-Y11 one step's vectors.
TEXT ·adler32Blocks(SB), NOSPLIT, $0-32
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	VPXOR Y15, Y15, Y15
	VMOVDQU adlerWeights<>+0(SB), Y14
	VMOVDQU adlerWeights<>+32(SB), Y13
	VMOVDQU adlerOnes<>(SB), Y12
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	SUBQ $128, CX
	JB   tail

loop: // two blocks
	VMOVDQU (SI), Y4
	VMOVDQU 32(SI), Y5
	VMOVDQU 64(SI), Y6
	VMOVDQU 96(SI), Y7
	VPADDQ Y0, Y0, Y11
	VPSADBW Y15, Y4, Y8
	VPSADBW Y15, Y5, Y9
	VPADDQ Y8, Y9, Y8
	VPADDQ Y8, Y11, Y11
	VPADDQ Y11, Y1, Y1
	VPSADBW Y15, Y6, Y9
	VPSADBW Y15, Y7, Y10
	VPADDQ Y9, Y10, Y9
	VPADDQ Y8, Y9, Y8
	VPADDQ Y8, Y0, Y0
	VPMADDUBSW Y14, Y4, Y4
	VPMADDUBSW Y13, Y5, Y5
	VPMADDUBSW Y14, Y6, Y6
	VPMADDUBSW Y13, Y7, Y7
	VPMADDWD Y12, Y4, Y4
	VPMADDWD Y12, Y5, Y5
	VPMADDWD Y12, Y6, Y6
	VPMADDWD Y12, Y7, Y7
	VPADDD Y4, Y5, Y4
	VPADDD Y6, Y7, Y6
	VPADDD Y4, Y2, Y2
	VPADDD Y6, Y3, Y3
	ADDQ $128, SI
	SUBQ $128, CX
	JAE  loop

tail: // one block, if 64 bytes are left
	ADDQ $64, CX
	JL   done
	VMOVDQU (SI), Y4
	VMOVDQU 32(SI), Y5
	VPADDQ Y0, Y1, Y1
	VPSADBW Y15, Y4, Y6
	VPSADBW Y15, Y5, Y7
	VPADDQ Y6, Y7, Y6
	VPADDQ Y6, Y0, Y0
	VPMADDUBSW Y14, Y4, Y4
	VPMADDUBSW Y13, Y5, Y5
	VPMADDWD Y12, Y4, Y4
	VPMADDWD Y12, Y5, Y5
	VPADDD Y4, Y5, Y4
	VPADDD Y4, Y2, Y2

done:
	// Y1 = 64*Y1 + the sixteen 32-bit lanes of Y2 and Y3 widened to 64 bits
	VPSLLQ $6, Y1, Y1
	VEXTRACTI128 $1, Y2, X4
	VPMOVZXDQ X2, Y5
	VPMOVZXDQ X4, Y6
	VPADDQ Y5, Y1, Y1
	VPADDQ Y6, Y1, Y1
	VEXTRACTI128 $1, Y3, X4
	VPMOVZXDQ X3, Y5
	VPMOVZXDQ X4, Y6
	VPADDQ Y5, Y1, Y1
	VPADDQ Y6, Y1, Y1
	// horizontal sums of the 64-bit lanes of Y0 and Y1
	VEXTRACTI128 $1, Y0, X3
	VPADDQ X3, X0, X0
	VPSHUFD $0x4e, X0, X3
	VPADDQ X3, X0, X0
	VEXTRACTI128 $1, Y1, X3
	VPADDQ X3, X1, X1
	VPSHUFD $0x4e, X1, X3
	VPADDQ X3, X1, X1
	VZEROUPPER
	MOVQ X0, sum+16(FP)
	MOVQ X1, wsum+24(FP)
	RET

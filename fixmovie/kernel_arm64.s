//go:build arm64 && !purego

#include "textflag.h"

// func widthVec(acc *float32, n int, img *uint8, offs *int, w *float32, nadd, ntaps int)
//
// NEON, eight rows per block (two vectors of four lanes); instructions the
// Go assembler does not name are encoded with WORD (comments give them).
// Registers: R0 acc, R1 n, R2 img, R3 offs, R4 w, R5 nadd, R6 ntaps, R7 row
// i, R11 tap k, R10 &img[offs[k]+i], V31 w[k] in every lane, V0-V1 the
// sums, V4 the eight pixels, V5-V6 them as float32.
TEXT ·widthVec(SB), NOSPLIT, $0-56
	MOVD acc+0(FP), R0
	MOVD n+8(FP), R1
	MOVD img+16(FP), R2
	MOVD offs+24(FP), R3
	MOVD w+32(FP), R4
	MOVD nadd+40(FP), R5
	MOVD ntaps+48(FP), R6
	MOVD $0, R7

block:
	ADD  $8, R7, R8
	CMP  R1, R8
	BGT  done
	// tap 0 starts the sums
	MOVD  (R3), R10
	ADD   R2, R10, R10
	ADD   R7, R10, R10
	FMOVD (R10), F4
	WORD $0x2F08A484 // USHLL V4.8H, V4.8B, #0
	WORD $0x2F10A485 // USHLL V5.4S, V4.4H, #0
	WORD $0x6F10A486 // USHLL2 V6.4S, V4.8H, #0
	WORD $0x6E21D8A5 // UCVTF V5.4S, V5.4S
	WORD $0x6E21D8C6 // UCVTF V6.4S, V6.4S
	VLD1R (R4), [V31.S4]
	WORD $0x6E3FDCA0 // FMUL V0.4S, V5.4S, V31.4S
	WORD $0x6E3FDCC1 // FMUL V1.4S, V6.4S, V31.4S
	MOVD $1, R11

add:
	CMP   R5, R11
	BGE   fma
	MOVD  (R3)(R11<<3), R10
	ADD   R2, R10, R10
	ADD   R7, R10, R10
	FMOVD (R10), F4
	WORD $0x2F08A484 // USHLL V4.8H, V4.8B, #0
	WORD $0x2F10A485 // USHLL V5.4S, V4.4H, #0
	WORD $0x6F10A486 // USHLL2 V6.4S, V4.8H, #0
	WORD $0x6E21D8A5 // UCVTF V5.4S, V5.4S
	WORD $0x6E21D8C6 // UCVTF V6.4S, V6.4S
	ADD   R11<<2, R4, R12
	VLD1R (R12), [V31.S4]
	WORD $0x6E3FDCA5 // FMUL V5.4S, V5.4S, V31.4S
	WORD $0x6E3FDCC6 // FMUL V6.4S, V6.4S, V31.4S
	WORD $0x4E25D400 // FADD V0.4S, V0.4S, V5.4S
	WORD $0x4E26D421 // FADD V1.4S, V1.4S, V6.4S
	ADD  $1, R11
	B    add

fma:
	CMP   R6, R11
	BGE   store
	MOVD  (R3)(R11<<3), R10
	ADD   R2, R10, R10
	ADD   R7, R10, R10
	FMOVD (R10), F4
	WORD $0x2F08A484 // USHLL V4.8H, V4.8B, #0
	WORD $0x2F10A485 // USHLL V5.4S, V4.4H, #0
	WORD $0x6F10A486 // USHLL2 V6.4S, V4.8H, #0
	WORD $0x6E21D8A5 // UCVTF V5.4S, V5.4S
	WORD $0x6E21D8C6 // UCVTF V6.4S, V6.4S
	ADD   R11<<2, R4, R12
	VLD1R (R12), [V31.S4]
	WORD $0x4E3FCCA0 // FMLA V0.4S, V5.4S, V31.4S (fused: V0 += V5*V31, rounded once)
	WORD $0x4E3FCCC1 // FMLA V1.4S, V6.4S, V31.4S
	ADD  $1, R11
	B    fma

store:
	ADD  R7<<2, R0, R12
	VST1 [V0.S4, V1.S4], (R12)
	ADD  $8, R7
	B    block

done:
	RET

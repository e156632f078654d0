//go:build amd64 && !purego

#include "textflag.h"

// func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv0() uint32
TEXT ·xgetbv0(SB), NOSPLIT, $0-4
	XORL CX, CX
	XGETBV
	MOVL AX, ret+0(FP)
	RET

// func widthVec(acc *float32, n int, img *uint8, offs *int, w *float32, nadd, ntaps int)
//
// Registers: DI acc, CX n, SI img, R8 offs, R9 w, R10 nadd, R11 ntaps,
// R12 row i, BX tap k, R14 &img[offs[k]+i], Y15 w[k] broadcast,
// Y0-Y3 the sums of rows i..i+31, Y4-Y7 the products of one tap.
TEXT ·widthVec(SB), NOSPLIT, $0-56
	MOVQ acc+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ img+16(FP), SI
	MOVQ offs+24(FP), R8
	MOVQ w+32(FP), R9
	MOVQ nadd+40(FP), R10
	MOVQ ntaps+48(FP), R11
	XORQ R12, R12

block32:
	LEAQ 32(R12), R13
	CMPQ R13, CX
	JGT  block8
	// tap 0 starts the sums
	MOVQ         (R8), R14
	ADDQ         SI, R14
	ADDQ         R12, R14
	VBROADCASTSS (R9), Y15
	VPMOVZXBD    (R14), Y0
	VPMOVZXBD    8(R14), Y1
	VPMOVZXBD    16(R14), Y2
	VPMOVZXBD    24(R14), Y3
	VCVTDQ2PS    Y0, Y0
	VCVTDQ2PS    Y1, Y1
	VCVTDQ2PS    Y2, Y2
	VCVTDQ2PS    Y3, Y3
	VMULPS       Y15, Y0, Y0
	VMULPS       Y15, Y1, Y1
	VMULPS       Y15, Y2, Y2
	VMULPS       Y15, Y3, Y3
	MOVQ         $1, BX

add32:
	CMPQ         BX, R10
	JGE          fma32
	MOVQ         (R8)(BX*8), R14
	ADDQ         SI, R14
	ADDQ         R12, R14
	VBROADCASTSS (R9)(BX*4), Y15
	VPMOVZXBD    (R14), Y4
	VPMOVZXBD    8(R14), Y5
	VPMOVZXBD    16(R14), Y6
	VPMOVZXBD    24(R14), Y7
	VCVTDQ2PS    Y4, Y4
	VCVTDQ2PS    Y5, Y5
	VCVTDQ2PS    Y6, Y6
	VCVTDQ2PS    Y7, Y7
	VMULPS       Y15, Y4, Y4
	VMULPS       Y15, Y5, Y5
	VMULPS       Y15, Y6, Y6
	VMULPS       Y15, Y7, Y7
	VADDPS       Y4, Y0, Y0
	VADDPS       Y5, Y1, Y1
	VADDPS       Y6, Y2, Y2
	VADDPS       Y7, Y3, Y3
	INCQ         BX
	JMP          add32

fma32:
	CMPQ         BX, R11
	JGE          store32
	MOVQ         (R8)(BX*8), R14
	ADDQ         SI, R14
	ADDQ         R12, R14
	VBROADCASTSS (R9)(BX*4), Y15
	VPMOVZXBD    (R14), Y4
	VPMOVZXBD    8(R14), Y5
	VPMOVZXBD    16(R14), Y6
	VPMOVZXBD    24(R14), Y7
	VCVTDQ2PS    Y4, Y4
	VCVTDQ2PS    Y5, Y5
	VCVTDQ2PS    Y6, Y6
	VCVTDQ2PS    Y7, Y7
	VFMADD231PS  Y15, Y4, Y0
	VFMADD231PS  Y15, Y5, Y1
	VFMADD231PS  Y15, Y6, Y2
	VFMADD231PS  Y15, Y7, Y3
	INCQ         BX
	JMP          fma32

store32:
	VMOVUPS Y0, (DI)(R12*4)
	VMOVUPS Y1, 32(DI)(R12*4)
	VMOVUPS Y2, 64(DI)(R12*4)
	VMOVUPS Y3, 96(DI)(R12*4)
	ADDQ    $32, R12
	JMP     block32

block8:
	LEAQ 8(R12), R13
	CMPQ R13, CX
	JGT  done
	MOVQ         (R8), R14
	ADDQ         SI, R14
	ADDQ         R12, R14
	VBROADCASTSS (R9), Y15
	VPMOVZXBD    (R14), Y0
	VCVTDQ2PS    Y0, Y0
	VMULPS       Y15, Y0, Y0
	MOVQ         $1, BX

add8:
	CMPQ         BX, R10
	JGE          fma8
	MOVQ         (R8)(BX*8), R14
	ADDQ         SI, R14
	ADDQ         R12, R14
	VBROADCASTSS (R9)(BX*4), Y15
	VPMOVZXBD    (R14), Y4
	VCVTDQ2PS    Y4, Y4
	VMULPS       Y15, Y4, Y4
	VADDPS       Y4, Y0, Y0
	INCQ         BX
	JMP          add8

fma8:
	CMPQ         BX, R11
	JGE          store8
	MOVQ         (R8)(BX*8), R14
	ADDQ         SI, R14
	ADDQ         R12, R14
	VBROADCASTSS (R9)(BX*4), Y15
	VPMOVZXBD    (R14), Y4
	VCVTDQ2PS    Y4, Y4
	VFMADD231PS  Y15, Y4, Y0
	INCQ         BX
	JMP          fma8

store8:
	VMOVUPS Y0, (DI)(R12*4)
	ADDQ    $8, R12
	JMP     block8

done:
	VZEROUPPER
	RET

// func heightVec(out *float32, nout int, cols *float32, ny int, h *float32, nadd, ntaps int)
//
// For o < nout (a multiple of 8), with t_k = cols[o*ny+k]:
// out[o] = t_0*h[0] + t_1*h[1] + ... (products rounded, added in order for
// k < nadd), then fma(t_k, h[k], out[o]) for k = nadd .. ntaps-1. Eight
// outputs per vector: lane l gathers column o+l (index l*ny).
//
// Registers: DI out, CX nout, SI &cols[o*ny], DX ny*4, R8 h, R10 nadd,
// R11 ntaps, R12 o, BX tap k, R13 ny*32 (8 columns), R14 &cols[o*ny+k], Y14 the lane indices
// (0, ny, ..., 7ny), Y13 the gather mask, Y15 h[k], Y0 the sums, Y4 the
// gathered values.
TEXT ·heightVec(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ nout+8(FP), CX
	MOVQ cols+16(FP), SI
	MOVQ ny+24(FP), DX
	MOVQ h+32(FP), R8
	MOVQ nadd+40(FP), R10
	MOVQ ntaps+48(FP), R11
	// lane indices 0, ny, 2ny, ..., 7ny (int32)
	MOVQ         DX, X1
	VPBROADCASTD X1, Y1
	VPMULLD      lanes<>(SB), Y1, Y14
	MOVQ         DX, R13
	SHLQ         $5, R13
	XORQ         R12, R12

hblock:
	LEAQ 8(R12), AX
	CMPQ AX, CX
	JGT  hdone
	// tap 0 starts the sums
	VPCMPEQD     Y13, Y13, Y13
	VGATHERDPS   Y13, (SI)(Y14*4), Y0
	VBROADCASTSS (R8), Y15
	VMULPS       Y15, Y0, Y0
	MOVQ         $1, BX

hadd:
	CMPQ         BX, R10
	JGE          hfma
	LEAQ         (SI)(BX*4), R14
	VPCMPEQD     Y13, Y13, Y13
	VGATHERDPS   Y13, (R14)(Y14*4), Y4
	VBROADCASTSS (R8)(BX*4), Y15
	VMULPS       Y15, Y4, Y4
	VADDPS       Y4, Y0, Y0
	INCQ         BX
	JMP          hadd

hfma:
	CMPQ         BX, R11
	JGE          hstore
	LEAQ         (SI)(BX*4), R14
	VPCMPEQD     Y13, Y13, Y13
	VGATHERDPS   Y13, (R14)(Y14*4), Y4
	VBROADCASTSS (R8)(BX*4), Y15
	VFMADD231PS  Y15, Y4, Y0
	INCQ         BX
	JMP          hfma

hstore:
	VMOVUPS Y0, (DI)(R12*4)
	ADDQ    $8, R12
	ADDQ    R13, SI
	JMP     hblock

hdone:
	VZEROUPPER
	RET

DATA lanes<>+0(SB)/4, $0
DATA lanes<>+4(SB)/4, $1
DATA lanes<>+8(SB)/4, $2
DATA lanes<>+12(SB)/4, $3
DATA lanes<>+16(SB)/4, $4
DATA lanes<>+20(SB)/4, $5
DATA lanes<>+24(SB)/4, $6
DATA lanes<>+28(SB)/4, $7
GLOBL lanes<>(SB), RODATA|NOPTR, $32

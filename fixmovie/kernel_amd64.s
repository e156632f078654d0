//go:build amd64 && !purego

#include "textflag.h"

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


// func widthVecT(dst *float32, stride int, n int, img *uint8, offs *int, w *float32, nadd, ntaps int)
//
// widthVec storing row-major: value i goes to dst[i*stride] (stride in
// values). Registers as in widthVec, plus DX stride*4 and R15 the store
// address.
TEXT ·widthVecT(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), DI
	MOVQ stride+8(FP), DX
	SHLQ $2, DX
	MOVQ n+16(FP), CX
	MOVQ img+24(FP), SI
	MOVQ offs+32(FP), R8
	MOVQ w+40(FP), R9
	MOVQ nadd+48(FP), R10
	MOVQ ntaps+56(FP), R11
	XORQ R12, R12

tblock32:
	LEAQ 32(R12), R13
	CMPQ R13, CX
	JGT  tblock8
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

tadd32:
	CMPQ         BX, R10
	JGE          tfma32
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
	JMP          tadd32

tfma32:
	CMPQ         BX, R11
	JGE          tstore32
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
	JMP          tfma32

tstore32:
	// R15 = &dst[i*stride]
	MOVQ R12, R15
	IMULQ DX, R15
	ADDQ DI, R15
	VMOVSS       X0, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $1, X0, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $2, X0, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $3, X0, (R15)
	ADDQ         DX, R15
	VEXTRACTF128 $1, Y0, X8
	VMOVSS       X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $1, X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $2, X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $3, X8, (R15)
	ADDQ         DX, R15
	VMOVSS       X1, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $1, X1, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $2, X1, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $3, X1, (R15)
	ADDQ         DX, R15
	VEXTRACTF128 $1, Y1, X8
	VMOVSS       X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $1, X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $2, X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $3, X8, (R15)
	ADDQ         DX, R15
	VMOVSS       X2, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $1, X2, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $2, X2, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $3, X2, (R15)
	ADDQ         DX, R15
	VEXTRACTF128 $1, Y2, X8
	VMOVSS       X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $1, X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $2, X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $3, X8, (R15)
	ADDQ         DX, R15
	VMOVSS       X3, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $1, X3, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $2, X3, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $3, X3, (R15)
	ADDQ         DX, R15
	VEXTRACTF128 $1, Y3, X8
	VMOVSS       X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $1, X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $2, X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $3, X8, (R15)
	ADDQ         DX, R15
	ADDQ $32, R12
	JMP  tblock32

tblock8:
	LEAQ 8(R12), R13
	CMPQ R13, CX
	JGT  tdone
	MOVQ         (R8), R14
	ADDQ         SI, R14
	ADDQ         R12, R14
	VBROADCASTSS (R9), Y15
	VPMOVZXBD    (R14), Y0
	VCVTDQ2PS    Y0, Y0
	VMULPS       Y15, Y0, Y0
	MOVQ         $1, BX

tadd8:
	CMPQ         BX, R10
	JGE          tfma8
	MOVQ         (R8)(BX*8), R14
	ADDQ         SI, R14
	ADDQ         R12, R14
	VBROADCASTSS (R9)(BX*4), Y15
	VPMOVZXBD    (R14), Y4
	VCVTDQ2PS    Y4, Y4
	VMULPS       Y15, Y4, Y4
	VADDPS       Y4, Y0, Y0
	INCQ         BX
	JMP          tadd8

tfma8:
	CMPQ         BX, R11
	JGE          tstore8
	MOVQ         (R8)(BX*8), R14
	ADDQ         SI, R14
	ADDQ         R12, R14
	VBROADCASTSS (R9)(BX*4), Y15
	VPMOVZXBD    (R14), Y4
	VCVTDQ2PS    Y4, Y4
	VFMADD231PS  Y15, Y4, Y0
	INCQ         BX
	JMP          tfma8

tstore8:
	MOVQ  R12, R15
	IMULQ DX, R15
	ADDQ  DI, R15
	VMOVSS       X0, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $1, X0, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $2, X0, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $3, X0, (R15)
	ADDQ         DX, R15
	VEXTRACTF128 $1, Y0, X8
	VMOVSS       X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $1, X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $2, X8, (R15)
	ADDQ         DX, R15
	VEXTRACTPS   $3, X8, (R15)
	ADDQ         DX, R15
	ADDQ  $8, R12
	JMP   tblock8

tdone:
	VZEROUPPER
	RET

// func heightVecT(out *float32, nout int, rows *float32, stride int, h *float32, nadd, ntaps int)
//
// The height pass on row-major width rows: t_k of output o is rows[k*stride+o],
// so eight outputs are one contiguous load per tap. Registers: DI out, CX
// nout, SI &rows[o], DX stride*4, R8 h, R10 nadd, R11 ntaps, R12 o, BX tap
// k, R14 &rows[k*stride+o], Y0 the sums, Y4 the values, Y15 h[k].
TEXT ·heightVecT(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ nout+8(FP), CX
	MOVQ rows+16(FP), SI
	MOVQ stride+24(FP), DX
	SHLQ $2, DX
	MOVQ h+32(FP), R8
	MOVQ nadd+40(FP), R10
	MOVQ ntaps+48(FP), R11
	XORQ R12, R12

rblock:
	LEAQ 8(R12), AX
	CMPQ AX, CX
	JGT  rdone
	LEAQ         (SI)(R12*4), R14
	VMOVUPS      (R14), Y0
	VBROADCASTSS (R8), Y15
	VMULPS       Y15, Y0, Y0
	MOVQ         $1, BX

radd:
	CMPQ         BX, R10
	JGE          rfma
	ADDQ         DX, R14
	VMOVUPS      (R14), Y4
	VBROADCASTSS (R8)(BX*4), Y15
	VMULPS       Y15, Y4, Y4
	VADDPS       Y4, Y0, Y0
	INCQ         BX
	JMP          radd

rfma:
	CMPQ         BX, R11
	JGE          rstore
	ADDQ         DX, R14
	VMOVUPS      (R14), Y4
	VBROADCASTSS (R8)(BX*4), Y15
	VFMADD231PS  Y15, Y4, Y0
	INCQ         BX
	JMP          rfma

rstore:
	VMOVUPS Y0, (DI)(R12*4)
	ADDQ    $8, R12
	JMP     rblock

rdone:
	VZEROUPPER
	RET

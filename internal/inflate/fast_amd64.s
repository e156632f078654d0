//go:build amd64 && !purego

#include "textflag.h"

// Table entry flags and sizes (tables.go).
#define FLAG_EOB 0x2000
#define FLAG_SUB 0x4000
#define FLAG_BAD 0x8000
#define LIT_MASK 0x7ff
#define LIT_SIZE 4352
#define DIST_SIZE 2304
#define MARGIN 274

// One literal of the primary table: look the next entry up (the literal
// entry is the BEXTR control that extracts its index: litBits bits from
// bit n, the literal's code length), consume the bits, store the byte. The flags of the next
// entry are tested with TESTL DX, DX (a literal has bit 31 set).
#define LITERAL \
	BEXTRQ DX, BX, AX \
	SHRXQ  DX, BX, BX \
	SUBL   DX, CX \
	SHRL   $16, DX \
	MOVB   DX, (R8) \
	MOVL   (R10)(AX*4), DX \
	INCQ   R8

// Refill: bb |= load64(src[pos:]) << nb; pos += (63-nb)/8; then (not
// here) nb |= 56. The word at the new pos is loaded for the next refill
// (from R9 if pos passed it: then it is not used).
#define REFILL \
	SHLXQ   CX, DI, AX \
	ORQ     AX, BX \
	MOVL    CX, AX \
	NOTL    AX \
	SHRL    $3, AX \
	ANDL    $7, AX \
	ADDQ    AX, SI \
	MOVQ    SI, AX \
	CMPQ    SI, R9 \
	CMOVQHI R9, AX \
	MOVQ    (AX), DI

// LITERAL, then R13 = the distance entry that follows the next entry if
// it is a length: its lookup starts before the branch on the next entry
// (which is mispredicted at the end of a run of literals).
#define LITSPEC \
	LITERAL \
	SHRXQ   DX, BX, R13 \
	MOVBLZX R13, R13 \
	MOVL    (R11)(R13*4), R13

// func fastAsm(dst, src []byte, op, pos int, bb uint64, nb uint, lt *[litTableSize]uint32, dt *[distTableSize]uint32) (int, int, uint64, uint, bool)
//
// Registers:
//	R8  &dst[op]             R12 &dst[len(dst)-fastMargin]
//	SI  &src[pos]            R9  &src[len(src)-8]
//	DI  the 8 bytes at SI (or at R9 when SI is past it), loaded ahead for
//	    the next refill
//	BX  bit buffer bb        CX  bit count nb (low byte; the bits above
//	                             it are garbage: entries are subtracted whole)
//	DX  current entry e (in a match: the length, then the end)
//	R10 lt                   R11 dt
//	R13 distance entry (in a match copy: the source)
//	R14, R15 bb, nb before a length/distance symbol (or pattern pointer and
//	step in a match copy); AX scratch
//
// The steps are those of fastGo, so that both return the same values.
TEXT ·fastAsm(SB), NOSPLIT, $0-129
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), R12
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), R9
	MOVQ op+48(FP), R8
	MOVQ pos+56(FP), AX
	MOVQ bb+64(FP), BX
	MOVQ nb+72(FP), CX
	MOVQ lt+80(FP), R10
	MOVQ dt+88(FP), R11

	// The loop runs while pos <= len(src)-8 && op <= len(dst)-fastMargin
	// (signed: the lengths may be short); then on pointers.
	SUBQ $8, R9
	CMPQ AX, R9
	JGT  noloop
	SUBQ $MARGIN, R12
	CMPQ R8, R12
	JGT  noloop
	ADDQ SI, R9
	ADDQ AX, SI
	ADDQ DI, R12
	ADDQ DI, R8
	MOVQ (SI), DI

	MOVL BX, AX
	ANDL $LIT_MASK, AX
	MOVL (R10)(AX*4), DX

top:
	CMPQ SI, R9
	JHI  done
	CMPQ R8, R12
	JHI  done
	REFILL
	CMPB CL, $11
	JCS  short
	ORL  $56, CX

dispatch:
	TESTL DX, DX
	JNS   nonlit

	// Up to four literals per refill (4*11 <= 56 bits).
	LITSPEC
	TESTL DX, DX
	JNS   lenexit
	LITSPEC
	TESTL DX, DX
	JNS   lenexit
	LITSPEC
	TESTL DX, DX
	JNS   lenexit
	LITERAL
	JMP   top

lenexit:
	// A run of literals ended at a non-literal entry: the top of the
	// loop (nb >= 23: the entry needs no second lookup). R13 holds the
	// distance entry for the bits after it, right unless the refill
	// adds some of its index bits (nb-n < distBits).
	CMPQ  SI, R9
	JHI   done
	CMPQ  R8, R12
	JHI   done
	MOVL  CX, R15
	SUBL  DX, R15
	REFILL
	ORL   $56, CX
	MOVQ  BX, R14
	CMPB  R15, $8
	JCS   nonlit
	MOVQ  CX, R15
	TESTL $(FLAG_SUB|FLAG_EOB|FLAG_BAD), DX
	JNZ   nonlit

length:
	// A length: base + the extra bits after the code (DX = length);
	// R13 is the distance entry after it.
	BZHIQ DX, BX, AX
	SHRXQ DX, BX, BX
	SUBL  DX, CX
	SHRL  $8, DX
	SHRXQ DX, AX, AX
	SHRL  $8, DX
	ADDL  AX, DX
	TESTL $(FLAG_SUB|FLAG_BAD), R13
	JNZ   distslow

distgot:
	// A distance (AX), then R13 = the match source &dst[op-dist], at or
	// after &dst[0]; DX = the end of the match.
	BZHIQ R13, BX, AX
	SHRXQ R13, BX, BX
	SUBL  R13, CX
	SHRL  $8, R13
	SHRXQ R13, AX, AX
	SHRL  $8, R13
	ADDL  R13, AX
	MOVQ  R8, R13
	SUBQ  AX, R13
	JCS   bad
	CMPQ  R13, dst_base+0(FP)
	JCS   bad
	ADDQ  R8, DX
	CMPQ  AX, $16
	JCS   pattern

	// dist >= 16: 16 bytes per step.
copy16:
	MOVOU (R13), X0
	MOVOU X0, (R8)
	ADDQ  $16, R13
	ADDQ  $16, R8
	CMPQ  R8, DX
	JCS   copy16

matchdone:
	MOVQ DX, R8
	MOVL BX, AX
	ANDL $LIT_MASK, AX
	MOVL (R10)(AX*4), DX
	JMP  top

pattern:
	// dist < 16: the dist bytes before op repeated over 16 bytes (PSHUFB
	// with the indexes i%dist), stored every 16-16%dist bytes.
	MOVOU  (R13), X0
	SHLQ   $5, AX
	LEAQ   inflatePattern<>(SB), R14
	ADDQ   AX, R14
	MOVOU  (R14), X1
	MOVQ   16(R14), R15
	PSHUFB X1, X0

copypat:
	MOVOU X0, (R8)
	ADDQ  R15, R8
	CMPQ  R8, DX
	JCS   copypat
	JMP   matchdone

short:
	// Fewer than litBits bits were valid: look the entry up again.
	ORL  $56, CX
	MOVL BX, AX
	ANDL $LIT_MASK, AX
	MOVL (R10)(AX*4), DX
	JMP  dispatch

nonlit:
	MOVQ  BX, R14
	MOVQ  CX, R15
	TESTL $FLAG_SUB, DX
	JNZ   litsub

nonlit2:
	TESTL   $(FLAG_EOB|FLAG_BAD), DX
	JNZ     eobbad
	SHRXQ   DX, BX, AX
	MOVBLZX AX, AX
	MOVL    (R11)(AX*4), R13
	JMP     length

distslow:
	// An invalid distance code, or a subtable.
	TESTL $FLAG_BAD, R13
	JNZ   bad
	SHRQ  $8, BX
	SUBL  $8, CX
	MOVL  R13, AX
	SHRL  $8, AX
	ANDL  $15, AX
	BZHIQ AX, BX, AX
	SHRL  $16, R13
	ADDL  R13, AX
	CMPL  AX, $DIST_SIZE
	JCC   bad
	MOVL  (R11)(AX*4), R13
	TESTL $FLAG_BAD, R13
	JNZ   bad
	JMP   distgot

litsub:
	// A code longer than litBits: its subtable.
	SHRQ  $11, BX
	SUBL  $11, CX
	MOVL  DX, AX
	SHRL  $8, AX
	ANDL  $15, AX
	BZHIQ AX, BX, AX
	SHRL  $16, DX
	ADDL  DX, AX
	CMPL  AX, $LIT_SIZE
	JCC   bad
	MOVL  (R10)(AX*4), DX
	TESTL DX, DX
	JNS   nonlit2

	// A literal of a subtable: its bits 8-11 are not litBits.
	SHRXQ DX, BX, BX
	SUBL  DX, CX
	SHRL  $16, DX
	MOVB  DX, (R8)
	INCQ  R8
	MOVL  BX, AX
	ANDL  $LIT_MASK, AX
	MOVL  (R10)(AX*4), DX
	JMP   top

eobbad:
	TESTL $FLAG_BAD, DX
	JNZ   bad
	SHRXQ DX, BX, BX
	SUBL  DX, CX
	MOVL  $1, AX
	JMP   ret

bad:
	// Back to the bit reader before the symbol.
	MOVQ R14, BX
	MOVQ R15, CX

done:
	XORL AX, AX

ret:
	SUBQ    dst_base+0(FP), R8
	MOVQ    R8, ret+96(FP)
	SUBQ    src_base+24(FP), SI
	MOVQ    SI, ret1+104(FP)
	MOVQ    BX, ret2+112(FP)
	MOVBQZX CX, CX
	MOVQ    CX, ret3+120(FP)
	MOVB    AX, ret4+128(FP)
	RET

noloop:
	MOVQ R8, ret+96(FP)
	MOVQ AX, ret1+104(FP)
	MOVQ BX, ret2+112(FP)
	MOVQ CX, ret3+120(FP)
	MOVB $0, ret4+128(FP)
	RET

DATA inflatePattern<>+0(SB)/8, $0x0000000000000000
DATA inflatePattern<>+8(SB)/8, $0x0000000000000000
DATA inflatePattern<>+16(SB)/8, $16
DATA inflatePattern<>+24(SB)/8, $0
DATA inflatePattern<>+32(SB)/8, $0x0000000000000000
DATA inflatePattern<>+40(SB)/8, $0x0000000000000000
DATA inflatePattern<>+48(SB)/8, $16
DATA inflatePattern<>+56(SB)/8, $0
DATA inflatePattern<>+64(SB)/8, $0x0100010001000100
DATA inflatePattern<>+72(SB)/8, $0x0100010001000100
DATA inflatePattern<>+80(SB)/8, $16
DATA inflatePattern<>+88(SB)/8, $0
DATA inflatePattern<>+96(SB)/8, $0x0100020100020100
DATA inflatePattern<>+104(SB)/8, $0x0002010002010002
DATA inflatePattern<>+112(SB)/8, $15
DATA inflatePattern<>+120(SB)/8, $0
DATA inflatePattern<>+128(SB)/8, $0x0302010003020100
DATA inflatePattern<>+136(SB)/8, $0x0302010003020100
DATA inflatePattern<>+144(SB)/8, $16
DATA inflatePattern<>+152(SB)/8, $0
DATA inflatePattern<>+160(SB)/8, $0x0201000403020100
DATA inflatePattern<>+168(SB)/8, $0x0004030201000403
DATA inflatePattern<>+176(SB)/8, $15
DATA inflatePattern<>+184(SB)/8, $0
DATA inflatePattern<>+192(SB)/8, $0x0100050403020100
DATA inflatePattern<>+200(SB)/8, $0x0302010005040302
DATA inflatePattern<>+208(SB)/8, $12
DATA inflatePattern<>+216(SB)/8, $0
DATA inflatePattern<>+224(SB)/8, $0x0006050403020100
DATA inflatePattern<>+232(SB)/8, $0x0100060504030201
DATA inflatePattern<>+240(SB)/8, $14
DATA inflatePattern<>+248(SB)/8, $0
DATA inflatePattern<>+256(SB)/8, $0x0706050403020100
DATA inflatePattern<>+264(SB)/8, $0x0706050403020100
DATA inflatePattern<>+272(SB)/8, $16
DATA inflatePattern<>+280(SB)/8, $0
DATA inflatePattern<>+288(SB)/8, $0x0706050403020100
DATA inflatePattern<>+296(SB)/8, $0x0605040302010008
DATA inflatePattern<>+304(SB)/8, $9
DATA inflatePattern<>+312(SB)/8, $0
DATA inflatePattern<>+320(SB)/8, $0x0706050403020100
DATA inflatePattern<>+328(SB)/8, $0x0504030201000908
DATA inflatePattern<>+336(SB)/8, $10
DATA inflatePattern<>+344(SB)/8, $0
DATA inflatePattern<>+352(SB)/8, $0x0706050403020100
DATA inflatePattern<>+360(SB)/8, $0x04030201000a0908
DATA inflatePattern<>+368(SB)/8, $11
DATA inflatePattern<>+376(SB)/8, $0
DATA inflatePattern<>+384(SB)/8, $0x0706050403020100
DATA inflatePattern<>+392(SB)/8, $0x030201000b0a0908
DATA inflatePattern<>+400(SB)/8, $12
DATA inflatePattern<>+408(SB)/8, $0
DATA inflatePattern<>+416(SB)/8, $0x0706050403020100
DATA inflatePattern<>+424(SB)/8, $0x0201000c0b0a0908
DATA inflatePattern<>+432(SB)/8, $13
DATA inflatePattern<>+440(SB)/8, $0
DATA inflatePattern<>+448(SB)/8, $0x0706050403020100
DATA inflatePattern<>+456(SB)/8, $0x01000d0c0b0a0908
DATA inflatePattern<>+464(SB)/8, $14
DATA inflatePattern<>+472(SB)/8, $0
DATA inflatePattern<>+480(SB)/8, $0x0706050403020100
DATA inflatePattern<>+488(SB)/8, $0x000e0d0c0b0a0908
DATA inflatePattern<>+496(SB)/8, $15
DATA inflatePattern<>+504(SB)/8, $0
GLOBL inflatePattern<>(SB), RODATA|NOPTR, $512

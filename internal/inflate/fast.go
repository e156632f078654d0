package inflate

import "encoding/binary"

// fastMargin is the room the fast loop keeps at the end of dst: a match of
// 258 bytes copied in 16-byte steps writes at most 15 bytes past its end,
// and four literals need 4 bytes.
const fastMargin = 258 + 16

// fast decodes symbols of a Huffman block while at least 8 input bytes
// and fastMargin output bytes remain, without any check for the end of
// the input or the output. It stops at the end of the block (eob true),
// or, leaving the bit reader before the symbol, at a symbol it does not
// handle (an invalid code or distance: the careful loop reports it) or
// near the end of the input or output.
//
// It runs fastAsm (amd64 assembly using BMI1, BMI2 and SSSE3,
// fast_amd64.s) when useFastAsm is set, fastGo otherwise; both return the
// same values and write the same dst[:op].
func fast(dst, src []byte, op, pos int, bb uint64, nb uint, lt *[litTableSize]uint32, dt *[distTableSize]uint32) (int, int, uint64, uint, bool) {
	if useFastAsm {
		return fastAsm(dst, src, op, pos, bb, nb, lt, dt)
	}
	return fastGo(dst, src, op, pos, bb, nb, lt, dt)
}

// fastGo is fast in Go, the reference of fastAsm: the assembly takes the
// same steps (up to four literals per refill, the same refills and exits).
func fastGo(dst, src []byte, op, pos int, bb uint64, nb uint, lt *[litTableSize]uint32, dt *[distTableSize]uint32) (int, int, uint64, uint, bool) {
	// e is the entry for the low bits of bb, looked up before the refill
	// (which only adds bits above the nb valid ones); it is looked up
	// again after the refill when fewer than litBits bits were valid.
	e := lt[bb&(1<<litBits-1)]
	for pos <= len(src)-8 && op <= len(dst)-fastMargin {
		short := nb < litBits
		bb |= binary.LittleEndian.Uint64(src[pos:]) << (nb & 63)
		pos += int((63 - nb) >> 3)
		nb |= 56
		if short {
			e = lt[bb&(1<<litBits-1)]
		}
		if e&flagLit != 0 {
			// Up to four literals per refill (4*11 <= 56 bits); a
			// literal in a subtable is taken by the general path.
			n := e & 63
			bb >>= n
			nb -= uint(n)
			dst[op] = byte(e >> 16)
			op++
			e = lt[bb&(1<<litBits-1)]
			if e&flagLit == 0 {
				continue
			}
			n = e & 63
			bb >>= n
			nb -= uint(n)
			dst[op] = byte(e >> 16)
			op++
			e = lt[bb&(1<<litBits-1)]
			if e&flagLit == 0 {
				continue
			}
			n = e & 63
			bb >>= n
			nb -= uint(n)
			dst[op] = byte(e >> 16)
			op++
			e = lt[bb&(1<<litBits-1)]
			if e&flagLit == 0 {
				continue
			}
			n = e & 63
			bb >>= n
			nb -= uint(n)
			dst[op] = byte(e >> 16)
			op++
			e = lt[bb&(1<<litBits-1)]
			continue
		}
		bb0, nb0 := bb, nb
		if e&flagSub != 0 {
			bb >>= litBits
			nb -= litBits
			e = lt[e>>16+uint32(bb)&(1<<(e>>8&15)-1)]
			if e&flagLit != 0 {
				n := e & 63
				bb >>= n
				nb -= uint(n)
				dst[op] = byte(e >> 16)
				op++
				e = lt[bb&(1<<litBits-1)]
				continue
			}
		}
		if e&(flagEOB|flagBad) != 0 {
			if e&flagBad != 0 {
				return op, pos, bb0, nb0, false
			}
			n := e & 63
			return op, pos, bb >> n, nb - uint(n), true
		}
		// A length (up to 15+5 bits), then a distance (up to 15+13).
		saved := bb
		n := e & 63
		bb >>= n
		nb -= uint(n)
		length := int(e>>16) + int(uint32(saved&(1<<n-1))>>(e>>8&15))
		e = dt[bb&(1<<distBits-1)]
		if e&flagSub != 0 {
			bb >>= distBits
			nb -= distBits
			e = dt[e>>16+uint32(bb)&(1<<(e>>8&15)-1)]
		}
		saved = bb
		n = e & 63
		bb >>= n
		nb -= uint(n)
		dist := int(e>>16) + int(uint32(saved&(1<<n-1))>>(e>>8&15))
		if e&flagBad != 0 || dist > op {
			return op, pos, bb0, nb0, false
		}
		s := op - dist
		end := op + length
		if dist >= 16 {
			for op < end {
				a := binary.LittleEndian.Uint64(dst[s:])
				b := binary.LittleEndian.Uint64(dst[s+8:])
				binary.LittleEndian.PutUint64(dst[op:], a)
				binary.LittleEndian.PutUint64(dst[op+8:], b)
				op += 16
				s += 16
			}
		} else if dist >= 8 {
			for op < end {
				binary.LittleEndian.PutUint64(dst[op:], binary.LittleEndian.Uint64(dst[s:]))
				op += 8
				s += 8
			}
		} else if dist == 1 {
			w := uint64(dst[s]) * 0x0101010101010101
			for op < end {
				binary.LittleEndian.PutUint64(dst[op:], w)
				op += 8
			}
		} else {
			to := dst[op:end]
			from := dst[s : s+len(to)]
			for i := range to {
				to[i] = from[i]
			}
		}
		op = end
		e = lt[bb&(1<<litBits-1)]
	}
	return op, pos, bb, nb, false
}

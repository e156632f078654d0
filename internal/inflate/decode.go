package inflate

import (
	"encoding/binary"
)

// decoder holds the tables of a dynamic block and the bit reader's state
// between blocks. The hot loop (huffman) keeps the bit reader in locals.
type decoder struct {
	lit  [litTableSize]uint32
	dist [distTableSize]uint32
	pre  [preTableSize]uint32
	lens [maxLitSyms + maxDistSyms]uint8

	src []byte
	pos int    // next byte of src to load into bb
	bb  uint64 // bit buffer, next bit in bit 0
	nb  uint   // valid bits in bb (at most 63)
	// over counts zero bytes appended past the end of src; the stream is
	// truncated if any of their bits is consumed (nb < 8*over).
	over uint
}

var precodeOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// err makes an error at the current input position; a corrupt or too-long
// result found while decoding bits past the end of the input is reported
// as truncation.
func (d *decoder) err(kind error, detail string) *Error {
	if d.nb < 8*d.over {
		kind, detail = ErrTruncated, ""
	}
	off := d.pos - int(d.nb/8) + int(d.over)
	if off < 0 {
		off = 0
	}
	if off > len(d.src) {
		off = len(d.src)
	}
	return &Error{Kind: kind, Offset: off, Detail: detail}
}

// refill tops the bit buffer up to at least 56 bits, with zero bytes past
// the end of the input. It reports false if bits past the end were
// already consumed.
func (d *decoder) refill() bool {
	if d.nb < 8*d.over {
		return false
	}
	if d.pos <= len(d.src)-8 {
		d.bb |= binary.LittleEndian.Uint64(d.src[d.pos:]) << (d.nb & 63)
		d.pos += int((63 - d.nb) >> 3)
		d.nb |= 56
		return true
	}
	for d.nb < 56 {
		if d.pos < len(d.src) {
			d.bb |= uint64(d.src[d.pos]) << (d.nb & 63)
			d.pos++
		} else {
			d.over++
		}
		d.nb += 8
	}
	return true
}

// bits consumes n <= 32 bits (after a refill).
func (d *decoder) bits(n uint) (uint32, bool) {
	if d.nb < n && !d.refill() {
		return 0, false
	}
	if d.nb < n { // cannot happen after a successful refill
		return 0, false
	}
	v := uint32(d.bb & (1<<(n&63) - 1))
	d.bb >>= n & 63
	d.nb -= n
	return v, true
}

// align drops the bits up to the next byte boundary and moves the bytes
// still in the bit buffer back to the input; it returns the offset of the
// next unread byte of src, or false if bits past its end were consumed.
func (d *decoder) align() (int, bool) {
	d.nb &^= 7
	if d.nb < 8*d.over {
		return 0, false
	}
	p := d.pos - int(d.nb/8-d.over)
	d.pos, d.bb, d.nb, d.over = p, 0, 0, 0
	return p, true
}

// decode decodes the raw deflate stream at src[start:] into dst. It
// returns the bytes written and the offset in src just after the stream.
func (d *decoder) decode(dst, src []byte, start int) (int, int, error) {
	d.src, d.pos, d.bb, d.nb, d.over = src, start, 0, 0, 0
	defer func() { d.src = nil }()
	op := 0
	for {
		hdr, ok := d.bits(3)
		if !ok {
			return op, 0, d.err(ErrTruncated, "")
		}
		var err error
		switch hdr >> 1 {
		case 0:
			op, err = d.stored(dst, op)
		case 1:
			op, err = d.huffman(dst, op, &fixedLit, &fixedDist)
		case 2:
			if err = d.header(); err == nil {
				op, err = d.huffman(dst, op, &d.lit, &d.dist)
			}
		default:
			err = d.err(ErrCorrupt, "block type 3")
		}
		if err != nil {
			return op, 0, err
		}
		if hdr&1 != 0 {
			break
		}
	}
	end, ok := d.align()
	if !ok {
		return op, 0, &Error{Kind: ErrTruncated, Offset: len(src)}
	}
	return op, end, nil
}

// stored copies a stored block.
func (d *decoder) stored(dst []byte, op int) (int, error) {
	p, ok := d.align()
	if !ok || len(d.src)-p < 4 {
		return op, &Error{Kind: ErrTruncated, Offset: len(d.src)}
	}
	n := int(binary.LittleEndian.Uint16(d.src[p:]))
	if nn := int(binary.LittleEndian.Uint16(d.src[p+2:])); nn != n^0xffff {
		return op, &Error{Kind: ErrCorrupt, Offset: p, Detail: "stored block length check"}
	}
	p += 4
	if len(d.src)-p < n {
		return op, &Error{Kind: ErrTruncated, Offset: len(d.src)}
	}
	if len(dst)-op < n {
		return op, &Error{Kind: ErrTooLong, Offset: p}
	}
	copy(dst[op:op+n], d.src[p:p+n])
	d.pos = p + n
	return op + n, nil
}

// header reads a dynamic block's code lengths and builds d.lit and d.dist.
func (d *decoder) header() error {
	v, ok := d.bits(14)
	if !ok {
		return d.err(ErrTruncated, "")
	}
	nlit := int(v&31) + 257
	ndist := int(v>>5&31) + 1
	nclen := int(v>>10) + 4
	if nlit > maxLitSyms {
		return d.err(ErrCorrupt, "more than 286 literal/length codes")
	}
	if ndist > maxDistSyms {
		return d.err(ErrCorrupt, "more than 30 distance codes")
	}
	var plens [19]uint8
	for i := 0; i < nclen; i++ {
		l, ok := d.bits(3)
		if !ok {
			return d.err(ErrTruncated, "")
		}
		plens[precodeOrder[i]] = uint8(l)
	}
	if !build(d.pre[:], plens[:], preBits, preTmpl[:]) {
		return d.err(ErrCorrupt, "invalid code length code")
	}
	lens := d.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		if d.nb < 16 && !d.refill() {
			return d.err(ErrTruncated, "")
		}
		e := d.pre[d.bb&(preTableSize-1)]
		if e&flagBad != 0 {
			return d.err(ErrCorrupt, "invalid code length code")
		}
		n := uint(e & 63)
		d.bb >>= n
		d.nb -= n
		sym := e >> 16
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var fill uint8
		switch sym {
		case 16:
			if i == 0 {
				return d.err(ErrCorrupt, "repeat of no code length")
			}
			fill = lens[i-1]
			rep = 3 + int(d.bb&3)
			d.bb >>= 2
			d.nb -= 2
		case 17:
			rep = 3 + int(d.bb&7)
			d.bb >>= 3
			d.nb -= 3
		default:
			rep = 11 + int(d.bb&127)
			d.bb >>= 7
			d.nb -= 7
		}
		if rep > len(lens)-i {
			return d.err(ErrCorrupt, "code lengths repeat past their end")
		}
		for j := 0; j < rep; j++ {
			lens[i+j] = fill
		}
		i += rep
	}
	if !build(d.lit[:], lens[:nlit], litBits, litTmpl[:]) {
		return d.err(ErrCorrupt, "invalid literal/length code")
	}
	if !build(d.dist[:], lens[nlit:], distBits, distTmpl[:]) {
		return d.err(ErrCorrupt, "invalid distance code")
	}
	return nil
}

// huffman decodes one Huffman-coded block with the tables lt and dt.
func (d *decoder) huffman(dst []byte, op int, lt *[litTableSize]uint32, dt *[distTableSize]uint32) (int, error) {
	src := d.src
	bb, nb, pos := d.bb, d.nb, d.pos
	var eob bool
	op, pos, bb, nb, eob = fast(dst, src, op, pos, bb, nb, lt, dt)
	if eob {
		d.bb, d.nb, d.pos = bb, nb, pos
		return op, nil
	}
	// The careful loop: near the end of the input or output, and errors.
	for {
		// Refill: afterwards nb >= 56, enough for a length code with its
		// extra bits and a distance code with its extra bits (48 bits),
		// or for up to four literals.
		if pos <= len(src)-8 {
			bb |= binary.LittleEndian.Uint64(src[pos:]) << (nb & 63)
			pos += int((63 - nb) >> 3)
			nb |= 56
		} else {
			d.bb, d.nb, d.pos = bb, nb, pos
			if !d.refill() {
				return op, d.err(ErrTruncated, "")
			}
			bb, nb, pos = d.bb, d.nb, d.pos
		}
		e := lt[bb&(1<<litBits-1)]
		if e&flagSub != 0 {
			bb >>= litBits
			nb -= litBits
			e = lt[e>>16+uint32(bb)&(1<<(e>>8&15)-1)]
		}
		if e&flagLit != 0 {
			n := e & 63
			bb >>= n
			nb -= uint(n)
			if len(dst)-op < 4 {
				// Near the end of dst: one literal per refill.
				if uint(op) >= uint(len(dst)) {
					d.bb, d.nb, d.pos = bb, nb, pos
					return op, d.err(ErrTooLong, "")
				}
				dst[op] = byte(e >> 16)
				op++
				continue
			}
			// Up to three more literals from the primary table without
			// a refill (15 + 3*11 bits <= 56), one bounds check.
			w := dst[op : op+4 : op+4]
			w[0] = byte(e >> 16)
			e = lt[bb&(1<<litBits-1)]
			if e&flagLit == 0 {
				op++
				continue
			}
			n = e & 63
			bb >>= n
			nb -= uint(n)
			w[1] = byte(e >> 16)
			e = lt[bb&(1<<litBits-1)]
			if e&flagLit == 0 {
				op += 2
				continue
			}
			n = e & 63
			bb >>= n
			nb -= uint(n)
			w[2] = byte(e >> 16)
			e = lt[bb&(1<<litBits-1)]
			if e&flagLit == 0 {
				op += 3
				continue
			}
			n = e & 63
			bb >>= n
			nb -= uint(n)
			w[3] = byte(e >> 16)
			op += 4
			continue
		}
		if e&(flagEOB|flagBad) != 0 {
			n := e & 63
			bb >>= n
			nb -= uint(n)
			d.bb, d.nb, d.pos = bb, nb, pos
			if e&flagBad != 0 {
				return op, d.err(ErrCorrupt, "invalid literal/length code")
			}
			return op, nil
		}
		// A length, then a distance.
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
		if e&flagBad != 0 {
			d.bb, d.nb, d.pos = bb, nb, pos
			return op, d.err(ErrCorrupt, "invalid distance code")
		}
		dist := int(e>>16) + int(uint32(saved&(1<<n-1))>>(e>>8&15))
		if dist > op {
			d.bb, d.nb, d.pos = bb, nb, pos
			return op, d.err(ErrCorrupt, "distance before the start of the output")
		}
		if length > len(dst)-op {
			d.bb, d.nb, d.pos = bb, nb, pos
			return op, d.err(ErrTooLong, "")
		}
		s := op - dist
		end := op + length
		switch {
		case dist >= 8 && len(dst)-end >= 8:
			// Whole words, possibly past end (rewritten later).
			for op < end {
				binary.LittleEndian.PutUint64(dst[op:], binary.LittleEndian.Uint64(dst[s:]))
				op += 8
				s += 8
			}
		case dist == 1 && len(dst)-end >= 8:
			w := uint64(dst[s]) * 0x0101010101010101
			for op < end {
				binary.LittleEndian.PutUint64(dst[op:], w)
				op += 8
			}
		default:
			to := dst[op:end]
			from := dst[s : s+len(to)]
			for i := range to {
				to[i] = from[i]
			}
		}
		op = end
	}
}

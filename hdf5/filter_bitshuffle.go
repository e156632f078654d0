package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// bitshuffle (filter 32008, github.com/kiyo-masui/bitshuffle). Client data:
// major and minor version, element size, block size in elements (0: the
// default), compression (0 none, 2 LZ4, 3 zstd), zstd level.
//
// The data is cut in blocks of block-size elements (the last one rounded
// down to a multiple of 8 elements; the remaining elements, fewer than 8,
// are stored as they are at the end). Each block is bit-transposed: for
// every byte j of an element and bit k (least significant first) of that
// byte, one row holds that bit of all the block's elements, packed 8 to a
// byte, least significant bit first; rows are in the order j*8+k. With
// compression the chunk starts with an 8-byte big-endian decompressed size
// and a 4-byte big-endian block size in bytes, and each block is stored as
// a 4-byte big-endian compressed size and an LZ4 block or a zstd frame.

func init() { registerFilter(FilterBitshuffle, decodeBitshuffle, 0) }

const (
	bshufTargetBlockBytes = 8192
	bshufMinBlock         = 128
	bshufBlockMult        = 8
)

func bshufDefaultBlock(es int) int {
	b := bshufTargetBlockBytes / es
	b = b / bshufBlockMult * bshufBlockMult
	return max(b, bshufMinBlock)
}

func decodeBitshuffle(src []byte, p *FilterParams) ([]byte, error) {
	cd := p.ClientData
	if len(cd) < 3 {
		return nil, fmt.Errorf("%d client data values, need at least 3", len(cd))
	}
	es := int(cd[2])
	if es <= 0 || es > 1<<20 {
		return nil, fmt.Errorf("element size %d", cd[2])
	}
	block := 0
	if len(cd) > 3 {
		if cd[3] > 1<<30 {
			return nil, fmt.Errorf("block size %d", cd[3])
		}
		block = int(cd[3])
	}
	if block == 0 {
		block = bshufDefaultBlock(es)
	}
	comp := uint32(0)
	if len(cd) > 4 {
		comp = cd[4]
	}
	var total int
	in := src
	switch comp {
	case 0:
		total = len(src)
		if total > p.MaxSize {
			return nil, errExpands(p.MaxSize)
		}
	case 2, 3:
		if len(src) < 12 {
			return nil, fmt.Errorf("chunk of %d bytes is shorter than the 12-byte header", len(src))
		}
		t := binary.BigEndian.Uint64(src)
		if t > uint64(p.MaxSize) {
			return nil, fmt.Errorf("header declares %d bytes, more than the chunk's %d", t, p.MaxSize)
		}
		total = int(t)
		bb := int(binary.BigEndian.Uint32(src[8:]))
		block = bb / es
		if block <= 0 {
			return nil, fmt.Errorf("block size %d bytes for %d-byte elements", bb, es)
		}
		in = src[12:]
	default:
		return nil, fmt.Errorf("compression %d is not bitshuffle's LZ4 (2) or zstd (3)", comp)
	}
	if block%bshufBlockMult != 0 {
		return nil, fmt.Errorf("block size %d is not a multiple of 8", block)
	}
	if total%es != 0 {
		return nil, fmt.Errorf("%d bytes is not a whole number of %d-byte elements", total, es)
	}
	n := total / es
	dst := p.Dst[:0]
	if cap(dst) < total {
		dst = make([]byte, 0, total)
	}
	dst = dst[:total]
	var tmp []byte
	if comp != 0 {
		tmp = make([]byte, 0, min(block, n)*es)
	}
	done := 0 // elements
	for done < n-n%bshufBlockMult {
		m := block
		if n-done < block {
			m = (n - done) - (n-done)%bshufBlockMult
		}
		nb := m * es
		var blk []byte
		if comp == 0 {
			blk = in[:nb]
			in = in[nb:]
		} else {
			if len(in) < 4 {
				return nil, fmt.Errorf("block at element %d: %w", done, errTruncated)
			}
			c := uint64(binary.BigEndian.Uint32(in))
			in = in[4:]
			if c > uint64(len(in)) {
				return nil, fmt.Errorf("block at element %d: compressed size %d, %d bytes left", done, c, len(in))
			}
			var err error
			if comp == 2 {
				tmp, err = lz4Block(in[:c], tmp[:0], nb)
			} else {
				tmp, err = zstdDecompress(in[:c], nb, tmp[:0])
			}
			if err != nil {
				return nil, fmt.Errorf("block at element %d: %w", done, err)
			}
			if len(tmp) != nb {
				return nil, fmt.Errorf("block at element %d decodes to %d bytes, expected %d", done, len(tmp), nb)
			}
			blk = tmp
			in = in[c:]
		}
		bitUnshuffle(blk, dst[done*es:done*es+nb], m, es)
		done += m
	}
	rest := (n - done) * es
	if len(in) < rest {
		return nil, errors.New("chunk too short for its trailing elements")
	}
	copy(dst[done*es:], in[:rest])
	return dst, nil
}

// bitUnshuffle reverses the bit transposition of m elements (m a multiple
// of 8) of es bytes from src into dst (both m*es bytes). For each byte
// position j and group of 8 elements, the 8 row bytes (bit k of byte j of
// the 8 elements) form an 8x8 bit matrix whose transpose is byte j of the
// 8 elements.
func bitUnshuffle(src, dst []byte, m, es int) {
	rowBytes := m / 8
	for j := 0; j < es; j++ {
		rows := src[j*8*rowBytes : (j+1)*8*rowBytes]
		for b := 0; b < rowBytes; b++ {
			var x uint64
			for k := 0; k < 8; k++ {
				x |= uint64(rows[k*rowBytes+b]) << (8 * k)
			}
			x = transpose8(x)
			o := b*8*es + j
			for t := 0; t < 8; t++ {
				dst[o+t*es] = byte(x >> (8 * t))
			}
		}
	}
}

// transpose8 transposes the 8x8 bit matrix whose bit 8r+c is entry (r, c).
func transpose8(x uint64) uint64 {
	t := (x ^ x>>7) & 0x00AA00AA00AA00AA
	x ^= t ^ t<<7
	t = (x ^ x>>14) & 0x0000CCCC0000CCCC
	x ^= t ^ t<<14
	t = (x ^ x>>28) & 0x00000000F0F0F0F0
	x ^= t ^ t<<28
	return x
}

package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// LZ4 (filter 32004, hdf5_plugins' LZ4_HDF5_format.md): an 8-byte
// big-endian decompressed size, a 4-byte big-endian block size, then per
// block a 4-byte big-endian compressed size and the block: stored as is
// when that size equals the block's decompressed size, else one LZ4 block.
// Client data: block size (informative only).

func init() { registerFilter(FilterLZ4, decodeLZ4Filter, 300) }

func decodeLZ4Filter(src []byte, p *FilterParams) ([]byte, error) {
	if len(src) < 12 {
		return nil, fmt.Errorf("chunk of %d bytes is shorter than the 12-byte LZ4 header", len(src))
	}
	orig := binary.BigEndian.Uint64(src)
	bs := uint64(binary.BigEndian.Uint32(src[8:]))
	if orig > uint64(p.MaxSize) {
		return nil, fmt.Errorf("header declares %d bytes, more than the chunk's %d", orig, p.MaxSize)
	}
	if bs == 0 && orig > 0 {
		return nil, errors.New("block size 0")
	}
	bs = min(bs, orig)
	dst := p.Dst[:0]
	if uint64(cap(dst)) < orig {
		dst = make([]byte, 0, orig)
	}
	in := src[12:]
	for uint64(len(dst)) < orig {
		n := min(bs, orig-uint64(len(dst)))
		if len(in) < 4 {
			return nil, fmt.Errorf("block at output offset %d: %w", len(dst), errTruncated)
		}
		c := uint64(binary.BigEndian.Uint32(in))
		in = in[4:]
		if c > uint64(len(in)) {
			return nil, fmt.Errorf("block at output offset %d: compressed size %d, %d bytes left", len(dst), c, len(in))
		}
		if c == n {
			dst = append(dst, in[:c]...)
		} else {
			before := len(dst)
			var err error
			if dst, err = lz4Block(in[:c], dst, before+int(n)); err != nil {
				return nil, fmt.Errorf("block at output offset %d: %w", before, err)
			}
			if len(dst)-before != int(n) {
				return nil, fmt.Errorf("block at output offset %d decodes to %d bytes, expected %d", before, len(dst)-before, n)
			}
		}
		in = in[c:]
	}
	return dst, nil
}

var errLZ4Corrupt = errors.New("corrupt LZ4 block")

// lz4Block appends the decoded form of one LZ4 block (the raw block
// format, without frame) to dst, refusing to grow dst beyond limit bytes.
// Matches may reach back into what dst held before (as blosc and
// bitshuffle never do, and as LZ4_decompress_safe does not allow): the
// distance is checked against the bytes decoded from this block only.
func lz4Block(src, dst []byte, limit int) ([]byte, error) {
	base := len(dst)
	ip := 0
	for {
		if ip >= len(src) {
			return nil, errLZ4Corrupt
		}
		tok := int(src[ip])
		ip++
		lit := tok >> 4
		if lit == 15 {
			for {
				if ip >= len(src) {
					return nil, errLZ4Corrupt
				}
				b := int(src[ip])
				ip++
				lit += b
				if lit > len(src) {
					return nil, errLZ4Corrupt
				}
				if b != 255 {
					break
				}
			}
		}
		if lit > len(src)-ip {
			return nil, errLZ4Corrupt
		}
		if lit > limit-len(dst) {
			return nil, errExpands(limit)
		}
		dst = append(dst, src[ip:ip+lit]...)
		ip += lit
		if ip == len(src) {
			return dst, nil // the last sequence has literals only
		}
		if ip+2 > len(src) {
			return nil, errLZ4Corrupt
		}
		off := int(src[ip]) | int(src[ip+1])<<8
		ip += 2
		if off == 0 || off > len(dst)-base {
			return nil, errLZ4Corrupt
		}
		ml := tok & 15
		if ml == 15 {
			for {
				if ip >= len(src) {
					return nil, errLZ4Corrupt
				}
				b := int(src[ip])
				ip++
				ml += b
				if ml > limit {
					return nil, errExpands(limit)
				}
				if b != 255 {
					break
				}
			}
		}
		ml += 4
		if ml > limit-len(dst) {
			return nil, errExpands(limit)
		}
		dst = appendMatch(dst, off, ml)
	}
}

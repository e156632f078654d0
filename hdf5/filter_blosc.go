package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/snappy"
)

// Blosc 1 (filter 32001, github.com/Blosc/hdf5-blosc). Client data: filter
// revision, Blosc version, element size, chunk size, then optionally the
// compression level, shuffle mode and compressor; decoding needs none of
// them: each chunk is one Blosc 1 buffer, which describes itself.
//
// A Blosc buffer (c-blosc, README_CHUNK_FORMAT) is a 16-byte header:
// format version (1 or 2), codec format version, flags, element size, and
// little-endian 32-bit decompressed size, block size and total buffer size.
// Flags: bit 0 byte shuffle, bit 1 stored as is (the data follows the
// header), bit 2 bit shuffle, bit 4 blocks not split, bits 5-7 the codec
// (0 BloscLZ, 1 LZ4/LZ4HC, 2 Snappy, 3 zlib, 4 zstd). Then one 32-bit
// offset per block, and at each offset the block's streams: a block is
// split in one stream per element byte (when the flags allow it, the
// element size is at most 16 and the block holds at least 128 elements;
// never for the last, partial block), each a 32-bit compressed size and
// the codec's data, or the stream as is when that size equals its
// decompressed size. Shuffles are undone per block.

func init() { registerFilter(FilterBlosc, decodeBloscFilter, 0) }

func decodeBloscFilter(src []byte, p *FilterParams) ([]byte, error) {
	return bloscDecompress(src, p.MaxSize, p.Dst)
}

const (
	bloscHeader       = 16
	bloscMaxSplits    = 16
	bloscMinBuffer    = 128
	bloscFlagShuffle  = 0x1
	bloscFlagMemcpy   = 0x2
	bloscFlagBitShuf  = 0x4
	bloscFlagNoSplit  = 0x10
	bloscMaxBlockSize = 1 << 30
)

var bloscCodecs = []string{"BloscLZ", "LZ4", "Snappy", "zlib", "zstd"}

func bloscDecompress(src []byte, limit int, dst []byte) ([]byte, error) {
	if len(src) < bloscHeader {
		return nil, fmt.Errorf("buffer of %d bytes is shorter than the 16-byte Blosc header", len(src))
	}
	version, flags, typesize := src[0], src[2], int(src[3])
	nbytes := int64(binary.LittleEndian.Uint32(src[4:]))
	blocksize := int64(binary.LittleEndian.Uint32(src[8:]))
	cbytes := int64(binary.LittleEndian.Uint32(src[12:]))
	if version == 0 || version > 2 {
		return nil, fmt.Errorf("blosc format version %d (Blosc 1 writes 1 and 2)", version)
	}
	if nbytes > int64(limit) {
		return nil, fmt.Errorf("header declares %d bytes, more than the chunk's %d", nbytes, limit)
	}
	if cbytes > int64(len(src)) || cbytes < bloscHeader {
		return nil, fmt.Errorf("header declares a %d-byte buffer, %d bytes stored", cbytes, len(src))
	}
	src = src[:cbytes]
	out := dst[:0]
	if int64(cap(out)) < nbytes {
		out = make([]byte, nbytes)
	}
	out = out[:nbytes]
	if nbytes == 0 {
		return out, nil
	}
	if flags&bloscFlagMemcpy != 0 {
		if cbytes != nbytes+bloscHeader {
			return nil, fmt.Errorf("stored-as-is buffer of %d bytes for %d bytes of data", cbytes, nbytes)
		}
		copy(out, src[bloscHeader:])
		return out, nil
	}
	if typesize == 0 || blocksize <= 0 || blocksize > nbytes || blocksize > bloscMaxBlockSize {
		return nil, fmt.Errorf("element size %d, block size %d for %d bytes", typesize, blocksize, nbytes)
	}
	codec := int(flags >> 5)
	if codec >= len(bloscCodecs) {
		return nil, fmt.Errorf("codec %d", codec)
	}
	nblocks := nbytes / blocksize
	leftover := nbytes % blocksize
	if leftover > 0 {
		nblocks++
	}
	if nblocks > (cbytes-bloscHeader)/4 {
		return nil, fmt.Errorf("%d blocks do not fit in a %d-byte buffer", nblocks, cbytes)
	}
	doShuffle := flags&bloscFlagShuffle != 0 && typesize > 1
	doBitShuffle := flags&bloscFlagBitShuf != 0
	tmp := make([]byte, blocksize)
	for j := int64(0); j < nblocks; j++ {
		bsize := blocksize
		last := j == nblocks-1 && leftover > 0
		if last {
			bsize = leftover
		}
		start := int64(binary.LittleEndian.Uint32(src[bloscHeader+4*j:]))
		blk := out[j*blocksize : j*blocksize+bsize]
		target := blk
		if doShuffle || (doBitShuffle && bsize >= int64(typesize)) {
			target = tmp[:bsize]
		}
		nsplits := int64(1)
		if flags&bloscFlagNoSplit == 0 && typesize <= bloscMaxSplits && blocksize/int64(typesize) >= bloscMinBuffer && !last {
			nsplits = int64(typesize)
		}
		neblock := bsize / nsplits
		off := start
		for s := int64(0); s < nsplits; s++ {
			if off < bloscHeader || off > cbytes-4 {
				return nil, fmt.Errorf("block %d: stream offset %d outside the %d-byte buffer", j, off, cbytes)
			}
			cb := int64(binary.LittleEndian.Uint32(src[off:]))
			off += 4
			if cb > cbytes-off {
				return nil, fmt.Errorf("block %d: stream of %d bytes, %d left", j, cb, cbytes-off)
			}
			part := target[s*neblock : (s+1)*neblock]
			in := src[off : off+cb]
			if cb == neblock {
				copy(part, in)
			} else if err := bloscCodec(codec, in, part); err != nil {
				return nil, fmt.Errorf("block %d: %s: %w", j, bloscCodecs[codec], err)
			}
			off += cb
		}
		switch {
		case doShuffle:
			unshuffleInto(target, blk, typesize)
		case doBitShuffle && bsize >= int64(typesize):
			n := int(bsize) / typesize
			if n%8 == 0 {
				bitUnshuffle(target[:n*typesize], blk[:n*typesize], n, typesize)
				copy(blk[n*typesize:], target[n*typesize:])
			} else {
				copy(blk, target)
			}
		}
	}
	return out, nil
}

// unshuffleInto undoes a byte shuffle of src into dst (same length).
func unshuffleInto(src, dst []byte, es int) {
	n := len(src) / es
	for j := 0; j < es; j++ {
		s := src[j*n : (j+1)*n]
		for i, b := range s {
			dst[i*es+j] = b
		}
	}
	copy(dst[n*es:], src[n*es:])
}

// bloscCodec decodes one stream into out, which it must fill exactly.
func bloscCodec(codec int, in, out []byte) error {
	var got []byte
	var err error
	switch codec {
	case 0:
		got, err = bloscLZ(in, out[:0], len(out))
	case 1:
		got, err = lz4Block(in, out[:0], len(out))
	case 2:
		var n int
		if n, err = snappy.DecodedLen(in); err == nil {
			if n != len(out) {
				return fmt.Errorf("stream decodes to %d bytes, expected %d", n, len(out))
			}
			got, err = snappy.Decode(out, in)
		}
	case 3:
		got, err = inflate(in, len(out), out[:0])
	case 4:
		got, err = zstdDecompress(in, len(out), out[:0])
	}
	if err != nil {
		return err
	}
	if len(got) != len(out) {
		return fmt.Errorf("stream decodes to %d bytes, expected %d", len(got), len(out))
	}
	if &got[0] != &out[0] {
		copy(out, got)
	}
	return nil
}

var errBloscLZCorrupt = errors.New("corrupt BloscLZ stream")

// bloscLZ appends the decoded form of one BloscLZ stream (a FastLZ
// variant) to dst, refusing to grow dst beyond limit bytes.
func bloscLZ(src, dst []byte, limit int) ([]byte, error) {
	const maxDistance = 8191
	if len(src) == 0 {
		return dst, nil
	}
	base := len(dst)
	ip := 0
	ctrl := int(src[ip] & 31)
	ip++
	for {
		if ctrl >= 32 {
			n := ctrl>>5 - 1
			ofs := (ctrl & 31) << 8
			if n == 6 {
				for {
					if ip+1 >= len(src) {
						return nil, errBloscLZCorrupt
					}
					code := int(src[ip])
					ip++
					n += code
					if n > limit {
						return nil, errExpands(limit)
					}
					if code != 255 {
						break
					}
				}
			} else if ip+1 >= len(src) {
				return nil, errBloscLZCorrupt
			}
			code := int(src[ip])
			ip++
			n += 3
			back := ofs + code + 1 // distance from the output end
			if code == 255 && ofs == 31<<8 {
				if ip+1 >= len(src) {
					return nil, errBloscLZCorrupt
				}
				ofs = int(src[ip])<<8 | int(src[ip+1])
				ip += 2
				back = ofs + maxDistance + 1
			}
			if n > limit-len(dst) {
				return nil, errExpands(limit)
			}
			if back > len(dst)-base {
				return nil, errBloscLZCorrupt
			}
			if ip >= len(src) {
				return dst, nil // as c-blosc: a trailing match is not copied
			}
			ctrl = int(src[ip])
			ip++
			dst = appendMatch(dst, back, n)
		} else {
			n := ctrl + 1
			if n > limit-len(dst) {
				return nil, errExpands(limit)
			}
			if ip+n > len(src) {
				return nil, errBloscLZCorrupt
			}
			dst = append(dst, src[ip:ip+n]...)
			ip += n
			if ip >= len(src) {
				return dst, nil
			}
			ctrl = int(src[ip])
			ip++
		}
	}
}

package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Scale-offset (filter 6, built into libhdf5; H5Zscaleoffset.c). The chunk
// starts with a 21-byte header: minbits (4 bytes, little endian), the byte
// count of minval (1 byte, at most 8 are used), minval (little endian).
// Then, unless minbits is 0 (every element equals minval) or the full
// width of the type (the values follow as they are), every element is
// minbits bits, most significant bit first, packed without padding. An
// integer element is minval plus that value, or the fill value when the
// value is all ones and a fill value is defined. A float element
// (decimal scaling, the only one libhdf5 implements) is value / 10^D + min,
// computed in the type's precision, where min is minval's bits read as a
// float of the type and the value is read as a signed integer of the
// type's size.
//
// Client data (20 values): [0] scale type (0 float D-scale, 1 float
// E-scale, 2 integer), [1] scale factor (D, or minbits for integers),
// [2] elements in the chunk, [3] class (0 integer, 1 float), [4] size,
// [5] sign (0 unsigned, 1 two's complement), [6] byte order (0 LE, 1 BE),
// [7] fill value defined (1), [8..] the fill value in the host order of the
// writer (the low bytes of [8] | [9]<<32; libhdf5 only runs on hosts of
// either order by converting; little-endian hosts wrote every file we know).

func init() { registerFilter(FilterScaleOffset, decodeScaleOffset, 0) }

const scaleOffsetHeader = 21

func decodeScaleOffset(src []byte, p *FilterParams) ([]byte, error) {
	cd := p.ClientData
	if len(cd) != 20 {
		return nil, fmt.Errorf("%d client data values, want 20", len(cd))
	}
	scaleType, scaleFactor := cd[0], int32(cd[1])
	n, class, size := uint64(cd[2]), cd[3], uint64(cd[4])
	signed, be, fillDefined := cd[5] == 1, cd[6] == 1, cd[7] == 1
	if cd[6] > 1 {
		return nil, fmt.Errorf("byte order %d", cd[6])
	}
	switch class {
	case 0:
		if size != 1 && size != 2 && size != 4 && size != 8 {
			return nil, fmt.Errorf("integer size %d", size)
		}
		if scaleType != 2 {
			return nil, fmt.Errorf("scale type %d for integers", scaleType)
		}
		if scaleFactor < 0 {
			scaleFactor = 0
		}
		if uint64(scaleFactor) > size*8 {
			return nil, fmt.Errorf("minimum bits %d exceed the %d-byte type", scaleFactor, size)
		}
		if uint64(scaleFactor) == size*8 {
			return src, nil // stored unchanged
		}
	case 1:
		if size != 4 && size != 8 {
			return nil, fmt.Errorf("float size %d", size)
		}
		if scaleType != 0 {
			return nil, fmt.Errorf("scale type %d for floats (only decimal scaling exists)", scaleType)
		}
	default:
		return nil, fmt.Errorf("datatype class %d", class)
	}
	total := n * size
	if total/size != n || total > uint64(p.MaxSize) {
		return nil, fmt.Errorf("%d elements of %d bytes exceed the chunk's %d bytes", n, size, p.MaxSize)
	}
	if len(src) < scaleOffsetHeader {
		return nil, fmt.Errorf("chunk of %d bytes is shorter than the %d-byte header", len(src), scaleOffsetHeader)
	}
	minbits := uint64(binary.LittleEndian.Uint32(src))
	var minval uint64
	for i := 0; i < min(int(src[4]), 8); i++ {
		minval |= uint64(src[5+i]) << (8 * i)
	}
	if minbits > size*8 {
		return nil, fmt.Errorf("minimum bits %d exceed the %d-byte type", minbits, size)
	}
	body := src[scaleOffsetHeader:]
	if need := (n*minbits + 7) / 8; uint64(len(body)) < need {
		return nil, fmt.Errorf("%d bytes of packed data, %d needed", len(body), need)
	}
	dst := p.Dst[:0]
	if uint64(cap(dst)) < total {
		dst = make([]byte, total)
	}
	dst = dst[:total]
	var order binary.ByteOrder = binary.LittleEndian
	if be {
		order = binary.BigEndian
	}
	put := func(i uint64, v uint64) {
		switch size {
		case 1:
			dst[i] = byte(v)
		case 2:
			order.PutUint16(dst[2*i:], uint16(v))
		case 4:
			order.PutUint32(dst[4*i:], uint32(v))
		default:
			order.PutUint64(dst[8*i:], v)
		}
	}
	if minbits == size*8 {
		for i := uint64(0); i < n; i++ {
			put(i, leUint(body[i*size:(i+1)*size]))
		}
		return dst, nil
	}
	mask := uint64(1)<<minbits - 1 // minbits < 64 here
	fill := uint64(cd[8]) | uint64(cd[9])<<32
	r := bitReader{b: body}
	next := func() uint64 {
		if minbits > 56 {
			hi := r.read(uint(minbits - 32))
			return hi<<32 | r.read(32)
		}
		return r.read(uint(minbits)) // 0 bits read as 0
	}
	bits := size * 8
	typeMask := ^uint64(0)
	if bits < 64 {
		typeMask = 1<<bits - 1
	}
	switch {
	case class == 0:
		for i := uint64(0); i < n; i++ {
			v := next()
			if fillDefined && v == mask {
				put(i, fill&typeMask)
			} else {
				put(i, (v+minval)&typeMask) // wraps like the C type
			}
		}
		_ = signed
	case size == 4:
		minf := math.Float32frombits(uint32(minval))
		scale := float32(math.Pow(10, float64(scaleFactor)))
		for i := uint64(0); i < n; i++ {
			v := next()
			var f float32
			if fillDefined && int32(uint32(v)) == int32(uint32(mask)) {
				f = math.Float32frombits(uint32(fill))
			} else {
				f = float32(int32(uint32(v)))/scale + minf
			}
			put(i, uint64(math.Float32bits(f)))
		}
	default:
		minf := math.Float64frombits(minval)
		scale := math.Pow(10, float64(scaleFactor))
		for i := uint64(0); i < n; i++ {
			v := next()
			var f float64
			if fillDefined && int64(v) == int64(mask) {
				f = math.Float64frombits(fill)
			} else {
				f = float64(int64(v))/scale + minf
			}
			put(i, math.Float64bits(f))
		}
	}
	if r.err {
		return nil, errors.New("packed data truncated")
	}
	return dst, nil
}

package hdf5

import (
	"errors"
	"fmt"
)

// N-bit (filter 5, built into libhdf5; H5Znbit.c). The chunk is one bit
// stream, most significant bit first, with no header. For every element,
// in order, each integer or float member contributes its precision
// significant bits (bits offset..offset+precision-1 of the value), most
// significant first; members of other classes ("no-op" types) contribute
// all their bytes, 8 bits each. Padding bits decode as zero.
//
// Client data (written by libhdf5 from the dataset's type): [0] number of
// values, [1] 1 when the data was stored unchanged, [2] elements in the
// chunk, then the type: class 1 (atomic): size, byte order (0 LE, 1 BE),
// precision, offset; class 2 (array): total size, then the base type;
// class 3 (compound): size, member count, then per member its offset and
// type; class 4 (no-op): size.

func init() { registerFilter(FilterNBit, decodeNBit, 0) }

const (
	nbitAtomic   = 1
	nbitArray    = 2
	nbitCompound = 3
	nbitNoop     = 4
)

// bitReader reads a stream most significant bit first.
type bitReader struct {
	b    []byte
	pos  int    // next byte
	acc  uint64 // pending bits: the low nacc bits
	nacc uint   // number of pending bits
	err  bool
}

// read returns the next n (<= 56) bits.
func (r *bitReader) read(n uint) uint64 {
	if r.nacc < n {
		for r.nacc <= 56 && r.pos < len(r.b) {
			r.acc = r.acc<<8 | uint64(r.b[r.pos])
			r.pos++
			r.nacc += 8
		}
		if r.nacc < n {
			r.err = true
			return 0
		}
	}
	r.nacc -= n
	return r.acc >> r.nacc & (1<<n - 1)
}

// readInto reads n bits (any number) and stores them, most significant
// first, into bits off+n-1 .. off of the element e (byte order be).
func (r *bitReader) readInto(e []byte, off, n uint, be bool) {
	size := uint(len(e))
	if size <= 8 && n <= 56 {
		v := r.read(n) << off
		for i := uint(0); i < size; i++ {
			b := byte(v >> (8 * i))
			if be {
				e[size-1-i] |= b
			} else {
				e[i] |= b
			}
		}
		return
	}
	for k := int(off + n - 1); k >= int(off); k-- {
		if r.read(1) != 0 {
			byteIdx := uint(k) / 8
			if be {
				byteIdx = size - 1 - byteIdx
			}
			e[byteIdx] |= 1 << (uint(k) % 8)
		}
	}
}

// nbitDecoder walks the type description in the client data.
type nbitDecoder struct {
	cd    []uint32
	r     bitReader
	depth int
}

var errNBitParams = errors.New("client data shorter than the datatype it describes")

func (d *nbitDecoder) need(idx, n int) error {
	if idx < 0 || idx+n > len(d.cd) {
		return errNBitParams
	}
	return nil
}

func (d *nbitDecoder) atomic(out []byte, idx int) (int, error) {
	if err := d.need(idx, 4); err != nil {
		return 0, err
	}
	size, order, prec, off := d.cd[idx], d.cd[idx+1], d.cd[idx+2], d.cd[idx+3]
	if size == 0 || uint64(size) > uint64(len(out)) || order > 1 || uint64(prec)+uint64(off) > uint64(size)*8 {
		return 0, fmt.Errorf("atomic member: size %d, order %d, precision %d, offset %d", size, order, prec, off)
	}
	d.r.readInto(out[:size], uint(off), uint(prec), order == 1)
	return idx + 4, nil
}

// one decodes one value of the type described at cd[idx] (class code
// first) into out (exactly the type's size) and returns the index after
// the description.
func (d *nbitDecoder) one(out []byte, idx int) (int, error) {
	if d.r.err {
		return 0, errTruncated
	}
	if err := d.need(idx, 2); err != nil {
		return 0, err
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > 32 {
		return 0, errors.New("datatype nested too deeply")
	}
	class, size := d.cd[idx], d.cd[idx+1]
	if uint64(size) != uint64(len(out)) {
		return 0, fmt.Errorf("type of %d bytes where %d are left", size, len(out))
	}
	switch class {
	case nbitAtomic:
		return d.atomic(out, idx+1)
	case nbitNoop:
		for i := range out {
			out[i] = byte(d.r.read(8))
		}
		return idx + 2, nil
	case nbitArray:
		if err := d.need(idx+2, 2); err != nil {
			return 0, err
		}
		base := d.cd[idx+3]
		if base == 0 || size%base != 0 {
			return 0, fmt.Errorf("array of %d bytes with %d-byte elements", size, base)
		}
		next := 0
		for i := uint32(0); i < size/base; i++ {
			var err error
			if next, err = d.one(out[i*base:(i+1)*base], idx+2); err != nil {
				return 0, err
			}
		}
		return next, nil
	case nbitCompound:
		if err := d.need(idx+2, 1); err != nil {
			return 0, err
		}
		nm := d.cd[idx+2]
		j := idx + 3
		used := uint64(0)
		for m := uint32(0); m < nm; m++ {
			if err := d.need(j, 3); err != nil {
				return 0, err
			}
			moff, msize := d.cd[j], d.cd[j+2]
			used += uint64(msize)
			if msize == 0 || used > uint64(size) || uint64(moff)+uint64(msize) > uint64(size) {
				return 0, fmt.Errorf("compound member at offset %d of %d bytes in a %d-byte type", moff, msize, size)
			}
			var err error
			if j, err = d.one(out[moff:moff+msize], j+1); err != nil {
				return 0, err
			}
		}
		return j, nil
	default:
		return 0, fmt.Errorf("datatype class code %d", class)
	}
}

func decodeNBit(src []byte, p *FilterParams) ([]byte, error) {
	cd := p.ClientData
	if len(cd) < 5 {
		return nil, fmt.Errorf("%d client data values, need at least 5", len(cd))
	}
	if int(cd[0]) != len(cd) {
		return nil, fmt.Errorf("client data says %d values, the message holds %d", cd[0], len(cd))
	}
	if cd[1] != 0 {
		return src, nil
	}
	n, size := uint64(cd[2]), uint64(cd[4])
	if size == 0 {
		return nil, errors.New("datatype size 0")
	}
	total := n * size
	if n != 0 && total/n != size || total > uint64(p.MaxSize) {
		return nil, fmt.Errorf("%d elements of %d bytes exceed the chunk's %d bytes", n, size, p.MaxSize)
	}
	dst := p.Dst[:0]
	if uint64(cap(dst)) < total {
		dst = make([]byte, total)
	}
	dst = dst[:total]
	clear(dst)
	d := nbitDecoder{cd: cd, r: bitReader{b: src}}
	if cd[3] != nbitAtomic && cd[3] != nbitArray && cd[3] != nbitCompound {
		return nil, fmt.Errorf("datatype class code %d", cd[3])
	}
	if cd[3] == nbitAtomic && len(cd) >= 8 && size <= 8 && cd[6] <= 56 && cd[5] <= 1 &&
		uint64(cd[6])+uint64(cd[7]) <= size*8 {
		// the common case: one integer or float per element
		be, prec, off := cd[5] == 1, uint(cd[6]), uint(cd[7])
		r := &d.r
		for i := uint64(0); i < n; i++ {
			v := r.read(prec) << off
			e := dst[i*size : (i+1)*size]
			for k := uint64(0); k < size; k++ {
				if be {
					e[size-1-k] = byte(v >> (8 * k))
				} else {
					e[k] = byte(v >> (8 * k))
				}
			}
		}
		if r.err {
			return nil, fmt.Errorf("%d elements: %w", n, errTruncated)
		}
		return dst, nil
	}
	for i := uint64(0); i < n; i++ {
		if _, err := d.one(dst[i*size:(i+1)*size], 3); err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		if d.r.err {
			return nil, fmt.Errorf("element %d: %w", i, errTruncated)
		}
	}
	return dst, nil
}

package hdf5

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zlib"
)

var zlibPool sync.Pool // of io.ReadCloser implementing zlib.Resetter

// inflate decompresses a zlib stream, refusing output larger than limit.
func inflate(src []byte, limit int, dst []byte) ([]byte, error) {
	br := bytes.NewReader(src)
	var zr io.ReadCloser
	if v := zlibPool.Get(); v != nil {
		zr = v.(io.ReadCloser)
		if err := zr.(zlib.Resetter).Reset(br, nil); err != nil {
			return nil, fmt.Errorf("deflate: %w", err)
		}
	} else {
		var err error
		if zr, err = zlib.NewReader(br); err != nil {
			return nil, fmt.Errorf("deflate: %w", err)
		}
	}
	defer zlibPool.Put(zr)
	if cap(dst) < limit+1 {
		dst = make([]byte, limit+1)
	}
	dst = dst[:limit+1]
	n, err := io.ReadFull(zr, dst)
	switch {
	case err == nil:
		return nil, fmt.Errorf("deflate: data expands beyond the chunk size %d", limit)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return dst[:n], nil
	default:
		return nil, fmt.Errorf("deflate: %w", err)
	}
}

func unshuffle(src []byte, esize int, dst []byte) []byte {
	if esize <= 1 || len(src) < esize {
		return src
	}
	if cap(dst) < len(src) {
		dst = make([]byte, len(src))
	}
	dst = dst[:len(src)]
	n := len(src) / esize
	for j := 0; j < esize; j++ {
		s := src[j*n : (j+1)*n]
		for i, b := range s {
			dst[i*esize+j] = b
		}
	}
	copy(dst[n*esize:], src[n*esize:])
	return dst
}

func checkFletcher(b []byte) ([]byte, error) {
	if len(b) < 4 {
		return nil, errors.New("fletcher32: chunk shorter than its checksum")
	}
	n := len(b) - 4
	stored := binary.LittleEndian.Uint32(b[n:])
	sum := fletcher32(b[:n])
	if stored != sum {
		// files from some old library versions store the bytes swapped
		rev := sum>>24 | (sum>>8)&0xff00 | (sum<<8)&0xff0000 | sum<<24
		if stored != rev {
			return nil, fmt.Errorf("fletcher32: %w (stored 0x%08x, computed 0x%08x)", errChecksum, stored, sum)
		}
	}
	return b[:n], nil
}

// unsupportedFilter returns the error for a filter we cannot decode.
func unsupportedFilter(fl Filter) error {
	name := fl.Name
	if name == "" {
		name = "unknown"
	}
	return fmt.Errorf("%w: filter %d (%s) is not supported; re-save the file with gzip compression (h5repack -f GZIP=4)", ErrUnsupportedFilter, fl.ID, name)
}

// checkFilters reports an unsupported filter in the pipeline.
func (d *dsInfo) checkFilters() error {
	for _, fl := range d.filters {
		switch fl.ID {
		case 1, 2, 3:
		default:
			return unsupportedFilter(fl)
		}
	}
	return nil
}

// unfilter reverses the filter pipeline on one chunk. limit caps the size
// of any intermediate result.
func (d *dsInfo) unfilter(buf []byte, mask uint32, limit int, scratch *[2][]byte) ([]byte, error) {
	k := 0
	for i := len(d.filters) - 1; i >= 0; i-- {
		if i < 32 && mask&(1<<uint(i)) != 0 {
			continue
		}
		fl := d.filters[i]
		which := k & 1
		if fl.ID == 1 || fl.ID == 2 {
			k++
		}
		switch fl.ID {
		case 1:
			out, err := inflate(buf, limit, scratch[which])
			if err != nil {
				return nil, err
			}
			if cap(out) > cap(scratch[which]) {
				scratch[which] = out[:0]
			}
			buf = out
		case 2:
			es := d.dt.Size
			if len(fl.Params) > 0 && fl.Params[0] > 0 {
				es = int(fl.Params[0])
			}
			out := unshuffle(buf, es, scratch[which])
			if cap(out) > cap(scratch[which]) {
				scratch[which] = out[:0]
			}
			buf = out
		case 3:
			var err error
			if buf, err = checkFletcher(buf); err != nil {
				return nil, err
			}
		default:
			return nil, unsupportedFilter(fl)
		}
	}
	return buf, nil
}

// inflateExact decompresses a zlib stream that must produce exactly
// len(out) bytes into out.
func inflateExact(src, out []byte) error {
	br := bytes.NewReader(src)
	var zr io.ReadCloser
	if v := zlibPool.Get(); v != nil {
		zr = v.(io.ReadCloser)
		if err := zr.(zlib.Resetter).Reset(br, nil); err != nil {
			return fmt.Errorf("deflate: %w", err)
		}
	} else {
		var err error
		if zr, err = zlib.NewReader(br); err != nil {
			return fmt.Errorf("deflate: %w", err)
		}
	}
	defer zlibPool.Put(zr)
	n, err := io.ReadFull(zr, out)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fmt.Errorf("chunk decodes to %d bytes, expected %d", n, len(out))
		}
		return fmt.Errorf("deflate: %w", err)
	}
	var one [1]byte
	m, err := zr.Read(one[:])
	if m != 0 {
		return fmt.Errorf("deflate: data expands beyond the chunk size %d", len(out))
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("deflate: %w", err)
	}
	return nil
}

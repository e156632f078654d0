package hdf5

import "errors"

// LZF (h5py's filter 32000): each chunk is one header-less liblzf block.
// Client data: filter revision, LZF version, chunk size in bytes.

func init() { registerFilter(FilterLZF, decodeLZF, 300) }

func decodeLZF(src []byte, p *FilterParams) ([]byte, error) {
	n := p.MaxSize
	if len(p.ClientData) > 2 && p.ClientData[2] > 0 && int64(p.ClientData[2]) < int64(n) {
		n = int(p.ClientData[2])
	}
	dst := p.Dst[:0]
	if cap(dst) < n {
		dst = make([]byte, 0, n)
	}
	out, err := lzfDecompress(src, dst[:0], p.MaxSize)
	if err != nil {
		return nil, err
	}
	return out, nil
}

var errLZFCorrupt = errors.New("corrupt LZF data")

// lzfDecompress appends the decompressed form of one liblzf block to dst,
// refusing more than limit output bytes.
func lzfDecompress(src, dst []byte, limit int) ([]byte, error) {
	if len(src) == 0 {
		return nil, errors.New("empty LZF block")
	}
	ip := 0
	for ip < len(src) {
		ctrl := int(src[ip])
		ip++
		if ctrl < 32 { // literal run of ctrl+1 bytes
			n := ctrl + 1
			if ip+n > len(src) {
				return nil, errLZFCorrupt
			}
			if len(dst)+n > limit {
				return nil, errExpands(limit)
			}
			dst = append(dst, src[ip:ip+n]...)
			ip += n
			continue
		}
		n := ctrl >> 5
		back := (ctrl&0x1f)<<8 + 1
		if ip >= len(src) {
			return nil, errLZFCorrupt
		}
		if n == 7 {
			n += int(src[ip])
			ip++
			if ip >= len(src) {
				return nil, errLZFCorrupt
			}
		}
		back += int(src[ip])
		ip++
		n += 2
		if len(dst)+n > limit {
			return nil, errExpands(limit)
		}
		if back > len(dst) {
			return nil, errLZFCorrupt
		}
		dst = appendMatch(dst, back, n)
	}
	return dst, nil
}

// appendMatch appends n bytes copied from back bytes before the end of
// dst, byte by byte semantics (the source may overlap the output).
func appendMatch(dst []byte, back, n int) []byte {
	start := len(dst) - back
	if back >= n {
		return append(dst, dst[start:start+n]...)
	}
	for n > 0 {
		k := min(n, len(dst)-start)
		dst = append(dst, dst[start:start+k]...)
		n -= k
	}
	return dst
}

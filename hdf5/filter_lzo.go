package hdf5

import (
	"encoding/binary"
	"errors"
)

// LZO (filter 305, PyTables' H5Zlzo.c): each chunk is one LZO1X stream
// (lzo1x_1 output, decoded by lzo1x_decompress_safe), with no header;
// PyTables compiles its optional checksum trailer out. Client data:
// compression level, object version, object type (informative).
//
// LZO1X stream (as described in the Linux kernel's Documentation/staging/
// lzo.rst): a first byte above 17 is a literal run of (byte-17) bytes.
// Then instructions; S (the low 2 bits of the instruction's last distance
// byte) is the number of literals that follow a match:
//
//	0000LLLL after a match without literals: 3+L literals (L=0: 15 plus
//	         255 per zero byte plus the next byte);
//	0000DDSS after 1-3 trailing literals: 2 bytes at distance (H<<2)+D+1;
//	         after a literal run: 3 bytes at distance (H<<2)+D+2049
//	         (H the next byte);
//	0001HLLL 2+L bytes (L=0: 7+...) at distance 16384+(H<<14)+D, D and S in
//	         the next little-endian 16 bits (D<<2|S); distance 16384 ends
//	         the stream;
//	001LLLLL 2+L bytes (L=0: 31+...) at distance D+1, D and S as above;
//	01LDDDSS 3+L bytes at distance (H<<3)+D+1;
//	1LLDDDSS 5+L bytes at distance (H<<3)+D+1.

func init() { registerFilter(FilterLZO, decodeLZO, 300) }

func decodeLZO(src []byte, p *FilterParams) ([]byte, error) {
	dst := p.Dst[:0]
	if cap(dst) < min(p.MaxSize, 4*len(src)+64) {
		dst = make([]byte, 0, min(p.MaxSize, 4*len(src)+64))
	}
	return lzo1xDecompress(src, dst, p.MaxSize)
}

var errLZOCorrupt = errors.New("corrupt LZO1X stream")

func lzo1xDecompress(src, dst []byte, limit int) ([]byte, error) {
	ip := 0
	get := func() (int, bool) {
		if ip >= len(src) {
			return 0, false
		}
		ip++
		return int(src[ip-1]), true
	}
	// length extension: zero bytes add 255 each, then base + next byte
	ext := func(base int) (int, bool) {
		n := 0
		for {
			b, ok := get()
			if !ok {
				return 0, false
			}
			if b != 0 {
				return n + base + b, true
			}
			n += 255
			if n > limit {
				return 0, false
			}
		}
	}
	lits := func(n int) error {
		if n > len(src)-ip {
			return errLZOCorrupt
		}
		if n > limit-len(dst) {
			return errExpands(limit)
		}
		dst = append(dst, src[ip:ip+n]...)
		ip += n
		return nil
	}
	match := func(dist, n int) error {
		if dist <= 0 || dist > len(dst) {
			return errLZOCorrupt
		}
		if n > limit-len(dst) {
			return errExpands(limit)
		}
		dst = appendMatch(dst, dist, n)
		return nil
	}
	state := 0 // literals copied by the last instruction: 0, 1-3, or 4 (a run)
	if len(src) > 0 && src[0] > 17 {
		ip = 1
		t := int(src[0]) - 17
		if err := lits(t); err != nil {
			return nil, err
		}
		state = min(t, 4)
	}
	for {
		t, ok := get()
		if !ok {
			return nil, errLZOCorrupt
		}
		var s int
		switch {
		case t < 16 && state == 0: // literal run
			n := t + 3
			if t == 0 {
				if n, ok = ext(15); !ok {
					return nil, errLZOCorrupt
				}
				n += 3
			}
			if err := lits(n); err != nil {
				return nil, err
			}
			state = 4
			continue
		case t < 16:
			h, ok := get()
			if !ok {
				return nil, errLZOCorrupt
			}
			dist, n := h<<2+t>>2+1, 2
			if state == 4 {
				dist, n = h<<2+t>>2+2049, 3
			}
			if err := match(dist, n); err != nil {
				return nil, err
			}
			s = t & 3
		case t >= 64:
			h, ok := get()
			if !ok {
				return nil, errLZOCorrupt
			}
			if err := match(h<<3+(t>>2)&7+1, t>>5+1); err != nil {
				return nil, err
			}
			s = t & 3
		default: // 16..63
			var n int
			if t >= 32 {
				n = t & 31
				if n == 0 {
					if n, ok = ext(31); !ok {
						return nil, errLZOCorrupt
					}
				}
			} else {
				n = t & 7
				if n == 0 {
					if n, ok = ext(7); !ok {
						return nil, errLZOCorrupt
					}
				}
			}
			if ip+2 > len(src) {
				return nil, errLZOCorrupt
			}
			d := int(binary.LittleEndian.Uint16(src[ip:]))
			ip += 2
			s = d & 3
			dist := d>>2 + 1
			if t < 32 {
				dist = (t&8)<<11 + d>>2
				if dist == 0 { // end of stream
					if ip != len(src) {
						return nil, errors.New("data after the end of the LZO1X stream")
					}
					return dst, nil
				}
				dist += 0x4000
			}
			if err := match(dist, n+2); err != nil {
				return nil, err
			}
		}
		if err := lits(s); err != nil {
			return nil, err
		}
		state = s
	}
}

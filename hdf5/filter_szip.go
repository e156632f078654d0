package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// SZIP (filter 4): the CCSDS 121.0-B adaptive entropy coder (Rice coding
// with a unit-delay predictor), in the form libaec's SZIP-compatible
// interface (sz_compat.c) and libhdf5's H5Zszip.c use it. The chunk starts
// with its decompressed size (4 bytes, little endian), then the coded
// stream. Client data: options mask, pixels per block, bits per pixel,
// pixels per scanline.
//
// The stream is a sequence of reference sample intervals (RSI) of
// ceil(pixels per scanline / pixels per block) blocks. Each block starts
// with an identifier of 3 (samples up to 8 bits), 4 (up to 16) or 5 bits:
// all ones: the block's samples follow as they are; k+1: "split sample":
// the high parts of the samples as fundamental sequence codes (n zeros and
// a one for the value n), then the k low bits of each; 0: a further bit
// chooses a run of zero blocks (its length coded as a fundamental
// sequence; 5 means to the end of the 64-block segment or of the RSI) or
// the second extension (pairs of samples coded together). With the
// predictor (option NN) the first block of each RSI holds a reference
// sample (right after the identifier) and the other values are mapped
// prediction residuals. Samples of 32 or 64 bits are coded as 8-bit
// samples of the buffer with its bytes grouped by position (byte 0 of
// every element, then byte 1, ...); scanlines whose length is not a
// multiple of the block size are padded to whole blocks.

func init() { registerFilter(FilterSZIP, decodeSZIP, 0) }

const (
	szOptMSB   = 16
	szOptNN    = 32
	aecSETable = 90
	aecMaxRSI  = 4096
)

func decodeSZIP(src []byte, p *FilterParams) ([]byte, error) {
	cd := p.ClientData
	if len(cd) < 4 {
		return nil, fmt.Errorf("%d client data values, need 4", len(cd))
	}
	mask, ppb, bpp, ppsl := cd[0], int(cd[1]), int(cd[2]), int(cd[3])
	if ppb < 2 || ppb > 64 || ppb%2 != 0 {
		return nil, fmt.Errorf("%d pixels per block", ppb)
	}
	if !(bpp >= 1 && bpp <= 24 || bpp == 32 || bpp == 64) {
		return nil, fmt.Errorf("%d bits per pixel", bpp)
	}
	if ppsl <= 0 || (ppsl+ppb-1)/ppb > aecMaxRSI {
		return nil, fmt.Errorf("%d pixels per scanline", ppsl)
	}
	if len(src) < 4 {
		return nil, fmt.Errorf("chunk of %d bytes is shorter than its size field", len(src))
	}
	destLen := int64(binary.LittleEndian.Uint32(src))
	if destLen > int64(p.MaxSize) {
		return nil, fmt.Errorf("size field declares %d bytes, more than the chunk's %d", destLen, p.MaxSize)
	}
	a := aecDecoder{in: src[4:], J: ppb, rsi: (ppsl + ppb - 1) / ppb, pp: mask&szOptNN != 0, msb: mask&szOptMSB != 0}
	deinterleave := bpp == 32 || bpp == 64
	a.n = uint(bpp)
	if deinterleave {
		a.n = 8
	}
	a.setup()
	pixel := int64(a.bps)
	padScanline := ppsl%ppb != 0
	bufSize := destLen
	var scanlines int64
	if padScanline {
		scanlines = (destLen/pixel + int64(ppsl) - 1) / int64(ppsl)
		bufSize = int64(a.rsi*a.J) * pixel * scanlines
		if bufSize > 4*destLen+1<<20 {
			return nil, fmt.Errorf("%d pixels per scanline padded to %d", ppsl, a.rsi*a.J)
		}
	}
	if bufSize%pixel != 0 {
		return nil, fmt.Errorf("%d bytes is not a whole number of %d-byte samples", bufSize, pixel)
	}
	dst := p.Dst[:0]
	if int64(cap(dst)) < destLen {
		dst = make([]byte, destLen)
	}
	dst = dst[:destLen]
	buf := dst
	if padScanline || deinterleave {
		buf = make([]byte, bufSize)
	}
	if err := a.decode(buf); err != nil {
		return nil, err
	}
	if padScanline {
		line := int64(ppsl) * pixel
		padded := int64(a.rsi*a.J) * pixel
		for i := int64(0); i < scanlines; i++ {
			copy(buf[i*line:(i+1)*line], buf[i*padded:i*padded+line])
		}
		if total := scanlines * line; total < destLen {
			return nil, fmt.Errorf("stream holds %d bytes, %d declared", total, destLen)
		}
	}
	switch {
	case deinterleave:
		w := int64(bpp / 8)
		n := destLen / w
		for i := int64(0); i < n; i++ {
			for j := int64(0); j < w; j++ {
				dst[i*w+j] = buf[j*n+i]
			}
		}
	case padScanline:
		copy(dst, buf)
	}
	return dst, nil
}

// aecDecoder decodes a CCSDS 121.0 stream of unsigned samples.
type aecDecoder struct {
	in    []byte
	pos   int
	acc   uint64
	nacc  uint
	n     uint // bits per sample
	J     int  // samples per block
	rsi   int  // blocks per reference sample interval
	pp    bool // predictor used: reference samples and mapped residuals
	msb   bool // samples stored big endian
	bps   int  // bytes per output sample
	idLen uint
}

var errAECTruncated = errors.New("SZIP stream ends early")

func (a *aecDecoder) setup() {
	switch {
	case a.n > 16:
		a.bps, a.idLen = 4, 5
	case a.n > 8:
		a.bps, a.idLen = 2, 4
	default:
		a.bps, a.idLen = 1, 3
	}
}

// refill tops the accumulator up to at least 57 bits, or to the end of
// the input.
func (a *aecDecoder) refill() {
	for a.nacc <= 56 && a.pos < len(a.in) {
		a.acc = a.acc<<8 | uint64(a.in[a.pos])
		a.pos++
		a.nacc += 8
	}
}

// bits returns the next n (<= 32) bits, most significant first.
func (a *aecDecoder) bits(n uint) (uint32, error) {
	if a.nacc < n {
		a.refill()
		if a.nacc < n {
			return 0, errAECTruncated
		}
	}
	a.nacc -= n
	return uint32(a.acc >> a.nacc & (1<<n - 1)), nil
}

// fs reads a fundamental sequence code: the number of zeros before a one.
func (a *aecDecoder) fs() (uint32, error) {
	var v uint32
	for {
		if a.nacc == 0 {
			a.refill()
			if a.nacc == 0 {
				return 0, errAECTruncated
			}
		}
		x := a.acc & (1<<a.nacc - 1)
		if x == 0 {
			v += uint32(a.nacc)
			a.nacc = 0
			if v > 1<<24 {
				return 0, errors.New("SZIP fundamental sequence code too long")
			}
			continue
		}
		z := a.nacc - uint(bits.Len64(x)) // zeros before the one
		v += uint32(z)
		a.nacc -= z + 1
		return v, nil
	}
}

// decode fills out with samples (len(out) a multiple of bps).
func (a *aecDecoder) decode(out []byte) error {
	total := len(out) / a.bps
	rsiSize := a.rsi * a.J
	buf := make([]uint32, rsiSize)
	xmax := uint32(1<<a.n - 1)
	idAll := uint32(1)<<a.idLen - 1
	written := 0
	for written < total {
		used := 0
		for used < rsiSize && written+used < total {
			id, err := a.bits(a.idLen)
			if err != nil {
				return fmt.Errorf("sample %d: %w", written+used, err)
			}
			ref := 0
			if a.pp && used == 0 {
				ref = 1
			}
			switch {
			case id == idAll: // uncompressed
				for i := 0; i < a.J; i++ {
					if buf[used], err = a.bits(a.n); err != nil {
						return err
					}
					used++
				}
			case id == 0:
				sel, err := a.bits(1)
				if err != nil {
					return err
				}
				if ref == 1 {
					if buf[used], err = a.bits(a.n); err != nil {
						return err
					}
					used++
				}
				if sel == 1 { // second extension
					for i := ref; i < a.J; {
						m, err := a.fs()
						if err != nil {
							return err
						}
						if m > aecSETable {
							return fmt.Errorf("sample %d: second-extension code %d", written+used, m)
						}
						beta, ms := seRow(m)
						d1 := m - ms
						if i&1 == 0 {
							buf[used] = beta - d1
							used++
							i++
						}
						buf[used] = d1
						used++
						i++
					}
				} else { // zero blocks
					f, err := a.fs()
					if err != nil {
						return err
					}
					zb := int64(f) + 1
					if zb == 5 {
						b := int64(used / a.J)
						zb = min(int64(a.rsi)-b, 64-b%64)
					} else if zb > 5 {
						zb--
					}
					zs := zb*int64(a.J) - int64(ref)
					if zs > int64(rsiSize-used) || zs < 0 {
						return fmt.Errorf("sample %d: %d zero blocks overrun the interval", written+used, zb)
					}
					clear(buf[used : used+int(zs)])
					used += int(zs)
				}
			default: // split sample, k low bits
				k := uint(id - 1)
				if ref == 1 {
					if buf[used], err = a.bits(a.n); err != nil {
						return err
					}
					used++
				}
				cnt := a.J - ref
				for i := 0; i < cnt; i++ {
					f, err := a.fs()
					if err != nil {
						return err
					}
					buf[used+i] = f << k
				}
				if k > 0 {
					for i := 0; i < cnt; i++ {
						lo, err := a.bits(k)
						if err != nil {
							return err
						}
						buf[used+i] += lo
					}
				}
				used += cnt
			}
		}
		// flush the interval (or as much of it as the output takes)
		n := min(used, total-written)
		if a.pp && n > 0 {
			data := buf[0] & xmax
			a.put(out, written, data)
			med := xmax/2 + 1
			for i := 1; i < n; i++ {
				d := buf[i]
				half := d>>1 + d&1
				mask := uint32(0)
				if data&med != 0 {
					mask = xmax
				}
				if half <= mask^data {
					if d&1 == 0 {
						data += d >> 1
					} else {
						data -= d>>1 + 1
					}
				} else {
					data = mask ^ d
				}
				data &= xmax
				a.put(out, written+i, data)
			}
		} else {
			for i := 0; i < n; i++ {
				a.put(out, written+i, buf[i])
			}
		}
		written += n
	}
	return nil
}

// seRow returns, for a second-extension code m, its row (the sum of the
// pair) and the first code of that row.
func seRow(m uint32) (beta, first uint32) {
	for beta = 0; ; beta++ {
		if m < first+beta+1 {
			return beta, first
		}
		first += beta + 1
	}
}

func (a *aecDecoder) put(out []byte, i int, v uint32) {
	o := out[i*a.bps : (i+1)*a.bps]
	switch {
	case a.bps == 1:
		o[0] = byte(v)
	case a.msb && a.bps == 2:
		binary.BigEndian.PutUint16(o, uint16(v))
	case a.bps == 2:
		binary.LittleEndian.PutUint16(o, uint16(v))
	case a.msb:
		binary.BigEndian.PutUint32(o, v)
	default:
		binary.LittleEndian.PutUint32(o, v)
	}
}

package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// undef is the normalised "undefined address" (all bits set in the file).
const undef = ^uint64(0)

var (
	errTruncated = errors.New("structure truncated or field out of bounds")
	errChecksum  = errors.New("checksum mismatch")
)

// cursor is a bounds-checked little-endian reader over a byte slice. Any
// out-of-range access sets a sticky error and yields zero values, so parsing
// code never indexes out of bounds; callers check c.err.
type cursor struct {
	b     []byte
	off   int
	err   error
	osize int // size of offsets (addresses)
	lsize int // size of lengths
}

func newCursor(b []byte, osize, lsize int) *cursor {
	return &cursor{b: b, osize: osize, lsize: lsize}
}

func (c *cursor) fail() {
	if c.err == nil {
		c.err = errTruncated
	}
	c.off = len(c.b)
}

func (c *cursor) remaining() int {
	if c.off >= len(c.b) {
		return 0
	}
	return len(c.b) - c.off
}

func (c *cursor) bytes(n int) []byte {
	if n < 0 || c.err != nil || n > c.remaining() {
		c.fail()
		return nil
	}
	b := c.b[c.off : c.off+n]
	c.off += n
	return b
}

func (c *cursor) skip(n int) { c.bytes(n) }

func (c *cursor) u8() uint8 {
	b := c.bytes(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (c *cursor) u16() uint16 {
	b := c.bytes(2)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(b)
}

func (c *cursor) u32() uint32 {
	b := c.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (c *cursor) u64() uint64 {
	b := c.bytes(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// uN reads an n-byte little-endian unsigned integer (n in 0..8).
func (c *cursor) uN(n int) uint64 {
	if n < 0 || n > 8 {
		c.fail()
		return 0
	}
	b := c.bytes(n)
	if b == nil {
		return 0
	}
	return leUint(b)
}

// addr reads a file address; all-ones is returned as undef.
func (c *cursor) addr() uint64 {
	b := c.bytes(c.osize)
	if b == nil {
		return undef
	}
	return addrFrom(b)
}

func (c *cursor) length() uint64 { return c.uN(c.lsize) }

// cstring reads a NUL-terminated string (the NUL is consumed).
func (c *cursor) cstring() string {
	if c.err != nil {
		return ""
	}
	for i := c.off; i < len(c.b); i++ {
		if c.b[i] == 0 {
			s := string(c.b[c.off:i])
			c.off = i + 1
			return s
		}
	}
	c.fail()
	return ""
}

func leUint(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func addrFrom(b []byte) uint64 {
	all := true
	for _, x := range b {
		if x != 0xff {
			all = false
			break
		}
	}
	if all {
		return undef
	}
	return leUint(b)
}

// mulCheck multiplies with overflow detection.
func mulCheck(a, b uint64) (uint64, bool) {
	hi, lo := bits.Mul64(a, b)
	return lo, hi == 0
}

func addCheck(a, b uint64) (uint64, bool) {
	s, carry := bits.Add64(a, b, 0)
	return s, carry == 0
}

// product returns the product of dims, ok=false on overflow.
func product(d []uint64) (uint64, bool) {
	p := uint64(1)
	for _, x := range d {
		var ok bool
		if p, ok = mulCheck(p, x); !ok {
			return 0, false
		}
	}
	return p, true
}

// bytesFor returns the number of bytes needed to encode v (at least 1),
// like libhdf5's H5VM_limit_enc_size: log2(v)/8 + 1.
func limitEncSize(v uint64) int {
	l := 0
	if v > 0 {
		l = bits.Len64(v) - 1
	}
	return l/8 + 1
}

// lookup3 is Bob Jenkins' hashlittle as used for HDF5 metadata checksums.
func lookup3(k []byte, initval uint32) uint32 {
	length := uint32(len(k))
	a := 0xdeadbeef + length + initval
	b, c := a, a
	rot := bits.RotateLeft32
	for len(k) > 12 {
		a += binary.LittleEndian.Uint32(k[0:])
		b += binary.LittleEndian.Uint32(k[4:])
		c += binary.LittleEndian.Uint32(k[8:])
		a -= c
		a ^= rot(c, 4)
		c += b
		b -= a
		b ^= rot(a, 6)
		a += c
		c -= b
		c ^= rot(b, 8)
		b += a
		a -= c
		a ^= rot(c, 16)
		c += b
		b -= a
		b ^= rot(a, 19)
		a += c
		c -= b
		c ^= rot(b, 4)
		b += a
		k = k[12:]
	}
	if len(k) == 0 {
		return c
	}
	var tail [12]byte
	copy(tail[:], k)
	a += binary.LittleEndian.Uint32(tail[0:])
	b += binary.LittleEndian.Uint32(tail[4:])
	c += binary.LittleEndian.Uint32(tail[8:])
	c ^= b
	c -= rot(b, 14)
	a ^= c
	a -= rot(c, 11)
	b ^= a
	b -= rot(a, 25)
	c ^= b
	c -= rot(b, 16)
	a ^= c
	a -= rot(c, 4)
	b ^= a
	b -= rot(a, 14)
	c ^= b
	c -= rot(b, 24)
	return c
}

// verifyChecksum checks that the last 4 bytes of b are the lookup3 checksum
// of the bytes before them.
func verifyChecksum(b []byte) error {
	if len(b) < 4 {
		return errTruncated
	}
	n := len(b) - 4
	want := binary.LittleEndian.Uint32(b[n:])
	if got := lookup3(b[:n], 0); got != want {
		return fmt.Errorf("%w (stored 0x%08x, computed 0x%08x)", errChecksum, want, got)
	}
	return nil
}

// fletcher32 is HDF5's Fletcher-32 over big-endian 16-bit words.
func fletcher32(data []byte) uint32 {
	var sum1, sum2 uint32
	n := len(data) / 2
	i := 0
	for n > 0 {
		t := n
		if t > 360 {
			t = 360
		}
		n -= t
		for ; t > 0; t-- {
			sum1 += uint32(data[i])<<8 | uint32(data[i+1])
			i += 2
			sum2 += sum1
		}
		sum1 = (sum1 & 0xffff) + (sum1 >> 16)
		sum2 = (sum2 & 0xffff) + (sum2 >> 16)
	}
	if len(data)%2 == 1 {
		sum1 += uint32(data[len(data)-1]) << 8
		sum2 += sum1
		sum1 = (sum1 & 0xffff) + (sum1 >> 16)
		sum2 = (sum2 & 0xffff) + (sum2 >> 16)
	}
	sum1 = (sum1 & 0xffff) + (sum1 >> 16)
	sum2 = (sum2 & 0xffff) + (sum2 >> 16)
	return sum2<<16 | sum1
}

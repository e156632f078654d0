// Package inflate decodes zlib (RFC 1950) and raw deflate (RFC 1951)
// streams whose decoded size is known in advance, straight into a
// caller-sized buffer.
//
// It is made for HDF5 chunks: the reader always knows how many bytes a
// chunk decodes to, so the whole output can be the history window. There
// is no 32 KiB ring buffer, no io.Reader and no copying out; a match is
// copied from the output itself. The decoder reads the input 64 bits at a
// time into a bit buffer, resolves most codes with one table lookup (11
// bits for literals/lengths, 8 for distances, with subtables for longer
// codes) and decodes several literals per refill, in the manner of
// libdeflate. On amd64 CPUs with BMI1, BMI2 and SSSE3 the hot loop of
// Huffman blocks runs in assembly (fast_amd64.s, chosen at run time), and
// the zlib Adler-32 checksum is computed 64 bytes per step in assembly
// (AVX2 on amd64 CPUs that have it, NEON on arm64); elsewhere, and with the
// purego build tag, the same loops run in Go.
//
// Accept/reject decisions follow Go's compress/flate and compress/zlib: a
// stream either decodes to the same bytes as with the standard library or
// is refused (the standard library refuses it, or the output would not fit
// in dst). Bytes after the end of a stream are ignored. Decoding never
// panics and never writes outside dst; on error the contents of dst are
// unspecified.
//
// Errors are *Error values (with the byte offset in src where the problem
// was found) that match one of the sentinels ErrCorrupt, ErrTruncated,
// ErrTooLong, ErrChecksum, ErrHeader or ErrDictionary with errors.Is.
package inflate

import (
	"encoding/binary"
	"errors"
	"strconv"
	"sync"
)

// Sentinel errors; every error returned by this package matches exactly
// one of them with errors.Is.
var (
	// ErrCorrupt: the deflate data is invalid (bad block type, invalid
	// code lengths or Huffman code, a distance before the start of the
	// output, a stored block's length check).
	ErrCorrupt = errors.New("corrupt deflate data")
	// ErrTruncated: the input ends before the stream does.
	ErrTruncated = errors.New("truncated stream")
	// ErrTooLong: the stream decodes to more than len(dst) bytes.
	ErrTooLong = errors.New("output longer than the destination")
	// ErrChecksum: the zlib stream's Adler-32 does not match its data.
	ErrChecksum = errors.New("adler32 checksum mismatch")
	// ErrHeader: the zlib header is invalid (not deflate, window above
	// 32 KiB or a bad header check).
	ErrHeader = errors.New("invalid zlib header")
	// ErrDictionary: the zlib stream needs a preset dictionary (not
	// supported, as in libhdf5).
	ErrDictionary = errors.New("zlib stream needs a preset dictionary")
)

// Error is the error type of this package: Kind is one of the sentinel
// errors, Offset the byte offset in src near which the problem was found,
// Detail an optional explanation.
type Error struct {
	Kind   error
	Offset int
	Detail string
}

// Error formats the error as "inflate: <kind> at byte <offset>[: detail]".
func (e *Error) Error() string {
	s := "inflate: " + e.Kind.Error() + " at byte " + strconv.Itoa(e.Offset)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the sentinel error Kind.
func (e *Error) Unwrap() error { return e.Kind }

var pool = sync.Pool{New: func() any { return new(decoder) }}

// Zlib decodes the zlib stream (RFC 1950) at the start of src into dst and
// returns the number of bytes written. The header is checked, the Adler-32
// of the output verified; bytes after the checksum are ignored. A stream
// that decodes to more than len(dst) bytes gives an error matching
// ErrTooLong (dst holds its first len(dst) bytes or fewer).
func Zlib(dst, src []byte) (int, error) {
	if len(src) < 2 {
		return 0, &Error{Kind: ErrTruncated, Offset: len(src), Detail: "no zlib header"}
	}
	cmf, flg := src[0], src[1]
	if cmf&0x0f != 8 || cmf>>4 > 7 || (uint(cmf)<<8|uint(flg))%31 != 0 {
		return 0, &Error{Kind: ErrHeader, Offset: 0}
	}
	if flg&0x20 != 0 {
		return 0, &Error{Kind: ErrDictionary, Offset: 1}
	}
	d := pool.Get().(*decoder)
	n, end, err := d.decode(dst, src, 2)
	pool.Put(d)
	if err != nil {
		return n, err
	}
	if len(src)-end < 4 {
		return n, &Error{Kind: ErrTruncated, Offset: len(src), Detail: "no adler32 checksum"}
	}
	want := binary.BigEndian.Uint32(src[end:])
	if got := adler32Sum(dst[:n]); got != want {
		return n, &Error{Kind: ErrChecksum, Offset: end,
			Detail: "stored 0x" + strconv.FormatUint(uint64(want), 16) + ", computed 0x" + strconv.FormatUint(uint64(got), 16)}
	}
	return n, nil
}

// Raw decodes the raw deflate stream (RFC 1951) at the start of src into
// dst. It returns the number of bytes written and the number of bytes of
// src the stream occupies (rounded up to a whole byte); bytes after it are
// ignored. A stream that decodes to more than len(dst) bytes gives an
// error matching ErrTooLong.
func Raw(dst, src []byte) (written, consumed int, err error) {
	d := pool.Get().(*decoder)
	written, consumed, err = d.decode(dst, src, 0)
	pool.Put(d)
	return written, consumed, err
}

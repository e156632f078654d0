package hdf5

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// This file converts stored elements whose bytes are not numpy's to the
// numpy dtype h5py returns them as: fixed-point types with a bit offset or
// a precision below their size (spec IV.A.2.d, class 0 properties; what
// the n-bit filter and H5Tset_precision/H5Tset_offset produce) and
// floating-point types of a non-IEEE layout (class 1 properties: bfloat16,
// n-bit floats, other exponent/mantissa splits). libhdf5 converts them
// (H5T__conv_i_i, H5T__conv_f_f) to the memory type h5py asks for.

// intBits is a fixed-point type's bit offset and precision (IV.A.2.d class
// 0 properties); zero precision (a type built in code) means all bits.
type intBits struct {
	off, prec uint16
}

// isNbitInt reports a fixed-point type whose value does not fill its
// bytes: libhdf5 reads bits off..off+prec-1 and sign-extends them.
func (t Datatype) isNbitInt() bool {
	return t.Class == ClassFixed && t.intBits.prec != 0 &&
		(t.intBits.off != 0 || int(t.intBits.prec) != 8*t.Size) && t.Size <= 8
}

// numpy's float types as h5py lists them (np.finfo): size, mantissa bits,
// exponent bits, maxexp, minexp.
var numpyFloats = []struct {
	size, nmant, nexp, maxexp, minexp int
}{
	{2, 10, 5, 16, -14},
	{4, 23, 8, 128, -126},
	{8, 52, 11, 1024, -1022},
}

// numpyFloatSize returns the size of the numpy float h5py returns a
// non-IEEE float type as: the first of float16, float32, float64 at least
// as large as the type whose mantissa and exponent range hold it (h5py's
// TypeFloatID.py_dtype); ok is false when none does (h5py: "Insufficient
// precision in available types") or the layout cannot be decoded.
func (t Datatype) numpyFloatSize() (int, bool) {
	fp := t.fp
	if t.Class != ClassFloat || t.Size > 8 || t.Size == 0 || fp.esize == 0 || fp.esize > 32 || fp.msize > 52 {
		return 0, false
	}
	bits := 8 * t.Size
	if int(fp.sign) >= bits || int(fp.epos)+int(fp.esize) > bits || int(fp.mpos)+int(fp.msize) > bits {
		return 0, false
	}
	maxexp := int64(1)<<fp.esize - int64(fp.bias) - 1
	minexp := 1 - int64(fp.bias)
	for _, n := range numpyFloats {
		if n.size >= t.Size && int(fp.msize) <= n.nmant && maxexp <= int64(n.maxexp) && minexp >= int64(n.minexp) {
			return n.size, true
		}
	}
	return 0, false
}

// needsNumpyConversion reports an element type (not an array) whose stored
// bytes differ from the bytes of the numpy dtype h5py returns.
func (t Datatype) needsNumpyConversion() bool {
	if t.isNbitInt() {
		return true
	}
	if t.Class == ClassFloat && !t.isIEEE() {
		_, ok := t.numpyFloatSize()
		return ok
	}
	return false
}

// innermost returns the element type of (nested) array types, t otherwise.
func (t Datatype) innermost() Datatype {
	for t.Class == ClassArray && t.Base != nil {
		t = *t.Base
	}
	return t
}

// NeedsNumpyConversion reports that the stored bytes of t (as ReadRaw
// returns them) are not the bytes of NumpyDescr's dtype and must go
// through ToNumpy: integers with a bit offset or a precision below their
// size, and floats of a non-IEEE layout such as bfloat16 (h5py returns
// those as the smallest numpy float that holds them: bfloat16 as float32).
func (t Datatype) NeedsNumpyConversion() bool {
	return t.innermost().needsNumpyConversion()
}

// ToNumpy converts elements of type t stored as ReadRaw returns them into
// the bytes of NumpyDescr's dtype, as libhdf5 converts them for h5py. It
// returns src itself when no conversion is needed. len(src) must be a
// multiple of t.Size.
func (t Datatype) ToNumpy(src []byte) ([]byte, error) {
	e := t.innermost()
	if !e.needsNumpyConversion() {
		return src, nil
	}
	if e.Size == 0 || len(src)%e.Size != 0 {
		return nil, fmt.Errorf("%d bytes are not a whole number of %d-byte elements", len(src), e.Size)
	}
	n := len(src) / e.Size
	if e.isNbitInt() {
		dst := make([]byte, len(src))
		convNbitInts(dst, src, e)
		return dst, nil
	}
	ds, _ := e.numpyFloatSize()
	dst := make([]byte, n*ds)
	convFloats(dst, src, e, ds)
	return dst, nil
}

// elemUint reads one element of size bytes in the given byte order.
func elemUint(b []byte, be bool) uint64 {
	var v uint64
	if be {
		for _, x := range b {
			v = v<<8 | uint64(x)
		}
		return v
	}
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// putElemUint writes v as len(b) bytes in the given byte order.
func putElemUint(b []byte, v uint64, be bool) {
	n := len(b)
	for i := 0; i < n; i++ {
		x := byte(v >> (8 * i))
		if be {
			b[n-1-i] = x
		} else {
			b[i] = x
		}
	}
}

func bitsAt(v uint64, pos, n uint) uint64 {
	if n == 0 {
		return 0
	}
	if n >= 64 {
		return v >> pos
	}
	return (v >> pos) & (1<<n - 1)
}

// convNbitInts extracts each element's bits off..off+prec-1 and
// sign-extends signed values (H5T__conv_i_i); dst has src's size and byte
// order.
func convNbitInts(dst, src []byte, t Datatype) {
	sz := t.Size
	off, prec := uint(t.intBits.off), uint(t.intBits.prec)
	if off >= 64 {
		prec = 0
	} else if off+prec > uint(8*sz) {
		prec = uint(8*sz) - off
	}
	for i := 0; i+sz <= len(src); i += sz {
		v := bitsAt(elemUint(src[i:i+sz], t.BigEndian), off, prec)
		if t.Signed && prec > 0 && prec < 64 && v&(1<<(prec-1)) != 0 {
			v |= ^uint64(0) << prec
		}
		putElemUint(dst[i:i+sz], v, t.BigEndian)
	}
}

// floatValue decodes one element of the float layout fp (bit positions
// are absolute within the element, IV.A.2.d class 1) exactly as a float64
// (the mantissa has at most 52 bits): an all-ones exponent is infinity
// (mantissa 0) or NaN, as H5T__conv_f_f reads every layout; a zero
// exponent is zero or a denormal; the mantissa normalization is implied
// (2), most significant bit set (1) or none (0).
func floatValue(v uint64, fp floatProps) float64 {
	neg := v>>fp.sign&1 != 0
	e := bitsAt(v, uint(fp.epos), uint(fp.esize))
	m := bitsAt(v, uint(fp.mpos), uint(fp.msize))
	emax := uint64(1)<<fp.esize - 1
	var x float64
	switch {
	case e == emax && m == 0:
		x = math.Inf(1)
	case e == emax:
		x = math.NaN()
	case e == 0 && m == 0:
		x = 0
	default:
		ms := int(fp.msize)
		switch fp.norm {
		case 2: // implied leading 1
			if e == 0 {
				x = math.Ldexp(float64(m), 1-int(fp.bias)-ms)
			} else {
				x = math.Ldexp(float64(m|1<<ms), int(e)-int(fp.bias)-ms)
			}
		case 1: // explicit leading bit
			x = math.Ldexp(float64(m), int(e)-int(fp.bias)-(ms-1))
		default:
			x = math.Ldexp(float64(m), int(e)-int(fp.bias)-ms)
		}
	}
	if neg {
		x = -x
	}
	return x
}

// convFloats converts src elements of type t into IEEE floats of ds bytes
// in t's byte order.
func convFloats(dst, src []byte, t Datatype, ds int) {
	sz := t.Size
	for i, j := 0, 0; i+sz <= len(src); i, j = i+sz, j+ds {
		v := elemUint(src[i:i+sz], t.BigEndian)
		x := floatValue(v, t.fp)
		var bits uint64
		switch {
		case math.IsNaN(x):
			// H5T__conv_f_f writes a NaN as the sign, an all-ones
			// exponent and an all-ones mantissa (h5py shows 0x7fffffff)
			bits = 1<<(8*ds-1) - 1
			if v>>t.fp.sign&1 != 0 {
				bits |= 1 << (8*ds - 1)
			}
		case ds == 2:
			bits = uint64(float16Bits(x))
		case ds == 4:
			bits = uint64(math.Float32bits(float32(x)))
		default:
			bits = math.Float64bits(x)
		}
		putElemUint(dst[j:j+ds], bits, t.BigEndian)
	}
}

// float16Bits encodes x as IEEE binary16, rounding to nearest even.
func float16Bits(x float64) uint16 {
	f := math.Float32bits(float32(x))
	sign := uint16(f>>16) & 0x8000
	exp := int(f>>23&0xff) - 127 + 15
	mant := f & 0x7fffff
	switch {
	case f&0x7fffffff > 0x7f800000: // NaN
		return sign | 0x7e00
	case exp >= 0x1f:
		return sign | 0x7c00
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint(14 - exp)
		h := mant >> shift
		rem := mant & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || rem == half && h&1 != 0 {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && h&1 != 0 {
		h++ // may carry into the exponent, up to infinity: right
	}
	return sign | uint16(h)
}

// numpyReader converts a stream of stored elements with ToNumpy.
type numpyReader struct {
	t    Datatype
	r    io.Reader
	in   []byte // pending stored bytes (less than one element)
	out  []byte // converted bytes not yet returned
	err  error
	esz  int
	read []byte
}

// NumpyReader wraps r, a stream of stored elements of type t (such as
// Dataset.NewRawReader returns), converting them as ToNumpy does; it
// returns r itself when t needs no conversion.
func (t Datatype) NumpyReader(r io.Reader) io.Reader {
	if !t.NeedsNumpyConversion() {
		return r
	}
	return &numpyReader{t: t, r: r, esz: t.innermost().Size, read: make([]byte, 64<<10)}
}

func (z *numpyReader) Read(p []byte) (int, error) {
	for len(z.out) == 0 {
		if z.err != nil {
			return 0, z.err
		}
		n, err := z.r.Read(z.read)
		z.in = append(z.in, z.read[:n]...)
		whole := len(z.in) / z.esz * z.esz
		if whole > 0 {
			out, cerr := z.t.ToNumpy(z.in[:whole])
			if cerr != nil {
				return 0, cerr
			}
			z.out = append(z.out[:0], out...)
			z.in = append(z.in[:0], z.in[whole:]...)
		}
		if err != nil {
			if errors.Is(err, io.EOF) && len(z.in) != 0 {
				err = fmt.Errorf("%w: %d bytes after the last whole element", io.ErrUnexpectedEOF, len(z.in))
			}
			z.err = err
		}
	}
	n := copy(p, z.out)
	z.out = z.out[n:]
	return n, nil
}

// numpyType is the type whose stored bytes ToNumpy produces from t's: t
// without its bit offset and precision (integers), or the IEEE float of
// numpyFloatSize in t's byte order.
func (t Datatype) numpyType() Datatype {
	if t.Class == ClassFloat {
		sz, _ := t.numpyFloatSize()
		return Datatype{Class: ClassFloat, Size: sz, BigEndian: t.BigEndian}
	}
	u := t
	u.intBits = intBits{}
	return u
}

// numpyConvSink converts runs of stored elements with ToNumpy before
// handing them to the sink of the numpy type.
type numpyConvSink struct {
	t     Datatype
	inner sink
}

func (s *numpyConvSink) put(i uint64, src []byte) error {
	b, err := s.t.ToNumpy(src)
	if err != nil {
		return err
	}
	return s.inner.put(i, b)
}

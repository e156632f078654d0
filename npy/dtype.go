package npy

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// dtype is a parsed numeric descr such as "<f4".
type dtype struct {
	kind byte // 'b' bool, 'i' signed, 'u' unsigned, 'f' float, 'c' complex
	size int  // bytes per element
	big  bool // big-endian in the file
	// text is a structured dtype's descr (kind 'V'), kept as written.
	text string
}

var le = binary.LittleEndian

// parseDescr parses a numpy descr for the numeric types this package
// supports: b1 i1 u1 i2 u2 i4 u4 i8 u8 f2 f4 f8 c8 c16 with byte order '<',
// '>', '|' or '=' (native; this package treats it as the host order).
// f2 (IEEE half precision) is read only: it decodes exactly into float32
// and float64 (an Array holds it as []float32); no writer produces it.
func parseDescr(s string) (dtype, error) {
	var d dtype
	if s == "" {
		return d, fmt.Errorf("empty descr")
	}
	if s[0] == '[' {
		return parseStructured(s)
	}
	rest := s
	switch rest[0] {
	case '<', '|':
		rest = rest[1:]
	case '>':
		d.big = true
		rest = rest[1:]
	case '=':
		d.big = hostBigEndian
		rest = rest[1:]
	}
	if len(rest) < 2 {
		return d, fmt.Errorf("descr %q is not a numeric dtype (want e.g. '<f4')", s)
	}
	d.kind = rest[0]
	n, err := strconv.Atoi(rest[1:])
	if err != nil {
		return d, fmt.Errorf("descr %q is not a supported dtype (want one of b1 i1 u1 i2 u2 i4 u4 i8 u8 f2 f4 f8 c8 c16 with '<', '>' or '|')", s)
	}
	d.size = n
	ok := false
	switch d.kind {
	case 'b':
		ok = n == 1
	case 'i', 'u':
		ok = n == 1 || n == 2 || n == 4 || n == 8
	case 'f':
		ok = n == 2 || n == 4 || n == 8
		if n == 16 {
			// long double: written and read as raw bytes only
			return dtype{kind: 'V', size: n, text: s}, nil
		}
	case 'c':
		ok = n == 8 || n == 16
	}
	if !ok {
		return d, fmt.Errorf("descr %q is not a supported dtype (want one of b1 i1 u1 i2 u2 i4 u4 i8 u8 f2 f4 f8 c8 c16 with '<', '>' or '|')", s)
	}
	if d.size == 1 {
		d.big = false
	}
	return d, nil
}

// parseStructured parses a structured descr of numeric fields, as numpy
// writes it: "[('real', '<f8'), ('imag', '<f8')]". Such arrays are written
// and read as raw bytes only (kind 'V'); MATLAB's {real, imag} complex
// numbers read by h5py have this dtype.
func parseStructured(s string) (dtype, error) {
	bad := func(why string) (dtype, error) {
		return dtype{}, fmt.Errorf("structured descr %.60q: %s (want e.g. [('real', '<f8'), ('imag', '<f8')])", s, why)
	}
	d := dtype{kind: 'V', text: s}
	rest := s[1:]
	names := map[string]bool{}
	for {
		rest = strings.TrimLeft(rest, " ")
		if strings.HasPrefix(rest, "]") && len(names) > 0 {
			if strings.TrimSpace(rest[1:]) != "" {
				return bad("text after ']'")
			}
			return d, nil
		}
		if !strings.HasPrefix(rest, "('") {
			return bad("expected ('name', 'descr')")
		}
		rest = rest[2:]
		i := strings.IndexByte(rest, '\'')
		if i < 0 {
			return bad("unterminated field name")
		}
		name := rest[:i]
		rest = rest[i+1:]
		if !strings.HasPrefix(rest, ", '") {
			return bad("expected a field descr")
		}
		rest = rest[3:]
		i = strings.IndexByte(rest, '\'')
		if i < 0 {
			return bad("unterminated field descr")
		}
		f, err := parseDescr(rest[:i])
		if err != nil || f.kind == 'V' {
			return bad("field " + name + " is not numeric")
		}
		if name == "" || names[name] {
			return bad("empty or repeated field name")
		}
		names[name] = true
		d.size += f.size
		rest = rest[i+1:]
		if !strings.HasPrefix(rest, ")") {
			return bad("expected ')'")
		}
		rest = strings.TrimPrefix(rest[1:], ",")
		if len(names) > 64 {
			return bad("too many fields")
		}
	}
}

// hostBigEndian reports whether the machine stores integers big-endian.
var hostBigEndian = func() bool {
	var b [2]byte
	binary.NativeEndian.PutUint16(b[:], 1)
	return b[0] == 0
}()

// String returns numpy's descr for d ("|u1", "<f4", ">f8").
func (d dtype) String() string {
	if d.kind == 'V' {
		return d.text
	}
	o := byte('<')
	if d.size == 1 {
		o = '|'
	} else if d.big {
		o = '>'
	}
	return string(o) + string(d.kind) + strconv.Itoa(d.size)
}

// scalarSize is the byte size of one real component (complex: half).
func (d dtype) elemSize() int {
	if d.kind == 'c' {
		return d.size / 2
	}
	return d.size
}

// dtypeOf returns the little-endian dtype and length for a typed slice or
// scalar accepted by the writers. scalar reports a non-slice value.
func dtypeOf(data any) (d dtype, n int, scalar bool, err error) {
	switch v := data.(type) {
	case []bool:
		return dtype{kind: 'b', size: 1}, len(v), false, nil
	case []int8:
		return dtype{kind: 'i', size: 1}, len(v), false, nil
	case []uint8:
		return dtype{kind: 'u', size: 1}, len(v), false, nil
	case []int16:
		return dtype{kind: 'i', size: 2}, len(v), false, nil
	case []uint16:
		return dtype{kind: 'u', size: 2}, len(v), false, nil
	case []int32:
		return dtype{kind: 'i', size: 4}, len(v), false, nil
	case []uint32:
		return dtype{kind: 'u', size: 4}, len(v), false, nil
	case []int64:
		return dtype{kind: 'i', size: 8}, len(v), false, nil
	case []uint64:
		return dtype{kind: 'u', size: 8}, len(v), false, nil
	case []int:
		return dtype{kind: 'i', size: 8}, len(v), false, nil
	case []uint:
		return dtype{kind: 'u', size: 8}, len(v), false, nil
	case []float32:
		return dtype{kind: 'f', size: 4}, len(v), false, nil
	case []float64:
		return dtype{kind: 'f', size: 8}, len(v), false, nil
	case []complex64:
		return dtype{kind: 'c', size: 8}, len(v), false, nil
	case []complex128:
		return dtype{kind: 'c', size: 16}, len(v), false, nil
	case bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, int, uint,
		float32, float64, complex64, complex128:
		d, _, _, _ := dtypeOf(scalarToSlice(v))
		return d, 1, true, nil
	case nil:
		return dtype{}, 0, false, fmt.Errorf("data is nil")
	}
	return dtype{}, 0, false, fmt.Errorf("unsupported data type %T (want a slice of bool, intN, uintN, float32/64 or complex64/128)", data)
}

// scalarToSlice wraps a scalar in a one-element slice.
func scalarToSlice(v any) any {
	switch x := v.(type) {
	case bool:
		return []bool{x}
	case int8:
		return []int8{x}
	case uint8:
		return []uint8{x}
	case int16:
		return []int16{x}
	case uint16:
		return []uint16{x}
	case int32:
		return []int32{x}
	case uint32:
		return []uint32{x}
	case int64:
		return []int64{x}
	case uint64:
		return []uint64{x}
	case int:
		return []int{x}
	case uint:
		return []uint{x}
	case float32:
		return []float32{x}
	case float64:
		return []float64{x}
	case complex64:
		return []complex64{x}
	case complex128:
		return []complex128{x}
	}
	return v
}

// makeNative allocates the native Go slice for d with n elements.
func makeNative(d dtype, n int) any {
	switch d.kind {
	case 'b':
		return make([]bool, n)
	case 'i':
		switch d.size {
		case 1:
			return make([]int8, n)
		case 2:
			return make([]int16, n)
		case 4:
			return make([]int32, n)
		default:
			return make([]int64, n)
		}
	case 'u':
		switch d.size {
		case 1:
			return make([]uint8, n)
		case 2:
			return make([]uint16, n)
		case 4:
			return make([]uint32, n)
		default:
			return make([]uint64, n)
		}
	case 'f':
		if d.size <= 4 {
			return make([]float32, n) // f2 and f4
		}
		return make([]float64, n)
	default:
		if d.size == 8 {
			return make([]complex64, n)
		}
		return make([]complex128, n)
	}
}

// sliceLen returns the length of a supported typed slice, or -1.
func sliceLen(data any) int {
	d, n, scalar, err := dtypeOf(data)
	_ = d
	if err != nil || scalar {
		return -1
	}
	return n
}

// subslice returns data[i:j] for a supported typed slice.
func subslice(data any, i, j int) any {
	switch v := data.(type) {
	case []bool:
		return v[i:j]
	case []int8:
		return v[i:j]
	case []uint8:
		return v[i:j]
	case []int16:
		return v[i:j]
	case []uint16:
		return v[i:j]
	case []int32:
		return v[i:j]
	case []uint32:
		return v[i:j]
	case []int64:
		return v[i:j]
	case []uint64:
		return v[i:j]
	case []int:
		return v[i:j]
	case []uint:
		return v[i:j]
	case []float32:
		return v[i:j]
	case []float64:
		return v[i:j]
	case []complex64:
		return v[i:j]
	case []complex128:
		return v[i:j]
	}
	panic("npy: subslice of unsupported type")
}

// swapBytes reverses the byte order of each size-byte word in b in place.
func swapBytes(b []byte, size int) {
	switch size {
	case 2:
		for i := 0; i+1 < len(b); i += 2 {
			b[i], b[i+1] = b[i+1], b[i]
		}
	case 4:
		for i := 0; i+3 < len(b); i += 4 {
			binary.LittleEndian.PutUint32(b[i:], binary.BigEndian.Uint32(b[i:]))
		}
	case 8:
		for i := 0; i+7 < len(b); i += 8 {
			binary.LittleEndian.PutUint64(b[i:], binary.BigEndian.Uint64(b[i:]))
		}
	}
}

// encodeLE writes the elements of data (a supported typed slice) into b in
// little-endian order; len(b) must be len(data)*itemsize.
func encodeLE(b []byte, data any) {
	switch v := data.(type) {
	case []bool:
		for i, x := range v {
			if x {
				b[i] = 1
			} else {
				b[i] = 0
			}
		}
	case []int8:
		for i, x := range v {
			b[i] = byte(x)
		}
	case []uint8:
		copy(b, v)
	case []int16:
		for i, x := range v {
			le.PutUint16(b[2*i:], uint16(x))
		}
	case []uint16:
		for i, x := range v {
			le.PutUint16(b[2*i:], x)
		}
	case []int32:
		for i, x := range v {
			le.PutUint32(b[4*i:], uint32(x))
		}
	case []uint32:
		for i, x := range v {
			le.PutUint32(b[4*i:], x)
		}
	case []int64:
		for i, x := range v {
			le.PutUint64(b[8*i:], uint64(x))
		}
	case []uint64:
		for i, x := range v {
			le.PutUint64(b[8*i:], x)
		}
	case []int:
		for i, x := range v {
			le.PutUint64(b[8*i:], uint64(int64(x)))
		}
	case []uint:
		for i, x := range v {
			le.PutUint64(b[8*i:], uint64(x))
		}
	case []float32:
		for i, x := range v {
			le.PutUint32(b[4*i:], math.Float32bits(x))
		}
	case []float64:
		for i, x := range v {
			le.PutUint64(b[8*i:], math.Float64bits(x))
		}
	case []complex64:
		for i, x := range v {
			le.PutUint32(b[8*i:], math.Float32bits(real(x)))
			le.PutUint32(b[8*i+4:], math.Float32bits(imag(x)))
		}
	case []complex128:
		for i, x := range v {
			le.PutUint64(b[16*i:], math.Float64bits(real(x)))
			le.PutUint64(b[16*i+8:], math.Float64bits(imag(x)))
		}
	}
}

type realNum interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~int | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uint | ~float32 | ~float64
}

// decodeReal decodes little-endian elements of type d from b into dst
// (len(b) == len(dst)*d.size), converting with Go's conversion rules.
func decodeReal[T realNum](dst []T, b []byte, d dtype) {
	switch d.kind {
	case 'b':
		for i := range dst {
			if b[i] != 0 {
				dst[i] = 1
			} else {
				dst[i] = 0
			}
		}
	case 'i':
		switch d.size {
		case 1:
			for i := range dst {
				dst[i] = T(int8(b[i]))
			}
		case 2:
			for i := range dst {
				dst[i] = T(int16(le.Uint16(b[2*i:])))
			}
		case 4:
			for i := range dst {
				dst[i] = T(int32(le.Uint32(b[4*i:])))
			}
		case 8:
			for i := range dst {
				dst[i] = T(int64(le.Uint64(b[8*i:])))
			}
		}
	case 'u':
		switch d.size {
		case 1:
			for i := range dst {
				dst[i] = T(b[i])
			}
		case 2:
			for i := range dst {
				dst[i] = T(le.Uint16(b[2*i:]))
			}
		case 4:
			for i := range dst {
				dst[i] = T(le.Uint32(b[4*i:]))
			}
		case 8:
			for i := range dst {
				dst[i] = T(le.Uint64(b[8*i:]))
			}
		}
	case 'f':
		switch d.size {
		case 2:
			for i := range dst {
				dst[i] = T(halfToFloat32(le.Uint16(b[2*i:])))
			}
		case 4:
			for i := range dst {
				dst[i] = T(math.Float32frombits(le.Uint32(b[4*i:])))
			}
		default:
			for i := range dst {
				dst[i] = T(math.Float64frombits(le.Uint64(b[8*i:])))
			}
		}
	}
}

// halfToFloat32 converts an IEEE 754 half-precision value exactly (every
// half is a float32): normal numbers by re-biasing the exponent,
// subnormals as mantissa * 2^-24, infinities and NaNs with their payload.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch exp {
	case 0:
		v := float32(mant) * (1.0 / (1 << 24)) // 0 or subnormal
		if sign != 0 {
			v = -v
		}
		return v
	case 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// decodeComplex decodes little-endian elements of any kind into complex dst.
func decodeComplex[T ~complex64 | ~complex128](dst []T, b []byte, d dtype) {
	if d.kind == 'c' {
		if d.size == 8 {
			for i := range dst {
				dst[i] = T(complex(math.Float32frombits(le.Uint32(b[8*i:])), math.Float32frombits(le.Uint32(b[8*i+4:]))))
			}
		} else {
			for i := range dst {
				dst[i] = T(complex(math.Float64frombits(le.Uint64(b[16*i:])), math.Float64frombits(le.Uint64(b[16*i+8:]))))
			}
		}
		return
	}
	tmp := make([]float64, len(dst))
	decodeReal(tmp, b, d)
	for i, x := range tmp {
		dst[i] = T(complex(x, 0))
	}
}

// checkConvert reports whether elements of src can be decoded into the
// slice type of dst, and returns dst's length.
func checkConvert(src dtype, dst any) (int, error) {
	if src.kind == 'V' {
		return 0, fmt.Errorf("structured dtype: read its raw bytes (NPZReader.Open, Reader.Read)")
	}
	var dk byte
	var dsize int
	n := -1
	switch v := dst.(type) {
	case []bool:
		dk, dsize, n = 'b', 1, len(v)
	case []int8:
		dk, dsize, n = 'i', 1, len(v)
	case []int16:
		dk, dsize, n = 'i', 2, len(v)
	case []int32:
		dk, dsize, n = 'i', 4, len(v)
	case []int64:
		dk, dsize, n = 'i', 8, len(v)
	case []int:
		dk, dsize, n = 'i', 8, len(v)
	case []uint8:
		dk, dsize, n = 'u', 1, len(v)
	case []uint16:
		dk, dsize, n = 'u', 2, len(v)
	case []uint32:
		dk, dsize, n = 'u', 4, len(v)
	case []uint64:
		dk, dsize, n = 'u', 8, len(v)
	case []uint:
		dk, dsize, n = 'u', 8, len(v)
	case []float32:
		dk, dsize, n = 'f', 4, len(v)
	case []float64:
		dk, dsize, n = 'f', 8, len(v)
	case []complex64:
		dk, dsize, n = 'c', 8, len(v)
	case []complex128:
		dk, dsize, n = 'c', 16, len(v)
	default:
		return 0, fmt.Errorf("destination type %T is not a supported numeric slice", dst)
	}
	ok := false
	switch dk {
	case 'b':
		ok = src.kind == 'b'
	case 'f':
		ok = src.kind != 'c'
	case 'c':
		ok = true
	case 'i':
		ok = src.kind == 'b' || (src.kind == 'i' && src.size <= dsize) || (src.kind == 'u' && src.size < dsize)
	case 'u':
		ok = src.kind == 'b' || (src.kind == 'u' && src.size <= dsize)
	}
	if !ok {
		return n, fmt.Errorf("cannot convert %s elements to %T without loss (use a wider or floating-point destination)", src, dst)
	}
	return n, nil
}

// decodeInto decodes little-endian bytes of dtype d into dst[i:i+len(b)/size].
// The conversion must have been validated with checkConvert.
func decodeInto(dst any, i int, b []byte, d dtype) {
	n := len(b) / d.size
	switch v := dst.(type) {
	case []bool:
		for k := 0; k < n; k++ {
			v[i+k] = b[k] != 0
		}
	case []int8:
		decodeReal(v[i:i+n], b, d)
	case []int16:
		decodeReal(v[i:i+n], b, d)
	case []int32:
		decodeReal(v[i:i+n], b, d)
	case []int64:
		decodeReal(v[i:i+n], b, d)
	case []int:
		decodeReal(v[i:i+n], b, d)
	case []uint8:
		decodeReal(v[i:i+n], b, d)
	case []uint16:
		decodeReal(v[i:i+n], b, d)
	case []uint32:
		decodeReal(v[i:i+n], b, d)
	case []uint64:
		decodeReal(v[i:i+n], b, d)
	case []uint:
		decodeReal(v[i:i+n], b, d)
	case []float32:
		decodeReal(v[i:i+n], b, d)
	case []float64:
		decodeReal(v[i:i+n], b, d)
	case []complex64:
		decodeComplex(v[i:i+n], b, d)
	case []complex128:
		decodeComplex(v[i:i+n], b, d)
	}
}

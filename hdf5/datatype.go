package hdf5

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

const maxTypeDepth = 16

// String padding types (IV.A.2.d, class 3 and class 9 string bit fields).
const (
	strNullTerm  = 0 // null-terminated
	strNullPad   = 1 // null-padded
	strSpacePad  = 2 // space-padded (Fortran)
	refObject    = 0 // reference type (class 7 bits 0-3): object reference
	refRegion    = 1 // dataset region reference
	vlenSequence = 0 // variable-length type (class 9 bits 0-3): sequence
	vlenString   = 1 // string
)

// parseDatatype decodes a datatype message body (IV.A.2.d The Datatype
// Message: class and version (4 bits each), 24 class bit field bits, size,
// then the class's properties).
func parseDatatype(c *cursor, depth int) (Datatype, error) {
	var t Datatype
	if depth > maxTypeDepth {
		return t, errors.New("datatype nesting too deep")
	}
	cv := c.u8()
	b0, b1, b2 := c.u8(), c.u8(), c.u8()
	size := c.u32()
	if c.err != nil {
		return t, c.err
	}
	if size > 1<<28 {
		return t, fmt.Errorf("datatype size %d too large", size)
	}
	version := cv >> 4
	t.Class = Class(cv & 0x0f)
	t.Size = int(size)
	bitsField := uint32(b0) | uint32(b1)<<8 | uint32(b2)<<16
	switch t.Class {
	case ClassFixed:
		// IV.A.2.d Datatype Message, class 0 (fixed-point): properties
		// bit offset and bit precision.
		t.BigEndian = b0&1 != 0
		t.Signed = b0&8 != 0
		t.intBits.off, t.intBits.prec = c.u16(), c.u16()
	case ClassFloat:
		// IV.A.2.d Datatype Message, class 1 (floating-point): bit field
		// bits 0 and 6 byte order (0x40 VAX), 4-5 mantissa normalization,
		// 8-15 sign location; properties: bit offset, bit precision,
		// exponent location and size, mantissa location and size,
		// exponent bias.
		t.BigEndian = b0&1 != 0
		if b0&0x40 != 0 {
			return t, fmt.Errorf("VAX float byte order (%d-byte float) is not supported: convert the file with h5repack on a machine whose libhdf5 reads it", size)
		}
		t.fp = floatProps{norm: (b0 >> 4) & 3, sign: b1}
		t.fp.off, t.fp.prec = c.u16(), c.u16()
		t.fp.epos, t.fp.esize, t.fp.mpos, t.fp.msize = c.u8(), c.u8(), c.u8(), c.u8()
		t.fp.bias = c.u32()
	case ClassTime:
		t.BigEndian = b0&1 != 0
		c.u16()
	case ClassString:
		t.strPad = b0 & 0x0f
		t.cset = b0 >> 4
	case ClassBitfield:
		t.BigEndian = b0&1 != 0
		c.u16()
		c.u16()
	case ClassOpaque:
		n := int(b0)
		tag := c.bytes(n)
		t.Tag = strings.TrimRight(string(tag), "\x00")
	case ClassCompound:
		n := int(bitsField & 0xffff)
		if n > c.remaining() {
			return t, fmt.Errorf("compound with %d members in %d bytes", n, c.remaining())
		}
		for i := 0; i < n; i++ {
			var fld Field
			start := c.off
			fld.Name = c.cstring()
			if version < 3 {
				// name padded to a multiple of 8
				l := c.off - start
				if l%8 != 0 {
					c.skip(8 - l%8)
				}
			}
			switch version {
			case 1:
				fld.Offset = int(c.u32())
				nd := int(c.u8())
				c.skip(3)
				c.skip(4) // permutation
				c.skip(4)
				dims := make([]uint64, 0, 4)
				for j := 0; j < 4; j++ {
					d := c.u32()
					if j < nd {
						dims = append(dims, uint64(d))
					}
				}
				mt, err := parseDatatype(c, depth+1)
				if err != nil {
					return t, err
				}
				if nd > 0 {
					base := mt
					at := Datatype{Class: ClassArray, Base: &base, ArrayDims: dims}
					n := uint64(mt.Size)
					for _, d := range dims {
						n *= d
					}
					if n > 1<<28 {
						return t, errors.New("array member too large")
					}
					at.Size = int(n)
					mt = at
				}
				fld.Type = mt
			case 2:
				fld.Offset = int(c.u32())
				mt, err := parseDatatype(c, depth+1)
				if err != nil {
					return t, err
				}
				fld.Type = mt
			default:
				// bytes needed for the compound size
				var nb int
				switch {
				case t.Size < 1<<8:
					nb = 1
				case t.Size < 1<<16:
					nb = 2
				case t.Size < 1<<24:
					nb = 3
				default:
					nb = 4
				}
				fld.Offset = int(c.uN(nb))
				mt, err := parseDatatype(c, depth+1)
				if err != nil {
					return t, err
				}
				fld.Type = mt
			}
			if c.err != nil {
				return t, c.err
			}
			if fld.Offset < 0 || fld.Offset+fld.Type.Size > t.Size {
				return t, fmt.Errorf("compound member %q (offset %d, size %d) outside the type size %d", fld.Name, fld.Offset, fld.Type.Size, t.Size)
			}
			t.Fields = append(t.Fields, fld)
		}
	case ClassReference:
		t.refType = b0 & 0x0f
	case ClassEnum:
		n := int(bitsField & 0xffff)
		bt, err := parseDatatype(c, depth+1)
		if err != nil {
			return t, err
		}
		t.Base = &bt
		if n > c.remaining() {
			return t, fmt.Errorf("enum with %d members in %d bytes", n, c.remaining())
		}
		for i := 0; i < n; i++ {
			start := c.off
			name := c.cstring()
			if version < 3 {
				l := c.off - start
				if l%8 != 0 {
					c.skip(8 - l%8)
				}
			}
			t.EnumNames = append(t.EnumNames, name)
		}
		for i := 0; i < n; i++ {
			t.EnumValues = append(t.EnumValues, c.bytes(bt.Size))
		}
	case ClassVarLen:
		t.VarString = b0&0x0f == vlenString
		t.strPad = b0 >> 4
		t.cset = b1 & 0x0f
		bt, err := parseDatatype(c, depth+1)
		if err != nil {
			return t, err
		}
		t.Base = &bt
	case ClassArray:
		nd := int(c.u8())
		if version < 3 {
			c.skip(3)
		}
		if nd > 32 {
			return t, fmt.Errorf("array rank %d", nd)
		}
		for i := 0; i < nd; i++ {
			t.ArrayDims = append(t.ArrayDims, uint64(c.u32()))
		}
		if version < 3 {
			c.skip(4 * nd)
		}
		bt, err := parseDatatype(c, depth+1)
		if err != nil {
			return t, err
		}
		t.Base = &bt
	case ClassComplex:
		// HDF5 2.0 (datatype message version 5): bit 0 of the bit field
		// is "homogeneous" (both parts of one type, the only form libhdf5
		// 2.0 writes), bits 1-2 the form (0 rectangular); the property
		// is the parts' floating-point type (H5O__dtype_decode_helper)
		if b0&1 == 0 || (b0>>1)&3 != 0 {
			return t, fmt.Errorf("complex datatype with bit field 0x%x (only homogeneous rectangular complex numbers exist)", b0)
		}
		bt, err := parseDatatype(c, depth+1)
		if err != nil {
			return t, err
		}
		if bt.Class != ClassFloat || 2*bt.Size != t.Size {
			return t, fmt.Errorf("complex datatype of size %d with parts of type %s", t.Size, bt)
		}
		t.Base = &bt
		t.BigEndian = bt.BigEndian
	default:
		return t, fmt.Errorf("unknown datatype class %d", t.Class)
	}
	if c.err != nil {
		return t, c.err
	}
	return t, nil
}

// floatProps is the bit layout of a floating-point type.
type floatProps struct {
	off, prec                uint16
	epos, esize, mpos, msize uint8
	bias                     uint32
	sign, norm               uint8
}

// ieee holds the layouts of IEEE 754 binary16/32/64 by size, and the x87
// 80-bit extended format stored in 16 bytes (C long double on x86-64,
// numpy's float128 there).
var ieee = map[int]floatProps{
	2:  {0, 16, 10, 5, 0, 10, 15, 15, 2},
	4:  {0, 32, 23, 8, 0, 23, 127, 31, 2},
	8:  {0, 64, 52, 11, 0, 52, 1023, 63, 2},
	16: {0, 80, 64, 15, 0, 64, 16383, 79, 1},
}

// isIEEE reports a float whose bits are numpy's for its size (so its
// stored bytes can be written as they are); zero-valued properties (types
// built in code, not read from a file) count as standard.
func (t Datatype) isIEEE() bool {
	if t.Class != ClassFloat {
		return false
	}
	want, ok := ieee[t.Size]
	return ok && (t.fp == want || t.fp == floatProps{} && t.Size != 16 && t.Size != 2)
}

// isNumeric reports plain integer or float types.
func (t Datatype) isNumeric() bool {
	switch t.Class {
	case ClassFixed:
		return t.Size == 1 || t.Size == 2 || t.Size == 4 || t.Size == 8
	case ClassFloat:
		return t.Size == 4 || t.Size == 8
	case ClassEnum:
		return t.Base != nil && t.Base.isNumeric()
	}
	return false
}

// NumpyDescr returns the numpy dtype (descr, byte order included) h5py
// returns data of type t as, when the stored bytes are numpy's bytes for
// that dtype (so they can be copied as they are); "" otherwise.
//
//   - integers of 1, 2, 4, 8 bytes: "|u1", "<i4", ">u8"; bitfields: the
//     unsigned integer of their size;
//   - IEEE floats of 2, 4, 8 bytes: "<f2", "<f4", ">f8"; the x87 80-bit
//     long double stored in 16 bytes: "<f16" (numpy's float128 on x86);
//     other float layouts (bfloat16, n-bit floats) the numpy float h5py
//     converts them to (bfloat16: "<f4"), with NeedsNumpyConversion
//     true: the stored bytes must go through ToNumpy; none when no numpy
//     float holds the layout;
//   - integers with a bit offset or precision below their size: their
//     size's integer, NeedsNumpyConversion true;
//   - enums: their base integer type, except h5py's bool (a 1-byte enum of
//     exactly FALSE=0 and TRUE=1): "|b1";
//   - arrays: the element's descr (h5py appends ArrayDims to the shape);
//   - fixed-length strings: "|S<size>";
//   - compounds: "<c8"/"<c16" for h5py's complex numbers (two packed
//     floats named r and i); otherwise numpy's structured dtype
//     "[('real', '<f8'), ('imag', '<f8')]" when the members are numeric,
//     packed in order without gaps and fill the size (MATLAB's complex
//     numbers); other compounds, references, opaque and variable-length
//     types have none.
func (t Datatype) NumpyDescr() string {
	switch t.Class {
	case ClassFixed, ClassBitfield:
		if t.Size != 1 && t.Size != 2 && t.Size != 4 && t.Size != 8 {
			return ""
		}
		k := "u"
		if t.Signed && t.Class == ClassFixed {
			k = "i"
		}
		return byteOrder(t) + k + strconv.Itoa(t.Size)
	case ClassFloat:
		if !t.isIEEE() {
			// h5py's float for other layouts (bfloat16 -> float32);
			// ToNumpy converts
			sz, ok := t.numpyFloatSize()
			if !ok {
				return ""
			}
			if t.BigEndian {
				return ">f" + strconv.Itoa(sz)
			}
			return "<f" + strconv.Itoa(sz)
		}
		return byteOrder(t) + "f" + strconv.Itoa(t.Size)
	case ClassEnum:
		if t.Base == nil {
			return ""
		}
		if t.isBoolEnum() {
			return "|b1"
		}
		return t.Base.NumpyDescr()
	case ClassArray:
		if t.Base == nil {
			return ""
		}
		return t.Base.NumpyDescr()
	case ClassComplex:
		// numpy's complex64/complex128 (and clongdouble for the x87
		// long double); numpy has no complex of two float16
		if t.Base == nil || !t.Base.isIEEE() || t.Base.Size < 4 {
			return ""
		}
		return byteOrder(*t.Base) + "c" + strconv.Itoa(2*t.Base.Size)
	case ClassString:
		return "|S" + strconv.Itoa(t.Size)
	case ClassCompound:
		if d := t.ComplexDescr(); d != "" && t.Fields[0].Name == "r" && t.Fields[1].Name == "i" {
			return d
		}
		parts := make([]string, len(t.Fields))
		off := 0
		for i, fl := range t.Fields {
			d := fl.Type.NumpyDescr()
			if d == "" || fl.Offset != off || fl.Type.Class == ClassCompound || fl.Type.Class == ClassArray ||
				fl.Type.Class == ClassString || d == "|b1" || strings.ContainsAny(fl.Name, "'\\\x00") {
				return ""
			}
			off += fl.Type.Size
			parts[i] = "('" + fl.Name + "', '" + d + "')"
		}
		if len(parts) == 0 || off != t.Size {
			return ""
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return ""
}

// NumpyElemDims returns the dimensions h5py appends to a dataset's shape
// for an array type (nested arrays flattened, outer first); nil otherwise.
func (t Datatype) NumpyElemDims() []uint64 {
	var dims []uint64
	for u := t; u.Class == ClassArray && u.Base != nil; u = *u.Base {
		dims = append(dims, u.ArrayDims...)
	}
	return dims
}

// NumpyElemSize is the size of one numpy element of t: the innermost base
// type's size for array types, Size otherwise.
func (t Datatype) NumpyElemSize() int {
	u := t.innermost()
	if u.Class == ClassFloat && !u.isIEEE() {
		if sz, ok := u.numpyFloatSize(); ok {
			return sz
		}
	}
	return u.Size
}

// ComplexDescr returns numpy's complex dtype ("<c8", ">c16") for a
// compound of two packed IEEE floats of the same type (MATLAB writes
// complex numbers as {real, imag}, h5py as {r, i}); "" for other types.
func (t Datatype) ComplexDescr() string {
	if t.Class != ClassCompound || len(t.Fields) != 2 {
		return ""
	}
	re, im := t.Fields[0], t.Fields[1]
	if !re.Type.isIEEE() || !im.Type.isIEEE() || re.Type.Size != im.Type.Size || re.Type.BigEndian != im.Type.BigEndian ||
		(re.Type.Size != 4 && re.Type.Size != 8) || re.Offset != 0 || im.Offset != re.Type.Size || t.Size != 2*re.Type.Size {
		return ""
	}
	rn, in := strings.ToLower(re.Name), strings.ToLower(im.Name)
	if !(rn == "real" && in == "imag" || rn == "r" && in == "i") {
		return ""
	}
	return byteOrder(re.Type) + "c" + strconv.Itoa(2*re.Type.Size)
}

// isBoolEnum reports h5py's bool: a 1-byte integer enum whose members are
// exactly FALSE = 0 and TRUE = 1.
func (t Datatype) isBoolEnum() bool {
	if t.Class != ClassEnum || t.Base == nil || t.Base.Size != 1 || len(t.EnumNames) != 2 || len(t.EnumValues) != 2 {
		return false
	}
	m := map[string]byte{}
	for i, n := range t.EnumNames {
		if len(t.EnumValues[i]) != 1 {
			return false
		}
		m[n] = t.EnumValues[i][0]
	}
	f, okf := m["FALSE"]
	tr, okt := m["TRUE"]
	return okf && okt && f == 0 && tr == 1
}

func byteOrder(t Datatype) string {
	switch {
	case t.Size == 1:
		return "|"
	case t.BigEndian:
		return ">"
	}
	return "<"
}

// String returns a short human name such as "uint8", "float64 (big-endian)",
// "compound{real float64, imag float64}".
func (t Datatype) String() string {
	be := ""
	if t.BigEndian && t.Size > 1 {
		be = " (big-endian)"
	}
	switch t.Class {
	case ClassFixed:
		if t.Signed {
			return fmt.Sprintf("int%d%s", t.Size*8, be)
		}
		return fmt.Sprintf("uint%d%s", t.Size*8, be)
	case ClassFloat:
		if t.fp != (floatProps{}) && !t.isIEEE() {
			if t.Size == 2 && t.fp.esize == 8 && t.fp.msize == 7 && t.fp.bias == 127 {
				return "bfloat16" + be
			}
			return fmt.Sprintf("float%d%s (%d-bit exponent, %d-bit mantissa)", t.Size*8, be, t.fp.esize, t.fp.msize)
		}
		return fmt.Sprintf("float%d%s", t.Size*8, be)
	case ClassTime:
		return "time"
	case ClassString:
		return fmt.Sprintf("string[%d]", t.Size)
	case ClassBitfield:
		return fmt.Sprintf("bitfield%d", t.Size*8)
	case ClassOpaque:
		if t.Tag != "" {
			return fmt.Sprintf("opaque[%d] %q", t.Size, t.Tag)
		}
		return fmt.Sprintf("opaque[%d]", t.Size)
	case ClassCompound:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = f.Name + " " + f.Type.String()
		}
		return "compound{" + strings.Join(parts, ", ") + "}"
	case ClassReference:
		if t.refType == refRegion {
			return "region reference"
		}
		return "object reference"
	case ClassEnum:
		b := "?"
		if t.Base != nil {
			b = t.Base.String()
		}
		return "enum(" + b + ")"
	case ClassVarLen:
		if t.VarString {
			return "string (variable length)"
		}
		b := "?"
		if t.Base != nil {
			b = t.Base.String()
		}
		return "vlen(" + b + ")"
	case ClassArray:
		b := "?"
		if t.Base != nil {
			b = t.Base.String()
		}
		return fmt.Sprintf("array%v(%s)", t.ArrayDims, b)
	case ClassComplex:
		if t.Base != nil {
			return "complex(" + t.Base.String() + ")"
		}
	}
	return fmt.Sprintf("class%d", int(t.Class))
}

// Dataspace Message fields (IV.A.2.b).
const (
	dspaceMaxDims = 0x01 // flags bit 0: maximum dimensions present
	dspaceNull    = 2    // version 2 dataspace type: 0 scalar, 1 simple, 2 null
)

// dataspace is a parsed dataspace message.
type dataspace struct {
	null   bool
	dims   []uint64
	maxdim []uint64
}

// parseDataspace decodes a Dataspace Message (IV.A.2.b): version,
// dimensionality, flags, then (version 1) 5 reserved bytes or (version 2)
// the dataspace type; the dimension sizes and, when flagged, the maximum
// sizes (lengths; undef = unlimited).
func parseDataspace(c *cursor) (dataspace, error) {
	var s dataspace
	v := c.u8()
	rank := int(c.u8())
	flags := c.u8()
	if rank > 32 {
		return s, fmt.Errorf("dataspace rank %d too large", rank)
	}
	switch v {
	case 1:
		c.skip(5)
	case 2:
		typ := c.u8()
		if typ == dspaceNull {
			s.null = true
		}
	default:
		return s, fmt.Errorf("dataspace version %d", v)
	}
	s.dims = make([]uint64, rank)
	for i := range s.dims {
		s.dims[i] = c.length()
	}
	if flags&dspaceMaxDims != 0 {
		s.maxdim = make([]uint64, rank)
		for i := range s.maxdim {
			s.maxdim[i] = c.length()
		}
	}
	if c.err != nil {
		return s, c.err
	}
	if s.null {
		s.dims = nil
	}
	return s, nil
}

func (s dataspace) count() (uint64, bool) {
	if s.null {
		return 0, true
	}
	return product(s.dims)
}

package hdf5

import (
	"errors"
	"fmt"
	"strings"
)

const maxTypeDepth = 16

// parseDatatype decodes a datatype message body.
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
		t.BigEndian = b0&1 != 0
		t.Signed = b0&8 != 0
		c.u16()
		c.u16()
	case ClassFloat:
		t.BigEndian = b0&1 != 0
		if b0&0x40 != 0 {
			return t, errors.New("VAX float byte order is not supported")
		}
		c.skip(12)
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
		t.VarString = b0&0x0f == 1
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
	default:
		return t, fmt.Errorf("unknown datatype class %d", t.Class)
	}
	if c.err != nil {
		return t, c.err
	}
	return t, nil
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

// NumpyDescr returns the numpy dtype string of a numeric type, such as
// "<u1", ">f8", "<i4"; "" when the type has no plain numpy equivalent.
func (t Datatype) NumpyDescr() string {
	if t.Class == ClassEnum && t.Base != nil {
		return t.Base.NumpyDescr()
	}
	if !t.isNumeric() {
		if t.Class == ClassString {
			return fmt.Sprintf("|S%d", t.Size)
		}
		return ""
	}
	o := "<"
	if t.BigEndian {
		o = ">"
	}
	if t.Size == 1 {
		o = "|"
	}
	k := "u"
	if t.Class == ClassFloat {
		k = "f"
	} else if t.Signed {
		k = "i"
	}
	return fmt.Sprintf("%s%s%d", o, k, t.Size)
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
		if t.refType == 1 {
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
	}
	return fmt.Sprintf("class%d", int(t.Class))
}

// dataspace is a parsed dataspace message.
type dataspace struct {
	null   bool
	dims   []uint64
	maxdim []uint64
}

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
		if typ == 2 {
			s.null = true
		}
	default:
		return s, fmt.Errorf("dataspace version %d", v)
	}
	s.dims = make([]uint64, rank)
	for i := range s.dims {
		s.dims[i] = c.length()
	}
	if flags&1 != 0 {
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

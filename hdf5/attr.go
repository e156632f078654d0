package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

const maxAttrs = 1 << 16

// attrFixed is the size of the fixed part of an Attribute Message
// (IV.A.2.m) of version 1 or 2: version, reserved (v1) or flags, name
// size, datatype size and dataspace size (2 bytes each); version 3 adds
// the name's character set encoding.
const attrFixed = 1 + 1 + 2 + 2 + 2

// Attribute Message flags (IV.A.2.m, versions 2 and 3).
const (
	attrTypeShared  = 0x01 // bit 0: the datatype is a shared message reference
	attrSpaceShared = 0x02 // bit 1: the dataspace is a shared message reference
)

// attributes decodes the attributes of an object header (IV.A.2.m
// Attribute Message, compact storage; IV.A.2.v Attribute Info Message,
// dense storage in a fractal heap indexed by a v2 B-tree). When only is not
// empty, only the attribute of that name is decoded: the others are not
// parsed beyond their name, so a damaged attribute does not hide the one
// asked for.
func (f *File) attributes(h *objHeader, path, only string) ([]Attribute, error) {
	var out []Attribute
	for i := range h.msgs {
		m := &h.msgs[i]
		if m.typ != msgAttribute {
			continue
		}
		data, err := f.sharedData(m, path)
		if err != nil {
			return nil, err
		}
		if only != "" && attrName(data) != only {
			continue
		}
		a, err := f.parseAttribute(data, path)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if m := h.find(msgAttrInfo); m != nil {
		return f.denseAttributes(m, path, only, out)
	}
	return out, nil
}

// denseAttributes appends to out the attributes in dense storage, as the
// Attribute Info Message (IV.A.2.v) names it: a fractal heap (III.G) of
// attribute messages and a version 2 B-tree (III.A.2, record type 8:
// heap ID (8 bytes), flags, creation order, name hash) indexing their
// names.
func (f *File) denseAttributes(m *message, path, only string, out []Attribute) ([]Attribute, error) {
	c := f.cursor(m.data)
	c.u8() // version
	flags := c.u8()
	if flags&infoOrderTracked != 0 {
		c.u16() // maximum creation index
	}
	heapAddr := c.addr()
	nameIdx := c.addr()
	if c.err != nil {
		return nil, f.errf(path, "attribute info message", c.err)
	}
	if heapAddr == undef || nameIdx == undef {
		return out, nil
	}
	fh, err := f.fractalHeap(heapAddr)
	if err != nil {
		return nil, f.errf(path, "dense attribute storage", err)
	}
	err = f.walkBTree2(nameIdx, func(rec []byte) error {
		if len(rec) < 8 {
			return errors.New("short attribute name record")
		}
		obj, err := fh.get(rec[:8])
		if err != nil {
			return err
		}
		if only != "" && attrName(obj) != only {
			return nil
		}
		a, err := f.parseAttribute(obj, path)
		if err != nil {
			return err
		}
		out = append(out, a)
		if len(out) > maxAttrs {
			return errors.New("too many attributes")
		}
		return nil
	})
	if err != nil {
		return nil, f.errf(path, "dense attribute storage", err)
	}
	return out, nil
}

func pad8(n int) int { return (n + 7) &^ 7 }

// attrName returns the name in an attribute message body (IV.A.2.m: the
// name follows the 6-byte (v1, v2) or 7-byte (v3) fixed part), or "" when
// the message is too short to hold it.
func attrName(data []byte) string {
	if len(data) < 8 {
		return ""
	}
	v, n := data[0], int(data[2])|int(data[3])<<8
	start := attrFixed
	if v == 3 {
		start = attrFixed + 1 // + name character set encoding
	}
	if v < 1 || v > 3 || n > len(data)-start {
		return ""
	}
	return strings.TrimRight(string(data[start:start+n]), "\x00")
}

// parseAttribute decodes an Attribute Message (IV.A.2.m): version, flags,
// name, datatype and dataspace sizes (2 bytes each), the character set
// (version 3), then the name, datatype and dataspace (each padded to 8
// bytes in version 1) and the data.
func (f *File) parseAttribute(data []byte, path string) (Attribute, error) {
	var a Attribute
	a.f = f
	c := f.cursor(data)
	v := c.u8()
	flags := c.u8()
	nameSize := int(c.u16())
	dtSize := int(c.u16())
	dsSize := int(c.u16())
	if v == 3 {
		c.u8()
	}
	if v < 1 || v > 3 {
		return a, f.errf(path, "attribute message", fmt.Errorf("version %d", v))
	}
	pad := func(n int) int {
		if v == 1 {
			return pad8(n)
		}
		return n
	}
	nb := c.bytes(pad(nameSize))
	if len(nb) >= nameSize {
		nb = nb[:nameSize]
	}
	a.Name = strings.TrimRight(string(nb), "\x00")
	dtb := c.bytes(pad(dtSize))
	dsb := c.bytes(pad(dsSize))
	if c.err != nil {
		return a, f.errf(path, "attribute message", c.err)
	}
	what := "attribute " + a.Name
	typ, sp, err := f.attrTypeAndSpace(flags, dtb, dsb, path, what)
	if err != nil {
		return a, err
	}
	a.Type = typ
	a.Shape = sp.dims
	if !sp.null && a.Shape == nil {
		a.Shape = []uint64{}
	}
	n, ok := sp.count()
	if !ok {
		return a, f.errf(path, what, errors.New("element count overflows"))
	}
	// the same allocation guard as datasets: no zero-size elements, and
	// at most as many elements as the message has bytes left
	if a.Type.Size <= 0 && n > 0 {
		return a, f.errf(path, what, fmt.Errorf("element size %d for %d elements", a.Type.Size, n))
	}
	total, ok := mulCheck(n, uint64(a.Type.Size))
	if !ok || total > uint64(c.remaining()) {
		return a, f.errf(path, what, fmt.Errorf("%d elements of %d bytes do not fit in the %d-byte message", n, a.Type.Size, c.remaining()))
	}
	a.Raw = c.bytes(int(total))
	if err := f.decodeAttrValues(&a, int(n)); err != nil {
		return a, f.errf(path, what, err)
	}
	return a, nil
}

// attrTypeAndSpace decodes an attribute's datatype and dataspace, each
// either stored in the message or a shared message reference (flags).
func (f *File) attrTypeAndSpace(flags uint8, dtb, dsb []byte, path, what string) (Datatype, dataspace, error) {
	var err error
	if flags&attrTypeShared != 0 {
		m := message{typ: msgDatatype, flags: msgFlagShared, data: dtb}
		if dtb, err = f.sharedData(&m, path); err != nil {
			return Datatype{}, dataspace{}, err
		}
	}
	t, err := parseDatatype(f.cursor(dtb), 0)
	if err != nil {
		return Datatype{}, dataspace{}, f.errf(path, what+" datatype", err)
	}
	if flags&attrSpaceShared != 0 {
		m := message{typ: msgDataspace, flags: msgFlagShared, data: dsb}
		if dsb, err = f.sharedData(&m, path); err != nil {
			return Datatype{}, dataspace{}, err
		}
	}
	sp, err := parseDataspace(f.cursor(dsb))
	if err != nil {
		return Datatype{}, dataspace{}, f.errf(path, what+" dataspace", err)
	}
	return t, sp, nil
}

func (f *File) decodeAttrValues(a *Attribute, n int) error {
	t := a.Type
	sz := t.Size
	switch {
	case t.Class == ClassString:
		for i := 0; i < n; i++ {
			a.Strings = append(a.Strings, trimString(a.Raw[i*sz:(i+1)*sz], t.strPad))
		}
	case t.Class == ClassVarLen && t.VarString:
		for i := 0; i < n; i++ {
			s, err := f.vlenBytes(a.Raw[i*sz : (i+1)*sz])
			if err != nil {
				return err
			}
			a.Strings = append(a.Strings, trimString(s, t.strPad))
		}
	case t.Class == ClassReference:
		for i := 0; i < n; i++ {
			a.Integers = append(a.Integers, int64(leUint(a.Raw[i*sz:(i+1)*sz])))
		}
	case t.isNumeric():
		bt := t
		if t.Class == ClassEnum {
			bt = *t.Base
		}
		for i := 0; i < n; i++ {
			fv, iv, isInt := decodeNumber(a.Raw[i*sz:(i+1)*sz], bt)
			a.Values = append(a.Values, fv)
			if isInt {
				a.Integers = append(a.Integers, iv)
			}
		}
	}
	return nil
}

// vlenBytes resolves one variable-length element (length, heap address, index).
func (f *File) vlenBytes(elem []byte) ([]byte, error) {
	c := f.cursor(elem)
	n := c.u32()
	addr := c.addr()
	idx := c.u32()
	if c.err != nil {
		return nil, c.err
	}
	if n == 0 {
		return nil, nil
	}
	if addr == 0 || addr == undef {
		return nil, nil
	}
	obj, err := f.globalHeapObject(addr, idx)
	if err != nil {
		return nil, err
	}
	if uint64(n) > uint64(len(obj)) {
		return nil, fmt.Errorf("variable-length element of %d bytes in a %d-byte heap object", n, len(obj))
	}
	return obj[:n], nil
}

// trimString decodes a fixed-length string with its padding (IV.A.2.d,
// class 3 bit field bits 0-3).
func trimString(b []byte, pad uint8) string {
	if pad == strSpacePad {
		return strings.TrimRight(string(b), " ")
	}
	for i, x := range b {
		if x == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// decodeNumber decodes one integer or float element.
func decodeNumber(b []byte, t Datatype) (float64, int64, bool) {
	var u uint64
	switch len(b) {
	case 1:
		u = uint64(b[0])
	case 2:
		if t.BigEndian {
			u = uint64(binary.BigEndian.Uint16(b))
		} else {
			u = uint64(binary.LittleEndian.Uint16(b))
		}
	case 4:
		if t.BigEndian {
			u = uint64(binary.BigEndian.Uint32(b))
		} else {
			u = uint64(binary.LittleEndian.Uint32(b))
		}
	case 8:
		if t.BigEndian {
			u = binary.BigEndian.Uint64(b)
		} else {
			u = binary.LittleEndian.Uint64(b)
		}
	default:
		return 0, 0, false
	}
	if t.Class == ClassFloat {
		if len(b) == 4 {
			return float64(math.Float32frombits(uint32(u))), 0, false
		}
		return math.Float64frombits(u), 0, false
	}
	if t.Signed {
		sh := uint(64 - 8*len(b))
		i := int64(u<<sh) >> sh
		return float64(i), i, true
	}
	return float64(u), int64(u), true
}

func (f *File) objAttrs(addr uint64, path string) ([]Attribute, error) {
	h, err := f.objectHeader(addr)
	if err != nil {
		return nil, f.errf(path, "attributes", err)
	}
	return f.attributes(h, path, "")
}

func (f *File) objAttr(addr uint64, path, name string) (*Attribute, error) {
	h, err := f.objectHeader(addr)
	if err != nil {
		return nil, f.errf(path, "attributes", err)
	}
	if name == "" {
		return nil, nil
	}
	as, err := f.attributes(h, path, name)
	if err != nil {
		return nil, err
	}
	for i := range as {
		if as[i].Name == name {
			return &as[i], nil
		}
	}
	return nil, nil
}

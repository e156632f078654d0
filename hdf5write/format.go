package hdf5write

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/klauspost/compress/zlib"
)

const (
	undef          = ^uint64(0)
	superblockSize = 96
	groupLeafK     = 4  // symbol table node holds 2*4 entries
	groupInternalK = 16 // group B-tree node holds 2*16 children
	chunkK         = 32 // chunk B-tree node holds 2*32 children (v0 superblock default)

	snodCap         = 2 * groupLeafK
	maxGroupMembers = 1 << 16 // deeper group B-trees are written as needed
)

// Message types.
const (
	msgDataspace   = 0x0001
	msgDatatype    = 0x0003
	msgFillValue   = 0x0005
	msgLayout      = 0x0008
	msgFilter      = 0x000B
	msgAttribute   = 0x000C
	msgSymbolTable = 0x0011
)

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

func pad8(b []byte) []byte {
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

// encode converts a slice of t's Go type to little-endian bytes.
func encode(t Type, data any) ([]byte, error) {
	if got := TypeOf(data); got != t {
		return nil, fmt.Errorf("data is %T, want a slice of %v", data, t)
	}
	switch v := data.(type) {
	case []uint8:
		return v, nil
	case []int8:
		b := make([]byte, len(v))
		for i, x := range v {
			b[i] = byte(x)
		}
		return b, nil
	case []uint16:
		b := make([]byte, 0, 2*len(v))
		for _, x := range v {
			b = le16(b, x)
		}
		return b, nil
	case []int16:
		b := make([]byte, 0, 2*len(v))
		for _, x := range v {
			b = le16(b, uint16(x))
		}
		return b, nil
	case []uint32:
		b := make([]byte, 0, 4*len(v))
		for _, x := range v {
			b = le32(b, x)
		}
		return b, nil
	case []int32:
		b := make([]byte, 0, 4*len(v))
		for _, x := range v {
			b = le32(b, uint32(x))
		}
		return b, nil
	case []uint64:
		b := make([]byte, 0, 8*len(v))
		for _, x := range v {
			b = le64(b, x)
		}
		return b, nil
	case []int64:
		b := make([]byte, 0, 8*len(v))
		for _, x := range v {
			b = le64(b, uint64(x))
		}
		return b, nil
	case []float32:
		b := make([]byte, 0, 4*len(v))
		for _, x := range v {
			b = le32(b, math.Float32bits(x))
		}
		return b, nil
	case []float64:
		b := make([]byte, 0, 8*len(v))
		for _, x := range v {
			b = le64(b, math.Float64bits(x))
		}
		return b, nil
	}
	return nil, fmt.Errorf("unsupported data %T", data)
}

var zpools [10]sync.Pool

// deflate compresses b in zlib format (the HDF5 deflate filter).
func deflate(b []byte, level int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b)/2 + 64)
	zw, _ := zpools[level].Get().(*zlib.Writer)
	if zw == nil {
		var err error
		zw, err = zlib.NewWriterLevel(&buf, level)
		if err != nil {
			return nil, err
		}
	} else {
		zw.Reset(&buf)
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	zpools[level].Put(zw)
	if buf.Len() >= 1<<32 {
		return nil, fmt.Errorf("compressed chunk of %d bytes is 4 GiB or more", buf.Len())
	}
	return buf.Bytes(), nil
}

// datatypeMsg encodes a datatype message body (version 1).
func datatypeMsg(t Type) []byte {
	var b []byte
	size := uint32(t.Size())
	switch t {
	case Float32, Float64:
		b = append(b, 0x11) // version 1, class 1 (float)
		if t == Float32 {
			b = append(b, 0x20, 31, 0) // mantissa normalisation implied, sign bit 31
			b = le32(b, size)
			b = le16(b, 0)
			b = le16(b, 32)
			b = append(b, 23, 8, 0, 23)
			b = le32(b, 127)
		} else {
			b = append(b, 0x20, 63, 0)
			b = le32(b, size)
			b = le16(b, 0)
			b = le16(b, 64)
			b = append(b, 52, 11, 0, 52)
			b = le32(b, 1023)
		}
	default:
		b = append(b, 0x10) // version 1, class 0 (fixed point)
		var flags byte
		switch t {
		case Int8, Int16, Int32, Int64:
			flags = 0x08 // signed
		}
		b = append(b, flags, 0, 0)
		b = le32(b, size)
		b = le16(b, 0)
		b = le16(b, uint16(8*size))
	}
	return b
}

// stringTypeMsg encodes a fixed-length ASCII string type, null-terminated
// padding (what MATLAB writes for MATLAB_class).
func stringTypeMsg(n int) []byte {
	b := []byte{0x13, 0x00, 0, 0} // version 1, class 3; padding 0 (null term), ASCII
	return le32(b, uint32(n))
}

// dataspaceMsg encodes a version 1 dataspace (rank 0 = scalar).
func dataspaceMsg(shape []uint64) []byte {
	b := []byte{1, byte(len(shape)), 0, 0, 0, 0, 0, 0}
	for _, s := range shape {
		b = le64(b, s)
	}
	return b
}

// encodeAttr returns an attribute message body (version 1).
func encodeAttr(a Attr) ([]byte, error) {
	if a.Name == "" {
		return nil, fmt.Errorf("attribute with an empty name")
	}
	var dt, ds, data []byte
	switch v := a.Value.(type) {
	case string:
		n := len(v)
		if n == 0 {
			n = 1 // HDF5 strings have at least one byte
		}
		dt = stringTypeMsg(n)
		ds = dataspaceMsg(nil)
		data = make([]byte, n)
		copy(data, v)
	case int:
		dt, ds = datatypeMsg(Int64), dataspaceMsg(nil)
		data = le64(nil, uint64(v))
	case uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32, float64:
		s := scalarSlice(v)
		t := TypeOf(s)
		dt, ds = datatypeMsg(t), dataspaceMsg(nil)
		data, _ = encode(t, s)
	default:
		t := TypeOf(v)
		if t == 0 {
			return nil, fmt.Errorf("attribute %q: unsupported value type %T", a.Name, a.Value)
		}
		var err error
		data, err = encode(t, v)
		if err != nil {
			return nil, err
		}
		dt, ds = datatypeMsg(t), dataspaceMsg([]uint64{uint64(len(data) / t.Size())})
	}
	if len(data) > 64000 {
		return nil, fmt.Errorf("attribute %q: %d bytes is too large for an object header", a.Name, len(data))
	}
	b := []byte{1, 0}
	b = le16(b, uint16(len(a.Name)+1))
	b = le16(b, uint16(len(dt)))
	b = le16(b, uint16(len(ds)))
	b = append(b, a.Name...)
	b = append(b, 0)
	b = pad8(b)
	b = append(b, dt...)
	b = pad8(b)
	b = append(b, ds...)
	b = pad8(b)
	b = append(b, data...)
	return b, nil
}

func scalarSlice(v any) any {
	switch x := v.(type) {
	case uint8:
		return []uint8{x}
	case int8:
		return []int8{x}
	case uint16:
		return []uint16{x}
	case int16:
		return []int16{x}
	case uint32:
		return []uint32{x}
	case int32:
		return []int32{x}
	case uint64:
		return []uint64{x}
	case int64:
		return []int64{x}
	case float32:
		return []float32{x}
	case float64:
		return []float64{x}
	}
	return nil
}

type message struct {
	typ   uint16
	flags byte
	body  []byte
}

// objectHeader encodes a version 1 object header.
func objectHeader(msgs []message) ([]byte, error) {
	var body []byte
	for _, m := range msgs {
		n := (len(m.body) + 7) &^ 7
		if n > 0xffff {
			return nil, fmt.Errorf("header message of %d bytes is too large", n)
		}
		body = le16(body, m.typ)
		body = le16(body, uint16(n))
		body = append(body, m.flags, 0, 0, 0)
		body = append(body, m.body...)
		body = pad8(body)
	}
	b := []byte{1, 0}
	b = le16(b, uint16(len(msgs)))
	b = le32(b, 1) // reference count
	b = le32(b, uint32(len(body)))
	b = le32(b, 0) // alignment padding
	return append(b, body...), nil
}

// writeBlob allocates and writes b, returning its relative address.
func (w *File) writeBlob(b []byte) (uint64, error) {
	off := w.alloc(int64(len(b)))
	if err := w.writeAt(b, off); err != nil {
		return 0, err
	}
	return w.rel(off), nil
}

func (w *File) attrMessages(path string, attrs []Attr) ([]message, error) {
	var msgs []message
	for _, a := range attrs {
		b, err := encodeAttr(a)
		if err != nil {
			return nil, fmt.Errorf("hdf5write: %s: %w", path, err)
		}
		msgs = append(msgs, message{typ: msgAttribute, body: b})
	}
	return msgs, nil
}

// btreeEntry is one child of a v1 B-tree node: its left key and address.
type btreeEntry struct {
	key  []byte
	addr uint64
}

// writeBTree writes a v1 B-tree of the given node type whose level-0
// children are entries, with the final (right) key last. Nodes hold up to
// 2K children; more entries give more levels. Returns the root address.
func (w *File) writeBTree(nodeType byte, k int, keySize int, entries []btreeEntry, last []byte) (uint64, error) {
	level := 0
	nodeSize := 24 + (2*k+1)*keySize + 2*k*8
	for {
		nn := (len(entries) + 2*k - 1) / (2 * k)
		if nn == 0 {
			nn = 1
		}
		per := (len(entries) + nn - 1) / nn
		addrs := make([]uint64, nn)
		offs := make([]int64, nn)
		for i := range addrs {
			offs[i] = w.alloc(int64(nodeSize))
			addrs[i] = w.rel(offs[i])
		}
		var up []btreeEntry
		for i := 0; i < nn; i++ {
			lo := min(i*per, len(entries))
			hi := min(lo+per, len(entries))
			part := entries[lo:hi]
			right := last
			if hi < len(entries) {
				right = entries[hi].key
			}
			b := make([]byte, 0, nodeSize)
			b = append(b, 'T', 'R', 'E', 'E', nodeType, byte(level))
			b = le16(b, uint16(len(part)))
			left, rsib := undef, undef
			if i > 0 {
				left = addrs[i-1]
			}
			if i < nn-1 {
				rsib = addrs[i+1]
			}
			b = le64(b, left)
			b = le64(b, rsib)
			for _, e := range part {
				b = append(b, e.key...)
				b = le64(b, e.addr)
			}
			if len(part) > 0 {
				b = append(b, right...)
			} else {
				b = append(b, make([]byte, keySize)...)
			}
			b = append(b, make([]byte, nodeSize-len(b))...)
			if err := w.writeAt(b, offs[i]); err != nil {
				return 0, err
			}
			var k0 []byte
			if len(part) > 0 {
				k0 = part[0].key
			} else {
				k0 = make([]byte, keySize)
			}
			up = append(up, btreeEntry{key: k0, addr: addrs[i]})
		}
		if nn == 1 {
			return addrs[0], nil
		}
		entries = up
		level++
		if level > 64 {
			return 0, fmt.Errorf("hdf5write: B-tree too deep")
		}
	}
}

// writeGroup writes a group's members (recursively), its symbol table and
// object header. Returns the header, B-tree and heap addresses.
func (w *File) writeGroup(g *Group) (hdr, btree, heap uint64, err error) {
	g.mu.Lock()
	members := append([]member(nil), g.members...)
	attrs := append([]Attr(nil), g.attrs...)
	g.mu.Unlock()
	sort.Slice(members, func(i, j int) bool { return members[i].name < members[j].name })
	type ste struct {
		nameOff uint64
		addr    uint64
		cache   uint32
		btree   uint64
		heap    uint64
	}
	// local heap data: "" at offset 0, then the names
	data := make([]byte, 8)
	entries := make([]ste, len(members))
	for i, m := range members {
		entries[i].nameOff = uint64(len(data))
		data = append(data, m.name...)
		data = append(data, 0)
		data = pad8(data)
		if m.g != nil {
			a, bt, hp, err := w.writeGroup(m.g)
			if err != nil {
				return 0, 0, 0, err
			}
			entries[i].addr, entries[i].cache, entries[i].btree, entries[i].heap = a, 1, bt, hp
		} else {
			a, err := w.writeDataset(m.d)
			if err != nil {
				return 0, 0, 0, err
			}
			entries[i].addr = a
		}
	}
	// heap: header then data segment
	hb := []byte{'H', 'E', 'A', 'P', 0, 0, 0, 0}
	hb = le64(hb, uint64(len(data)))
	hb = le64(hb, 1) // free list: none (H5HL_FREE_NULL)
	heapOff := w.alloc(int64(32 + len(data)))
	hb = le64(hb, w.rel(heapOff)+32)
	hb = append(hb, data...)
	if err := w.writeAt(hb, heapOff); err != nil {
		return 0, 0, 0, err
	}
	heap = w.rel(heapOff)
	// symbol table nodes, evenly filled
	var bents []btreeEntry
	if n := len(entries); n > 0 {
		nn := (n + snodCap - 1) / snodCap
		per := (n + nn - 1) / nn
		for lo := 0; lo < n; lo += per {
			hi := min(lo+per, n)
			b := []byte{'S', 'N', 'O', 'D', 1, 0}
			b = le16(b, uint16(hi-lo))
			for _, e := range entries[lo:hi] {
				b = le64(b, e.nameOff)
				b = le64(b, e.addr)
				b = le32(b, e.cache)
				b = le32(b, 0)
				b = le64(b, e.btree)
				b = le64(b, e.heap)
			}
			b = append(b, make([]byte, 8+snodCap*40-len(b))...)
			addr, err := w.writeBlob(b)
			if err != nil {
				return 0, 0, 0, err
			}
			var k []byte
			if lo == 0 {
				k = le64(nil, 0)
			} else {
				k = le64(nil, entries[lo-1].nameOff)
			}
			bents = append(bents, btreeEntry{key: k, addr: addr})
		}
	}
	var lastKey []byte
	if len(entries) > 0 {
		lastKey = le64(nil, entries[len(entries)-1].nameOff)
	}
	btree, err = w.writeBTree(0, groupInternalK, 8, bents, lastKey)
	if err != nil {
		return 0, 0, 0, err
	}
	st := le64(nil, btree)
	st = le64(st, heap)
	msgs := []message{{typ: msgSymbolTable, body: st}}
	am, err := w.attrMessages(g.path, attrs)
	if err != nil {
		return 0, 0, 0, err
	}
	oh, err := objectHeader(append(msgs, am...))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("hdf5write: %s: %w", g.path, err)
	}
	hdr, err = w.writeBlob(oh)
	return hdr, btree, heap, err
}

// writeDataset writes a dataset's chunk index and object header.
func (w *File) writeDataset(d *DatasetWriter) (uint64, error) {
	if err := d.checkComplete(); err != nil {
		return 0, err
	}
	es := d.typ.Size()
	msgs := []message{
		{typ: msgDataspace, body: dataspaceMsg(d.shape)},
		{typ: msgDatatype, flags: 1, body: datatypeMsg(d.typ)},
	}
	// fill value message version 2: allocation time late (contiguous) or
	// incremental (chunked), write time "if set", defined, value zero
	alloc := byte(2)
	if d.chunk != nil {
		alloc = 3
	}
	fv := []byte{2, alloc, 2, 1}
	fv = le32(fv, uint32(es))
	fv = append(fv, make([]byte, es)...)
	msgs = append(msgs, message{typ: msgFillValue, flags: 1, body: fv})
	if d.chunk == nil {
		lb := []byte{3, 1}
		if d.n == 0 {
			lb = le64(lb, undef)
			lb = le64(lb, 0)
		} else {
			lb = le64(lb, w.rel(d.addr))
			lb = le64(lb, d.n*uint64(es))
		}
		msgs = append(msgs, message{typ: msgLayout, body: lb})
	} else {
		rank := len(d.shape)
		keySize := 8 + 8*(rank+1)
		recs := d.sortedChunks()
		ents := make([]btreeEntry, len(recs))
		for i, r := range recs {
			k := le32(nil, r.size)
			k = le32(k, 0) // filter mask: all filters applied
			for _, c := range r.coord {
				k = le64(k, c)
			}
			k = le64(k, 0)
			ents[i] = btreeEntry{key: k, addr: r.addr}
		}
		var last []byte
		if len(recs) > 0 {
			last = le32(nil, 0)
			last = le32(last, 0)
			for i, c := range recs[len(recs)-1].coord {
				last = le64(last, c+d.chunk[i])
			}
			last = le64(last, 0)
		}
		bt, err := w.writeBTree(1, chunkK, keySize, ents, last)
		if err != nil {
			return 0, err
		}
		lb := []byte{3, 2, byte(rank + 1)}
		lb = le64(lb, bt)
		for _, c := range d.chunk {
			lb = le32(lb, uint32(c))
		}
		lb = le32(lb, uint32(es))
		msgs = append(msgs, message{typ: msgLayout, body: lb})
		if d.deflate > 0 {
			fb := []byte{1, 1, 0, 0, 0, 0, 0, 0} // version 1, one filter
			fb = le16(fb, 1)                     // deflate
			fb = le16(fb, 0)                     // no name
			fb = le16(fb, 1)                     // optional, as H5Pset_deflate
			fb = le16(fb, 1)                     // one client value
			fb = le32(fb, uint32(d.deflate))
			fb = le32(fb, 0) // padding (odd number of values)
			msgs = append(msgs, message{typ: msgFilter, body: fb})
		}
	}
	am, err := w.attrMessages(d.path, d.attrs)
	if err != nil {
		return 0, err
	}
	oh, err := objectHeader(append(msgs, am...))
	if err != nil {
		return 0, fmt.Errorf("hdf5write: %s: %w", d.path, err)
	}
	return w.writeBlob(oh)
}

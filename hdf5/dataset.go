package hdf5

import (
	"errors"
	"fmt"
	"sync"
)

// chunkIndex is a chunked dataset's chunk index type: the "Chunk
// Indexing Type" of a version 4 Data Layout Message (IV.A.2.i), whose
// structures are described in Appendix C "Types of Indexes for Dataset
// Chunks"; layout versions 1-3 always use a version 1 B-tree (III.A.1),
// given the value 0 here (libhdf5's H5D_CHUNK_IDX_BTREE, which a version 4
// message may not name).
type chunkIndex uint8

// Chunk index types.
const (
	idxBTree1   chunkIndex = 0 // III.A.1 Version 1 B-trees (node type 1)
	idxSingle   chunkIndex = 1 // Appendix C: Single Chunk Index
	idxImplicit chunkIndex = 2 // Appendix C: Implicit Index
	idxFixed    chunkIndex = 3 // Appendix C: Fixed Array Index
	idxExtArray chunkIndex = 4 // Appendix C: Extensible Array Index
	idxBTree2   chunkIndex = 5 // Appendix C: Version 2 B-trees Index (III.A.2 record types 10, 11)
)

var indexNames = map[chunkIndex]string{idxBTree1: "v1 B-tree", idxSingle: "single chunk", idxImplicit: "implicit",
	idxFixed: "fixed array", idxExtArray: "extensible array", idxBTree2: "v2 B-tree"}

// layoutFlags are the flags of a version 4 chunked Data Layout Message
// (IV.A.2.i).
type layoutFlags uint8

// layoutSingleFiltered (bit 1 of the version 4 chunked layout flags,
// SINGLE_INDEX_WITH_FILTER): a single chunk index stores the filtered
// chunk's size and filter mask. (Bit 0, DONT_FILTER_PARTIAL_BOUND_CHUNKS:
// partial edge chunks are stored unfiltered, is honoured when chunks are
// read, in read.go.)
const layoutSingleFiltered layoutFlags = 0x02

// maxLayoutRank is the largest dataspace rank (H5S_MAX_RANK).
const maxLayoutRank = 32

// dsInfo is the parsed metadata of a dataset.
type dsInfo struct {
	space    dataspace
	dt       Datatype
	layout   Layout
	compact  []byte
	addr     uint64 // contiguous data address or chunk index address
	size     uint64 // contiguous size
	chunk    []uint64
	vdsIndex uint32 // virtual layout: global heap index of the mapping list
	index    chunkIndex
	lflags   layoutFlags
	// single chunk index of a filtered dataset: the chunk's stored size
	// and filter mask
	singleSize    uint64
	singleMask    uint32
	filters       []Filter
	filterOpt     []bool
	fill          []byte
	ext           []extSegment // external raw-data storage (nil: none)
	mu            sync.Mutex
	chunkCacheErr error
	chunks        *chunkTable
}

// datasetInfo decodes (and caches) the messages of a dataset's object
// header: dataspace, datatype, filter pipeline, fill value, external files
// and layout (IV.A.2.b, d, l, f/e, h, i).
func (f *File) datasetInfo(h *objHeader, path string) (*dsInfo, error) {
	if v, ok := f.st.dsCache.Load(h.addr); ok {
		return v.(*dsInfo), nil
	}
	d := &dsInfo{}
	m := h.find(msgDataspace)
	if m == nil {
		return nil, f.errf(path, "dataset", errors.New("no dataspace message"))
	}
	data, err := f.sharedData(m, path)
	if err != nil {
		return nil, err
	}
	if d.space, err = parseDataspace(f.cursor(data)); err != nil {
		return nil, f.errf(path, "dataspace message", err)
	}
	m = h.find(msgDatatype)
	if m == nil {
		return nil, f.errf(path, "dataset", errors.New("no datatype message"))
	}
	if data, err = f.sharedData(m, path); err != nil {
		return nil, err
	}
	if d.dt, err = parseDatatype(f.cursor(data), 0); err != nil {
		return nil, f.errf(path, "datatype message", err)
	}
	if d.dt.Size <= 0 {
		return nil, f.errf(path, "datatype message", fmt.Errorf("element size %d", d.dt.Size))
	}
	if m := h.find(msgPipeline); m != nil {
		if data, err = f.sharedData(m, path); err != nil {
			return nil, err
		}
		if err := d.parsePipeline(f.cursor(data)); err != nil {
			return nil, f.errf(path, "filter pipeline message", err)
		}
	}
	// libhdf5 (H5D__open_oid) reads the new fill value message and falls
	// back to the old one
	if m := h.find(msgFill); m != nil {
		if data, err = f.sharedData(m, path); err != nil {
			return nil, err
		}
		if err := d.parseFill(f.cursor(data)); err != nil {
			return nil, f.errf(path, "fill value message", err)
		}
	} else if m := h.find(msgFillOld); m != nil {
		if data, err = f.sharedData(m, path); err != nil {
			return nil, err
		}
		if err := d.parseOldFill(f.cursor(data)); err != nil {
			return nil, f.errf(path, "fill value message (old)", err)
		}
	}
	if d.fill != nil && len(d.fill) != d.dt.Size {
		d.fill = nil // inconsistent fill value: ignore (libhdf5 would convert)
	}
	if m := h.find(msgExternal); m != nil {
		if d.ext, err = f.parseExternal(m.data); err != nil {
			return nil, f.errf(path, "external data files message", err)
		}
		if len(d.ext) == 0 {
			return nil, f.errf(path, "external data files message", errors.New("no slots"))
		}
	}
	m = h.find(msgLayout)
	if m == nil {
		return nil, f.errf(path, "dataset", errors.New("no data layout message"))
	}
	if err := d.parseLayout(f.cursor(m.data)); err != nil {
		return nil, f.errf(path, "data layout message", err)
	}
	if d.layout == LayoutChunked && !d.space.null && len(d.chunk) != len(d.space.dims) {
		return nil, f.errf(path, "data layout message", fmt.Errorf("chunk rank %d differs from dataspace rank %d", len(d.chunk), len(d.space.dims)))
	}
	v, _ := f.st.dsCache.LoadOrStore(h.addr, d)
	return v.(*dsInfo), nil
}

// parseLayout decodes a Data Layout Message (IV.A.2.i, versions 1-4).
func (d *dsInfo) parseLayout(c *cursor) error {
	v := c.u8()
	switch v {
	case 1, 2:
		// IV.A.2.i Data Layout Message, versions 1 and 2: version,
		// dimensionality, layout class, 5 reserved bytes, the data
		// address (contiguous and chunked only), then dimensionality
		// 4-byte dimension sizes. For chunked data the dimensionality is
		// the dataspace rank + 1 and the last "dimension" is the element
		// size: libhdf5 (H5O__layout_decode) writes no separate
		// "Dataset Element Size" field. Compact data ends with a 4-byte
		// size and the data.
		nd := int(c.u8())
		cls := Layout(c.u8())
		c.skip(5)
		if nd < 1 || nd > maxLayoutRank+1 {
			return fmt.Errorf("layout dimensionality %d", nd)
		}
		d.layout = cls
		if cls == LayoutContiguous || cls == LayoutChunked {
			d.addr = c.addr()
		}
		dims := make([]uint64, 0, nd)
		for i := 0; i < nd; i++ {
			dims = append(dims, uint64(c.u32()))
		}
		switch cls {
		case LayoutCompact:
			n := c.u32()
			d.compact = c.bytes(int(min(n, 1<<30)))
		case LayoutContiguous:
			d.size = undef // computed from the dataspace
		case LayoutChunked:
			d.chunk = dims[:nd-1] // the last is the element size
			d.index = idxBTree1
			for i, x := range d.chunk {
				if x == 0 {
					return fmt.Errorf("chunk dimension %d is 0", i)
				}
			}
		default:
			return fmt.Errorf("layout class %d", cls)
		}
	case 3, 4:
		cls := Layout(c.u8())
		d.layout = cls
		switch cls {
		case LayoutCompact:
			n := c.u16()
			d.compact = c.bytes(int(n))
		case LayoutContiguous:
			d.addr = c.addr()
			d.size = c.length()
		case LayoutChunked:
			if v == 3 {
				nd := int(c.u8())
				d.addr = c.addr()
				if nd < 1 || nd > 33 {
					return fmt.Errorf("chunk rank %d", nd)
				}
				for i := 0; i < nd; i++ {
					d.chunk = append(d.chunk, uint64(c.u32()))
				}
				d.chunk = d.chunk[:nd-1] // the last is the element size
				d.index = idxBTree1
			} else {
				d.lflags = layoutFlags(c.u8())
				nd := int(c.u8())
				enc := int(c.u8())
				if nd < 1 || nd > 33 || enc < 1 || enc > 8 {
					return fmt.Errorf("chunk rank %d, dimension size bytes %d", nd, enc)
				}
				for i := 0; i < nd; i++ {
					d.chunk = append(d.chunk, c.uN(enc))
				}
				d.chunk = d.chunk[:nd-1] // the last is the element size
				d.index = chunkIndex(c.u8())
				if err := d.parseIndexParams(c); err != nil {
					return err
				}
				d.addr = c.addr()
			}
			for i, x := range d.chunk {
				if x == 0 {
					return fmt.Errorf("chunk dimension %d is 0", i)
				}
			}
		case LayoutVirtual:
			// IV.A.2.i, version 4, virtual storage: the global heap
			// collection address and index of the mapping list (III.F
			// Global Heap Block for Virtual Datasets)
			if v < 4 {
				return fmt.Errorf("virtual layout in a version %d layout message", v)
			}
			d.addr = c.addr()
			d.vdsIndex = c.u32()
		default:
			return fmt.Errorf("layout class %d", cls)
		}
	default:
		return fmt.Errorf("layout message version %d", v)
	}
	return c.err
}

// parseIndexParams decodes the "Indexing Information" of a version 4
// chunked Data Layout Message (IV.A.2.i) for the index type d.index, and
// checks it as libhdf5's H5O__layout_decode does: every fixed array and
// extensible array creation parameter must be non-zero, and the v2 B-tree
// split and merge percentages in 1..100. The array parameters are not kept:
// the index's own header (Appendix C, FAHD / EAHD) repeats them and is
// what the index is read with, as in libhdf5.
func (d *dsInfo) parseIndexParams(c *cursor) error {
	switch d.index {
	case idxSingle:
		if d.lflags&layoutSingleFiltered != 0 {
			d.singleSize = c.length()
			d.singleMask = c.u32()
		}
	case idxImplicit:
	case idxFixed:
		if pageBits := c.u8(); pageBits == 0 && c.err == nil {
			return errors.New("invalid fixed array creation parameter: max data block page bits 0")
		}
	case idxExtArray:
		// max elements bits, index block elements, min pointers in a
		// secondary block, min elements in a data block, max data block
		// page elements bits
		names := [...]string{"max elements bits", "index block elements", "secondary block min data pointers",
			"data block min elements", "max data block page bits"}
		for _, name := range names {
			if v := c.u8(); v == 0 && c.err == nil {
				return fmt.Errorf("invalid extensible array creation parameter: %s 0", name)
			}
		}
	case idxBTree2:
		c.u32() // node size (the B-tree header's own is used)
		split, merge := c.u8(), c.u8()
		if c.err == nil && (split == 0 || split > 100 || merge == 0 || merge > 100) {
			return fmt.Errorf("v2 B-tree index: split percent %d, merge percent %d (must be 1..100)", split, merge)
		}
	default:
		return fmt.Errorf("unknown chunk index type %d", d.index)
	}
	return nil
}

// parsePipeline decodes a Filter Pipeline Message (IV.A.2.l, versions 1
// and 2).
func (d *dsInfo) parsePipeline(c *cursor) error {
	v := c.u8()
	n := int(c.u8())
	if v == 1 {
		c.skip(6)
	} else if v != 2 {
		return fmt.Errorf("version %d", v)
	}
	if n > 32 {
		return fmt.Errorf("%d filters", n)
	}
	for i := 0; i < n; i++ {
		var fl Filter
		fl.ID = int(c.u16())
		nameLen := 0
		if v == 1 || fl.ID >= 256 {
			nameLen = int(c.u16())
		}
		flags := c.u16()
		ncd := int(c.u16())
		if nameLen > 0 {
			nb := c.bytes(nameLen)
			if v == 1 && nameLen%8 != 0 {
				c.skip(8 - nameLen%8)
			}
			for j, x := range nb {
				if x == 0 {
					nb = nb[:j]
					break
				}
			}
			fl.Name = string(nb)
		}
		if ncd > c.remaining()/4+1 {
			return fmt.Errorf("filter %d: %d parameters", fl.ID, ncd)
		}
		for j := 0; j < ncd; j++ {
			fl.Params = append(fl.Params, c.u32())
		}
		if v == 1 && ncd%2 == 1 {
			c.skip(4)
		}
		if c.err != nil {
			return c.err
		}
		if name, ok := filterIDNames[FilterID(fl.ID)]; ok && (fl.Name == "" || fl.ID < 256) {
			fl.Name = name
		}
		d.filters = append(d.filters, fl)
		d.filterOpt = append(d.filterOpt, flags&1 != 0)
	}
	return c.err
}

// Fill Value Message flags, version 3 (IV.A.2.f): bits 0-1 space
// allocation time, 2-3 fill value write time, then these; bits 6-7 are
// reserved.
const (
	fillUndefined = 0x10 // bit 4: the fill value is undefined
	fillDefined   = 0x20 // bit 5: a fill value (size and value) follows
	fillKnownBits = 0x3f
)

// parseFill decodes a fill value message (IV.A.2.f Fill Value Message,
// versions 1-3) as libhdf5's H5O__fill_new_decode does: versions 1 and 2
// store the size and the value only when "fill value defined" is set;
// version 3 only when flag bit 5 is set (bit 4, "undefined", excludes it).
// A size that runs past the message is an error ("fill size exceeds buffer
// size"), not a value silently dropped.
func (d *dsInfo) parseFill(c *cursor) error {
	v := c.u8()
	var size int32
	has := false
	switch v {
	case 1, 2:
		c.u8() // space allocation time
		c.u8() // fill value write time
		if c.u8() != 0 {
			size, has = int32(c.u32()), true
		}
	case 3:
		flags := c.u8()
		if flags&^fillKnownBits != 0 {
			return fmt.Errorf("unknown flags 0x%02x", flags)
		}
		if flags&fillUndefined != 0 && flags&fillDefined != 0 {
			return errors.New("both the undefined-value and have-value flags are set")
		}
		if flags&fillDefined != 0 {
			size, has = int32(c.u32()), true
		}
	default:
		return fmt.Errorf("version %d", v)
	}
	if c.err != nil {
		return c.err
	}
	if has && size > 0 {
		if int(size) > c.remaining() {
			return fmt.Errorf("fill value of %d bytes exceeds the %d bytes left in the message", size, c.remaining())
		}
		d.fill = c.bytes(int(size))
	}
	return c.err
}

// parseOldFill decodes the old fill value message (IV.A.2.e Fill Value
// Message - Old): a 4-byte size and the value, as H5O__fill_old_decode.
func (d *dsInfo) parseOldFill(c *cursor) error {
	n := c.u32()
	if c.err != nil {
		return c.err
	}
	if n > 0 {
		if uint64(n) > uint64(c.remaining()) {
			return fmt.Errorf("fill value of %d bytes exceeds the %d bytes left in the message", n, c.remaining())
		}
		d.fill = c.bytes(int(n))
	}
	return c.err
}

// sharedData returns a message's body, resolving shared messages (IV.A.2,
// "Shared Messages": version 1 and 2 references to another object header,
// version 3 references to an object header or to the shared message heap
// of III.I).
func (f *File) sharedData(m *message, path string) ([]byte, error) {
	if m.flags&msgFlagShared == 0 {
		return m.data, nil
	}
	c := f.cursor(m.data)
	v := c.u8()
	typ := c.u8()
	var addr uint64
	switch v {
	case 1:
		// reserved bytes, then a symbol table entry: name offset, address
		c.skip(6)
		c.addr()
		addr = c.addr()
	case 2:
		addr = c.addr()
	case 3:
		if typ == 1 {
			// stored in the shared message heap (III.I): an 8-byte heap ID
			id := c.bytes(8)
			if c.err != nil {
				return nil, f.errf(path, "shared message", c.err)
			}
			b, err := f.sohmMessage(m.typ, id)
			if err != nil {
				return nil, f.errf(path, "shared message", err)
			}
			return b, nil
		}
		addr = c.addr()
	default:
		return nil, f.errf(path, "shared message", fmt.Errorf("version %d", v))
	}
	if c.err != nil {
		return nil, f.errf(path, "shared message", c.err)
	}
	h, err := f.objectHeader(addr)
	if err != nil {
		return nil, f.errf(path, "shared message", err)
	}
	for i := range h.msgs {
		if h.msgs[i].typ == m.typ {
			if h.msgs[i].flags&msgFlagShared != 0 {
				return nil, f.errf(path, "shared message", errors.New("shared message points to another shared message"))
			}
			return h.msgs[i].data, nil
		}
	}
	return nil, f.errf(path, "shared message", fmt.Errorf("object at 0x%x has no message of type 0x%x", addr, m.typ))
}

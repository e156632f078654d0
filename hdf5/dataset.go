package hdf5

import (
	"errors"
	"fmt"
	"sync"
)

// Chunk index types (layout v4), plus 0 for the v1 B-tree of layout v1-3.
const (
	idxBTree1   = 0
	idxSingle   = 1
	idxImplicit = 2
	idxFixed    = 3
	idxExtArray = 4
	idxBTree2   = 5
)

var indexNames = map[int]string{0: "v1 B-tree", 1: "single chunk", 2: "implicit", 3: "fixed array", 4: "extensible array", 5: "v2 B-tree"}

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
	chunkElt uint64 // element size from the layout message
	vdsIndex uint32 // virtual layout: global heap index of the mapping list
	index    int
	lflags   uint8
	// index parameters
	faPageBits    uint8
	eaMaxBits     uint8
	eaIdxElmts    uint8
	eaMinPtrs     uint8
	eaMinElmts    uint8
	eaPageBits    uint8
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
		cls := c.u8()
		c.skip(5)
		if nd < 1 || nd > maxLayoutRank+1 {
			return fmt.Errorf("layout dimensionality %d", nd)
		}
		d.layout = Layout(cls)
		if cls == 1 || cls == 2 {
			d.addr = c.addr()
		}
		dims := make([]uint64, 0, nd)
		for i := 0; i < nd; i++ {
			dims = append(dims, uint64(c.u32()))
		}
		switch cls {
		case 0:
			n := c.u32()
			d.compact = c.bytes(int(min(n, 1<<30)))
		case 1:
			d.size = undef // computed from the dataspace
		case 2:
			d.chunkElt = dims[nd-1]
			d.chunk = dims[:nd-1]
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
		cls := c.u8()
		d.layout = Layout(cls)
		switch cls {
		case 0:
			n := c.u16()
			d.compact = c.bytes(int(n))
		case 1:
			d.addr = c.addr()
			d.size = c.length()
		case 2:
			if v == 3 {
				nd := int(c.u8())
				d.addr = c.addr()
				if nd < 1 || nd > 33 {
					return fmt.Errorf("chunk rank %d", nd)
				}
				for i := 0; i < nd; i++ {
					d.chunk = append(d.chunk, uint64(c.u32()))
				}
				d.chunkElt = d.chunk[nd-1]
				d.chunk = d.chunk[:nd-1]
				d.index = idxBTree1
			} else {
				d.lflags = c.u8()
				nd := int(c.u8())
				enc := int(c.u8())
				if nd < 1 || nd > 33 || enc < 1 || enc > 8 {
					return fmt.Errorf("chunk rank %d, dimension size bytes %d", nd, enc)
				}
				for i := 0; i < nd; i++ {
					d.chunk = append(d.chunk, c.uN(enc))
				}
				d.chunkElt = d.chunk[nd-1]
				d.chunk = d.chunk[:nd-1]
				d.index = int(c.u8())
				switch d.index {
				case idxSingle:
					if d.lflags&2 != 0 {
						d.singleSize = c.length()
						d.singleMask = c.u32()
					}
				case idxImplicit:
				case idxFixed:
					d.faPageBits = c.u8()
				case idxExtArray:
					d.eaMaxBits = c.u8()
					d.eaIdxElmts = c.u8()
					d.eaMinPtrs = c.u8()
					d.eaMinElmts = c.u8()
					d.eaPageBits = c.u8()
				case idxBTree2:
					c.u32()
					c.u8()
					c.u8()
				default:
					return fmt.Errorf("unknown chunk index type %d", d.index)
				}
				d.addr = c.addr()
			}
			for i, x := range d.chunk {
				if x == 0 {
					return fmt.Errorf("chunk dimension %d is 0", i)
				}
			}
		case 3:
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

var filterNames = map[int]string{1: "deflate", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset",
	32000: "LZF", 32001: "Blosc", 32004: "LZ4", 32008: "bitshuffle", 32013: "zfp", 32015: "zstd", 307: "bzip2"}

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
		if name, ok := filterNames[fl.ID]; ok && (fl.Name == "" || fl.ID < 256) {
			fl.Name = name
		}
		d.filters = append(d.filters, fl)
		d.filterOpt = append(d.filterOpt, flags&1 != 0)
	}
	return c.err
}

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
		if flags&^0x3f != 0 {
			return fmt.Errorf("unknown flags 0x%02x", flags)
		}
		if flags&0x10 != 0 && flags&0x20 != 0 {
			return errors.New("both the undefined-value and have-value flags are set")
		}
		if flags&0x20 != 0 {
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

// sharedData returns a message's body, resolving shared (committed) messages.
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

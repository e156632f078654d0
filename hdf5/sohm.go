package hdf5

import (
	"errors"
	"fmt"
)

// sohmIndex is one index of the shared object header message table (III.I
// Shared Object Header Message Table): which message types it holds and
// the fractal heap the shared messages are stored in.
type sohmIndex struct {
	typeFlags uint16
	heapAddr  uint64
}

// sohmFlag maps a message type to its bit in an index's message type
// flags: libhdf5 sets bit <message type> (H5O_SHMESG_SDSPACE_FLAG is
// 1 << 0x01, ..._DTYPE_FLAG 1 << 0x03, ..._FILL_FLAG 1 << 0x05,
// ..._PLINE_FLAG 1 << 0x0B, ..._ATTR_FLAG 1 << 0x0C).
var sohmFlag = map[msgType]uint16{msgDataspace: 1 << msgDataspace, msgDatatype: 1 << msgDatatype, msgFill: 1 << msgFill, msgPipeline: 1 << msgPipeline, msgAttribute: 1 << msgAttribute}

// smtbIndexFixed is the size of one index of the shared message table
// (III.I) before its two addresses: version, index type, message type
// flags (2), minimum message size (4), list cutoff (2), B-tree cutoff (2),
// number of messages (2).
const smtbIndexFixed = 1 + 1 + 2 + 4 + 2 + 2 + 2

// maxSOHMIndexes is H5O_SHMESG_MAX_NINDEXES.
const maxSOHMIndexes = 8

// sharedTable reads (once) the shared message table named by the Shared
// Message Table message of the superblock extension.
func (f *File) sharedTable() ([]sohmIndex, error) {
	st := f.st
	st.sohmOnce.Do(func() {
		st.sohm, st.sohmErr = f.readSharedTable()
	})
	return st.sohm, st.sohmErr
}

func (f *File) readSharedTable() ([]sohmIndex, error) {
	if f.st.extAddr == undef {
		return nil, errors.New("a message is stored in the shared message heap but the file has no superblock extension")
	}
	h, err := f.objectHeader(f.st.extAddr)
	if err != nil {
		return nil, fmt.Errorf("superblock extension: %w", err)
	}
	m := h.find(msgSharedTable)
	if m == nil {
		return nil, errors.New("a message is stored in the shared message heap but the superblock extension has no shared message table message")
	}
	// IV.A.2.p: version 0, table address, number of indices
	c := f.cursor(m.data)
	if v := c.u8(); v != 0 {
		return nil, fmt.Errorf("shared message table message version %d", v)
	}
	addr := c.addr()
	n := int(c.u8())
	if c.err != nil {
		return nil, fmt.Errorf("shared message table message: %w", c.err)
	}
	if n < 1 || n > maxSOHMIndexes {
		return nil, fmt.Errorf("shared message table with %d indexes", n)
	}
	// III.I: "SMTB", then per index: version, index type, message type
	// flags (2), minimum message size (4), list cutoff (2), B-tree
	// cutoff (2), number of messages (2), index address, fractal heap
	// address; then the checksum
	entry := smtbIndexFixed + 2*f.st.osize
	b, err := f.readBlock("shared message table", addr, uint64(sigLen+n*entry+checksumLen), "SMTB")
	if err != nil {
		return nil, err
	}
	c = f.cursor(b[sigLen : len(b)-checksumLen])
	out := make([]sohmIndex, 0, n)
	for i := 0; i < n; i++ {
		if v := c.u8(); v != 0 {
			return nil, fmt.Errorf("shared message index %d: version %d", i, v)
		}
		c.u8() // index type: 0 list, 1 v2 B-tree (only the heap is needed)
		var x sohmIndex
		x.typeFlags = c.u16()
		c.u32() // minimum message size
		c.u16() // list cutoff
		c.u16() // B-tree cutoff
		c.u16() // number of messages
		c.addr()
		x.heapAddr = c.addr()
		out = append(out, x)
	}
	return out, c.err
}

// sohmMessage returns the body of a message of type typ stored in the
// shared message heap under heapID (a shared message, version 3, type 1).
func (f *File) sohmMessage(typ msgType, heapID []byte) ([]byte, error) {
	bit, ok := sohmFlag[typ]
	if !ok {
		return nil, fmt.Errorf("message type 0x%x cannot be shared in the shared message heap", typ)
	}
	idx, err := f.sharedTable()
	if err != nil {
		return nil, err
	}
	for _, x := range idx {
		if x.typeFlags&bit == 0 {
			continue
		}
		fh, err := f.fractalHeap(x.heapAddr)
		if err != nil {
			return nil, fmt.Errorf("shared message heap: %w", err)
		}
		return fh.get(heapID)
	}
	return nil, fmt.Errorf("no shared message index holds message type 0x%x", typ)
}

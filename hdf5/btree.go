package hdf5

import (
	"bytes"
	"errors"
	"fmt"
)

const maxTreeDepth = 64

// Version 1 B-tree node types (III.A.1 Version 1 B-trees, "Node Type").
const (
	btree1Group = 0 // group nodes: keys are local heap name offsets, children symbol table nodes
	btree1Chunk = 1 // raw data chunk nodes: keys locate chunks, children are the chunks
)

// Sizes of the B-tree nodes (III.A.1, III.A.2).
const (
	// version 1 node: "TREE", node type, node level, entries used (2),
	// then the left and right sibling addresses
	btree1NodeFixed = sigLen + 1 + 1 + 2
	// version 2 header ("BTHD"): version, type, node size (4), record
	// size (2), depth (2), split percent, merge percent, root node
	// address, root records (2), total records (length), checksum
	btree2HeaderFixed = sigLen + 1 + 1 + 4 + 2 + 2 + 1 + 1 + 2 + checksumLen
	// version 2 node ("BTIN"/"BTLF"): signature, version, type
	btree2NodeStart = sigLen + 1 + 1
	// the overhead of a version 2 node: its start and checksum, the
	// space that libhdf5 (H5B2__hdr_init) takes off the node size before
	// counting the records that fit
	btree2NodeOverhead = btree2NodeStart + checksumLen
)

// walkBTree1 visits the leaf-level children of a version 1 B-tree (III.A.1
// Version 1 B-trees) with node type typ (btree1Group, btree1Chunk);
// keySize is the size of one key.
func (f *File) walkBTree1(addr uint64, typ uint8, keySize int, visit func(leftKey []byte, child uint64) error) error {
	seen := map[uint64]bool{}
	var walk func(addr uint64, depth int, wantLevel int) error
	walk = func(addr uint64, depth int, wantLevel int) error {
		if depth > maxTreeDepth {
			return errors.New("v1 B-tree too deep")
		}
		if seen[addr] {
			return fmt.Errorf("v1 B-tree node 0x%x visited twice (cycle)", addr)
		}
		seen[addr] = true
		level, keys, children, err := f.btree1Node(addr, typ, keySize, wantLevel)
		if err != nil {
			return err
		}
		for i, child := range children {
			if level == 0 {
				if err := visit(keys[i], child); err != nil {
					return err
				}
			} else if err := walk(child, depth+1, level-1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(addr, 0, -1)
}

// btree1Node reads the version 1 B-tree node at addr: "TREE", node type
// (typ), node level (wantLevel unless negative), entries used, sibling
// addresses, then the keys and child addresses interleaved (one more key
// than children). It returns the level, the left key of each child and
// the children.
func (f *File) btree1Node(addr uint64, typ uint8, keySize, wantLevel int) (int, [][]byte, []uint64, error) {
	hb, err := f.readAt(addr, uint64(btree1NodeFixed+2*f.st.osize))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("v1 B-tree node at 0x%x: %w", addr, err)
	}
	if !bytes.Equal(hb[:sigLen], []byte("TREE")) {
		return 0, nil, nil, fmt.Errorf("v1 B-tree node at 0x%x: bad signature", addr)
	}
	if hb[4] != typ {
		return 0, nil, nil, fmt.Errorf("v1 B-tree node at 0x%x: type %d, want %d", addr, hb[4], typ)
	}
	level := int(hb[5])
	if wantLevel >= 0 && level != wantLevel {
		return 0, nil, nil, fmt.Errorf("v1 B-tree node at 0x%x: level %d, want %d", addr, level, wantLevel)
	}
	n := int(hb[6]) | int(hb[7])<<8
	size := uint64(btree1NodeFixed+2*f.st.osize) + uint64(n)*uint64(keySize+f.st.osize) + uint64(keySize)
	b, err := f.readAt(addr, size)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("v1 B-tree node at 0x%x with %d entries: %w", addr, n, err)
	}
	c := f.cursor(b)
	c.skip(btree1NodeFixed + 2*f.st.osize)
	keys := make([][]byte, n)
	children := make([]uint64, n)
	for i := range children {
		keys[i] = c.bytes(keySize)
		children[i] = c.addr()
		if c.err != nil {
			return 0, nil, nil, c.err
		}
	}
	return level, keys, children, nil
}

// bt2Header is a parsed version 2 B-tree header.
type bt2Header struct {
	typ         uint8
	nodeSize    uint64
	recSize     int
	depth       int
	root        uint64
	rootN       int
	maxNrecSize int
	cumSize     []int // cumulative max records field size per depth
}

// bt2Header reads a version 2 B-tree header (III.A.2 Version 2 B-trees)
// and derives, as libhdf5's H5B2__hdr_init does, the size of the "number
// of records" fields of the child pointers at each depth.
func (f *File) bt2Header(addr uint64) (*bt2Header, error) {
	n := uint64(btree2HeaderFixed + f.st.osize + f.st.lsize)
	b, err := f.readBlock("v2 B-tree header", addr, n, "BTHD")
	if err != nil {
		return nil, err
	}
	c := f.cursor(b)
	c.skip(sigLen + 1)
	h := &bt2Header{}
	h.typ = c.u8()
	h.nodeSize = uint64(c.u32())
	h.recSize = int(c.u16())
	h.depth = int(c.u16())
	c.u8() // split percent
	c.u8() // merge percent
	h.root = c.addr()
	h.rootN = int(c.u16())
	if c.err != nil {
		return nil, c.err
	}
	if h.recSize == 0 || h.nodeSize < btree2NodeOverhead || h.nodeSize > 1<<24 || h.depth > maxTreeDepth {
		return nil, fmt.Errorf("v2 B-tree header at 0x%x: node size %d, record size %d, depth %d", addr, h.nodeSize, h.recSize, h.depth)
	}
	maxLeaf := (h.nodeSize - btree2NodeOverhead) / uint64(h.recSize)
	h.maxNrecSize = limitEncSize(maxLeaf)
	h.cumSize = make([]int, h.depth+1)
	cum := maxLeaf
	for d := 1; d <= h.depth; d++ {
		ptr := uint64(f.st.osize + h.maxNrecSize)
		if d > 1 {
			ptr += uint64(h.cumSize[d-1])
		}
		var maxN uint64
		if h.nodeSize > btree2NodeOverhead+ptr {
			maxN = (h.nodeSize - (btree2NodeOverhead + ptr)) / (uint64(h.recSize) + ptr)
		}
		nc, ok := mulCheck(maxN+1, cum)
		if ok {
			nc, ok = addCheck(nc, maxN)
		}
		if !ok {
			nc = undef
		}
		cum = nc
		h.cumSize[d] = limitEncSize(cum)
	}
	return h, nil
}

// walkBTree2 visits every record of a version 2 B-tree in order.
func (f *File) walkBTree2(addr uint64, visit func(rec []byte) error) error {
	h, err := f.bt2Header(addr)
	if err != nil {
		return err
	}
	if h.root == undef || h.rootN == 0 {
		return nil
	}
	seen := map[uint64]bool{}
	var walk func(addr uint64, nrec int, depth int) error
	walk = func(addr uint64, nrec int, depth int) error {
		if seen[addr] {
			return fmt.Errorf("v2 B-tree node 0x%x visited twice (cycle)", addr)
		}
		seen[addr] = true
		recs, kids, err := f.bt2Node(h, addr, nrec, depth)
		if err != nil {
			return err
		}
		for i := 0; i < nrec; i++ {
			if depth > 0 {
				if err := walk(kids[i].addr, kids[i].n, depth-1); err != nil {
					return err
				}
			}
			if err := visit(recs[i*h.recSize : (i+1)*h.recSize]); err != nil {
				return err
			}
		}
		if depth > 0 {
			return walk(kids[nrec].addr, kids[nrec].n, depth-1)
		}
		return nil
	}
	return walk(h.root, h.rootN, h.depth)
}

// bt2Child is a child node pointer of a version 2 B-tree internal node.
type bt2Child struct {
	addr uint64
	n    int // records in the child
}

// bt2Node reads the node at addr holding nrec records: a leaf ("BTLF") at
// depth 0, else an internal node ("BTIN") whose records are followed by
// nrec+1 child pointers (address, number of records, and below depth 1
// the total number of records, in the sizes bt2Header derived), then the
// checksum.
func (f *File) bt2Node(h *bt2Header, addr uint64, nrec, depth int) ([]byte, []bt2Child, error) {
	b, err := f.readAt(addr, h.nodeSize)
	if err != nil {
		return nil, nil, fmt.Errorf("v2 B-tree node at 0x%x: %w", addr, err)
	}
	sig := "BTLF"
	if depth > 0 {
		sig = "BTIN"
	}
	if !bytes.Equal(b[:sigLen], []byte(sig)) {
		return nil, nil, fmt.Errorf("v2 B-tree node at 0x%x: bad signature (want %s)", addr, sig)
	}
	c := f.cursor(b)
	c.skip(btree2NodeStart)
	recs := c.bytes(nrec * h.recSize)
	if c.err != nil {
		return nil, nil, fmt.Errorf("v2 B-tree node at 0x%x: %d records do not fit", addr, nrec)
	}
	var kids []bt2Child
	if depth > 0 {
		for i := 0; i <= nrec; i++ {
			a := c.addr()
			n := c.uN(h.maxNrecSize)
			if depth > 1 {
				c.uN(h.cumSize[depth-1])
			}
			if n > uint64(h.nodeSize) {
				return nil, nil, fmt.Errorf("v2 B-tree node at 0x%x: child with %d records", addr, n)
			}
			kids = append(kids, bt2Child{a, int(n)})
		}
	}
	end := c.off
	c.u32()
	if c.err != nil {
		return nil, nil, fmt.Errorf("v2 B-tree node at 0x%x: %w", addr, c.err)
	}
	if err := verifyChecksum(b[:end+checksumLen]); err != nil {
		return nil, nil, fmt.Errorf("v2 B-tree node at 0x%x: %w", addr, err)
	}
	return recs, kids, nil
}

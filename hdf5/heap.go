package hdf5

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"sync"
)

// Sizes of the heap structures (III.D, III.E, III.G).
const (
	// local heap: "HEAP", version, 3 reserved bytes, then the data
	// segment size and free list head offset (lengths) and the data
	// segment address
	localHeapFixed = sigLen + 1 + 3
	// global heap collection: "GCOL", version, 3 reserved bytes, then
	// the collection size (length)
	globalHeapFixed = sigLen + 1 + 3
	// global heap object: heap object index (2), reference count (2),
	// reserved (4), then the object size (length) and the data, padded
	// to a multiple of 8 bytes
	globalObjFixed = 2 + 2 + 4
	// fractal heap header: "FRHP", version, heap ID length (2), I/O
	// filters' encoded length (2), flags, maximum size of managed objects
	// (4), table width (2), maximum heap size (2), starting number of
	// rows (2), current number of rows (2); then fractalHeapLengths
	// lengths, fractalHeapOffsets offsets and the checksum (the filtered
	// root direct block fields are not supported)
	fractalHeapFixed   = sigLen + 1 + 2 + 2 + 1 + 4 + 2 + 2 + 2 + 2 + checksumLen
	fractalHeapLengths = 12 // next huge object ID, 8 space and object counts, starting block size, max direct block size
	fractalHeapOffsets = 3  // huge object B-tree, free space manager, root block
	// direct and indirect blocks: signature, version, then the heap
	// header address (offset) and the block offset
	fractalBlockStart = sigLen + 1
)

// fhDirectChecksums (bit 1 of the fractal heap header flags, III.G):
// direct blocks are checksummed. (Bit 0, huge object IDs wrapped, does not
// matter to a reader.)
const fhDirectChecksums = 0x02

// Fractal heap ID types (III.G "Fractal Heap ID": bits 4-5 of the first
// byte).
const (
	heapIDManaged = 0
	heapIDHuge    = 1
	heapIDTiny    = 2
)

// localHeap is a local heap (III.D Local Heaps: the names of old-style
// group members).
type localHeap struct{ data []byte }

func (f *File) localHeap(addr uint64) (*localHeap, error) {
	n := uint64(localHeapFixed + 2*f.st.lsize + f.st.osize)
	b, err := f.readAt(addr, n)
	if err != nil {
		return nil, fmt.Errorf("local heap at 0x%x: %w", addr, err)
	}
	if !bytes.Equal(b[:sigLen], []byte("HEAP")) {
		return nil, fmt.Errorf("local heap at 0x%x: bad signature", addr)
	}
	c := f.cursor(b)
	c.skip(localHeapFixed)
	size := c.length()
	c.length()
	daddr := c.addr()
	if c.err != nil {
		return nil, c.err
	}
	data, err := f.readAt(daddr, size)
	if err != nil {
		return nil, fmt.Errorf("local heap data segment at 0x%x (%d bytes): %w", daddr, size, err)
	}
	return &localHeap{data: data}, nil
}

func (h *localHeap) str(off uint64) (string, error) {
	if off >= uint64(len(h.data)) {
		return "", fmt.Errorf("local heap offset %d outside the %d-byte heap", off, len(h.data))
	}
	b := h.data[off:]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i]), nil
	}
	return "", fmt.Errorf("unterminated name at local heap offset %d", off)
}

// globalHeap is a global heap collection (III.E Global Heap).
type globalHeap struct {
	objs map[uint16][]byte
	size uint64
}

func (f *File) globalHeapObject(addr uint64, idx uint32) ([]byte, error) {
	f.st.ghMu.Lock()
	gh, ok := f.st.ghCache[addr]
	f.st.ghMu.Unlock()
	if !ok {
		var err error
		gh, err = f.readGlobalHeap(addr)
		if err != nil {
			return nil, err
		}
		f.st.ghMu.Lock()
		// bound the cache by bytes: at most the file size plus 16 MiB
		if f.st.ghBytes+gh.size > uint64(f.size)+16<<20 {
			f.st.ghCache = map[uint64]*globalHeap{}
			f.st.ghBytes = 0
		}
		f.st.ghCache[addr] = gh
		f.st.ghBytes += gh.size
		f.st.ghMu.Unlock()
	}
	o, ok := gh.objs[uint16(idx)]
	if !ok || idx > 0xffff {
		return nil, fmt.Errorf("global heap collection 0x%x has no object %d", addr, idx)
	}
	return o, nil
}

func (f *File) readGlobalHeap(addr uint64) (*globalHeap, error) {
	hb, err := f.readAt(addr, uint64(globalHeapFixed+f.st.lsize))
	if err != nil {
		return nil, fmt.Errorf("global heap at 0x%x: %w", addr, err)
	}
	if !bytes.Equal(hb[:sigLen], []byte("GCOL")) {
		return nil, fmt.Errorf("global heap at 0x%x: bad signature", addr)
	}
	size := f.cursor(hb[globalHeapFixed:]).length()
	b, err := f.readAt(addr, size)
	if err != nil {
		return nil, fmt.Errorf("global heap at 0x%x (%d bytes): %w", addr, size, err)
	}
	c := f.cursor(b)
	c.skip(globalHeapFixed + f.st.lsize)
	gh := &globalHeap{objs: map[uint16][]byte{}, size: size}
	for c.remaining() >= globalObjFixed+f.st.lsize {
		idx := c.u16()
		c.u16()
		c.u32()
		n := c.length()
		if idx == 0 {
			break
		}
		if n > uint64(c.remaining()) {
			return nil, fmt.Errorf("global heap at 0x%x: object %d of %d bytes overruns the collection", addr, idx, n)
		}
		gh.objs[idx] = c.bytes(int(n))
		if p := int(n) % 8; p != 0 {
			if c.remaining() < 8-p {
				break
			}
			c.skip(8 - p)
		}
	}
	return gh, nil
}

// fractalHeap is a parsed fractal heap header with a direct-block cache.
type fractalHeap struct {
	f          *File
	addr       uint64
	idLen      int
	filterLen  int
	flags      uint8
	maxMan     uint64
	width      uint64
	startBlock uint64
	maxDirect  uint64
	maxBits    int
	root       uint64
	curRows    int
	offBytes   int
	lenBytes   int
	maxDRows   int
	hugeTree   uint64
	mu         sync.Mutex
	blocks     map[uint64][]byte
}

// fractalHeap reads a fractal heap header (III.G Fractal Heap). Heaps
// with I/O filters are not supported.
func (f *File) fractalHeap(addr uint64) (*fractalHeap, error) {
	n := uint64(fractalHeapFixed + fractalHeapLengths*f.st.lsize + fractalHeapOffsets*f.st.osize)
	b, err := f.readAt(addr, n)
	if err != nil {
		return nil, fmt.Errorf("fractal heap header at 0x%x: %w", addr, err)
	}
	if !bytes.Equal(b[:sigLen], []byte("FRHP")) {
		return nil, fmt.Errorf("fractal heap header at 0x%x: bad signature", addr)
	}
	c := f.cursor(b)
	c.skip(sigLen + 1)
	h := &fractalHeap{f: f, addr: addr, blocks: map[uint64][]byte{}}
	h.idLen = int(c.u16())
	h.filterLen = int(c.u16())
	h.flags = c.u8()
	h.maxMan = uint64(c.u32())
	c.length() // next huge object ID
	h.hugeTree = c.addr()
	c.length() // free space in managed blocks
	c.addr()   // managed block free space manager
	for range 8 {
		c.length() // managed space, allocated managed space, direct block allocation iterator offset, managed objects, huge objects size and number, tiny objects size and number
	}
	h.width = uint64(c.u16())
	h.startBlock = c.length()
	h.maxDirect = c.length()
	h.maxBits = int(c.u16())
	c.u16() // starting number of rows in the root indirect block
	h.root = c.addr()
	h.curRows = int(c.u16())
	if h.filterLen > 0 {
		return nil, fmt.Errorf("fractal heap at 0x%x: filtered heaps are not supported", addr)
	}
	end := c.off
	c.u32()
	if c.err != nil {
		return nil, c.err
	}
	if err := verifyChecksum(b[:end+checksumLen]); err != nil {
		return nil, fmt.Errorf("fractal heap header at 0x%x: %w", addr, err)
	}
	if !h.validTable() {
		return nil, fmt.Errorf("fractal heap at 0x%x: invalid table (width %d, start block %d, max direct %d, max heap bits %d, rows %d)",
			addr, h.width, h.startBlock, h.maxDirect, h.maxBits, h.curRows)
	}
	h.offBytes = (h.maxBits + 7) / 8
	h.lenBytes = limitEncSize(h.maxDirect)
	if m := limitEncSize(h.maxMan); m < h.lenBytes {
		h.lenBytes = m
	}
	h.maxDRows = bits.Len64(h.maxDirect) - bits.Len64(h.startBlock) + 2
	return h, nil
}

// validTable checks the doubling table of the header: a width of at most
// 2^16 blocks, starting and maximum direct block sizes that are powers of
// two (the latter not smaller), 1-64 heap address bits, at most 64 rows.
func (h *fractalHeap) validTable() bool {
	return h.width > 0 && h.width <= 1<<16 && h.startBlock > 0 && bits.OnesCount64(h.startBlock) == 1 &&
		h.maxDirect >= h.startBlock && bits.OnesCount64(h.maxDirect) == 1 && h.maxBits >= 1 && h.maxBits <= 64 && h.curRows <= 64
}

// rowSize is the size of the blocks in row r of the doubling table.
func (h *fractalHeap) rowSize(r int) uint64 {
	if r <= 1 {
		return h.startBlock
	}
	if r-1 >= 63 {
		return undef
	}
	s := h.startBlock << uint(r-1)
	if s>>uint(r-1) != h.startBlock {
		return undef
	}
	return s
}

// get returns the object a heap ID refers to (III.G "Fractal Heap ID":
// the first byte holds the version and the ID type).
func (h *fractalHeap) get(id []byte) ([]byte, error) {
	if len(id) < 1 {
		return nil, errors.New("empty heap ID")
	}
	typ := (id[0] >> 4) & 3
	switch typ {
	case heapIDManaged:
		// offset in the heap's address space (offBytes), length (lenBytes)
		c := h.f.cursor(id)
		c.skip(1)
		off := c.uN(h.offBytes)
		n := c.uN(h.lenBytes)
		if c.err != nil {
			return nil, fmt.Errorf("heap ID too short (%d bytes)", len(id))
		}
		return h.managed(off, n)
	case heapIDTiny:
		return h.tiny(id)
	case heapIDHuge:
		return h.huge(id)
	}
	return nil, fmt.Errorf("unknown heap ID type %d", typ)
}

// tiny returns a tiny object, stored in the ID itself after its length
// minus one (4 bits, or 12 bits in IDs longer than 18 bytes).
func (h *fractalHeap) tiny(id []byte) ([]byte, error) {
	n := int(id[0]&0x0f) + 1
	data := id[1:]
	if h.idLen > 18 {
		if len(id) < 2 {
			return nil, errors.New("heap ID too short")
		}
		n = int(id[0]&0x0f)<<8 | int(id[1]) + 1
		data = id[2:]
	}
	if n > len(data) {
		return nil, fmt.Errorf("tiny heap object of %d bytes in a %d-byte ID", n, len(id))
	}
	return data[:n], nil
}

// huge returns a huge object: its address and length are in the ID when
// it is long enough ("directly accessed"), else the ID holds a key looked
// up in the huge-object v2 B-tree (III.A.2 record type 1).
func (h *fractalHeap) huge(id []byte) ([]byte, error) {
	o, l := h.f.st.osize, h.f.st.lsize
	if len(id) >= 1+o+l {
		c := h.f.cursor(id)
		c.skip(1)
		a := c.addr()
		n := c.length()
		if n > 1<<30 {
			return nil, fmt.Errorf("huge heap object of %d bytes", n)
		}
		return h.f.readAt(a, n)
	}
	if h.hugeTree == undef {
		return nil, errors.New("huge heap object without a huge-object B-tree")
	}
	idSize := min(len(id)-1, l)
	want := leUint(id[1 : 1+idSize])
	var addr, n uint64
	found := false
	errStop := errors.New("stop")
	err := h.f.walkBTree2(h.hugeTree, func(rec []byte) error {
		c := h.f.cursor(rec)
		a := c.addr()
		ln := c.length()
		rid := c.length()
		if c.err != nil {
			return c.err
		}
		if rid == want {
			addr, n, found = a, ln, true
			return errStop
		}
		return nil
	})
	if err != nil && err != errStop {
		return nil, fmt.Errorf("huge-object B-tree: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("huge heap object %d not found", want)
	}
	if n > 1<<30 {
		return nil, fmt.Errorf("huge heap object of %d bytes", n)
	}
	return h.f.readAt(addr, n)
}

func (h *fractalHeap) managed(off, n uint64) ([]byte, error) {
	blk, blkOff, err := h.findDirect(off)
	if err != nil {
		return nil, err
	}
	pos := off - blkOff
	if end, ok := addCheck(pos, n); !ok || end > uint64(len(blk)) {
		return nil, fmt.Errorf("heap object at offset %d (%d bytes) outside its direct block", off, n)
	}
	return blk[pos : pos+n], nil
}

// findDirect returns the direct block containing heap offset off and the
// block's own heap offset.
func (h *fractalHeap) findDirect(off uint64) ([]byte, uint64, error) {
	if h.root == undef {
		return nil, 0, errors.New("empty fractal heap")
	}
	if h.curRows == 0 {
		b, err := h.direct(h.root, h.startBlock, 0)
		return b, 0, err
	}
	addr := h.root
	nrows := h.curRows
	base := uint64(0)
	for depth := 0; depth < 16; depth++ {
		ib, err := h.indirect(addr, nrows)
		if err != nil {
			return nil, 0, err
		}
		rel := off - base
		if off < base {
			return nil, 0, fmt.Errorf("heap offset %d not covered", off)
		}
		// find row
		r := 0
		var rowStart uint64
		for ; r < nrows; r++ {
			bs := h.rowSize(r)
			rs, ok := mulCheck(bs, h.width)
			if !ok {
				return nil, 0, errors.New("fractal heap row overflow")
			}
			if rel < rowStart+rs {
				break
			}
			rowStart += rs
		}
		if r >= nrows {
			return nil, 0, fmt.Errorf("heap offset %d beyond the indirect block at 0x%x", off, addr)
		}
		bs := h.rowSize(r)
		col := (rel - rowStart) / bs
		entry := uint64(r)*h.width + col
		if entry >= uint64(len(ib)) {
			return nil, 0, errors.New("fractal heap entry out of range")
		}
		child := ib[entry]
		blkOff := base + rowStart + col*bs
		if child == undef {
			return nil, 0, fmt.Errorf("heap offset %d is in an unallocated block", off)
		}
		if r < h.maxDRows {
			b, err := h.direct(child, bs, blkOff)
			return b, blkOff, err
		}
		addr = child
		nrows = bits.Len64(bs) - bits.Len64(h.startBlock*h.width) + 1
		if nrows < 1 || nrows > 64 {
			return nil, 0, errors.New("bad child indirect block size")
		}
		base = blkOff
	}
	return nil, 0, errors.New("fractal heap too deep")
}

// indirect reads the child block addresses of the indirect block at addr
// with nrows rows of width entries (III.G Fractal Heap Indirect Block; the
// direct block rows come first, then the indirect ones: both are plain
// addresses in an unfiltered heap).
func (h *fractalHeap) indirect(addr uint64, nrows int) ([]uint64, error) {
	o := h.f.st.osize
	nent := uint64(nrows) * h.width
	if nent > 1<<20 {
		return nil, errors.New("fractal heap indirect block too large")
	}
	size := uint64(fractalBlockStart+o+h.offBytes) + nent*uint64(o) + checksumLen
	b, err := h.f.readBlock("fractal heap indirect block", addr, size, "FHIB")
	if err != nil {
		return nil, err
	}
	c := h.f.cursor(b)
	c.skip(fractalBlockStart + o + h.offBytes)
	out := make([]uint64, nent)
	for i := range out {
		out[i] = c.addr()
	}
	return out, c.err
}

func (h *fractalHeap) direct(addr, size, blkOff uint64) ([]byte, error) {
	h.mu.Lock()
	b, ok := h.blocks[addr]
	h.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := h.f.readAt(addr, size)
	if err != nil {
		return nil, fmt.Errorf("fractal heap direct block at 0x%x: %w", addr, err)
	}
	if !bytes.Equal(b[:sigLen], []byte("FHDB")) {
		return nil, fmt.Errorf("fractal heap direct block at 0x%x: bad signature", addr)
	}
	if h.flags&fhDirectChecksums != 0 {
		p := fractalBlockStart + h.f.st.osize + h.offBytes
		if p+4 > len(b) {
			return nil, errTruncated
		}
		want := uint32(b[p]) | uint32(b[p+1])<<8 | uint32(b[p+2])<<16 | uint32(b[p+3])<<24
		tmp := make([]byte, len(b))
		copy(tmp, b)
		tmp[p], tmp[p+1], tmp[p+2], tmp[p+3] = 0, 0, 0, 0
		if got := lookup3(tmp, 0); got != want {
			return nil, fmt.Errorf("fractal heap direct block at 0x%x: %w", addr, errChecksum)
		}
	}
	h.mu.Lock()
	if len(h.blocks) > 64 {
		h.blocks = map[uint64][]byte{}
	}
	h.blocks[addr] = b
	h.mu.Unlock()
	return b, nil
}

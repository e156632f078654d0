package hdf5

import (
	"cmp"
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

// chunkRec locates one stored chunk.
type chunkRec struct {
	addr uint64
	size uint64 // stored (possibly filtered) size
	mask uint32 // filter mask: bit i set = filter i skipped
}

// chunkTable resolves scaled chunk coordinates to stored chunks.
type chunkTable struct {
	grid     []uint64 // chunks per dimension (current extent)
	maxDown  []uint64 // max-down products for index computations
	byIdx    map[uint64]chunkRec
	dense    []chunkRec // fixed array entries by index
	implicit bool
	single   *chunkRec
	keyKind  keyKind
	unlim    int
	swDown   []uint64
	base     uint64
	cbytes   uint64
	maxChunk []uint64
	entries  []chunkEntry // every stored chunk (not for implicit/single), in file order
	nInGrid  int          // entries inside the current grid
}

// keyKind says how a chunkTable's key is computed from a chunk's scaled
// coordinates (its offset divided by the chunk size, per dimension).
type keyKind uint8

// Chunk key kinds.
const (
	// keyLinear: the row-major index over the current chunk grid (the
	// B-tree indexes, keyed by coordinates).
	keyLinear keyKind = iota
	// keyMaxDown: the row-major index over the maximum chunk grid, as
	// libhdf5 numbers the elements of the implicit and fixed array
	// indexes (Appendix C).
	keyMaxDown
	// keySwizzled: keyMaxDown with the unlimited dimension moved first,
	// libhdf5's "swizzled" numbering of extensible array elements.
	keySwizzled
)

// chunkEntry is a stored chunk with its scaled coordinates.
type chunkEntry struct {
	scaled []uint64
	rec    chunkRec
}

// decodeKey converts an index key back to scaled coordinates into s:
// k = sum(s[i]*down[i]).
func decodeKey(s []uint64, k uint64, down, maxc []uint64) {
	for i := range down {
		s[i] = 0
		if down[i] == 0 || down[i] == undef {
			continue
		}
		v := k / down[i]
		if i > 0 && maxc[i] != undef && maxc[i] != 0 {
			v %= maxc[i]
		}
		s[i] = v
	}
}

// fillEntries lists the stored chunks with their coordinates (one backing
// array for all of them), in file order, and counts those inside the
// current chunk grid.
func (t *chunkTable) fillEntries() {
	rank := len(t.grid)
	var n int
	switch {
	case t.implicit || t.single != nil:
		return
	case t.dense != nil:
		for _, r := range t.dense {
			if r.addr != undef {
				n++
			}
		}
	default:
		n = len(t.byIdx)
	}
	coords := make([]uint64, n*rank)
	t.entries = make([]chunkEntry, 0, n)
	next := func() []uint64 {
		s := coords[:rank:rank]
		coords = coords[rank:]
		return s
	}
	switch {
	case t.dense != nil:
		for k, r := range t.dense {
			if r.addr != undef {
				s := next()
				decodeKey(s, uint64(k), t.maxDown, t.maxChunk)
				t.entries = append(t.entries, chunkEntry{s, r})
			}
		}
	case t.keyKind == keyLinear:
		gd := make([]uint64, rank)
		acc := uint64(1)
		for i := rank - 1; i >= 0; i-- {
			gd[i] = acc
			acc *= t.grid[i]
		}
		for k, r := range t.byIdx {
			s := next()
			decodeKey(s, k, gd, t.grid)
			t.entries = append(t.entries, chunkEntry{s, r})
		}
	case t.keyKind == keySwizzled:
		sm := make([]uint64, 0, rank)
		sm = append(sm, undef)
		for i := 0; i < rank; i++ {
			if i != t.unlim {
				sm = append(sm, t.maxChunk[i])
			}
		}
		sw := make([]uint64, rank)
		for k, r := range t.byIdx {
			decodeKey(sw, k, t.swDown, sm)
			sc := next()
			sc[t.unlim] = sw[0]
			j := 1
			for i := 0; i < rank; i++ {
				if i != t.unlim {
					sc[i] = sw[j]
					j++
				}
			}
			t.entries = append(t.entries, chunkEntry{sc, r})
		}
	}
	// file order (the maps above have none), so that a read visiting the
	// entries reads the file forward
	slices.SortFunc(t.entries, func(a, b chunkEntry) int {
		if c := cmp.Compare(a.rec.addr, b.rec.addr); c != 0 {
			return c
		}
		return slices.Compare(a.scaled, b.scaled)
	})
	for _, e := range t.entries {
		if t.inGrid(e.scaled) {
			t.nInGrid++
		}
	}
}

// inGrid reports whether scaled coordinates lie in the current chunk grid.
func (t *chunkTable) inGrid(scaled []uint64) bool {
	if len(scaled) != len(t.grid) {
		return false
	}
	for i, s := range scaled {
		if s >= t.grid[i] {
			return false
		}
	}
	return true
}

// complete reports whether every chunk of the current grid is stored (then
// a read needs no fill values).
func (t *chunkTable) complete() bool {
	if t.implicit || t.single != nil {
		return false
	}
	n, ok := product(t.grid)
	return ok && uint64(t.nInGrid) == n
}

const maxChunkBytes = 1 << 31

// chunkBytes returns the uncompressed size of one chunk.
func (d *dsInfo) chunkBytes() (uint64, error) {
	n, ok := product(d.chunk)
	if ok {
		n, ok = mulCheck(n, uint64(d.dt.Size))
	}
	if !ok || n > maxChunkBytes {
		return 0, fmt.Errorf("chunk of %v elements of %d bytes is too large", d.chunk, d.dt.Size)
	}
	return n, nil
}

func ceilDiv(a, b uint64) uint64 {
	if a == 0 {
		return 0
	}
	return (a-1)/b + 1
}

// table builds (once) the chunk lookup table of a chunked dataset.
func (ds *Dataset) table() (*chunkTable, error) {
	d := ds.info
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.chunks != nil || d.chunkCacheErr != nil {
		return d.chunks, d.chunkCacheErr
	}
	t, err := ds.f.buildTable(d, ds.path)
	if err == nil {
		t.fillEntries()
	}
	if err != nil {
		d.chunkCacheErr = ds.f.errf(ds.path, "chunk index ("+indexNames[d.index]+")", err)
		return nil, d.chunkCacheErr
	}
	d.chunks = t
	return t, nil
}

// buildTable reads the chunk index of a chunked dataset (IV.A.2.i; the
// index structures of Appendix C "Types of Indexes for Dataset Chunks")
// into a lookup table.
func (f *File) buildTable(d *dsInfo, path string) (*chunkTable, error) {
	cb, err := d.chunkBytes()
	if err != nil {
		return nil, err
	}
	t, err := newChunkTable(d, cb)
	if err != nil {
		return nil, err
	}
	if d.addr == undef {
		t.byIdx = map[uint64]chunkRec{}
		return t, nil
	}
	switch d.index {
	case idxBTree1:
		return t, f.readBTree1Chunks(d, t)
	case idxBTree2:
		return t, f.readBTree2Chunks(d, t)
	case idxSingle:
		r := chunkRec{addr: d.addr, size: cb}
		if d.lflags&layoutSingleFiltered != 0 {
			r.size = d.singleSize
			r.mask = d.singleMask
		}
		t.single = &r
		return t, nil
	case idxImplicit:
		return t, f.implicitChunks(d, t)
	case idxFixed:
		t.keyKind = keyMaxDown
		return t, f.readFixedArray(d, t, cb)
	case idxExtArray:
		if t.unlim < 0 {
			return nil, errors.New("extensible array index without an unlimited dimension")
		}
		t.keyKind = keySwizzled
		t.swDown = downProducts(swizzle(t.maxChunk, t.unlim))
		t.byIdx = map[uint64]chunkRec{}
		return t, f.readExtArray(d, t, cb)
	}
	return nil, fmt.Errorf("unknown chunk index %d", d.index)
}

// newChunkTable sizes the chunk grid of d (current and maximum chunks per
// dimension; the first unlimited dimension) for chunks of cb bytes.
func newChunkTable(d *dsInfo, cb uint64) (*chunkTable, error) {
	rank := len(d.chunk)
	t := &chunkTable{cbytes: cb, grid: make([]uint64, rank)}
	for i := range d.chunk {
		t.grid[i] = ceilDiv(d.space.dims[i], d.chunk[i])
	}
	if _, ok := product(t.grid); !ok {
		return nil, errors.New("chunk grid size overflows")
	}
	// max chunks per dimension (unlimited -> undef)
	t.maxChunk = make([]uint64, rank)
	t.unlim = -1
	for i := range t.maxChunk {
		md := d.space.dims[i]
		if d.space.maxdim != nil {
			md = d.space.maxdim[i]
		}
		if md == undef {
			t.maxChunk[i] = undef
			if t.unlim < 0 {
				t.unlim = i
			}
			continue
		}
		md = max(md, d.space.dims[i])
		t.maxChunk[i] = ceilDiv(md, d.chunk[i])
	}
	t.maxDown = downProducts(t.maxChunk)
	return t, nil
}

// downProducts returns, per dimension, the product of the sizes of the
// dimensions after it (undef once an unlimited size or an overflow is
// met): the strides of a row-major index over a grid of sizes m.
func downProducts(m []uint64) []uint64 {
	out := make([]uint64, len(m))
	acc := uint64(1)
	for i := len(m) - 1; i >= 0; i-- {
		out[i] = acc
		if m[i] == undef {
			acc = undef
			continue
		}
		if v, ok := mulCheck(acc, m[i]); ok && acc != undef {
			acc = v
		} else {
			acc = undef
		}
	}
	return out
}

// swizzle returns m with dimension unlim moved first.
func swizzle(m []uint64, unlim int) []uint64 {
	sw := make([]uint64, 0, len(m))
	sw = append(sw, m[unlim])
	for i, x := range m {
		if i != unlim {
			sw = append(sw, x)
		}
	}
	return sw
}

// readBTree1Chunks reads a version 1 B-tree of node type 1 (III.A.1
// Version 1 B-trees, raw data chunks): each key holds the chunk's stored
// size (4 bytes), filter mask (4) and offset in each dimension plus a
// final element offset (8 bytes each).
func (f *File) readBTree1Chunks(d *dsInfo, t *chunkTable) error {
	rank := len(d.chunk)
	t.byIdx = map[uint64]chunkRec{}
	keySize := 4 + 4 + 8*(rank+1)
	scaled := make([]uint64, rank)
	return f.walkBTree1(d.addr, btree1Chunk, keySize, func(key []byte, child uint64) error {
		c := f.cursor(key)
		size := uint64(c.u32())
		mask := c.u32()
		for i := range scaled {
			off := c.u64()
			if off%d.chunk[i] != 0 {
				return fmt.Errorf("chunk key offset %d in dimension %d is not a multiple of the chunk size %d", off, i, d.chunk[i])
			}
			scaled[i] = off / d.chunk[i]
		}
		c.u64() // element offset: always 0 (libhdf5 ignores it too)
		if c.err != nil {
			return c.err
		}
		if k, ok := t.linear(scaled); ok {
			t.byIdx[k] = chunkRec{child, size, mask}
		}
		return nil
	})
}

// readBTree2Chunks reads a version 2 B-tree chunk index (Appendix C:
// Version 2 B-trees Index; III.A.2 record type 10, non-filtered: address
// and scaled offsets, or type 11, filtered: address, chunk size, filter
// mask and scaled offsets).
func (f *File) readBTree2Chunks(d *dsInfo, t *chunkTable) error {
	rank := len(d.chunk)
	t.byIdx = map[uint64]chunkRec{}
	filtered := len(d.filters) > 0
	scaled := make([]uint64, rank)
	return f.walkBTree2(d.addr, func(rec []byte) error {
		c := f.cursor(rec)
		r := chunkRec{addr: c.addr(), size: t.cbytes}
		if filtered {
			n := len(rec) - f.st.osize - filterMaskLen - 8*rank
			if n < 1 || n > 8 {
				return fmt.Errorf("filtered chunk record of %d bytes for rank %d", len(rec), rank)
			}
			r.size = c.uN(n)
			r.mask = c.u32()
		}
		for i := range scaled {
			scaled[i] = c.u64()
		}
		if c.err != nil {
			return c.err
		}
		if k, ok := t.linear(scaled); ok {
			t.byIdx[k] = r
		}
		return nil
	})
}

// implicitChunks sets up an implicit index (Appendix C: Implicit Index):
// the chunks of the maximum grid are stored one after the other from
// d.addr, unfiltered.
func (f *File) implicitChunks(d *dsInfo, t *chunkTable) error {
	n, ok := product(t.maxChunk)
	if ok {
		n, ok = mulCheck(n, t.cbytes)
	}
	if !ok {
		return errors.New("implicit index size overflows")
	}
	if _, err := f.absAddr(d.addr, n); err != nil {
		return fmt.Errorf("implicit chunk storage: %w", err)
	}
	t.implicit = true
	t.base = d.addr
	t.keyKind = keyMaxDown
	return nil
}

// linear is the index of a chunk over the current chunk grid.
func (t *chunkTable) linear(scaled []uint64) (uint64, bool) {
	var k uint64
	for i, s := range scaled {
		if s >= t.grid[i] {
			return 0, false
		}
		k = k*t.grid[i] + s
	}
	return k, true
}

func (t *chunkTable) maxIndex(scaled []uint64, down []uint64) (uint64, bool) {
	var k uint64
	for i, s := range scaled {
		if down[i] == undef {
			if s != 0 && i != 0 {
				return 0, false
			}
		}
		v, ok := mulCheck(s, down[i])
		if !ok && s != 0 {
			return 0, false
		}
		if k, ok = addCheck(k, v); !ok {
			return 0, false
		}
	}
	return k, true
}

// lookup returns the stored chunk at scaled coordinates (ok=false: never written).
func (t *chunkTable) lookup(scaled []uint64) (chunkRec, bool) {
	if t.single != nil {
		for _, s := range scaled {
			if s != 0 {
				return chunkRec{}, false
			}
		}
		return *t.single, true
	}
	switch t.keyKind {
	case keyLinear:
		k, ok := t.linear(scaled)
		if !ok {
			return chunkRec{}, false
		}
		r, ok := t.byIdx[k]
		return r, ok
	case keyMaxDown:
		k, ok := t.maxIndex(scaled, t.maxDown)
		if !ok {
			return chunkRec{}, false
		}
		if t.implicit {
			return chunkRec{addr: t.base + k*t.cbytes, size: t.cbytes}, true
		}
		if k >= uint64(len(t.dense)) {
			return chunkRec{}, false
		}
		r := t.dense[k]
		return r, r.addr != undef
	default:
		sw := make([]uint64, 0, len(scaled))
		sw = append(sw, scaled[t.unlim])
		for i, s := range scaled {
			if i != t.unlim {
				sw = append(sw, s)
			}
		}
		k, ok := t.maxIndex(sw, t.swDown)
		if !ok {
			return chunkRec{}, false
		}
		r, ok := t.byIdx[k]
		return r, ok
	}
}

// Sizes of the fixed and extensible array structures (Appendix C: Fixed
// Array Index, Extensible Array Index). Every block starts with a
// signature, a version and a client ID, and ends with a checksum.
const (
	arrayBlockStart = sigLen + 1 + 1 // signature, version, client ID
	filterMaskLen   = 4              // a filtered chunk's filter mask
	// fixed array header ("FAHD"): + entry size, page bits (1 each),
	// max number of entries (length), data block address (offset),
	// checksum
	faHeaderFixed = arrayBlockStart + 1 + 1 + checksumLen
	// extensible array header ("EAHD"): + element size, max elements
	// bits, index block elements, data block min elements, secondary
	// block min data pointers, max data block page elements bits (1
	// each), six lengths (secondary blocks: number, size; data blocks:
	// number, size; max index set; number of elements), index block
	// address (offset), checksum
	eaHeaderFixed   = arrayBlockStart + 6 + checksumLen
	eaHeaderLengths = 6
)

// Array client IDs (the "Client ID" of the fixed and extensible array
// headers).
const (
	arrayClientChunks         = 0 // H5FA_CLS_CHUNK / H5EA_CLS_CHUNK: chunk addresses
	arrayClientFilteredChunks = 1 // ..._FILT_CHUNK: address, chunk size, filter mask
)

// decodeElem decodes one fixed/extensible array element: the chunk's
// address, and for filtered chunks its stored size (esize minus the
// address and the mask) and filter mask.
func (f *File) decodeElem(c *cursor, filtered bool, esize int, cb uint64) chunkRec {
	r := chunkRec{addr: c.addr(), size: cb}
	if filtered {
		n := esize - f.st.osize - filterMaskLen
		if n < 1 || n > 8 {
			c.fail()
			return r
		}
		r.size = c.uN(n)
		r.mask = c.u32()
	}
	return r
}

// pageBit reports bit i of a page bitmap (most significant bit first).
func pageBit(bitmap []byte, i uint64) bool {
	return i/8 < uint64(len(bitmap)) && bitmap[i/8]&(0x80>>(i%8)) != 0
}

// readFixedArray reads a fixed array chunk index (Appendix C: Fixed Array
// Index): the header ("FAHD") and its data block ("FADB"), whose entries
// are either inline or, beyond 2^page bits entries, in pages that a
// bitmap marks as initialized.
func (f *File) readFixedArray(d *dsInfo, t *chunkTable, cb uint64) error {
	o := f.st.osize
	hb, err := f.readBlock("fixed array header", d.addr, uint64(faHeaderFixed+f.st.lsize+o), "FAHD")
	if err != nil {
		return err
	}
	c := f.cursor(hb)
	c.skip(sigLen + 1)
	client := c.u8()
	esize := int(c.u8())
	pageBits := int(c.u8())
	n := c.length()
	dblk := c.addr()
	if c.err != nil {
		return c.err
	}
	filtered := client == arrayClientFilteredChunks
	if esize < o || esize > o+8+filterMaskLen || pageBits > 32 {
		return fmt.Errorf("fixed array: element size %d, page bits %d", esize, pageBits)
	}
	total, ok := mulCheck(n, uint64(esize))
	if !ok || total > uint64(f.size) {
		return fmt.Errorf("fixed array of %d entries does not fit in the file", n)
	}
	t.dense = make([]chunkRec, n)
	for i := range t.dense {
		t.dense[i].addr = undef
	}
	if dblk == undef || n == 0 {
		return nil
	}
	pageN := uint64(1) << uint(pageBits)
	prefix := uint64(arrayBlockStart + o) // + header address
	if n <= pageN {
		b, err := f.readBlock("fixed array data block", dblk, prefix+total+checksumLen, "FADB")
		if err != nil {
			return err
		}
		c := f.cursor(b)
		c.skip(int(prefix))
		for i := range t.dense {
			t.dense[i] = f.decodeElem(c, filtered, esize, cb)
		}
		return c.err
	}
	return f.readFixedArrayPages(t, dblk, prefix, n, pageN, esize, filtered, cb)
}

// readFixedArrayPages reads a paged fixed array data block: the prefix and
// page bitmap, checksummed, then each page of pageN entries (the last
// shorter) with its own checksum.
func (f *File) readFixedArrayPages(t *chunkTable, dblk, prefix, n, pageN uint64, esize int, filtered bool, cb uint64) error {
	npages := ceilDiv(n, pageN)
	bm := (npages + 7) / 8
	b, err := f.readBlock("fixed array data block", dblk, prefix+bm+checksumLen, "FADB")
	if err != nil {
		return err
	}
	bitmap := b[prefix : prefix+bm]
	pos := dblk + uint64(len(b))
	for p := uint64(0); p < npages; p++ {
		cnt := pageN
		if p == npages-1 {
			cnt = n - p*pageN
		}
		psize := cnt*uint64(esize) + checksumLen
		if pageBit(bitmap, p) {
			pb, err := f.readBlock(fmt.Sprintf("fixed array page %d", p), pos, psize, "")
			if err != nil {
				return err
			}
			c := f.cursor(pb)
			for i := uint64(0); i < cnt; i++ {
				t.dense[p*pageN+i] = f.decodeElem(c, filtered, esize, cb)
			}
			if c.err != nil {
				return c.err
			}
		}
		pos += psize
	}
	return nil
}

// eaReader reads the blocks of one extensible array chunk index
// (Appendix C: Extensible Array Index).
type eaReader struct {
	f        *File
	t        *chunkTable
	cb       uint64 // unfiltered chunk size
	filtered bool
	esize    int    // element size
	maxBits  int    // log2 of the maximum number of elements
	idxElmts uint64 // elements stored in the index block
	minElmts uint64 // elements in the smallest data blocks
	minPtrs  uint64 // data block pointers in the smallest secondary blocks
	pageN    uint64 // elements per data block page
	maxIdx   uint64 // max index set: elements beyond it were never written
	arrOff   int    // size of a block's "Block Offset" field
}

// readExtArray reads an extensible array chunk index: the header
// ("EAHD"), the index block ("EAIB") with the first elements and the
// addresses of the first data blocks and of the secondary blocks
// ("EASB"), which hold the addresses of the other data blocks ("EADB").
func (f *File) readExtArray(d *dsInfo, t *chunkTable, cb uint64) error {
	ea, iblk, err := f.readEAHeader(d.addr, t, cb)
	if err != nil || iblk == undef || ea.maxIdx == 0 {
		return err
	}
	log2min := bits.Len64(ea.minElmts) - 1
	if ea.maxBits < log2min {
		return errors.New("extensible array: max bits below data block size")
	}
	// super blocks 0 .. nsblks-1; those below iNsblks have their data
	// blocks addressed from the index block directly
	nsblks := 1 + ea.maxBits - log2min
	iNsblks := 2 * (bits.Len64(ea.minPtrs) - 1)
	dblkAddrs, sblkAddrs, err := ea.readIndexBlock(iblk, nsblks, iNsblks)
	if err != nil {
		return err
	}
	idx := ea.idxElmts
	dblk := 0
	for u := 0; u < nsblks && idx < ea.maxIdx; u++ {
		ndblks := uint64(1) << uint(u/2)                  // data blocks in super block u
		nel := (uint64(1) << uint((u+1)/2)) * ea.minElmts // elements per data block
		if u >= iNsblks {
			if err := ea.readSecondaryBlock(sblkAddrs[u-iNsblks], idx, ndblks, nel); err != nil {
				return err
			}
			idx += ndblks * nel
			continue
		}
		for j := uint64(0); j < ndblks && idx < ea.maxIdx; j++ {
			if dblk >= len(dblkAddrs) {
				return errors.New("extensible array: data block index out of range")
			}
			if a := dblkAddrs[dblk]; a != undef {
				if err := ea.readDataBlock(a, idx, nel, nil, 0); err != nil {
					return err
				}
			}
			dblk++
			idx += nel
		}
	}
	return nil
}

// readEAHeader reads and checks an extensible array header; it returns
// the index block address.
func (f *File) readEAHeader(addr uint64, t *chunkTable, cb uint64) (*eaReader, uint64, error) {
	o, l := f.st.osize, f.st.lsize
	hb, err := f.readBlock("extensible array header", addr, uint64(eaHeaderFixed+eaHeaderLengths*l+o), "EAHD")
	if err != nil {
		return nil, 0, err
	}
	c := f.cursor(hb)
	c.skip(sigLen + 1)
	client := c.u8()
	ea := &eaReader{f: f, t: t, cb: cb, filtered: client == arrayClientFilteredChunks}
	ea.esize = int(c.u8())
	ea.maxBits = int(c.u8())
	ea.idxElmts = uint64(c.u8())
	ea.minElmts = uint64(c.u8())
	ea.minPtrs = uint64(c.u8())
	pageBits := int(c.u8())
	for i := 0; i < 4; i++ {
		c.length() // secondary blocks: number, size; data blocks: number, size
	}
	ea.maxIdx = c.length()
	c.length() // number of elements realized
	iblk := c.addr()
	if c.err != nil {
		return nil, 0, c.err
	}
	if ea.esize < o || ea.esize > o+8+filterMaskLen || ea.maxBits == 0 || ea.maxBits > 64 || ea.minElmts == 0 || bits.OnesCount64(ea.minElmts) != 1 ||
		ea.minPtrs == 0 || bits.OnesCount64(ea.minPtrs) != 1 || pageBits > 32 {
		return nil, 0, fmt.Errorf("extensible array: invalid parameters (element size %d, max bits %d, min elements %d, min pointers %d, page bits %d)",
			ea.esize, ea.maxBits, ea.minElmts, ea.minPtrs, pageBits)
	}
	if ea.maxIdx > uint64(f.size) {
		return nil, 0, fmt.Errorf("extensible array with %d elements exceeds the file size", ea.maxIdx)
	}
	ea.pageN = uint64(1) << uint(pageBits)
	ea.arrOff = (ea.maxBits + 7) / 8
	return ea, iblk, nil
}

// put records element idx of the array (skipping unallocated chunks and
// elements beyond the max index set).
func (ea *eaReader) put(idx uint64, r chunkRec) {
	if r.addr != undef && idx < ea.maxIdx {
		ea.t.byIdx[idx] = r
	}
}

// readIndexBlock reads the index block at iblk: its elements, then the
// addresses of the data blocks of the first iNsblks super blocks and of
// the secondary blocks of the others.
func (ea *eaReader) readIndexBlock(iblk uint64, nsblks, iNsblks int) (dblkAddrs, sblkAddrs []uint64, err error) {
	o := ea.f.st.osize
	nDblkAddrs := 2 * (ea.minPtrs - 1)
	nSblkAddrs := 0
	if nsblks > iNsblks {
		nSblkAddrs = nsblks - iNsblks
	}
	prefix := arrayBlockStart + o // + header address
	isize := uint64(prefix) + ea.idxElmts*uint64(ea.esize) + nDblkAddrs*uint64(o) + uint64(nSblkAddrs*o) + checksumLen
	b, err := ea.f.readBlock("extensible array index block", iblk, isize, "EAIB")
	if err != nil {
		return nil, nil, err
	}
	c := ea.f.cursor(b)
	c.skip(prefix)
	for i := uint64(0); i < ea.idxElmts; i++ {
		ea.put(i, ea.f.decodeElem(c, ea.filtered, ea.esize, ea.cb))
	}
	dblkAddrs = make([]uint64, nDblkAddrs)
	for i := range dblkAddrs {
		dblkAddrs[i] = c.addr()
	}
	sblkAddrs = make([]uint64, nSblkAddrs)
	for i := range sblkAddrs {
		sblkAddrs[i] = c.addr()
	}
	return dblkAddrs, sblkAddrs, c.err
}

// readSecondaryBlock reads the secondary block at sa (undef: none
// allocated) holding ndblks data blocks of nel elements from element idx,
// with a page bitmap when the data blocks are paged.
func (ea *eaReader) readSecondaryBlock(sa, idx, ndblks, nel uint64) error {
	if sa == undef {
		return nil
	}
	o := ea.f.st.osize
	bm := uint64(0)
	if nel > ea.pageN {
		bm = (ndblks*(nel/ea.pageN) + 7) / 8
	}
	prefix := arrayBlockStart + o + ea.arrOff // + header address, block offset
	sb, err := ea.f.readBlock("extensible array secondary block", sa, uint64(prefix)+bm+ndblks*uint64(o)+checksumLen, "EASB")
	if err != nil {
		return err
	}
	sc := ea.f.cursor(sb)
	sc.skip(prefix)
	bitmap := sc.bytes(int(bm))
	for j := uint64(0); j < ndblks && idx < ea.maxIdx; j++ {
		a := sc.addr()
		if sc.err != nil {
			return sc.err
		}
		if a != undef {
			var bb []byte
			if bm > 0 {
				bb = bitmap
			}
			if err := ea.readDataBlock(a, idx, nel, bb, j*(nel/ea.pageN)); err != nil {
				return err
			}
		}
		idx += nel
	}
	return nil
}

// readDataBlock reads the data block at addr holding elements start ..
// start+nel-1. A data block of more than pageN elements is paged: its
// prefix is followed by checksummed pages, those whose bit (from bitBase)
// is clear in the secondary block's bitmap never written.
func (ea *eaReader) readDataBlock(addr, start, nel uint64, bitmap []byte, bitBase uint64) error {
	f := ea.f
	prefix := uint64(arrayBlockStart + f.st.osize + ea.arrOff) // + header address, block offset
	if nel <= ea.pageN {
		db, err := f.readBlock("extensible array data block", addr, prefix+nel*uint64(ea.esize)+checksumLen, "EADB")
		if err != nil {
			return err
		}
		c := f.cursor(db)
		c.skip(int(prefix))
		for i := uint64(0); i < nel; i++ {
			ea.put(start+i, f.decodeElem(c, ea.filtered, ea.esize, ea.cb))
		}
		return c.err
	}
	npages := nel / ea.pageN
	pos := addr + prefix + checksumLen
	psize := ea.pageN*uint64(ea.esize) + checksumLen
	for p := uint64(0); p < npages; p++ {
		if bitmap != nil && !pageBit(bitmap, bitBase+p) {
			pos += psize
			continue // page never written
		}
		pb, err := f.readBlock("extensible array page", pos, psize, "")
		if err != nil {
			return err
		}
		c := f.cursor(pb)
		for i := uint64(0); i < ea.pageN; i++ {
			ea.put(start+p*ea.pageN+i, f.decodeElem(c, ea.filtered, ea.esize, ea.cb))
		}
		pos += psize
	}
	return nil
}

package hdf5

import (
	"errors"
	"fmt"
	"math/bits"
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
	keyKind  int // 0: linear over grid, 1: max-down index, 2: swizzled max-down (EA)
	unlim    int
	swDown   []uint64
	base     uint64
	cbytes   uint64
	maxChunk []uint64
	entries  []chunkEntry // every stored chunk (not for implicit/single)
}

// chunkEntry is a stored chunk with its scaled coordinates.
type chunkEntry struct {
	scaled []uint64
	rec    chunkRec
}

// decode converts an index key back to scaled coordinates: k = sum(s[i]*down[i]).
func decodeKey(k uint64, down, maxc []uint64) []uint64 {
	s := make([]uint64, len(down))
	for i := range down {
		if down[i] == 0 || down[i] == undef {
			continue
		}
		v := k / down[i]
		if i > 0 && maxc[i] != undef && maxc[i] != 0 {
			v %= maxc[i]
		}
		s[i] = v
	}
	return s
}

// fillEntries lists the stored chunks with their coordinates.
func (t *chunkTable) fillEntries() {
	rank := len(t.grid)
	switch {
	case t.implicit || t.single != nil:
		return
	case t.dense != nil:
		for k, r := range t.dense {
			if r.addr != undef {
				t.entries = append(t.entries, chunkEntry{decodeKey(uint64(k), t.maxDown, t.maxChunk), r})
			}
		}
	case t.keyKind == 0:
		gd := make([]uint64, rank)
		acc := uint64(1)
		for i := rank - 1; i >= 0; i-- {
			gd[i] = acc
			acc *= t.grid[i]
		}
		for k, r := range t.byIdx {
			t.entries = append(t.entries, chunkEntry{decodeKey(k, gd, t.grid), r})
		}
	case t.keyKind == 2:
		sm := make([]uint64, 0, rank)
		sm = append(sm, undef)
		for i := 0; i < rank; i++ {
			if i != t.unlim {
				sm = append(sm, t.maxChunk[i])
			}
		}
		for k, r := range t.byIdx {
			sw := decodeKey(k, t.swDown, sm)
			sc := make([]uint64, rank)
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

func (f *File) buildTable(d *dsInfo, path string) (*chunkTable, error) {
	rank := len(d.chunk)
	cb, err := d.chunkBytes()
	if err != nil {
		return nil, err
	}
	t := &chunkTable{cbytes: cb, grid: make([]uint64, rank)}
	for i := range d.chunk {
		t.grid[i] = ceilDiv(d.space.dims[i], d.chunk[i])
	}
	if _, ok := product(t.grid); !ok {
		return nil, errors.New("chunk grid size overflows")
	}
	// max chunks per dimension (unlimited -> undef)
	maxChunks := make([]uint64, rank)
	t.unlim = -1
	for i := range maxChunks {
		md := d.space.dims[i]
		if d.space.maxdim != nil {
			md = d.space.maxdim[i]
		}
		if md == undef {
			maxChunks[i] = undef
			if t.unlim < 0 {
				t.unlim = i
			}
		} else {
			if md < d.space.dims[i] {
				md = d.space.dims[i]
			}
			maxChunks[i] = ceilDiv(md, d.chunk[i])
		}
	}
	down := func(m []uint64) []uint64 {
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
	t.maxDown = down(maxChunks)
	t.maxChunk = maxChunks
	if d.addr == undef {
		t.byIdx = map[uint64]chunkRec{}
		return t, nil
	}
	switch d.index {
	case idxBTree1:
		t.byIdx = map[uint64]chunkRec{}
		keySize := 8 + 8*(rank+1)
		err := f.walkBTree1(d.addr, 1, keySize, func(key []byte, child uint64) error {
			c := f.cursor(key)
			size := uint64(c.u32())
			mask := c.u32()
			scaled := make([]uint64, rank)
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
		return t, err
	case idxBTree2:
		t.byIdx = map[uint64]chunkRec{}
		filtered := len(d.filters) > 0
		err := f.walkBTree2(d.addr, func(rec []byte) error {
			c := f.cursor(rec)
			r := chunkRec{addr: c.addr(), size: cb}
			if filtered {
				n := len(rec) - f.st.osize - 4 - 8*rank
				if n < 1 || n > 8 {
					return fmt.Errorf("filtered chunk record of %d bytes for rank %d", len(rec), rank)
				}
				r.size = c.uN(n)
				r.mask = c.u32()
			}
			scaled := make([]uint64, rank)
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
		return t, err
	case idxSingle:
		r := chunkRec{addr: d.addr, size: cb}
		if d.lflags&2 != 0 {
			r.size = d.singleSize
			r.mask = d.singleMask
		}
		t.single = &r
		return t, nil
	case idxImplicit:
		n, ok := product(maxChunks)
		if ok {
			n, ok = mulCheck(n, cb)
		}
		if !ok {
			return nil, errors.New("implicit index size overflows")
		}
		if _, err := f.absAddr(d.addr, n); err != nil {
			return nil, fmt.Errorf("implicit chunk storage: %w", err)
		}
		t.implicit = true
		t.base = d.addr
		t.keyKind = 1
		return t, nil
	case idxFixed:
		t.keyKind = 1
		return t, f.readFixedArray(d, t, cb)
	case idxExtArray:
		if t.unlim < 0 {
			return nil, errors.New("extensible array index without an unlimited dimension")
		}
		t.keyKind = 2
		sw := make([]uint64, 0, rank)
		sw = append(sw, maxChunks[t.unlim])
		for i := 0; i < rank; i++ {
			if i != t.unlim {
				sw = append(sw, maxChunks[i])
			}
		}
		t.swDown = down(sw)
		t.byIdx = map[uint64]chunkRec{}
		return t, f.readExtArray(d, t, cb)
	}
	return nil, fmt.Errorf("unknown chunk index %d", d.index)
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
	case 0:
		k, ok := t.linear(scaled)
		if !ok {
			return chunkRec{}, false
		}
		r, ok := t.byIdx[k]
		return r, ok
	case 1:
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

// decodeElem decodes one fixed/extensible array element.
func (f *File) decodeElem(c *cursor, filtered bool, esize int, cb uint64) chunkRec {
	r := chunkRec{addr: c.addr(), size: cb}
	if filtered {
		n := esize - f.st.osize - 4
		if n < 1 || n > 8 {
			c.fail()
			return r
		}
		r.size = c.uN(n)
		r.mask = c.u32()
	}
	return r
}

func (f *File) readFixedArray(d *dsInfo, t *chunkTable, cb uint64) error {
	o := f.st.osize
	hb, err := f.readBlock("fixed array header", d.addr, uint64(4+1+1+1+1+f.st.lsize+o+4), "FAHD")
	if err != nil {
		return err
	}
	c := f.cursor(hb)
	c.skip(5)
	client := c.u8()
	esize := int(c.u8())
	pageBits := int(c.u8())
	n := c.length()
	dblk := c.addr()
	if c.err != nil {
		return c.err
	}
	filtered := client == 1
	if esize < o || esize > o+8+4 || pageBits > 32 {
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
	prefix := uint64(4 + 1 + 1 + o)
	if n <= pageN {
		b, err := f.readBlock("fixed array data block", dblk, prefix+total+4, "FADB")
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
	npages := ceilDiv(n, pageN)
	bm := (npages + 7) / 8
	b, err := f.readBlock("fixed array data block", dblk, prefix+bm+4, "FADB")
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
		psize := cnt*uint64(esize) + 4
		if bitmap[p/8]&(0x80>>(p%8)) != 0 {
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

func (f *File) readExtArray(d *dsInfo, t *chunkTable, cb uint64) error {
	o, l := f.st.osize, f.st.lsize
	hb, err := f.readBlock("extensible array header", d.addr, uint64(4+1+1+1+1+1+1+1+1+6*l+o+4), "EAHD")
	if err != nil {
		return err
	}
	c := f.cursor(hb)
	c.skip(5)
	client := c.u8()
	esize := int(c.u8())
	maxBits := int(c.u8())
	idxElmts := uint64(c.u8())
	minElmts := uint64(c.u8())
	minPtrs := uint64(c.u8())
	pageBits := int(c.u8())
	for i := 0; i < 4; i++ {
		c.length()
	}
	maxIdx := c.length()
	c.length()
	iblk := c.addr()
	if c.err != nil {
		return c.err
	}
	filtered := client == 1
	if esize < o || esize > o+8+4 || maxBits == 0 || maxBits > 64 || minElmts == 0 || bits.OnesCount64(minElmts) != 1 ||
		minPtrs == 0 || bits.OnesCount64(minPtrs) != 1 || pageBits > 32 {
		return fmt.Errorf("extensible array: invalid parameters (element size %d, max bits %d, min elements %d, min pointers %d, page bits %d)",
			esize, maxBits, minElmts, minPtrs, pageBits)
	}
	if maxIdx > uint64(f.size) {
		return fmt.Errorf("extensible array with %d elements exceeds the file size", maxIdx)
	}
	if iblk == undef || maxIdx == 0 {
		return nil
	}
	log2min := bits.Len64(minElmts) - 1
	if maxBits < log2min {
		return errors.New("extensible array: max bits below data block size")
	}
	nsblks := 1 + maxBits - log2min
	iNsblks := 2 * (bits.Len64(minPtrs) - 1)
	nDblkAddrs := 2 * (minPtrs - 1)
	nSblkAddrs := 0
	if nsblks > iNsblks {
		nSblkAddrs = nsblks - iNsblks
	}
	arrOff := (maxBits + 7) / 8
	isize := uint64(4+1+1+o) + idxElmts*uint64(esize) + nDblkAddrs*uint64(o) + uint64(nSblkAddrs*o) + 4
	b, err := f.readBlock("extensible array index block", iblk, isize, "EAIB")
	if err != nil {
		return err
	}
	ic := f.cursor(b)
	ic.skip(4 + 1 + 1 + o)
	put := func(idx uint64, r chunkRec) {
		if r.addr != undef && idx < maxIdx {
			t.byIdx[idx] = r
		}
	}
	for i := uint64(0); i < idxElmts; i++ {
		put(i, f.decodeElem(ic, filtered, esize, cb))
	}
	dblkAddrs := make([]uint64, nDblkAddrs)
	for i := range dblkAddrs {
		dblkAddrs[i] = ic.addr()
	}
	sblkAddrs := make([]uint64, nSblkAddrs)
	for i := range sblkAddrs {
		sblkAddrs[i] = ic.addr()
	}
	if ic.err != nil {
		return ic.err
	}
	pageN := uint64(1) << uint(pageBits)
	readDblk := func(addr, start, nel uint64, bitmap []byte, bitBase uint64) error {
		prefix := uint64(4 + 1 + 1 + o + arrOff)
		if nel > pageN {
			npages := nel / pageN
			pos := addr + prefix + 4
			for p := uint64(0); p < npages; p++ {
				psize := pageN*uint64(esize) + 4
				if bit := bitBase + p; bitmap != nil && (bit/8 >= uint64(len(bitmap)) || bitmap[bit/8]&(0x80>>(bit%8)) == 0) {
					pos += psize
					continue // page never written
				}
				pb, err := f.readBlock("extensible array page", pos, psize, "")
				if err != nil {
					return err
				}
				c := f.cursor(pb)
				for i := uint64(0); i < pageN; i++ {
					put(start+p*pageN+i, f.decodeElem(c, filtered, esize, cb))
				}
				pos += psize
			}
			return nil
		}
		db, err := f.readBlock("extensible array data block", addr, prefix+nel*uint64(esize)+4, "EADB")
		if err != nil {
			return err
		}
		c := f.cursor(db)
		c.skip(int(prefix))
		for i := uint64(0); i < nel; i++ {
			put(start+i, f.decodeElem(c, filtered, esize, cb))
		}
		return c.err
	}
	idx := idxElmts
	dblk := 0
	for u := 0; u < nsblks && idx < maxIdx; u++ {
		ndblks := uint64(1) << uint(u/2)
		nel := (uint64(1) << uint((u+1)/2)) * minElmts
		if u < iNsblks {
			for j := uint64(0); j < ndblks && idx < maxIdx; j++ {
				if dblk >= len(dblkAddrs) {
					return errors.New("extensible array: data block index out of range")
				}
				if a := dblkAddrs[dblk]; a != undef {
					if err := readDblk(a, idx, nel, nil, 0); err != nil {
						return err
					}
				}
				dblk++
				idx += nel
			}
			continue
		}
		sa := sblkAddrs[u-iNsblks]
		if sa == undef {
			idx += ndblks * nel
			continue
		}
		bm := uint64(0)
		if nel > pageN {
			bm = (ndblks*(nel/pageN) + 7) / 8
		}
		sb, err := f.readBlock("extensible array secondary block", sa, uint64(4+1+1+o+arrOff)+bm+ndblks*uint64(o)+4, "EASB")
		if err != nil {
			return err
		}
		sc := f.cursor(sb)
		sc.skip(4 + 1 + 1 + o + arrOff)
		bitmap := sc.bytes(int(bm))
		for j := uint64(0); j < ndblks && idx < maxIdx; j++ {
			a := sc.addr()
			if sc.err != nil {
				return sc.err
			}
			if a != undef {
				var bb []byte
				if bm > 0 {
					bb = bitmap
				}
				if err := readDblk(a, idx, nel, bb, j*(nel/pageN)); err != nil {
					return err
				}
			}
			idx += nel
		}
	}
	return nil
}

package hdf5

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// chunkDecodes counts the chunks run through their filters (read by the
// tests that check that a selection decodes each chunk once).
var chunkDecodes atomic.Int64

// pseudoChunkBytes is the size of the pieces contiguous data is read in.
const pseudoChunkBytes = 1 << 20

func (d *Dataset) readLimit() uint64 {
	if l := d.f.st.opts.ReadLimit; l > 0 {
		return uint64(l)
	}
	lim, ok := mulCheck(uint64(d.f.size), 64)
	if !ok || lim > 1<<40 {
		lim = 1 << 40
	}
	if lim < 1<<30 {
		lim = 1 << 30
	}
	return lim
}

// Slab is one hyperslab of a ReadSlabs selection: Start[i] ..
// Start[i]+Count[i]-1 per dimension (file order), whose elements, in C
// order, go to the destination from element Offset on.
type Slab struct {
	Start, Count []uint64
	Offset       uint64
}

// ReadSlabs reads several hyperslabs in one pass into dst (a pointer to a
// slice, as for Read), which is given n elements: each slab's elements go
// to dst[Offset:Offset+prod(Count)]; the other elements keep their values
// (zero when dst is allocated). The slabs' destination ranges must not
// overlap; their regions in the file may. Every stored chunk is read and
// decoded at most once, however many slabs it intersects, and scattered
// into each of them, on all cores; so reading the runs of a sparse selection
// (say the images a movie uses) costs the chunks it touches, not one pass
// per slab. Finding the slabs a chunk meets costs O(log slabs) plus the
// slabs it meets, whatever their number.
func (d *Dataset) ReadSlabs(ctx context.Context, slabs []Slab, n uint64, dst any) error {
	if d.info.space.null {
		return d.f.errf(d.path, "read", errors.New("null dataspace: no hyperslab to read"))
	}
	return d.readSlabs(ctx, slabs, n, dst)
}

// readSlab implements Read, ReadSlab and ReadRaw.
func (d *Dataset) readSlab(ctx context.Context, start, count []uint64, dst any) error {
	if d.info.space.null {
		raw := false
		if r, ok := dst.(rawDst); ok {
			raw = true
			dst = r.p
		}
		if _, err := d.f.makeSink(dst, 0, d.info.dt, raw); err != nil {
			return d.f.errf(d.path, "read", err)
		}
		return nil
	}
	dims := d.info.space.dims
	if len(start) != len(dims) || len(count) != len(dims) {
		return d.f.errf(d.path, "read", fmt.Errorf("hyperslab rank %d/%d, dataset rank %d", len(start), len(count), len(dims)))
	}
	n, ok := product(count)
	if !ok {
		return d.f.errf(d.path, "read", errors.New("hyperslab size overflows"))
	}
	return d.readSlabs(ctx, []Slab{{Start: start, Count: count}}, n, dst)
}

// readSlabs implements ReadSlabs (and readSlab with one slab).
func (d *Dataset) readSlabs(ctx context.Context, slabs []Slab, n uint64, dst any) error {
	raw := false
	if r, ok := dst.(rawDst); ok {
		raw = true
		dst = r.p
	}
	info := d.info
	fe := func(what string, err error) error { return d.f.errf(d.path, what, err) }
	dims := info.space.dims
	sels := make([]slabSel, 0, len(slabs))
	for k, sl := range slabs {
		start, count := sl.Start, sl.Count
		if len(start) != len(dims) || len(count) != len(dims) {
			return fe("read", fmt.Errorf("hyperslab %d: rank %d/%d, dataset rank %d", k, len(start), len(count), len(dims)))
		}
		for i := range dims {
			end, ok := addCheck(start[i], count[i])
			if !ok || end > dims[i] {
				return fe("read", fmt.Errorf("hyperslab dimension %d: start %d + count %d exceeds the extent %d", i, start[i], count[i], dims[i]))
			}
		}
		m, ok := product(count)
		if !ok {
			return fe("read", errors.New("hyperslab size overflows"))
		}
		if end, ok := addCheck(sl.Offset, m); !ok || end > n {
			return fe("read", fmt.Errorf("hyperslab %d: %d elements at offset %d exceed the destination's %d", k, m, sl.Offset, n))
		}
		if m == 0 {
			continue
		}
		if len(dims) == 0 { // scalar: treat as rank 1
			start, count = []uint64{0}, []uint64{1}
		}
		sels = append(sels, slabSel{start: start, count: count, base: sl.Offset, n: m})
	}
	if len(sels) > 1 {
		sorted := append([]slabSel(nil), sels...)
		slices.SortFunc(sorted, func(a, b slabSel) int { return cmp.Compare(a.base, b.base) })
		for i := 1; i < len(sorted); i++ {
			if sorted[i-1].base+sorted[i-1].n > sorted[i].base {
				return fe("read", fmt.Errorf("hyperslabs at destination offsets %d and %d overlap", sorted[i-1].base, sorted[i].base))
			}
		}
	}
	esz := dstElemSize(dst, info.dt, raw)
	if nb, ok := mulCheck(n, esz); !ok || nb > d.readLimit() {
		return fe("read", fmt.Errorf("reading %d elements would allocate more than %d bytes; read it in hyperslabs (ReadSlab) or raise OpenOptions.ReadLimit", n, d.readLimit()))
	}
	sk, err := d.f.makeSink(dst, n, info.dt, raw)
	if err != nil {
		return fe("read", err)
	}
	if len(sels) == 0 {
		return nil
	}
	if len(dims) == 0 {
		dims = []uint64{1}
	}
	esize := uint64(info.dt.Size)
	total, ok := product(dims)
	if ok {
		total, ok = mulCheck(total, esize)
	}
	if !ok {
		return fe("read", errors.New("dataset size overflows"))
	}
	r := &slabReader{d: d, sk: sk, sels: sels, dims: dims, esize: esize}
	switch info.layout {
	case LayoutCompact:
		if uint64(len(info.compact)) < total {
			return fe("compact data", fmt.Errorf("%d bytes stored, %d needed", len(info.compact), total))
		}
		r.cdims = pseudoChunkDims(dims, esize)
		r.contig = info.compact
		r.total = total
	case LayoutContiguous:
		r.cdims = pseudoChunkDims(dims, esize)
		r.total = total
		if info.ext != nil {
			r.contigAddr = 0 // read through readExternal
		} else if info.addr != undef {
			if info.size != undef && info.size < total {
				return fe("contiguous data", fmt.Errorf("%d bytes stored, %d needed", info.size, total))
			}
			if _, err := d.f.absAddr(info.addr, total); err != nil {
				return fe("contiguous data", err)
			}
			r.contigAddr = info.addr
		} else {
			r.contigAddr = undef
		}
	case LayoutChunked:
		r.pipe = info.pipeline()
		if err := r.pipe.check(info.filterOpt); err != nil {
			return fe("read", err)
		}
		t, err := d.table()
		if err != nil {
			return err
		}
		r.table = t
		r.cdims = info.chunk
		r.cbytes = t.cbytes
	case LayoutVirtual:
		if len(sels) != 1 || sels[0].base != 0 {
			return fe("read", errors.New("a virtual dataset is read one hyperslab at a time (ReadSlab), not several in one call"))
		}
		if err := d.readVirtual(ctx, sk, sels[0].start, sels[0].count); err != nil { // vds.go
			return fe("read", fmt.Errorf("virtual dataset (mapping list at global heap 0x%x index %d): %w", info.addr, info.vdsIndex, err))
		}
		return nil
	default:
		return fe("read", fmt.Errorf("layout %d is not supported", info.layout))
	}
	if r.cbytes == 0 {
		p, _ := product(r.cdims)
		r.cbytes = p * esize
	}
	return r.run(ctx)
}

type rawDst struct{ p *[]byte }

// pseudoChunkDims splits contiguous data into contiguous pieces of about
// pseudoChunkBytes.
func pseudoChunkDims(dims []uint64, esize uint64) []uint64 {
	target := uint64(pseudoChunkBytes) / esize
	if target < 1 {
		target = 1
	}
	pc := make([]uint64, len(dims))
	for i := range pc {
		pc[i] = 1
	}
	acc := uint64(1)
	for i := len(dims) - 1; i >= 0; i-- {
		if dims[i] == 0 {
			pc[i] = 1
			continue
		}
		if v, ok := mulCheck(acc, dims[i]); ok && v <= target {
			pc[i] = dims[i]
			acc = v
			continue
		}
		k := target / acc
		if k < 1 {
			k = 1
		}
		pc[i] = k
		break
	}
	return pc
}

// slabSel is one hyperslab of a read and where it goes in the destination.
type slabSel struct {
	start, count []uint64
	base         uint64 // destination element of the slab's first element
	n            uint64 // elements in the slab
	lo, hi       []uint64
}

// slabReader reads a selection of one or more hyperslabs: it visits each
// chunk (or pseudo-chunk of contiguous data) the selection touches once,
// decodes it once and scatters it into every slab it intersects.
//
// Matching chunks to slabs costs O(log slabs + hits) per chunk, whatever
// the number of slabs: the slabs are indexed by their interval along one
// dimension (the most selective one, sweep), and so are their boxes of
// chunk coordinates, with identical boxes merged (slabs of MATLAB's
// chunks, which span all images, all have the same box).
type slabReader struct {
	d          *Dataset
	sk         sink
	sels       []slabSel
	dims       []uint64
	cdims      []uint64
	esize      uint64
	cbytes     uint64
	table      *chunkTable
	pipe       *pipeline
	contig     []byte
	contigAddr uint64
	total      uint64
	fillOnce   sync.Once
	fillRow    []byte

	sweep  int            // the dimension the indexes are on
	slabIx *intervalIndex // slabs by element interval along sweep
	boxes  []int          // slabs whose boxes are distinct, in box order
	boxIx  *intervalIndex // those boxes by chunk interval along sweep
}

// box sets each slab's range of chunk coordinates.
func (r *slabReader) box() {
	rank := len(r.dims)
	for k := range r.sels {
		s := &r.sels[k]
		s.lo, s.hi = make([]uint64, rank), make([]uint64, rank)
		for i := 0; i < rank; i++ {
			s.lo[i] = s.start[i] / r.cdims[i]
			s.hi[i] = (s.start[i] + s.count[i] - 1) / r.cdims[i]
		}
	}
}

// inBox reports whether chunk coordinates scaled lie in slab s's range.
func inBox(s *slabSel, scaled []uint64) bool {
	for i, c := range scaled {
		if c < s.lo[i] || c > s.hi[i] {
			return false
		}
	}
	return true
}

// boxSize is the number of chunk slots in slab s's box (undef on overflow).
func boxSize(s *slabSel) uint64 {
	m := uint64(1)
	for i := range s.lo {
		var ok bool
		if m, ok = mulCheck(m, s.hi[i]-s.lo[i]+1); !ok {
			return undef
		}
	}
	return m
}

// index chooses the sweep dimension, builds the slab and box indexes and
// returns the number of chunk slots in the distinct boxes (with repeats
// where distinct boxes overlap; undef on overflow).
func (r *slabReader) index() uint64 {
	rank := len(r.dims)
	// the sweep dimension: the one along which a chunk meets the fewest
	// slab boxes on average
	best := -1.0
	for i := 0; i < rank; i++ {
		grid := float64(ceilDiv(r.dims[i], r.cdims[i]))
		var sum float64
		for k := range r.sels {
			sum += float64(r.sels[k].hi[i]-r.sels[k].lo[i]+1) / grid
		}
		if best < 0 || sum < best {
			best, r.sweep = sum, i
		}
	}
	d := r.sweep
	lo := make([]uint64, len(r.sels))
	hi := make([]uint64, len(r.sels))
	for k := range r.sels {
		lo[k] = r.sels[k].start[d]
		hi[k] = r.sels[k].start[d] + r.sels[k].count[d]
	}
	r.slabIx = newIntervalIndex(lo, hi)
	// distinct boxes, in row-major order of their first chunk
	order := make([]int, len(r.sels))
	for k := range order {
		order[k] = k
	}
	cmpBox := func(a, b int) int {
		if c := slices.Compare(r.sels[a].lo, r.sels[b].lo); c != 0 {
			return c
		}
		return slices.Compare(r.sels[a].hi, r.sels[b].hi)
	}
	slices.SortStableFunc(order, cmpBox)
	r.boxes = slices.CompactFunc(order, func(a, b int) bool { return cmpBox(a, b) == 0 })
	lo, hi = lo[:0], hi[:0]
	total := uint64(0)
	for _, k := range r.boxes {
		s := &r.sels[k]
		lo = append(lo, s.lo[d])
		hi = append(hi, s.hi[d]+1)
		var ok bool
		if total, ok = addCheck(total, boxSize(s)); !ok {
			total = undef
		}
	}
	r.boxIx = newIntervalIndex(lo, hi)
	return total
}

// ownedBy reports whether the distinct box b (an index into r.boxes) is
// the first that holds the chunk at scaled, so that a chunk in several
// boxes is visited once. cand is scratch space.
func (r *slabReader) ownedBy(b int, scaled []uint64, cand *[]int) bool {
	c := scaled[r.sweep]
	*cand = r.boxIx.overlap(c, c+1, (*cand)[:0])
	for _, j := range *cand {
		if j < b && inBox(&r.sels[r.boxes[j]], scaled) {
			return false
		}
	}
	return true
}

// selected reports whether the chunk at scaled is in some slab's box.
func (r *slabReader) selected(scaled []uint64, cand *[]int) bool {
	c := scaled[r.sweep]
	*cand = r.boxIx.overlap(c, c+1, (*cand)[:0])
	for _, j := range *cand {
		if inBox(&r.sels[r.boxes[j]], scaled) {
			return true
		}
	}
	return false
}

// intervalIndex finds which of n intervals [lo, hi) overlap a query
// interval in O(log n + k + skipped), k the number found and skipped the
// intervals that start before the query's end and end before its start
// while a longer one that starts earlier does not (none when the
// intervals are disjoint, as slabs usually are).
type intervalIndex struct {
	order []int    // intervals sorted by lo
	lo    []uint64 // lo in that order
	hi    []uint64 // hi in that order
	maxHi []uint64 // maxHi[i] = max(hi[0..i])
}

func newIntervalIndex(lo, hi []uint64) *intervalIndex {
	x := &intervalIndex{order: make([]int, len(lo))}
	for i := range x.order {
		x.order[i] = i
	}
	slices.SortStableFunc(x.order, func(a, b int) int { return cmp.Compare(lo[a], lo[b]) })
	x.lo = make([]uint64, len(lo))
	x.hi = make([]uint64, len(lo))
	x.maxHi = make([]uint64, len(lo))
	var m uint64
	for i, k := range x.order {
		x.lo[i], x.hi[i] = lo[k], hi[k]
		m = max(m, hi[k])
		x.maxHi[i] = m
	}
	return x
}

// overlap appends to out the intervals that overlap [a, b), most recently
// starting first.
func (x *intervalIndex) overlap(a, b uint64, out []int) []int {
	j, _ := slices.BinarySearch(x.lo, b) // intervals j.. start at or after b
	for i := j - 1; i >= 0 && x.maxHi[i] > a; i-- {
		if x.hi[i] > a {
			out = append(out, x.order[i])
		}
	}
	return out
}

func (r *slabReader) run(ctx context.Context) error {
	if r.table == nil && r.contig == nil && r.contigAddr == undef {
		return r.prefill(ctx)
	}
	r.box()
	nj := r.index()
	// Visit the stored chunks (the table's entries, in file order) rather
	// than the slots of the boxes when there are fewer of them; then a
	// selection that spans many more chunk slots than there are stored
	// chunks costs the file, not the declared extent. Unless every chunk
	// of the grid is stored, the destination is pre-filled first.
	byEntries := false
	if t := r.table; t != nil && !t.implicit && t.single == nil {
		if t.complete() {
			byEntries = uint64(len(t.entries)) < nj
		} else if nj > 2*uint64(len(t.entries))+16 {
			byEntries = true
			if err := r.prefill(ctx); err != nil {
				return err
			}
			nj = uint64(t.nInGrid)
		}
	}
	if nj == 0 {
		return nil
	}
	workers := runtime.GOMAXPROCS(0)
	if r.table == nil && r.contig != nil {
		workers = 1
	}
	if nj < uint64(workers) {
		workers = int(nj)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		errMu    sync.Mutex
		firstErr error
	)
	setErr := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
		errMu.Unlock()
	}
	rank := len(r.dims)
	// Jobs are batches of chunk coordinates (rank values each), so that the
	// channel costs one operation per batch, not per chunk: up to 32 chunks
	// and about 1 MiB of decoded data, so that the workers finish together
	// (a batch of 32 large chunks left to one worker at the end would leave
	// the other cores idle).
	batch := int(max(1, min(32, (1<<20)/max(r.cbytes, 1))))
	jobs := make(chan []uint64, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := r.newChunkCtx()
			defer c.release()
			for b := range jobs {
				for i := 0; i+rank <= len(b) && ctx.Err() == nil; i += rank {
					if err := r.doChunk(b[i:i+rank], c); err != nil {
						setErr(err)
					}
				}
			}
		}()
	}
	var pending []uint64
	send := func(scaled []uint64, flush bool) bool {
		if scaled != nil {
			if pending == nil {
				pending = make([]uint64, 0, batch*rank)
			}
			pending = append(pending, scaled...)
		}
		if len(pending) == 0 || (!flush && len(pending) < batch*rank) {
			return true
		}
		select {
		case jobs <- pending:
			pending = nil
			return true
		case <-ctx.Done():
			return false
		}
	}
	var cand []int
	if byEntries {
		for _, e := range r.table.entries {
			if !r.table.inGrid(e.scaled) || !r.selected(e.scaled, &cand) {
				continue
			}
			if !send(e.scaled, false) {
				break
			}
		}
	} else {
	produce:
		for b, k := range r.boxes {
			s := &r.sels[k]
			cur := append([]uint64(nil), s.lo...)
			for {
				if ctx.Err() != nil {
					break produce
				}
				if r.ownedBy(b, cur, &cand) && !send(cur, false) {
					break produce
				}
				i := rank - 1
				for ; i >= 0; i-- {
					if cur[i] < s.hi[i] {
						cur[i]++
						break
					}
					cur[i] = s.lo[i]
				}
				if i < 0 {
					break
				}
			}
		}
	}
	send(nil, true)
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// chunkCtx is one worker's reusable state.
type chunkCtx struct {
	bufs    *chunkBufs
	fp      FilterParams
	decodes int64
	origin  []uint64
	lo, hi  []uint64
	idx     []uint64
	cs, ds  []uint64
	cand    []int
	hits    []int
}

// chunkBufs are a worker's buffers for stored and decoded chunks, pooled
// across reads (a dataset read in many hyperslabs, as response matrices
// are, reuses them instead of allocating them per call).
type chunkBufs struct {
	scratch [3][]byte // [0], [1]: the filters' outputs; [2]: stored bytes
}

var chunkBufPool = sync.Pool{New: func() any { return new(chunkBufs) }}

func (r *slabReader) newChunkCtx() *chunkCtx {
	rank := len(r.dims)
	mk := func() []uint64 { return make([]uint64, rank) }
	return &chunkCtx{bufs: chunkBufPool.Get().(*chunkBufs), origin: mk(), lo: mk(), hi: mk(), idx: mk(), cs: mk(), ds: mk()}
}

// release returns the worker's buffers to the pool and adds its decodes to
// the package counter.
func (c *chunkCtx) release() {
	chunkDecodes.Add(c.decodes)
	c.fp = FilterParams{}
	chunkBufPool.Put(c.bufs)
	c.bufs = nil
}

// intersects reports whether the chunk at origin overlaps slab s.
func (r *slabReader) intersects(s *slabSel, origin []uint64) bool {
	for i := range origin {
		if max(origin[i], s.start[i]) >= min(origin[i]+r.cdims[i], s.start[i]+s.count[i]) {
			return false
		}
	}
	return true
}

// doChunk fetches one chunk (or pseudo-chunk) once and copies its
// intersection with each slab into the destination.
func (r *slabReader) doChunk(scaled []uint64, c *chunkCtx) error {
	info := r.d.info
	origin := c.origin
	for i := range origin {
		origin[i] = scaled[i] * r.cdims[i]
	}
	d := r.sweep
	c.cand = r.slabIx.overlap(origin[d], origin[d]+r.cdims[d], c.cand[:0])
	c.hits = c.hits[:0]
	for _, k := range c.cand {
		if r.intersects(&r.sels[k], origin) {
			c.hits = append(c.hits, k)
		}
	}
	if len(c.hits) == 0 {
		return nil
	}
	scratch := &c.bufs.scratch
	// the chunk maps to one contiguous run of one slab's destination, in
	// the stored format: read or decode straight into it
	var target []byte
	if len(c.hits) == 1 {
		target = r.directTarget(&r.sels[c.hits[0]], origin)
	}
	var buf []byte
	fill := false
	switch {
	case r.table != nil:
		rec, ok := r.table.lookup(scaled)
		if !ok || rec.addr == undef {
			fill = true
			break
		}
		if target != nil {
			if err := r.readChunkInto(rec, c, target); err != nil {
				return r.d.f.errf(r.d.path, fmt.Sprintf("chunk %v at 0x%x", origin, rec.addr), err)
			}
			return nil
		}
		b, err := r.readChunk(rec, origin, c)
		if err != nil {
			return r.d.f.errf(r.d.path, fmt.Sprintf("chunk %v at 0x%x", origin, rec.addr), err)
		}
		buf = b
	default:
		// contiguous or compact pseudo-chunk: a prefix of cbytes bytes
		var lin uint64
		for i := range origin {
			lin = lin*r.dims[i] + origin[i]
		}
		off := lin * r.esize
		n := r.cbytes
		if off+n > r.total {
			n = r.total - off
		}
		if r.contig != nil {
			buf = r.contig[off : off+n]
		} else if r.contigAddr == undef {
			fill = true
		} else if info.ext != nil {
			b, err := r.d.readExternal(off, n)
			if err != nil {
				return r.d.f.errf(r.d.path, "external data", err)
			}
			buf = b
		} else {
			if target != nil && uint64(len(target)) == n {
				if _, err := r.d.f.readInto(r.contigAddr+off, n, target[:n:n]); err != nil {
					return r.d.f.errf(r.d.path, fmt.Sprintf("contiguous data at 0x%x", r.contigAddr+off), err)
				}
				return nil
			}
			b, err := r.d.f.readInto(r.contigAddr+off, n, scratch[2])
			if err != nil {
				return r.d.f.errf(r.d.path, fmt.Sprintf("contiguous data at 0x%x", r.contigAddr+off), err)
			}
			scratch[2] = b
			buf = b
		}
	}
	for _, k := range c.hits {
		if err := r.copyOut(&r.sels[k], origin, buf, fill, c); err != nil {
			return err
		}
	}
	return nil
}

func (r *slabReader) readChunk(rec chunkRec, origin []uint64, c *chunkCtx) ([]byte, error) {
	info := r.d.info
	scratch := &c.bufs.scratch
	filtered := len(info.filters) > 0
	if filtered && info.lflags&1 != 0 {
		for i := range origin {
			if origin[i]+r.cdims[i] > r.dims[i] {
				filtered = false
			}
		}
	}
	if !filtered {
		b, err := r.d.f.readInto(rec.addr, r.cbytes, scratch[2])
		scratch[2] = b
		return b, err
	}
	if rec.size == 0 || rec.size > uint64(r.d.f.size) {
		return nil, fmt.Errorf("stored chunk size %d", rec.size)
	}
	// refuse chunk sizes the stored bytes cannot justify before allocating
	if err := r.pipe.checkChunkRatio(r.cbytes, rec.size, rec.mask); err != nil {
		return nil, err
	}
	src, err := r.d.f.readInto(rec.addr, rec.size, scratch[2])
	if err != nil {
		return nil, err
	}
	scratch[2] = src
	c.decodes++
	out, err := r.pipe.unfilter(src, rec.mask, int(r.cbytes)+64, (*[2][]byte)(scratch[:2]), &c.fp)
	if err != nil {
		return nil, err
	}
	if uint64(len(out)) != r.cbytes {
		return nil, fmt.Errorf("chunk decodes to %d bytes, expected %d", len(out), r.cbytes)
	}
	return out, nil
}

// copyOut copies the intersection of the chunk at origin with slab s.
func (r *slabReader) copyOut(s *slabSel, origin []uint64, buf []byte, fill bool, c *chunkCtx) error {
	rank := len(r.dims)
	lo, hi := c.lo, c.hi
	for i := 0; i < rank; i++ {
		lo[i] = max(origin[i], s.start[i])
		hi[i] = min(origin[i]+r.cdims[i], s.start[i]+s.count[i])
		if lo[i] >= hi[i] {
			return nil
		}
	}
	// strides (elements)
	cs, ds := c.cs, c.ds
	cc, dd := uint64(1), uint64(1)
	for i := rank - 1; i >= 0; i-- {
		cs[i], ds[i] = cc, dd
		cc *= r.cdims[i]
		dd *= s.count[i]
	}
	last := rank - 1
	run := hi[last] - lo[last]
	var fillRow []byte
	if fill {
		fillRow = r.fillRowFor()
	}
	// element offsets of the current run in the chunk (so) and in the
	// slab (do), kept up to date as idx steps through the intersection
	var so, do uint64
	for i := 0; i < rank; i++ {
		so += (lo[i] - origin[i]) * cs[i]
		do += (lo[i] - s.start[i]) * ds[i]
	}
	var raw []byte // the destination bytes, when they take stored bytes
	if rs, ok := r.sk.(*rawSink); ok {
		raw = rs.b
	}
	if fill {
		buf = fillRow[:run*r.esize]
	}
	nb := run * r.esize
	idx := c.idx
	copy(idx, lo)
	for {
		src := buf
		if !fill {
			a := so * r.esize
			if a+nb > uint64(len(buf)) {
				return r.d.f.errf(r.d.path, "chunk data", errTruncated)
			}
			src = buf[a : a+nb]
		}
		if raw != nil {
			copy(raw[(s.base+do)*r.esize:], src)
		} else if err := r.sk.put(s.base+do, src); err != nil {
			return r.d.f.errf(r.d.path, "convert", err)
		}
		i := last - 1
		for ; i >= 0; i-- {
			if idx[i]+1 < hi[i] {
				idx[i]++
				so += cs[i]
				do += ds[i]
				break
			}
			so -= (idx[i] - lo[i]) * cs[i]
			do -= (idx[i] - lo[i]) * ds[i]
			idx[i] = lo[i]
		}
		if i < 0 {
			return nil
		}
	}
}

// fillRowFor returns a row of fill values as long as any run copyOut makes.
func (r *slabReader) fillRowFor() []byte {
	r.fillOnce.Do(func() {
		n := min(r.cdims[len(r.cdims)-1], r.maxLastCount())
		r.fillRow = make([]byte, n*r.esize)
		if fv := r.d.info.fill; len(fv) == int(r.esize) {
			for i := uint64(0); i < n; i++ {
				copy(r.fillRow[i*r.esize:], fv)
			}
		}
	})
	return r.fillRow
}

// maxLastCount is the largest count along the last dimension of the slabs.
func (r *slabReader) maxLastCount() uint64 {
	var m uint64
	for _, s := range r.sels {
		m = max(m, s.count[len(s.count)-1])
	}
	return m
}

// prefill writes the fill value over every slab's destination.
func (r *slabReader) prefill(ctx context.Context) error {
	var most uint64
	for _, s := range r.sels {
		most = max(most, s.n)
	}
	per := uint64(1<<16) / r.esize
	if per < 1 {
		per = 1
	}
	per = min(per, most)
	buf := make([]byte, per*r.esize)
	if fv := r.d.info.fill; len(fv) == int(r.esize) {
		for i := uint64(0); i < per; i++ {
			copy(buf[i*r.esize:], fv)
		}
	}
	for _, s := range r.sels {
		for i := uint64(0); i < s.n; i += per {
			if i%(per*256) == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			m := min(per, s.n-i)
			if err := r.sk.put(s.base+i, buf[:m*r.esize]); err != nil {
				return r.d.f.errf(r.d.path, "convert", err)
			}
		}
	}
	return nil
}

// directTarget returns the destination bytes a whole chunk maps to when the
// destination takes stored bytes (fast path or ReadRaw) and the chunk's
// elements are one contiguous run of slab s's destination; nil otherwise.
func (r *slabReader) directTarget(s *slabSel, origin []uint64) []byte {
	rs, ok := r.sk.(*rawSink)
	if !ok {
		return nil
	}
	rank := len(origin)
	j := rank - 1
	for j > 0 && origin[j] == s.start[j] && r.cdims[j] == s.count[j] {
		j--
	}
	if origin[j] < s.start[j] || origin[j]+r.cdims[j] > s.start[j]+s.count[j] {
		return nil
	}
	for i := 0; i < j; i++ {
		if r.cdims[i] != 1 {
			return nil
		}
	}
	var off, stride uint64 = 0, 1
	for i := rank - 1; i >= 0; i-- {
		off += (origin[i] - s.start[i]) * stride
		stride *= s.count[i]
	}
	a := (s.base + off) * r.esize
	if a+r.cbytes > uint64(len(rs.b)) {
		return nil
	}
	return rs.b[a : a+r.cbytes]
}

// readChunkInto decodes a whole chunk into target (len == chunk bytes).
func (r *slabReader) readChunkInto(rec chunkRec, c *chunkCtx, target []byte) error {
	scratch := &c.bufs.scratch
	anyActive := false
	for i := range r.pipe.stages {
		anyActive = anyActive || active(i, rec.mask)
	}
	if !anyActive {
		_, err := r.d.f.readInto(rec.addr, uint64(len(target)), target[:len(target):len(target)])
		return err
	}
	if rec.size == 0 || rec.size > uint64(r.d.f.size) {
		return fmt.Errorf("stored chunk size %d", rec.size)
	}
	if err := r.pipe.checkChunkRatio(r.cbytes, rec.size, rec.mask); err != nil {
		return err
	}
	src, err := r.d.f.readInto(rec.addr, rec.size, scratch[2])
	if err != nil {
		return err
	}
	scratch[2] = src
	c.decodes++
	if r.pipe.onlyDeflate(rec.mask) {
		return inflateExact(src, target)
	}
	out, err := r.pipe.unfilter(src, rec.mask, int(r.cbytes)+64, (*[2][]byte)(scratch[:2]), &c.fp)
	if err != nil {
		return err
	}
	if uint64(len(out)) != r.cbytes {
		return fmt.Errorf("chunk decodes to %d bytes, expected %d", len(out), r.cbytes)
	}
	copy(target, out)
	return nil
}

package hdf5

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

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

// readSlab implements Read, ReadSlab and ReadRaw.
func (d *Dataset) readSlab(ctx context.Context, start, count []uint64, dst any) error {
	raw := false
	if r, ok := dst.(rawDst); ok {
		raw = true
		dst = r.p
	}
	info := d.info
	fe := func(what string, err error) error { return d.f.errf(d.path, what, err) }
	if info.space.null {
		s, err := d.f.makeSink(dst, 0, info.dt, raw)
		_ = s
		if err != nil {
			return fe("read", err)
		}
		return nil
	}
	dims := info.space.dims
	if len(start) != len(dims) || len(count) != len(dims) {
		return fe("read", fmt.Errorf("hyperslab rank %d/%d, dataset rank %d", len(start), len(count), len(dims)))
	}
	for i := range dims {
		end, ok := addCheck(start[i], count[i])
		if !ok || end > dims[i] {
			return fe("read", fmt.Errorf("hyperslab dimension %d: start %d + count %d exceeds the extent %d", i, start[i], count[i], dims[i]))
		}
	}
	n, ok := product(count)
	if !ok {
		return fe("read", errors.New("hyperslab size overflows"))
	}
	esz := dstElemSize(dst, info.dt, raw)
	if nb, ok := mulCheck(n, esz); !ok || nb > d.readLimit() {
		return fe("read", fmt.Errorf("reading %d elements would allocate more than %d bytes; read it in hyperslabs (ReadSlab) or raise OpenOptions.ReadLimit", n, d.readLimit()))
	}
	sk, err := d.f.makeSink(dst, n, info.dt, raw)
	if err != nil {
		return fe("read", err)
	}
	if n == 0 {
		return nil
	}
	// scalar: treat as rank 1
	if len(dims) == 0 {
		dims, start, count = []uint64{1}, []uint64{0}, []uint64{1}
	}
	esize := uint64(info.dt.Size)
	total, ok := product(dims)
	if ok {
		total, ok = mulCheck(total, esize)
	}
	if !ok {
		return fe("read", errors.New("dataset size overflows"))
	}
	r := &slabReader{d: d, sk: sk, start: start, count: count, dims: dims, esize: esize}
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
		if err := info.checkFilters(); err != nil {
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
		if err := d.readVirtual(ctx, sk, start, count); err != nil { // vds.go
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

type slabReader struct {
	d                  *Dataset
	sk                 sink
	start, count, dims []uint64
	cdims              []uint64
	esize              uint64
	cbytes             uint64
	table              *chunkTable
	contig             []byte
	contigAddr         uint64
	total              uint64
	fillOnce           sync.Once
	fillRow            []byte
}

func (r *slabReader) run(ctx context.Context) error {
	rank := len(r.dims)
	lo := make([]uint64, rank)
	hi := make([]uint64, rank)
	nj := uint64(1)
	for i := range lo {
		lo[i] = r.start[i] / r.cdims[i]
		hi[i] = (r.start[i] + r.count[i] - 1) / r.cdims[i]
		nj *= hi[i] - lo[i] + 1
	}
	// Sparse mode: when the slab spans many more chunk slots than there are
	// stored chunks, pre-fill the destination and visit only stored chunks,
	// so the work is bounded by the file, not by the declared extent.
	var sparse []chunkEntry
	isSparse := false
	if r.table == nil && r.contig == nil && r.contigAddr == undef {
		return r.prefill(ctx)
	}
	if t := r.table; t != nil && !t.implicit && t.single == nil {
		g := uint64(1)
		for i := range lo {
			var ok bool
			if g, ok = mulCheck(g, hi[i]-lo[i]+1); !ok {
				g = undef
				break
			}
		}
		if g > 2*uint64(len(t.entries))+16 {
			isSparse = true
			for _, e := range t.entries {
				in := len(e.scaled) == rank
				for i := 0; in && i < rank; i++ {
					in = e.scaled[i] >= lo[i] && e.scaled[i] <= hi[i]
				}
				if in {
					sparse = append(sparse, e)
				}
			}
			nj = uint64(len(sparse))
			if err := r.prefill(ctx); err != nil {
				return err
			}
			if nj == 0 {
				return nil
			}
		}
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
	jobs := make(chan []uint64, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var scratch [3][]byte
			for sc := range jobs {
				if ctx.Err() != nil {
					continue
				}
				if err := r.doChunk(sc, &scratch); err != nil {
					setErr(err)
				}
			}
		}()
	}
	cur := append([]uint64(nil), lo...)
	if isSparse {
		for _, e := range sparse {
			select {
			case jobs <- e.scaled:
				continue
			case <-ctx.Done():
			}
			break
		}
	}
produce:
	for !isSparse {
		if err := ctx.Err(); err != nil {
			break
		}
		select {
		case jobs <- append([]uint64(nil), cur...):
		case <-ctx.Done():
			break produce
		}
		i := rank - 1
		for ; i >= 0; i-- {
			if cur[i] < hi[i] {
				cur[i]++
				break
			}
			cur[i] = lo[i]
		}
		if i < 0 {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// doChunk fetches one chunk (or pseudo-chunk) and copies its intersection
// with the hyperslab into the destination.
func (r *slabReader) doChunk(scaled []uint64, scratch *[3][]byte) error {
	info := r.d.info
	rank := len(r.dims)
	origin := make([]uint64, rank)
	for i := range origin {
		origin[i] = scaled[i] * r.cdims[i]
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
		if target := r.directTarget(origin); target != nil {
			// the chunk maps to one contiguous run of the destination, in
			// the stored format: decode straight into it
			if err := r.readChunkInto(rec, scratch, target); err != nil {
				return r.d.f.errf(r.d.path, fmt.Sprintf("chunk %v at 0x%x", origin, rec.addr), err)
			}
			return nil
		}
		b, err := r.readChunk(rec, origin, scratch)
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
			b, err := r.d.f.readAt(r.contigAddr+off, n)
			if err != nil {
				return r.d.f.errf(r.d.path, fmt.Sprintf("contiguous data at 0x%x", r.contigAddr+off), err)
			}
			buf = b
		}
	}
	return r.copyOut(origin, buf, fill)
}

func (r *slabReader) readChunk(rec chunkRec, origin []uint64, scratch *[3][]byte) ([]byte, error) {
	info := r.d.info
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
	if err := info.checkChunkRatio(r.cbytes, rec.size, rec.mask); err != nil {
		return nil, err
	}
	src, err := r.d.f.readInto(rec.addr, rec.size, scratch[2])
	if err != nil {
		return nil, err
	}
	scratch[2] = src
	out, err := info.unfilter(src, rec.mask, int(r.cbytes)+64, (*[2][]byte)(scratch[:2]))
	if err != nil {
		return nil, err
	}
	if uint64(len(out)) != r.cbytes {
		return nil, fmt.Errorf("chunk decodes to %d bytes, expected %d", len(out), r.cbytes)
	}
	return out, nil
}

// copyOut copies the intersection of the chunk at origin with the slab.
func (r *slabReader) copyOut(origin []uint64, buf []byte, fill bool) error {
	rank := len(r.dims)
	lo := make([]uint64, rank)
	hi := make([]uint64, rank)
	for i := 0; i < rank; i++ {
		lo[i] = max(origin[i], r.start[i])
		hi[i] = min(origin[i]+r.cdims[i], r.start[i]+r.count[i])
		if lo[i] >= hi[i] {
			return nil
		}
	}
	// strides (elements)
	cs := make([]uint64, rank)
	ds := make([]uint64, rank)
	c, dd := uint64(1), uint64(1)
	for i := rank - 1; i >= 0; i-- {
		cs[i], ds[i] = c, dd
		c *= r.cdims[i]
		dd *= r.count[i]
	}
	last := rank - 1
	run := hi[last] - lo[last]
	var fillRow []byte
	if fill {
		fillRow = r.fillRowFor(run)
	}
	idx := append([]uint64(nil), lo...)
	for {
		var so, do uint64
		for i := 0; i < rank; i++ {
			so += (idx[i] - origin[i]) * cs[i]
			do += (idx[i] - r.start[i]) * ds[i]
		}
		var src []byte
		if fill {
			src = fillRow[:run*r.esize]
		} else {
			a, b := so*r.esize, (so+run)*r.esize
			if b > uint64(len(buf)) {
				return r.d.f.errf(r.d.path, "chunk data", errTruncated)
			}
			src = buf[a:b]
		}
		if err := r.sk.put(do, src); err != nil {
			return r.d.f.errf(r.d.path, "convert", err)
		}
		i := last - 1
		for ; i >= 0; i-- {
			if idx[i]+1 < hi[i] {
				idx[i]++
				break
			}
			idx[i] = lo[i]
		}
		if i < 0 {
			return nil
		}
	}
}

func (r *slabReader) fillRowFor(run uint64) []byte {
	r.fillOnce.Do(func() {
		n := min(r.cdims[len(r.cdims)-1], r.count[len(r.count)-1])
		r.fillRow = make([]byte, n*r.esize)
		if fv := r.d.info.fill; len(fv) == int(r.esize) {
			for i := uint64(0); i < n; i++ {
				copy(r.fillRow[i*r.esize:], fv)
			}
		}
	})
	return r.fillRow
}

// prefill writes the fill value over the whole destination.
func (r *slabReader) prefill(ctx context.Context) error {
	n, _ := product(r.count)
	per := uint64(1<<16) / r.esize
	if per < 1 {
		per = 1
	}
	per = min(per, n)
	buf := make([]byte, per*r.esize)
	if fv := r.d.info.fill; len(fv) == int(r.esize) {
		for i := uint64(0); i < per; i++ {
			copy(buf[i*r.esize:], fv)
		}
	}
	for i := uint64(0); i < n; i += per {
		if i%(per*256) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		m := min(per, n-i)
		if err := r.sk.put(i, buf[:m*r.esize]); err != nil {
			return r.d.f.errf(r.d.path, "convert", err)
		}
	}
	return nil
}

// directTarget returns the destination bytes a whole chunk maps to when the
// destination takes stored bytes (fast path or ReadRaw) and the chunk's
// elements are one contiguous run of it; nil otherwise.
func (r *slabReader) directTarget(origin []uint64) []byte {
	rs, ok := r.sk.(*rawSink)
	if !ok {
		return nil
	}
	rank := len(origin)
	j := rank - 1
	for j > 0 && origin[j] == r.start[j] && r.cdims[j] == r.count[j] {
		j--
	}
	if origin[j] < r.start[j] || origin[j]+r.cdims[j] > r.start[j]+r.count[j] {
		return nil
	}
	for i := 0; i < j; i++ {
		if r.cdims[i] != 1 {
			return nil
		}
	}
	var off, stride uint64 = 0, 1
	for i := rank - 1; i >= 0; i-- {
		off += (origin[i] - r.start[i]) * stride
		stride *= r.count[i]
	}
	a := off * r.esize
	if a+r.cbytes > uint64(len(rs.b)) {
		return nil
	}
	return rs.b[a : a+r.cbytes]
}

// readChunkInto decodes a whole chunk into target (len == chunk bytes).
func (r *slabReader) readChunkInto(rec chunkRec, scratch *[3][]byte, target []byte) error {
	info := r.d.info
	var active []int
	for i := range info.filters {
		if i >= 32 || rec.mask&(1<<uint(i)) == 0 {
			active = append(active, i)
		}
	}
	if len(active) == 0 {
		abs, err := r.d.f.absAddr(rec.addr, r.cbytes)
		if err != nil {
			return err
		}
		if _, err := r.d.f.r.ReadAt(target, int64(abs)); err != nil {
			return err
		}
		return nil
	}
	if rec.size == 0 || rec.size > uint64(r.d.f.size) {
		return fmt.Errorf("stored chunk size %d", rec.size)
	}
	if err := info.checkChunkRatio(r.cbytes, rec.size, rec.mask); err != nil {
		return err
	}
	src, err := r.d.f.readInto(rec.addr, rec.size, scratch[2])
	if err != nil {
		return err
	}
	scratch[2] = src
	if len(active) == 1 && info.filters[active[0]].ID == 1 {
		return inflateExact(src, target)
	}
	out, err := info.unfilter(src, rec.mask, int(r.cbytes)+64, (*[2][]byte)(scratch[:2]))
	if err != nil {
		return err
	}
	if uint64(len(out)) != r.cbytes {
		return fmt.Errorf("chunk decodes to %d bytes, expected %d", len(out), r.cbytes)
	}
	copy(target, out)
	return nil
}

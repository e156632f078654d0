package fixmovie

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/retinaio/retinaio/internal/bigmem"

	"github.com/retinaio/retinaio/internal/resample"
)

// The recordings' monitor in pixels and openretina's default downsampled
// frame size: Options' defaults (karamanlis names them DefaultScreenHeight,
// DefaultScreenWidth, DefaultHeight and DefaultWidth).
const (
	DefaultScreenH = 600
	DefaultScreenW = 800
	DefaultOutH    = 60
	DefaultOutW    = 80
)

// Options configures Render. Zero values select the defaults.
type Options struct {
	// ScreenH, ScreenW: the screen in pixels (default 600 x 800).
	ScreenH, ScreenW int
	// OutH, OutW: the output frame size (default 60 x 80).
	OutH, OutW int
	// Semantics: OpenRetina (default) or MATLAB.
	Semantics Semantics
	// Workers: goroutines rendering in parallel (default GOMAXPROCS).
	Workers int
	// CacheBytes: per-worker budget for cached width-pass rows (default 16 MiB;
	// one entry, an image at one fixation x, takes Ny*OutW*4 bytes: 320 KiB for
	// 1024-row images at 80 columns).
	CacheBytes int64
	// Progress, if set, is called with the number of frames just finished,
	// from worker goroutines (possibly concurrently).
	Progress func(frames int)
}

func (o Options) withDefaults() Options {
	if o.ScreenH == 0 && o.ScreenW == 0 {
		o.ScreenH, o.ScreenW = DefaultScreenH, DefaultScreenW
	}
	if o.OutH == 0 && o.OutW == 0 {
		o.OutH, o.OutW = DefaultOutH, DefaultOutW
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = 16 << 20
	}
	return o
}

// Renderer renders fixation movies at the output size without building
// full-resolution frames. It is immutable and safe for concurrent use.
//
// How: a frame is a shifted crop of one image, so the width pass of screen
// row r (a dot product over the screen columns) depends only on the image,
// the fixation's x and the image row shown at r. Those width-pass rows are
// computed once per (image, x) and image row (lazily, for the rows frames
// need), kept in a per-worker LRU cache (Options.CacheBytes), and shared by
// every frame showing that image at that x; each frame then only runs the
// height pass (60 x 80 dot products of 20 taps). Uncovered screen pixels are
// zeros, whose products add nothing, so they are skipped; the wrapped
// row/column of the openretina port is just another image row/column. The
// products of uint8 pixels with each weight come from 256-entry tables (the
// same float32 roundings), taps are summed eight at a time per sweep, and the
// fused taps use float64 sums that are provably exact for the width pass
// (see newProductTables) and checked for the height pass; the float32
// result of every operation is exactly that of ComposeFrame followed by
// resample's Plan.Resize, so the two paths agree bit for bit. On amd64 CPUs
// with AVX2 and FMA (checked at run time; build tag purego turns the vector
// kernels off) both passes run in vector kernels instead (kernel_amd64.s):
// eight outputs per vector, each lane summing its own taps in the same
// order with the same roundings (float32 products then additions; torch's
// fused taps as FMA instructions, which round once as torch's contracted
// tail does), so the results are the same bits. On arm64 the width pass
// runs in a NEON kernel (kernel_arm64.s) the same way; the height pass
// stays in Go there. Consecutive identical fixations copy the previous frame. Runs of frames showing the
// same image are distributed over the workers; every frame lands at its own
// offset, so the output does not depend on scheduling.
//
// Memory: the output, the per-frame ranges (56 bytes a frame) and, per
// worker, at most CacheBytes of cached rows; never a full-resolution frame.
type Renderer struct {
	opt    Options
	wh, ww *resample.Weights
	tabs   *productTables
}

// NewRenderer checks the options and precomputes the resize weights.
func NewRenderer(opt Options) (*Renderer, error) {
	opt = opt.withDefaults()
	if opt.ScreenH < 1 || opt.ScreenW < 1 || opt.OutH < 1 || opt.OutW < 1 {
		return nil, fmt.Errorf("fixmovie: screen %dx%d and output %dx%d must be positive", opt.ScreenH, opt.ScreenW, opt.OutH, opt.OutW)
	}
	if opt.ScreenH > MaxImageSide || opt.ScreenW > MaxImageSide || opt.OutH > MaxImageSide || opt.OutW > MaxImageSide {
		return nil, fmt.Errorf("fixmovie: screen %dx%d or output %dx%d too large", opt.ScreenH, opt.ScreenW, opt.OutH, opt.OutW)
	}
	if !opt.Semantics.valid() {
		return nil, fmt.Errorf("fixmovie: invalid semantics %d", int(opt.Semantics))
	}
	wh, err := resample.NewWeights(opt.ScreenH, opt.OutH)
	if err != nil {
		return nil, err
	}
	ww, err := resample.NewWeights(opt.ScreenW, opt.OutW)
	if err != nil {
		return nil, err
	}
	return &Renderer{opt: opt, wh: wh, ww: ww, tabs: newProductTables(ww)}, nil
}

// Options returns the options in effect (defaults filled in).
func (r *Renderer) Options() Options { return r.opt }

// FrameSize returns OutH*OutW, the number of values per output frame.
func (r *Renderer) FrameSize() int { return r.opt.OutH * r.opt.OutW }

// Render renders fixations fix of image ensemble imgs into a new
// (len(fix), OutH, OutW) row-major float32 movie, equal to ReturnFixMovie
// followed by a per-frame resample.Resize (torchvision Resize, antialias=True).
// Training blocks are independent: render each block or their concatenation
// in file order, the result is the same.
func (r *Renderer) Render(ctx context.Context, imgs *Images, fix []Fixation) ([]float32, error) {
	out := make([]float32, len(fix)*r.FrameSize())
	if err := r.RenderInto(ctx, out, imgs, fix); err != nil {
		return nil, err
	}
	return out, nil
}

// RenderInto is Render writing into dst, which must hold exactly
// len(fix)*OutH*OutW values (for instance a block's slice of a session's
// training movie). Every value of dst is written.
func (r *Renderer) RenderInto(ctx context.Context, dst []float32, imgs *Images, fix []Fixation) error {
	if imgs == nil {
		return fmt.Errorf("fixmovie: no images")
	}
	fs := r.FrameSize()
	if int64(len(dst)) != int64(len(fix))*int64(fs) {
		return fmt.Errorf("fixmovie: output buffer has %d values, want %d frames x %dx%d", len(dst), len(fix), r.opt.OutH, r.opt.OutW)
	}
	rs, err := frameRanges(r.opt.ScreenH, r.opt.ScreenW, imgs, fix, r.opt.Semantics)
	if err != nil {
		return err
	}
	tasks := splitRuns(fix, 256)
	nw := min(r.opt.Workers, len(tasks))
	if nw == 0 {
		return ctx.Err()
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for w := 0; w < nw; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := newWorker(r, imgs)
			for {
				if err := ctx.Err(); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				i := int(next.Add(1) - 1)
				if i >= len(tasks) {
					return
				}
				t := tasks[i]
				for f := t[0]; f < t[1]; f++ {
					out := dst[f*fs : (f+1)*fs]
					if f > t[0] && fix[f] == fix[f-1] {
						copy(out, dst[(f-1)*fs:f*fs])
						continue
					}
					wk.frame(out, fix[f], rs[f])
				}
				if r.opt.Progress != nil {
					r.opt.Progress(t[1] - t[0])
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// Render renders a fixation movie with the given options (see
// Renderer.Render).
func Render(ctx context.Context, imgs *Images, fix []Fixation, opt Options) ([]float32, error) {
	r, err := NewRenderer(opt)
	if err != nil {
		return nil, err
	}
	return r.Render(ctx, imgs, fix)
}

// splitRuns cuts the frame list into [start, end) tasks: runs of frames
// showing the same image, at most maxLen frames each.
func splitRuns(fix []Fixation, maxLen int) [][2]int {
	var tasks [][2]int
	start := 0
	for i := 1; i <= len(fix); i++ {
		if i == len(fix) || fix[i].Image != fix[start].Image || i-start >= maxLen {
			tasks = append(tasks, [2]int{start, i})
			start = i
		}
	}
	return tasks
}

// tap is one covered screen column of an output column's width filter: the
// image column's offset (c*Ny) and the tables of its weight's products.
type tap struct {
	off   int
	key   uint32        // the weight's bits
	tab   *[256]float32 // float32(v)*w, the separately rounded product
	tab64 *[256]float64 // float64(v)*w, the exact product (fused taps)
}

// colTaps are an output column's covered taps in filter order: taps[0]
// starts the sum, taps[1:nAdd] are added as rounded products, taps[nAdd:]
// with fused multiply-adds.
type colTaps struct {
	taps   []tap
	nAdd   int
	groups []group8 // taps[0 : 8*len(groups)], summed eight at a time
	// offs and ws are the taps' image column offsets and weights, for the
	// vector kernel (widthVec).
	offs []int
	ws   []float32
}

// group8 is eight consecutive add taps: their image column offsets and
// their product tables packed together.
type group8 struct {
	off [8]int
	tab *[2048]float32
}

// entry caches the width pass of one image at one fixation x, column-major:
// cols[o*Ny+y] is output column o of the width pass of a screen row showing
// image row y (row-major, cols[y*OutW+o], with the vector kernels of both
// passes: see worker.rowMajor). Rows [lo, hi) are valid, and row Ny-1 when
// wrapDone (openretina's wrapped row, needed apart from the others).
type entry struct {
	k, x     int
	lo, hi   int
	cols     []float32
	wrapDone bool
	taps     []colTaps
	used     int64
}

type worker struct {
	r      *Renderer
	imgs   *Images
	cache  map[[2]int]*entry
	maxEnt int
	tick   int64
	tabs   *productTables
	packed map[[8]uint32]*[2048]float32
	// arena backs the cache entries' width rows: one large allocation
	// (huge pages where the kernel allows) instead of many fresh small ones,
	// carved into maxEnt entries as the cache fills.
	arena []float32
	// rowMajor: the entries' width rows are stored row-major (the vector
	// kernels of both passes); otherwise column-major with stride cs.
	rowMajor bool
	cs       int
}

// productTables holds, per distinct width-filter weight, its products with
// every uint8 pixel value.
type productTables struct {
	t32 map[uint32]*[256]float32
	t64 map[uint32]*[256]float64
	// exactSum is true when p + acc is exact in float64 for every fused tap
	// of the width pass (see newProductTables), so that float32(p + acc) is
	// the correctly rounded fused multiply-add without further checks.
	exactSum bool
	// col[o][j] is tap j of output column o with its tables (off unset), so
	// that building an entry's taps needs no map lookups.
	col [][]tap
	// full[o][g] packs the tables of taps 8g..8g+7 of output column o, for
	// the common case of a filter whose first tap is covered.
	full [][]*[2048]float32
}

// newProductTables builds the tables of the width filter ww.
//
// exactSum: with pixels v in 0..255 and weights w that are 0 or >= 2^-20,
// every product v*w and every partial sum (non-negative, and nonzero ones >=
// the smallest nonzero product >= 2^-20, so float32 values with ulp >= 2^-43)
// is a multiple of 2^-43, and sums stay below 2^9 (weights are normalised), so
// p + acc needs at most 52 bits: float64 holds it exactly and a single
// rounding to float32 follows.
func newProductTables(ww *resample.Weights) *productTables {
	pt := &productTables{t32: map[uint32]*[256]float32{}, t64: map[uint32]*[256]float64{}, exactSum: true}
	for _, taps := range ww.Taps {
		var sum float64
		for _, w := range taps {
			sum += float64(w)
			if w < 0 || (w != 0 && w < 0x1p-20) {
				pt.exactSum = false
			}
			key := math.Float32bits(w)
			if _, ok := pt.t32[key]; ok {
				continue
			}
			a, b := new([256]float32), new([256]float64)
			for v := range a {
				a[v] = float32(v) * w
				b[v] = float64(v) * float64(w)
			}
			pt.t32[key], pt.t64[key] = a, b
		}
		if sum > 1.5 {
			pt.exactSum = false
		}
	}
	pt.col = make([][]tap, len(ww.Taps))
	pt.full = make([][]*[2048]float32, len(ww.Taps))
	for o, taps := range ww.Taps {
		pt.col[o] = make([]tap, len(taps))
		for j, w := range taps {
			key := math.Float32bits(w)
			pt.col[o][j] = tap{key: key, tab: pt.t32[key], tab64: pt.t64[key]}
		}
		for g := 0; g+8 <= len(taps); g += 8 {
			packed := new([2048]float32)
			for i := 0; i < 8; i++ {
				copy(packed[256*i:256*(i+1)], pt.col[o][g+i].tab[:])
			}
			pt.full[o] = append(pt.full[o], packed)
		}
	}
	return pt
}

func newWorker(r *Renderer, imgs *Images) *worker {
	per := int64(imgs.Ny) * int64(r.opt.OutW) * 4
	maxEnt := int(r.opt.CacheBytes / per)
	if maxEnt < 2 {
		maxEnt = 2
	}
	return &worker{r: r, imgs: imgs, cache: make(map[[2]int]*entry), maxEnt: maxEnt, tabs: r.tabs, cs: imgs.Ny, rowMajor: vecWidth && vecHeight,
		packed: make(map[[8]uint32]*[2048]float32)}
}

// getEntry returns the cache entry of image k at fixation x (rng's x part).
func (w *worker) getEntry(k, x int, rng Ranges) *entry {
	w.tick++
	key := [2]int{k, x}
	if e, ok := w.cache[key]; ok {
		e.used = w.tick
		return e
	}
	var e *entry
	if len(w.cache) >= w.maxEnt {
		// Evict the least recently used entry and reuse its buffers.
		var old *entry
		for _, c := range w.cache {
			if old == nil || c.used < old.used {
				old = c
			}
		}
		delete(w.cache, [2]int{old.k, old.x})
		e = old
	} else {
		outW := w.r.opt.OutW
		per := w.imgs.Ny * outW
		if w.arena == nil {
			w.arena = bigmem.Float32s(w.maxEnt * per)
		}
		i := len(w.cache)
		e = &entry{cols: w.arena[i*per : (i+1)*per : (i+1)*per], taps: make([]colTaps, outW)}
	}
	e.k, e.x, e.lo, e.hi, e.wrapDone, e.used = k, x, 0, 0, false, w.tick
	w.buildTaps(e, rng)
	w.cache[key] = e
	return e
}

// buildTaps lists, per output column, the screen columns of its filter that
// show the image (others are zeros and add nothing), in tap order.
func (w *worker) buildTaps(e *entry, rng Ranges) {
	ww := w.r.ww
	ny, nx := w.imgs.Ny, w.imgs.Nx
	vec := vecWidth
	for o := range e.taps {
		ct := &e.taps[o]
		ct.taps, ct.offs, ct.ws = ct.taps[:0], ct.offs[:0], ct.ws[:0]
		ct.nAdd = 0
		ws := ww.Taps[o]
		ff := resample.FusedFrom(len(ws))
		first := -1 // first covered tap; covered taps are consecutive
		for j, wt := range ws {
			c, ok := rng.Col(ww.Start[o]+j, nx)
			if !ok {
				continue
			}
			if first < 0 {
				first = j
			}
			ct.offs = append(ct.offs, c*ny)
			ct.ws = append(ct.ws, wt)
			if j < ff || len(ct.offs) == 1 {
				ct.nAdd = len(ct.offs)
			}
			if !vec {
				t := w.tabs.col[o][j]
				t.off = c * ny
				ct.taps = append(ct.taps, t)
			}
		}
		ct.groups = ct.groups[:0]
		if vec {
			// the vector kernels need offs and ws only (widthTail does
			// the rows they leave)
			continue
		}
		for g := 0; g+8 <= ct.nAdd; g += 8 {
			var gr group8
			for i := 0; i < 8; i++ {
				gr.off[i] = ct.taps[g+i].off
			}
			if first == 0 {
				gr.tab = w.tabs.full[o][g/8]
			} else {
				gr.tab = w.packedTable(ct.taps[g : g+8])
			}
			ct.groups = append(ct.groups, gr)
		}
	}
}

// packedTable returns the tables of eight taps packed together (for
// filters cut by an image edge), built once per worker.
func (w *worker) packedTable(taps []tap) *[2048]float32 {
	var key [8]uint32
	for i := range key {
		key[i] = taps[i].key
	}
	pt, ok := w.packed[key]
	if !ok {
		pt = new([2048]float32)
		for i := 0; i < 8; i++ {
			copy(pt[256*i:256*(i+1)], taps[i].tab[:])
		}
		w.packed[key] = pt
	}
	return pt
}

// widthRows computes the width pass of image rows [a, b) into the entry.
// Per output value the operations are those of resample.Weights.Dot on the
// composed screen row, minus the zero terms of uncovered columns (which
// change nothing): products come from the weight's table (the same float32
// rounding), and four taps are summed per sweep over the rows, in tap order.
// With the vector kernel, eight rows per vector (widthVec) and the rest in
// widthTail.
func (w *worker) widthRows(e *entry, a, b int) {
	cs := w.cs
	img := w.imgs.image(e.k)
	// (when tapsInside fails, widthTail below does every row, with Go's
	// bounds checks)
	if m := (b - a) &^ 7; vecWidth && m > 0 && w.tapsInside(e, a+m) {
		// The vector kernel: eight rows (outputs) per vector, each lane
		// summing its taps in the same order with the same roundings.
		outW := len(e.taps)
		for o := range e.taps {
			ct := &e.taps[o]
			switch {
			case len(ct.offs) == 0 && w.rowMajor:
				for y := a; y < a+m; y++ {
					e.cols[y*outW+o] = 0 // no image column: zeros
				}
			case len(ct.offs) == 0:
				clear(e.cols[o*cs+a : o*cs+a+m])
			case w.rowMajor:
				widthVecT(&e.cols[a*outW+o], outW, m, &img[a], &ct.offs[0], &ct.ws[0], ct.nAdd, len(ct.offs))
			default:
				widthVec(&e.cols[o*cs+a], m, &img[a], &ct.offs[0], &ct.ws[0], ct.nAdd, len(ct.offs))
			}
		}
		a += m
	}
	if vecWidth {
		var buf [8]float32
		outW := len(e.taps)
		for o := range e.taps {
			if !w.rowMajor {
				widthTail(e.cols[o*cs+a:o*cs+b], img, a, &e.taps[o])
				continue
			}
			for y := a; y < b; y += len(buf) {
				n := min(len(buf), b-y)
				widthTail(buf[:n], img, y, &e.taps[o])
				for i, v := range buf[:n] {
					e.cols[(y+i)*outW+o] = v
				}
			}
		}
		return
	}
	w.widthRowsGo(e, a, b)
}

// widthTail computes the width pass of the rows the vector kernel leaves
// (fewer than eight, or all when its reads could leave the image) from the
// taps' offsets and weights: acc[i] for image row a+i, the same operations
// in the same order (rounded products added, then correctly rounded fused
// multiply-adds).
func widthTail(acc []float32, img []uint8, a int, ct *colTaps) {
	if len(ct.offs) == 0 {
		clear(acc)
		return
	}
	for i := range acc {
		r := a + i
		s := float32(float32(img[ct.offs[0]+r]) * ct.ws[0])
		for k := 1; k < ct.nAdd; k++ {
			s += float32(float32(img[ct.offs[k]+r]) * ct.ws[k])
		}
		for k := ct.nAdd; k < len(ct.offs); k++ {
			s = resample.FMA32(float32(img[ct.offs[k]+r]), ct.ws[k], s)
		}
		acc[i] = s
	}
}

// tapsInside reports whether rows [0, b) of every tap's image column lie in
// the image (always true: the vector kernel does not check its reads, so
// this is checked before it runs).
func (w *worker) tapsInside(e *entry, b int) bool {
	n := len(w.imgs.image(e.k))
	for o := range e.taps {
		for _, off := range e.taps[o].offs {
			if off < 0 || off+b > n {
				return false
			}
		}
	}
	return true
}

// widthRowsGo is widthRows in pure Go (the rows the vector kernel does not
// cover, and every row without it).
func (w *worker) widthRowsGo(e *entry, a, b int) {
	cs := w.cs
	img := w.imgs.image(e.k)
	exact := w.tabs.exactSum
	for o := range e.taps {
		acc := e.cols[o*cs+a : o*cs+b]
		ct := &e.taps[o]
		tl := ct.taps
		if len(tl) == 0 {
			clear(acc)
			continue
		}
		k := 0
		for _, g := range ct.groups {
			sum8(acc, img, &g.off, a, g.tab, k == 0)
			k += 8
		}
		if k == 0 {
			t0 := tl[0].tab
			c0 := img[tl[0].off+a : tl[0].off+b]
			c0 = c0[:len(acc)]
			for i, v := range c0 {
				acc[i] = t0[v]
			}
			k = 1
		}
		if exact && ct.nAdd-k == 1 && len(tl)-ct.nAdd == 3 {
			off := [4]int{tl[k].off, tl[k+1].off, tl[k+2].off, tl[k+3].off}
			tail1f3(acc, img, &off, a, tl[k].tab, tl[k+1].tab64, tl[k+2].tab64, tl[k+3].tab64)
			continue
		}
		for ; k+4 <= ct.nAdd; k += 4 {
			t0, t1, t2, t3 := tl[k].tab, tl[k+1].tab, tl[k+2].tab, tl[k+3].tab
			c0 := img[tl[k].off+a : tl[k].off+b]
			c1 := img[tl[k+1].off+a : tl[k+1].off+b]
			c2 := img[tl[k+2].off+a : tl[k+2].off+b]
			c3 := img[tl[k+3].off+a : tl[k+3].off+b]
			add4(acc, c0, c1, c2, c3, t0, t1, t2, t3)
		}
		for ; k < ct.nAdd; k++ {
			t0 := tl[k].tab
			c0 := img[tl[k].off+a : tl[k].off+b]
			c0 = c0[:len(acc)]
			for i, v := range c0 {
				acc[i] += t0[v]
			}
		}
		if exact {
			for ; k+2 <= len(tl); k += 2 {
				t0, t1 := tl[k].tab64, tl[k+1].tab64
				c0 := img[tl[k].off+a : tl[k].off+b]
				c1 := img[tl[k+1].off+a : tl[k+1].off+b]
				c0, c1 = c0[:len(acc)], c1[:len(acc)]
				for i := range acc {
					s := float32(t0[c0[i]] + float64(acc[i]))
					acc[i] = float32(t1[c1[i]] + float64(s))
				}
			}
		}
		for ; k < len(tl); k++ {
			t0 := tl[k].tab64
			c0 := img[tl[k].off+a : tl[k].off+b]
			c0 = c0[:len(acc)]
			if exact {
				for i, v := range c0 {
					acc[i] = float32(t0[v] + float64(acc[i]))
				}
				continue
			}
			for i, v := range c0 {
				acc[i] = resample.AddExact(t0[v], acc[i])
			}
		}
	}
}

// add4 adds four taps' products to acc, in order: acc[i] + t0[c0[i]] +
// t1[c1[i]] + t2[c2[i]] + t3[c3[i]], each addition rounded to float32.
func add4(acc []float32, c0, c1, c2, c3 []uint8, t0, t1, t2, t3 *[256]float32) {
	c0, c1, c2, c3 = c0[:len(acc)], c1[:len(acc)], c2[:len(acc)], c3[:len(acc)]
	_, _, _, _ = t0[0], t1[0], t2[0], t3[0] // nil checks out of the loop
	for i := range acc {
		acc[i] = acc[i] + t0[c0[i]] + t1[c1[i]] + t2[c2[i]] + t3[c3[i]]
	}
}

// ensure makes image rows [a, b) of e valid. With the vector kernel, the
// rows computed are rounded up to multiples of eight where the image allows
// (a frame's drift usually asks for one or two more rows; the extra rows are
// valid width rows like any other, computed eight per vector).
func (w *worker) ensure(e *entry, a, b int) {
	ny := w.imgs.Ny
	up := func(lo, hi int) int { // hi extended to lo + a multiple of 8
		if !vecWidth {
			return hi
		}
		return min(lo+(hi-lo+7)&^7, ny)
	}
	down := func(lo, hi int) int { // lo extended to hi - a multiple of 8
		if !vecWidth {
			return lo
		}
		return max(hi-(hi-lo+7)&^7, 0)
	}
	switch {
	case a >= b:
	case e.lo == e.hi || b < e.lo || a > e.hi:
		// Empty, or disjoint from what is cached: start over with [a, b).
		b = up(a, b)
		w.widthRows(e, a, b)
		e.lo, e.hi = a, b
	default:
		if a < e.lo {
			a = down(a, e.lo)
			w.widthRows(e, a, e.lo)
			e.lo = a
		}
		if b > e.hi {
			b = up(e.hi, b)
			w.widthRows(e, e.hi, b)
			e.hi = b
		}
	}
}

// ensureLast makes row Ny-1 valid (openretina's wrapped row).
func (w *worker) ensureLast(e *entry) {
	ny := w.imgs.Ny
	if e.wrapDone || (ny-1 >= e.lo && ny-1 < e.hi) {
		return
	}
	w.widthRows(e, ny-1, ny)
	e.wrapDone = true
}

// frame renders one output frame: the height pass over cached width rows.
func (w *worker) frame(dst []float32, f Fixation, rng Ranges) {
	if rng.Empty {
		clear(dst)
		return
	}
	e := w.getEntry(f.Image, f.X, rng)
	ny := w.imgs.Ny
	// Image rows shown: YOr .. YOr+YMax-YMin, where -1 is row Ny-1.
	a, b := rng.YOr, rng.YOr+rng.YMax-rng.YMin+1
	if a == -1 {
		a = 0
		w.ensureLast(e)
	}
	w.ensure(e, a, b)
	wh := w.r.wh
	outW := w.r.opt.OutW
	for oy := range wh.Taps {
		out := dst[oy*outW : (oy+1)*outW]
		taps := wh.Taps[oy]
		s0 := wh.Start[oy]
		j0 := max(0, rng.YMin-s0)
		j1 := min(len(taps), rng.YMax-s0+1)
		if j0 >= j1 {
			clear(out)
			continue
		}
		ff := min(max(resample.FusedFrom(len(taps)), j0+1), j1) // end of the rounded-product taps
		y0 := rng.YOr + s0 + j0 - rng.YMin                      // image row of tap j0
		if y0 == -1 {
			// The wrapped row is tap j0; the others follow from row 0.
			// Value (o, y) of the entry is cols[o*so+y*sy].
			so, sy := w.cs, 1
			if w.rowMajor {
				so, sy = 1, outW
			}
			w0 := taps[j0]
			for o := range out {
				acc := float32(e.cols[o*so+(ny-1)*sy] * w0) // explicit: never fused with the next addition
				for j := j0 + 1; j < j1; j++ {
					v := e.cols[o*so+(j-j0-1)*sy]
					if j < ff {
						acc += float32(v * taps[j])
					} else {
						acc = fmaNonNeg(v, taps[j], acc)
					}
				}
				out[o] = acc
			}
			continue
		}
		if w.rowMajor {
			heightRows(out, e.cols, outW, y0, taps[j0:j1], ff-j0)
			continue
		}
		heightDots(out, e.cols, w.cs, y0, taps[j0:j1], ff-j0)
	}
}

// heightDots computes out[o] = the height filter hw over column o's rows
// y0.. (cols column-major with stride ny): the first nadd taps as rounded
// products added in order, the rest with fused multiply-adds. All values are
// non-negative.
func heightDots(out, cols []float32, ny, y0 int, hw []float32, nadd int) {
	n := len(hw)
	hadd := hw[:nadd]
	hfma := hw[nadd:]
	if len(hadd) == 17 && len(hfma) == 3 {
		heightDots17x3(out, cols, ny, y0, (*[20]float32)(hw))
		return
	}
	off := y0
	for o := range out {
		t := cols[off : off+n]
		off += ny
		ta := t[:len(hadd)]
		ha := hadd[:len(ta)]
		acc := float32(ta[0] * ha[0]) // explicit: never fused with the next addition
		k := 1
		for ; k+4 <= len(ta); k += 4 {
			s, h := ta[k:k+4:k+4], ha[k:k+4:k+4]
			acc = acc + float32(s[0]*h[0]) + float32(s[1]*h[1]) + float32(s[2]*h[2]) + float32(s[3]*h[3])
		}
		for ; k < len(ta); k++ {
			acc += float32(ta[k] * ha[k])
		}
		tf := t[len(hadd):]
		tf = tf[:len(hfma)]
		for k, v := range tf {
			acc = fmaNonNeg(v, hfma[k], acc)
		}
		out[o] = acc
	}
}

// heightRows is heightDots on row-major width rows (rows[y*stride+o],
// stride = len(out)): the vector kernel (heightVecT) for the outputs in
// groups of eight, Go for the rest; the same operations in the same order.
func heightRows(out, rows []float32, stride, y0 int, hw []float32, nadd int) {
	n := len(hw)
	if nadd < 1 || y0 < 0 || (y0+n)*stride > len(rows) {
		panic("fixmovie: height pass outside the cached rows") // an invariant of frame
	}
	m := len(out) &^ 7
	if m > 0 {
		heightVecT(&out[0], m, &rows[y0*stride], stride, &hw[0], nadd, n)
	}
	for o := m; o < len(out); o++ {
		acc := float32(rows[y0*stride+o] * hw[0]) // explicit: never fused with the next addition
		for k := 1; k < n; k++ {
			v := rows[(y0+k)*stride+o]
			if k < nadd {
				acc += float32(v * hw[k])
			} else {
				acc = fmaNonNeg(v, hw[k], acc)
			}
		}
		out[o] = acc
	}
}

// heightDots17x3 is heightDots for the common full 20-tap filter (17 rounded
// taps, 3 fused), unrolled.
func heightDots17x3(out, cols []float32, ny, y0 int, h *[20]float32) {
	off := y0
	for o := range out {
		t := (*[20]float32)(cols[off : off+20])
		off += ny
		acc := float32(t[0] * h[0]) // explicit: never fused with the next addition (arm64)
		acc = acc + float32(t[1]*h[1]) + float32(t[2]*h[2]) + float32(t[3]*h[3]) + float32(t[4]*h[4])
		acc = acc + float32(t[5]*h[5]) + float32(t[6]*h[6]) + float32(t[7]*h[7]) + float32(t[8]*h[8])
		acc = acc + float32(t[9]*h[9]) + float32(t[10]*h[10]) + float32(t[11]*h[11]) + float32(t[12]*h[12])
		acc = acc + float32(t[13]*h[13]) + float32(t[14]*h[14]) + float32(t[15]*h[15]) + float32(t[16]*h[16])
		r, ok := fmaFast(t[17], h[17], acc)
		if !ok {
			r = resample.FMA32(t[17], h[17], acc)
		}
		acc = r
		if r, ok = fmaFast(t[18], h[18], acc); !ok {
			r = resample.FMA32(t[18], h[18], acc)
		}
		acc = r
		if r, ok = fmaFast(t[19], h[19], acc); !ok {
			r = resample.FMA32(t[19], h[19], acc)
		}
		out[o] = r
	}
}

// fmaFast returns float32(a*b + c) computed through float64, and whether
// that is the correctly rounded fused multiply-add (true unless the sum sits
// on a float32 rounding midpoint or is tiny; zero is exact). a, b, c >= 0.
func fmaFast(a, b, c float32) (float32, bool) {
	s := float64(a)*float64(b) + float64(c)
	bits := math.Float64bits(s)
	return float32(s), bits&(1<<29-1) != 1<<28 && (bits>>52)-1 >= 1023-125
}

// fmaNonNeg is resample.FMA32 for non-negative operands with the common case
// inlined: the float64 sum of the exact product and c, rounded to float32,
// unless it sits on a float32 rounding midpoint or is tiny (then the exact
// slow path decides); zero is exact.
func fmaNonNeg(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	s := p + float64(c)
	if bits := math.Float64bits(s); bits&(1<<29-1) == 1<<28 || (bits>>52)-1 < 1023-125 {
		return resample.AddExact(p, c)
	}
	return float32(s)
}

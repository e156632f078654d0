package karamanlis

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/internal/bigmem"
)

// LoadResponsesForSession loads a session's binned spike counts from
// <stim>_data.mat (sessionPath: a folder or a .zip), as openretina's
// load_responses_for_session: TestByTrial = frozenbin as (trials, neurons,
// time) / FrNormalisation, Test its mean over trials, Train = runningbin as
// (neurons, blocks*time) / FrNormalisation, block-major.
//
// A session without the file gives an error wrapping ErrNoResponses (and a
// warning). Bins whose blocks or frames disagree with the fixations of the
// same file, or whose cell counts disagree, are errors naming both shapes;
// NaN spike counts give a warning.
func LoadResponsesForSession(ctx context.Context, sessionPath string, opt ResponseOptions) (*ResponsesTrainTestSplit, error) {
	return loadResponses(ctx, sessionPath, opt, nil)
}

// ResponseSink receives the per-trial test responses from
// StreamResponsesForSession as they are read.
type ResponseSink interface {
	// Start is called once, when the bins' shapes are checked and before
	// any trial; r holds the shapes (TrainShape, TestShape,
	// TestByTrialShape), StimID and Source, and no values.
	Start(r *ResponsesTrainTestSplit) error
	// Trial receives trial k of TestByTrial, its (neurons, time) values
	// in C order, for k = 0, 1, ... in order. v is reused once Trial
	// returns. An error stops the reading and is returned as is.
	Trial(k int, v []float64) error
}

// StreamResponsesForSession is LoadResponsesForSession without holding
// TestByTrial whole: its trials go to sink one at a time (same values,
// same warnings, same errors), and the returned split has Train, Test and
// every shape set but TestByTrial nil. Where frozenbin's chunks span all
// trials (MATLAB's chunk layout) a trial is complete only once the whole
// dataset is read, so there the trials are assembled before they are
// passed on (the memory of LoadResponsesForSession).
func StreamResponsesForSession(ctx context.Context, sessionPath string, opt ResponseOptions, sink ResponseSink) (*ResponsesTrainTestSplit, error) {
	if sink == nil {
		return nil, errors.New("responses: StreamResponsesForSession needs a sink")
	}
	return loadResponses(ctx, sessionPath, opt, sink)
}

// loadResponses is LoadResponsesForSession, or with a sink
// StreamResponsesForSession.
func loadResponses(ctx context.Context, sessionPath string, opt ResponseOptions, sink ResponseSink) (*ResponsesTrainTestSplit, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	folder, matPath, err := sessionDataFile(ctx, sessionPath, opt.CacheDir, opt.StimType)
	if err != nil {
		return nil, err
	}
	if matPath == "" {
		err := fmt.Errorf("%w: no file with postfix %s found in folder %s", ErrNoResponses, DataFileName(opt.StimType), folder)
		warnf(opt.Warn, "%v", err)
		return nil, err
	}
	if opt.Info != nil {
		opt.Info("Loading responses from " + matPath)
	}
	m, err := openMat(matPath)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return readResponses(ctx, m, opt, sink)
}

// binShapes are the checked shapes of frozenbin (trials, frames, cells) and
// runningbin (blocks, frames, cells).
type binShapes struct {
	frozen, running []int
	fds, rds        *hdf5.Dataset
}

// readResponses reads a data file's bins: their shapes are checked, then
// frozenbin becomes TestByTrial and its mean over trials Test, and
// runningbin becomes Train, all divided by the firing-rate normalisation.
// With a sink, TestByTrial is not kept: its trials go to the sink as they
// are read (see StreamResponsesForSession).
func readResponses(ctx context.Context, m *matFile, opt ResponseOptions, sink ResponseSink) (*ResponsesTrainTestSplit, error) {
	b, err := readBinShapes(m)
	if err != nil {
		return nil, err
	}
	K, Tf, N := b.frozen[0], b.frozen[1], b.frozen[2]
	B, Tr := b.running[0], b.running[1]
	T := B * Tr
	r := &ResponsesTrainTestSplit{
		StimID:           string(opt.StimType),
		Source:           m.path,
		TestByTrialShape: []int{K, N, Tf},
		TestShape:        []int{N, Tf},
		TrainShape:       []int{N, T},
	}
	trial := N * Tf
	var frozen binRows
	var buf []float64 // with a sink: the rows read at a time, reused
	if sink == nil {
		r.TestByTrial = bigmem.Float64s(K * trial)
		frozen.begin = func(int, int) func(int) []float64 {
			return func(k int) []float64 { return r.TestByTrial[k*trial : (k+1)*trial] }
		}
	} else {
		if err := sink.Start(r); err != nil {
			return nil, err
		}
		frozen.begin = func(k0, n int) func(int) []float64 {
			if cap(buf) < n*trial {
				buf = bigmem.Float64s(n * trial)
			}
			buf = buf[:n*trial]
			return func(k int) []float64 { return buf[(k-k0)*trial : (k-k0+1)*trial] }
		}
	}
	r.Test = bigmem.Float64s(N * Tf)
	if sink != nil {
		frozen.done = func(k0, n int) error {
			for i := range n {
				v := buf[i*trial : (i+1)*trial]
				addTrial(r.Test, v)
				if err := sink.Trial(k0+i, v); err != nil {
					return err
				}
			}
			return nil
		}
	}
	nan := nanReport{path: m.path, warn: opt.Warn}
	// frozenbin (K, Tf, N) -> (K, N, Tf): trial k is a (Tf, N) -> (N, Tf)
	// transpose into its own (N, Tf) block.
	frozenNaN, err := m.transposeBins(ctx, DatasetFrozenBin, b.fds, b.frozen, opt.FrNormalisation, Tf, frozen)
	if err != nil {
		return nil, err
	}
	nan.add(DatasetFrozenBin, frozenNaN)
	if sink == nil {
		for k := range K {
			addTrial(r.Test, r.TestByTrial[k*trial:(k+1)*trial])
		}
	}
	divideMean(r.Test, K)
	// runningbin (B, Tr, N) -> (N, B*Tr): block b is a (Tr, N) -> (N, Tr)
	// transpose into columns b*Tr.. of the (N, T) training responses.
	r.Train = bigmem.Float64s(N * T)
	running := binRows{begin: func(int, int) func(int) []float64 {
		return func(b int) []float64 { return r.Train[b*Tr:] }
	}}
	runningNaN, err := m.transposeBins(ctx, DatasetRunningBin, b.rds, b.running, opt.FrNormalisation, T, running)
	if err != nil {
		return nil, err
	}
	nan.add(DatasetRunningBin, runningNaN)
	r.NaNCount = nan.count
	if r.NaNCount > 1 {
		warnf(opt.Warn, "%s: %d NaN spike counts in total", m.path, r.NaNCount)
	}
	return r, nil
}

// readBinShapes checks the bins' ranks and sizes against each other and
// against the fixations (metadata only).
func readBinShapes(m *matFile) (binShapes, error) {
	var b binShapes
	var err error
	if b.fds, b.frozen, err = m.shape(DatasetFrozenBin, "trials", "frames", "cells"); err != nil {
		return b, err
	}
	if b.rds, b.running, err = m.shape(DatasetRunningBin, "blocks", "frames", "cells"); err != nil {
		return b, err
	}
	fsh, rsh := b.frozen, b.running
	if fsh[2] != rsh[2] {
		return b, &InputError{File: m.path, Dataset: "/" + DatasetFrozenBin, Field: "shape", Value: fmtShape(fsh),
			Problem: fmt.Sprintf("has %d cells but /%s %s has %d", fsh[2], DatasetRunningBin, fmtShape(rsh), rsh[2])}
	}
	if fsh[0] == 0 {
		return b, &InputError{File: m.path, Dataset: "/" + DatasetFrozenBin, Field: "shape", Value: fmtShape(fsh), Problem: "has no trials"}
	}
	return b, checkBinsAgainstFixations(m, rsh, fsh)
}

// nanCount is where a row of bins holds NaN values: the first position
// (frame, cell) and how many.
type nanCount struct {
	pos   [][2]int
	count int
}

// binSliceBytes bounds the bins read at a time: the slab of rows readRows
// reads (unless one chunk's rows are more), and the slice of frames
// transposeBins reads when a chunk spans more rows than fit in it (a
// variable for the tests).
var binSliceBytes = 32 << 20

// binRows is where transposeBins puts the rows it reads.
type binRows struct {
	// begin is called before rows a0..a0+n-1 are read and returns the
	// destination dst(a) of each of them.
	begin func(a0, n int) (dst func(a int) []float64)
	// done, when set, is called once rows a0..a0+n-1 are in place, for
	// the rows in order; its error stops the reading and is returned as
	// is.
	done func(a0, n int) error
}

// transposeBins reads the bins dataset name of shape sh (rows, frames,
// cells), a slab of rows at a time, and writes row a divided by fr,
// transposed to (cells, frames), into out's dst(a) with stride between
// cells. It returns each row's NaN count.
func (m *matFile) transposeBins(ctx context.Context, name string, ds *hdf5.Dataset, sh []int, fr float64, stride int, out binRows) ([]nanCount, error) {
	rows, frames, cells := sh[0], sh[1], sh[2]
	res := make([]nanCount, rows)
	if cs := ds.ChunkShape(); len(cs) == 3 && int(cs[0])*frames*cells*8 > binSliceBytes && cs[1] < uint64(frames) {
		// Chunks span many rows (MATLAB's chunks hold all trials), so a
		// slab of whole rows would be the whole dataset: read slices of
		// frames instead, each a whole number of chunks (each chunk is
		// decoded once), at most binSliceBytes where the chunks allow.
		// Every row is complete only after the last slice.
		step := int(cs[1])
		for step*2 <= frames && rows*(step*2)*cells*8 <= binSliceBytes {
			step *= 2
		}
		dst := out.begin(0, rows)
		var buf []float64
		for f0 := 0; f0 < frames; f0 += step {
			nf := min(step, frames-f0)
			if err := ds.ReadSlab(ctx, []uint64{0, uint64(f0), 0}, []uint64{uint64(rows), uint64(nf), uint64(cells)}, &buf); err != nil {
				return nil, readErr(m.path, name, err)
			}
			parallelFor(rows, func(a int) {
				p, c := transposeScaled(dst(a)[f0:], stride, buf[a*nf*cells:(a+1)*nf*cells], nf, cells, fr, 1)
				if res[a].count == 0 && c > 0 {
					p[0][0] += f0
					res[a].pos = p
				}
				res[a].count += c
			})
		}
		if out.done != nil {
			if err := out.done(0, rows); err != nil {
				return nil, err
			}
		}
		return res, nil
	}
	err := m.readRows(ctx, name, ds, sh, func(a0, n int, data []float64) error {
		dst := out.begin(a0, n)
		parallelFor(n, func(i int) {
			p, c := transposeScaled(dst(a0+i), stride, data[i*frames*cells:(i+1)*frames*cells], frames, cells, fr, 1)
			res[a0+i] = nanCount{p, c}
		})
		if out.done != nil {
			return out.done(a0, n)
		}
		return nil
	})
	return res, err
}

// addTrial adds one trial's values to sum, the first step of the mean over
// trials: numpy sums along axis 0 in order, then divides (divideMean);
// adding the trials in order one after another gives the same bits.
func addTrial(sum, trial []float64) {
	for i, v := range trial[:len(sum)] {
		sum[i] += v
	}
}

// divideMean divides the sum over k trials by k (see addTrial).
func divideMean(sum []float64, k int) {
	for i := range sum {
		sum[i] /= float64(k)
	}
}

// nanReport counts NaN spike counts and warns once, at the first.
type nanReport struct {
	path  string
	warn  func(string)
	count int
	first bool
}

func (n *nanReport) add(dataset string, rows []nanCount) {
	for a, x := range rows {
		if x.count > 0 && !n.first {
			n.first = true
			warnf(n.warn, "%s: dataset /%s holds NaN spike counts (first at index [%d, %d, %d], 0-based); they stay NaN in the responses", n.path, dataset, a, x.pos[0][0], x.pos[0][1])
		}
		n.count += x.count
	}
}

// checkBinsAgainstFixations compares the bins' blocks and frames with the
// fixations' when the file has them (metadata only).
func checkBinsAgainstFixations(m *matFile, rsh, fsh []int) error {
	if v, err := m.f.Var(DatasetRunningFixations); err == nil && v.Dataset() != nil {
		sh := v.Dataset().Shape()
		if len(sh) == 3 && (int(sh[0]) != rsh[0] || int(sh[1]) != rsh[1]) {
			return &InputError{File: m.path, Dataset: "/" + DatasetRunningBin, Field: "shape", Value: fmtShape(rsh),
				Problem: fmt.Sprintf("has %d blocks x %d frames but /%s %s has %d blocks x %d frames", rsh[0], rsh[1], DatasetRunningFixations, fmtShape64(sh), sh[0], sh[1])}
		}
	}
	if v, err := m.f.Var(DatasetFrozenFixations); err == nil && v.Dataset() != nil {
		sh := v.Dataset().Shape()
		if len(sh) == 2 && int(sh[0]) != fsh[1] {
			return &InputError{File: m.path, Dataset: "/" + DatasetFrozenBin, Field: "shape", Value: fmtShape(fsh),
				Problem: fmt.Sprintf("has %d frames per trial but /%s %s has %d frames", fsh[1], DatasetFrozenFixations, fmtShape64(sh), sh[0])}
		}
	}
	return nil
}

// LoadAllResponses loads every session of opt.Species below root (see
// ListSessions), keyed by session name. Sessions without the response file
// are skipped with a warning, as openretina does. Failing sessions are
// left out and their errors joined into the returned error, so the map
// holds every session that loaded.
func LoadAllResponses(ctx context.Context, root string, opt ResponseOptions) (map[string]*ResponsesTrainTestSplit, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	return loadAll(ctx, root, opt.Species, func(s Session) (*ResponsesTrainTestSplit, error) {
		o := opt
		o.Warn = nil // the skip warning below names the session
		r, err := LoadResponsesForSession(ctx, s.Path, o)
		if errors.Is(err, ErrNoResponses) {
			warnf(opt.Warn, "session %s: %v", s.Name, err)
			return nil, errSkip
		}
		if err == nil && r.NaNCount > 0 {
			warnf(opt.Warn, "session %s: %d NaN spike counts in %s", s.Name, r.NaNCount, r.Source)
		}
		return r, err
	})
}

// transposeScaled writes dst[c*dstStride + r] = src[r*cols + c] / div for a
// rows x cols matrix src, in tiles so that both sides stay in cache (a plain
// double loop strides a whole row of dst per element). It returns the
// positions (r, c) of NaN values, at most maxNaN of them, and their count.
func transposeScaled(dst []float64, dstStride int, src []float64, rows, cols int, div float64, maxNaN int) (nan [][2]int, count int) {
	const tile = 32
	for r0 := 0; r0 < rows; r0 += tile {
		r1 := min(r0+tile, rows)
		for c0 := 0; c0 < cols; c0 += tile {
			c1 := min(c0+tile, cols)
			for r := r0; r < r1; r++ {
				row := src[r*cols : (r+1)*cols]
				for c := c0; c < c1; c++ {
					v := row[c]
					if v != v {
						if len(nan) < maxNaN {
							nan = append(nan, [2]int{r, c})
						}
						count++
					}
					dst[c*dstStride+r] = v / div
				}
			}
		}
	}
	return nan, count
}

// parallelFor runs fn(0..n-1) on GOMAXPROCS goroutines.
func parallelFor(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

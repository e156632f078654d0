package karamanlis

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

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
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	folder, err := SessionFolder(ctx, sessionPath, opt.CacheDir)
	if err != nil {
		return nil, err
	}
	matPath, err := FindDataFile(folder, opt.StimType)
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
	return readResponses(ctx, m, opt)
}

func readResponses(ctx context.Context, m *matFile, opt ResponseOptions) (*ResponsesTrainTestSplit, error) {
	fds, fsh, err := m.shape(DatasetFrozenBin, "trials", "frames", "cells")
	if err != nil {
		return nil, err
	}
	rds, rsh, err := m.shape(DatasetRunningBin, "blocks", "frames", "cells")
	if err != nil {
		return nil, err
	}
	if fsh[2] != rsh[2] {
		return nil, &InputError{File: m.path, Dataset: "/" + DatasetFrozenBin, Field: "shape", Value: fmtShape(fsh),
			Problem: fmt.Sprintf("has %d cells but /%s %s has %d", fsh[2], DatasetRunningBin, fmtShape(rsh), rsh[2])}
	}
	if fsh[0] == 0 {
		return nil, &InputError{File: m.path, Dataset: "/" + DatasetFrozenBin, Field: "shape", Value: fmtShape(fsh), Problem: "has no trials"}
	}
	if err := checkBinsAgainstFixations(m, rsh, fsh); err != nil {
		return nil, err
	}
	fr := opt.FrNormalisation
	K, Tf, N := fsh[0], fsh[1], fsh[2]
	B, Tr := rsh[0], rsh[1]
	r := &ResponsesTrainTestSplit{
		StimID:           string(opt.StimType),
		Source:           m.path,
		TestByTrial:      bigmem.Float64s(K * N * Tf),
		TestByTrialShape: []int{K, N, Tf},
		Test:             bigmem.Float64s(N * Tf),
		TestShape:        []int{N, Tf},
		Train:            bigmem.Float64s(N * B * Tr),
		TrainShape:       []int{N, B * Tr},
	}
	var firstNaN string
	nanAt := func(ds string, a int, pos [][2]int, count int) {
		if count > 0 && firstNaN == "" {
			firstNaN = fmt.Sprintf("%s: dataset /%s holds NaN spike counts (first at index [%d, %d, %d], 0-based); they stay NaN in the responses", m.path, ds, a, pos[0][0], pos[0][1])
			warnf(opt.Warn, "%s", firstNaN)
		}
		r.NaNCount += count
	}
	// frozenbin (K, Tf, N) -> (K, N, Tf) / fr, one trial at a time in
	// parallel (each trial is a (Tf, N) -> (N, Tf) transpose).
	type nanRes struct {
		pos   [][2]int
		count int
	}
	res := make([]nanRes, K)
	err = m.readRows(ctx, DatasetFrozenBin, fds, fsh, func(k0, rows int, data []float64) {
		parallelFor(rows, func(i int) {
			k := k0 + i
			p, c := transposeScaled(r.TestByTrial[k*N*Tf:(k+1)*N*Tf], Tf, data[i*Tf*N:(i+1)*Tf*N], Tf, N, fr, 1)
			res[k] = nanRes{p, c}
		})
	})
	if err != nil {
		return nil, err
	}
	for k, x := range res {
		nanAt(DatasetFrozenBin, k, x.pos, x.count)
	}
	// Mean over trials: numpy sums along axis 0 in order, then divides.
	for k := 0; k < K; k++ {
		src := r.TestByTrial[k*N*Tf : (k+1)*N*Tf]
		for i, v := range src {
			r.Test[i] += v
		}
	}
	for i := range r.Test {
		r.Test[i] /= float64(K)
	}
	// runningbin (B, Tr, N) -> (N, B*Tr) / fr: block b is a (Tr, N) -> (N, Tr)
	// transpose into columns b*Tr.. of the (N, T) training responses.
	T := B * Tr
	res = make([]nanRes, B)
	err = m.readRows(ctx, DatasetRunningBin, rds, rsh, func(b0, rows int, data []float64) {
		parallelFor(rows, func(i int) {
			b := b0 + i
			p, c := transposeScaled(r.Train[b*Tr:], T, data[i*Tr*N:(i+1)*Tr*N], Tr, N, fr, 1)
			res[b] = nanRes{p, c}
		})
	})
	if err != nil {
		return nil, err
	}
	for b, x := range res {
		nanAt(DatasetRunningBin, b, x.pos, x.count)
	}
	if r.NaNCount > 1 {
		warnf(opt.Warn, "%s: %d NaN spike counts in total", m.path, r.NaNCount)
	}
	return r, nil
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

// Package matsource reads the full-resolution stimulus of a Karamanlis
// session (fixationmovie_data.mat: source images and fixations) for the
// viewer, with package mat and the dataset names of package karamanlis. It
// is a separate package so that package viewer works and tests without the
// MATLAB reader.
package matsource

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/internal/render"
	"github.com/retinaio/retinaio/internal/viewer"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/mat"
)

// source reads fixationmovie_data.mat with package mat.
type source struct {
	path string
	mu   sync.Mutex
	f    *mat.File
	fix  map[render.Split][][3]int32
	// last image read, per split
	lastIdx map[render.Split]int
	lastImg map[render.Split][]uint8
}

// Open opens a session's fixationmovie_data.mat as a Source.
func Open(path string) (viewer.Source, error) {
	f, err := mat.Open(path)
	if err != nil {
		return nil, err
	}
	return &source{path: path, f: f, fix: map[render.Split][][3]int32{},
		lastIdx: map[render.Split]int{}, lastImg: map[render.Split][]uint8{}}, nil
}

// Close closes the file.
func (m *source) Close() error { return m.f.Close() }

func imgDataset(sp render.Split) string {
	if sp == render.Train {
		return karamanlis.DatasetRunningImages
	}
	return karamanlis.DatasetFrozenImages
}

// dataset opens the array name.
func (m *source) dataset(name string) (*hdf5.Dataset, error) {
	v, err := m.f.Var(name)
	if err != nil {
		return nil, err
	}
	if v.Dataset() == nil {
		return nil, fmt.Errorf("%s: /%s is not an array", m.path, name)
	}
	return v.Dataset(), nil
}

// Fixations reads the running fixations (blocks concatenated) or the frozen ones once and keeps them.
func (m *source) Fixations(ctx context.Context, sp render.Split) ([][3]int32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f, ok := m.fix[sp]; ok {
		return f, nil
	}
	name := karamanlis.DatasetFrozenFixations
	if sp == render.Train {
		name = karamanlis.DatasetRunningFixations
	}
	ds, err := m.dataset(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", m.path, err)
	}
	sh := ds.Shape()
	if len(sh) == 0 || sh[len(sh)-1] != 3 || ds.Len() > 1<<26 {
		return nil, fmt.Errorf("%s: /%s has shape %v; want (..., 3)", m.path, name, sh)
	}
	var v []float64
	if err := ds.Read(ctx, &v); err != nil {
		return nil, fmt.Errorf("%s: /%s: %v", m.path, name, err)
	}
	out := make([][3]int32, len(v)/3)
	for i := range out {
		for c := range 3 {
			x := v[3*i+c]
			if math.IsNaN(x) || math.Abs(x) > 1e9 {
				x = 0
			}
			out[i][c] = int32(math.Round(x))
		}
	}
	m.fix[sp] = out
	return out, nil
}

// Blocks returns the shape of the running fixations: blocks and frames per block.
func (m *source) Blocks(ctx context.Context) (int, int, error) {
	ds, err := m.dataset(karamanlis.DatasetRunningFixations)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v", m.path, err)
	}
	sh := ds.Shape()
	if len(sh) != 3 {
		return 0, 0, fmt.Errorf("%s: /%s has shape %v; want (blocks, frames, 3)", m.path, karamanlis.DatasetRunningFixations, sh)
	}
	return int(sh[0]), int(sh[1]), nil
}

// Images returns the number of images of a split and their rows and columns.
func (m *source) Images(ctx context.Context, sp render.Split) (n, rows, cols int, err error) {
	ds, err := m.dataset(imgDataset(sp))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%s: %v", m.path, err)
	}
	sh := ds.Shape()
	if len(sh) != 3 {
		return 0, 0, 0, fmt.Errorf("%s: /%s has shape %v; want (N, Nx, Ny)", m.path, imgDataset(sp), sh)
	}
	return int(sh[0]), int(sh[2]), int(sh[1]), nil
}

// Image reads one image (1-based) with a hyperslab read, transposed to rows x cols; the last image per split is kept.
func (m *source) Image(ctx context.Context, sp render.Split, idx int) (int, int, []uint8, error) {
	n, rows, cols, err := m.Images(ctx, sp)
	if err != nil {
		return 0, 0, nil, err
	}
	if idx < 1 || idx > n {
		return 0, 0, nil, fmt.Errorf("%s: image %d out of range 1..%d", m.path, idx, n)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lastIdx[sp] == idx {
		return rows, cols, m.lastImg[sp], nil
	}
	ds, err := m.dataset(imgDataset(sp))
	if err != nil {
		return 0, 0, nil, err
	}
	var raw []uint8
	if err := ds.ReadSlab(ctx, []uint64{uint64(idx - 1), 0, 0}, []uint64{1, uint64(cols), uint64(rows)}, &raw); err != nil {
		return 0, 0, nil, fmt.Errorf("%s: /%s image %d: %v", m.path, imgDataset(sp), idx, err)
	}
	pix := make([]uint8, rows*cols)
	for x := range cols {
		for y := range rows {
			pix[y*cols+x] = raw[x*rows+y]
		}
	}
	m.lastIdx[sp], m.lastImg[sp] = idx, pix
	return rows, cols, pix, nil
}

// Package synth writes realistic synthetic Karamanlis et al. 2024 sessions
// in the real files' layout (MATLAB v7.3, written with package hdf5write):
// fixationmovie_data.mat with the image ensembles, gaze-like fixations and
// stimulus-driven Poisson spike counts, and frozencheckerflicker_data.mat
// with responses only, as the real sessions have.
//
// Datasets (h5py order, every one with its MATLAB_class attribute; chunked
// and deflated at level 3 in synth's own layout, or stored as another
// writer would: see Layout, Options.Layout):
//
//	runningImages     (Nrun, Nx, Ny)       uint8   training images, Ny rows x Nx columns each
//	frozenImages      (Nfroz, Nx, Ny)      uint8   test images
//	runningfixations  (Nblocks, Tr, 3)     double  1-based image index, x (column), y (row)
//	frozenfixations   (Tf, 3)              double
//	runningbin        (Nblocks, Tr, Ncells) double spike counts per frame
//	frozenbin         (Ntrials, Tf, Ncells) double
//
// Content: images are 1/f-spectrum noise (a Laplacian-pyramid-like sum of
// octaves) with a few hard-edged objects, contrast-normalised to uint8;
// fixations change image about once a second (which images: see ImageUse,
// Options.ImageUse: drawn at random by default, or every image, or all but
// a third of the training images), saccade every 15-30 frames
// and drift by a pixel between saccades, and about a quarter of them land
// near or past an image edge (never so far that the image leaves the
// 600x800 screen); each cell has a receptive field on the screen, a
// polarity and a gain, and fires Poisson counts at a softplus rate of its
// band-passed local luminance, with a per-trial gain so repeats of the
// test sequence vary more than Poisson noise alone.
//
// Everything is deterministic in the seed (independent of the number of
// cores) and generated in parallel.
package synth

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/retinaio/retinaio/hdf5write"
	"github.com/retinaio/retinaio/internal/atomicfile"
	"github.com/retinaio/retinaio/internal/filelock"
	"github.com/retinaio/retinaio/internal/staletemp"
	"github.com/retinaio/retinaio/karamanlis"
)

// Profile is the size of a synthetic session.
type Profile struct {
	Name    string
	Species string  // "mouse" or "marmoset": goes into the session name
	Hz      float64 // display frame rate
	// Image size: Rows x Cols pixels (h5py shape (N, Cols, Rows)).
	Rows, Cols int
	NRun       int // training images
	NFroz      int // test images
	Blocks     int // training blocks
	Tr         int // frames per training block
	Tf         int // frames of the repeated test sequence
	Trials     int // repeats of the test sequence
	Cells      int
}

// Profiles lists the built-in profiles by name.
var Profiles = map[string]Profile{
	"tiny":     {Name: "tiny", Species: string(karamanlis.Mouse), Hz: mouseHz, Rows: 640, Cols: 860, NRun: 3, NFroz: 2, Blocks: 2, Tr: 40, Tf: 30, Trials: 3, Cells: 5},
	"small":    {Name: "small", Species: string(karamanlis.Mouse), Hz: mouseHz, Rows: 768, Cols: 1024, NRun: 6, NFroz: 2, Blocks: 6, Tr: 375, Tf: 375, Trials: 5, Cells: 20},
	"medium":   {Name: "medium", Species: string(karamanlis.Mouse), Hz: mouseHz, Rows: 1024, Cols: 1532, NRun: 10, NFroz: 4, Blocks: 4, Tr: 375, Tf: 375, Trials: 10, Cells: 50},
	"mouse":    {Name: "mouse", Species: string(karamanlis.Mouse), Hz: mouseHz, Rows: 1024, Cols: 1532, NRun: 150, NFroz: 25, Blocks: 40, Tr: 375, Tf: 1875, Trials: 40, Cells: 250},
	"marmoset": {Name: "marmoset", Species: string(karamanlis.Marmoset), Hz: marmosetHz, Rows: 1024, Cols: 1532, NRun: 150, NFroz: 25, Blocks: 30, Tr: 3400, Tf: 1870, Trials: 30, Cells: 200},
}

// ProfileNames returns the profile names, smallest first.
func ProfileNames() []string {
	names := make([]string, 0, len(Profiles))
	for n := range Profiles {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := Profiles[names[i]], Profiles[names[j]]
		return a.bytes() < b.bytes()
	})
	return names
}

func (p Profile) bytes() int64 {
	return int64(p.NRun+p.NFroz)*int64(p.Rows*p.Cols) + 8*int64(p.Cells)*int64(p.Blocks*p.Tr+p.Trials*p.Tf)
}

// The display frame rates of the species (karamanlis.FrameRate).
var (
	mouseHz, _    = karamanlis.FrameRate(karamanlis.Mouse)
	marmosetHz, _ = karamanlis.FrameRate(karamanlis.Marmoset)
)

// Screen size (rows x columns) of the experiments.
const (
	ScreenRows = karamanlis.DefaultScreenHeight
	ScreenCols = karamanlis.DefaultScreenWidth
)

// Options control Write.
type Options struct {
	Profile  Profile
	Sessions int    // number of sessions (default 1)
	Seed     uint64 // base seed; session i uses Seed+i and is named SessionName(species, Seed+i-1)
	Zip      bool   // write <session>.zip (one top folder) instead of a folder
	// Layout is how the datasets are chunked and compressed ("" means
	// LayoutOwn); the arrays' values do not depend on it.
	Layout Layout
	// ImageUse is which images the fixations show ("" means
	// ImageUseRandom, synth's original sessions): ImageUseAll shows every
	// image, ImageUseThirdUnused leaves a third of the training images
	// unused in runs of consecutive indices. The images and the layout do
	// not depend on it.
	ImageUse ImageUse
	// Workers bounds parallelism (0 = GOMAXPROCS).
	Workers int
	// Progress, when not nil, is called with bytes of image data generated.
	Progress func(n int64)
}

// SessionName returns the name of the i-th synthetic session of a species,
// such as 20210115_252MEA_mouse_left_half_ventral or
// 20220301_60MEA_marmoset_left_s1.
func SessionName(species string, i int) string {
	if karamanlis.Species(species) == karamanlis.Marmoset {
		d := time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i)
		eye := []string{"left", "right"}[i%2]
		return fmt.Sprintf("%s_60MEA_marmoset_%s_s%d", d.Format("20060102"), eye, i+1)
	}
	d := time.Date(2021, 1, 15, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i)
	half := []string{"ventral", "dorsal"}[i%2]
	eye := []string{"left", "right"}[(i/2)%2]
	return fmt.Sprintf("%s_252MEA_%s_%s_half_%s", d.Format("20060102"), species, eye, half)
}

// Write writes opts.Sessions sessions into dir (created if needed) and
// returns their paths (folders, or .zip files with Zip).
func Write(ctx context.Context, dir string, opts Options) ([]string, error) {
	p := opts.Profile
	if err := p.validate(); err != nil {
		return nil, err
	}
	if _, err := ParseLayout(string(opts.Layout)); err != nil {
		return nil, err
	}
	if _, err := ParseImageUse(string(opts.ImageUse)); err != nil {
		return nil, err
	}
	n := opts.Sessions
	if n <= 0 {
		n = 1
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	var out []string
	for i := 0; i < n; i++ {
		seed := opts.Seed + uint64(i)
		// the name follows the seed, so runs with other seeds add sessions
		// beside earlier ones instead of replacing them
		idx := i
		if opts.Seed > 0 {
			idx = int((seed - 1) % 10000)
		}
		name := SessionName(p.Species, idx)
		if err := claim(ctx, dir, name, opts.Zip); err != nil {
			return out, err
		}
		if !opts.Zip {
			sdir := filepath.Join(dir, name)
			if err := os.MkdirAll(sdir, 0o755); err != nil {
				return out, fmt.Errorf("synth: %w", err)
			}
			if err := WriteSession(ctx, sdir, p, seed, opts); err != nil {
				return out, err
			}
			out = append(out, sdir)
			continue
		}
		// named after this process, so that a later run removes what a
		// killed one left behind
		staletemp.Clean(dir, zipTempPrefix)
		tmp, err := os.MkdirTemp(dir, staletemp.Pattern(zipTempPrefix))
		if err != nil {
			return out, fmt.Errorf("synth: %w", err)
		}
		err = WriteSession(ctx, tmp, p, seed, opts)
		zp := filepath.Join(dir, name+".zip")
		if err == nil {
			err = zipDir(zp, tmp, name)
		}
		os.RemoveAll(tmp)
		if err != nil {
			return out, err
		}
		out = append(out, zp)
	}
	return out, nil
}

// zipTempPrefix starts the name of the folder a session is written into
// before it is zipped (staletemp.Pattern): a name of retinaio's own, so that
// cleaning up after a killed run touches nothing else in the folder.
const zipTempPrefix = ".retinaio-synth-zip-"

// MadeName is the file in Write's folder that lists the sessions (folder
// or zip names) synth wrote there: Write replaces only those. The session
// names follow the real recordings' scheme, so a real session of the same
// name in that folder is refused, never written over.
const MadeName = ".retinaio-synth.json"

// claim lets Write write the session name (a folder, or name.zip with
// zip) into dir: it is refused when something of that name exists that
// synth did not write there (not in MadeName); else it is added to
// MadeName (under a lock, written atomically) before it is written.
func claim(ctx context.Context, dir, name string, zip bool) error {
	target := name
	if zip {
		target += ".zip"
	}
	unlock, err := filelock.Lock(ctx, filepath.Join(dir, MadeName+".lock"), nil)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	defer unlock()
	rec := filepath.Join(dir, MadeName)
	var made []string
	if b, err := os.ReadFile(rec); err == nil {
		if err := json.Unmarshal(b, &made); err != nil {
			return fmt.Errorf("synth: %s: %w", rec, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("synth: %w", err)
	}
	if slices.Contains(made, target) {
		return nil
	}
	if _, err := os.Lstat(filepath.Join(dir, target)); err == nil {
		return fmt.Errorf("synth: %s exists and was not written by synth (a real session?); it is left as it is: choose another folder", filepath.Join(dir, target))
	}
	b, _ := json.MarshalIndent(append(made, target), "", "  ")
	return atomicfile.WriteFile(rec, append(b, '\n'))
}

func (p Profile) validate() error {
	if sp := karamanlis.Species(p.Species); sp != karamanlis.Mouse && sp != karamanlis.Marmoset {
		return fmt.Errorf("synth: profile %q: species %q is not mouse or marmoset", p.Name, p.Species)
	}
	if p.Rows < 16 || p.Cols < 16 || p.NRun < 1 || p.NFroz < 1 || p.Blocks < 1 || p.Tr < 1 || p.Tf < 1 ||
		p.Trials < 1 || p.Cells < 1 || p.Hz <= 0 {
		return fmt.Errorf("synth: profile %q: every size must be positive (images at least 16x16): %+v", p.Name, p)
	}
	return nil
}

// zipDir writes zp with the files of src under the top folder top (stored,
// not deflated: the .mat files are compressed already).
func zipDir(zp, src, top string) error {
	af, err := atomicfile.Create(zp)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	defer af.Abort()
	zw := zip.NewWriter(af)
	ents, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if _, err := zw.CreateHeader(&zip.FileHeader{Name: top + "/", Method: zip.Store, Modified: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		return err
	}
	for _, e := range ents {
		f, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			return fmt.Errorf("synth: %w", err)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: top + "/" + e.Name(), Method: zip.Store, Modified: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err == nil {
			_, err = io.Copy(w, f)
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("synth: zip %s: %w", zp, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("synth: zip %s: %w", zp, err)
	}
	return af.Commit()
}

// rng returns a deterministic generator for (seed, stream, index).
func rng(seed uint64, stream string, idx int) *rand.Rand {
	h := uint64(1469598103934665603)
	for _, c := range []byte(stream) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, h+uint64(idx)*0xbf58476d1ce4e5b9))
}

// coarse is an image averaged over coarseStep x coarseStep blocks, used to
// drive the cells (a receptive-field-sized local luminance).
type coarse struct {
	nx, ny int
	v      []float32 // [x][y] like the stored image
}

const coarseStep = 16

func (c *coarse) at(x, y float64) float64 {
	// x, y in image pixels (0-based); outside the image: background 0
	fx := x/coarseStep - 0.5
	fy := y/coarseStep - 0.5
	if fx < -0.5 || fy < -0.5 || fx > float64(c.nx)-0.5 || fy > float64(c.ny)-0.5 {
		return 0
	}
	fx = min(max(fx, 0), float64(c.nx-1))
	fy = min(max(fy, 0), float64(c.ny-1))
	x0, y0 := int(fx), int(fy)
	x1, y1 := min(x0+1, c.nx-1), min(y0+1, c.ny-1)
	ax, ay := fx-float64(x0), fy-float64(y0)
	v00 := float64(c.v[x0*c.ny+y0])
	v01 := float64(c.v[x0*c.ny+y1])
	v10 := float64(c.v[x1*c.ny+y0])
	v11 := float64(c.v[x1*c.ny+y1])
	return (1-ax)*((1-ay)*v00+ay*v01) + ax*((1-ay)*v10+ay*v11)
}

func makeCoarse(img []uint8, nx, ny int) *coarse {
	cx, cy := (nx+coarseStep-1)/coarseStep, (ny+coarseStep-1)/coarseStep
	sum := make([]float32, cx*cy)
	cnt := make([]float32, cx*cy)
	for x := 0; x < nx; x++ {
		row := img[x*ny : (x+1)*ny]
		base := (x / coarseStep) * cy
		for y, v := range row {
			sum[base+y/coarseStep] += float32(v)
			cnt[base+y/coarseStep]++
		}
	}
	for i := range sum {
		sum[i] /= cnt[i]
	}
	return &coarse{nx: cx, ny: cy, v: sum}
}

// WriteSession writes one session's files into dir with the given seed.
func WriteSession(ctx context.Context, dir string, p Profile, seed uint64, opts Options) error {
	if err := p.validate(); err != nil {
		return err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	layout, err := ParseLayout(string(opts.Layout))
	if err != nil {
		return err
	}
	use, err := ParseImageUse(string(opts.ImageUse))
	if err != nil {
		return err
	}
	// which image each fixation period shows (before anything is written:
	// a profile too short for the image use fails here)
	rplan, err := planImages(karamanlis.DatasetRunningFixations, use, p.NRun, p.Blocks, p.Tr, perImageFrames(p), true,
		rng(seed, "imageuse/"+karamanlis.DatasetRunningImages, 0))
	if err != nil {
		return err
	}
	fplan, err := planImages(karamanlis.DatasetFrozenFixations, use, p.NFroz, 1, p.Tf, perImageFrames(p), false,
		rng(seed, "imageuse/"+karamanlis.DatasetFrozenImages, 0))
	if err != nil {
		return err
	}
	created := time.Date(2021, 1, 15, 12, 0, 0, 0, time.UTC).Add(time.Duration(seed%100000) * time.Minute)
	path := filepath.Join(dir, karamanlis.DataFileName(karamanlis.FixationMovie))
	w, err := hdf5write.Create(path, hdf5write.Options{MATLABHeader: true, Created: created, Workers: workers})
	if err != nil {
		return err
	}
	defer w.Abort()
	root := w.Root()
	cls := func(c string) []hdf5write.Attr { return []hdf5write.Attr{{Name: "MATLAB_class", Value: c}} }

	// images, generated in parallel and streamed chunk by chunk (own
	// layout) or in order of rows (the others, whose chunks may span images)
	nx, ny := p.Cols, p.Rows
	cx := min(nx, 256)
	imgChunk := []uint64{1, uint64(cx), uint64(ny)}
	type ens struct {
		name string
		n    int
		c    []*coarse
	}
	sets := []*ens{{name: karamanlis.DatasetFrozenImages, n: p.NFroz}, {name: karamanlis.DatasetRunningImages, n: p.NRun}}
	for _, e := range sets {
		shape := []uint64{uint64(e.n), uint64(nx), uint64(ny)}
		chunk, deflate := layout.storage(shape, 1, imgChunk)
		ds, err := root.CreateDataset(e.name, hdf5write.Uint8, shape,
			hdf5write.DatasetOptions{Chunk: chunk, Deflate: deflate, Attrs: cls("uint8")})
		if err != nil {
			return err
		}
		e.c = make([]*coarse, e.n)
		gen := func(k int) []uint8 {
			img := Image(nx, ny, seed, e.name, k)
			e.c[k] = makeCoarse(img, nx, ny)
			if opts.Progress != nil {
				opts.Progress(int64(len(img)))
			}
			return img
		}
		if slices.Equal(chunk, imgChunk) {
			err = parallel(ctx, e.n, workers, func(k int) error {
				img := gen(k)
				for j := 0; j*cx < nx; j++ {
					lo, hi := j*cx*ny, min((j+1)*cx, nx)*ny
					if err := ds.WriteChunk([]uint64{uint64(k), uint64(j), 0}, img[lo:hi]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			continue
		}
		// batches of images generated in parallel, written in order
		batch := 2 * workers
		for b0 := 0; b0 < e.n; b0 += batch {
			imgs := make([][]uint8, min(batch, e.n-b0))
			err := parallel(ctx, len(imgs), workers, func(i int) error {
				imgs[i] = gen(b0 + i)
				return nil
			})
			if err != nil {
				return err
			}
			for _, img := range imgs {
				if err := ds.WriteRows(img); err != nil {
					return err
				}
			}
		}
	}
	frozen, running := sets[0], sets[1]

	// fixations
	rfix := make([][]fixation, p.Blocks)
	for b := range rfix {
		rfix[b] = fixations(p, p.NRun, p.Tr, rplan.perImage, rplan.block(b), rng(seed, karamanlis.DatasetRunningFixations, b))
	}
	ffix := fixations(p, p.NFroz, p.Tf, fplan.perImage, fplan.block(0), rng(seed, karamanlis.DatasetFrozenFixations, 0))
	rf := make([]float64, 0, p.Blocks*p.Tr*3)
	for _, blk := range rfix {
		for _, f := range blk {
			rf = append(rf, float64(f.img), float64(f.x), float64(f.y))
		}
	}
	ff := make([]float64, 0, p.Tf*3)
	for _, f := range ffix {
		ff = append(ff, float64(f.img), float64(f.x), float64(f.y))
	}
	if err := writeWhole(root, layout, karamanlis.DatasetRunningFixations, []uint64{uint64(p.Blocks), uint64(p.Tr), 3}, rf,
		[]uint64{1, uint64(p.Tr), 3}); err != nil {
		return err
	}
	if err := writeWhole(root, layout, karamanlis.DatasetFrozenFixations, []uint64{uint64(p.Tf), 3}, ff,
		[]uint64{uint64(p.Tf), 3}); err != nil {
		return err
	}

	// responses
	cells := makeCells(p, rng(seed, "cells", 0))
	err = writeBlocks(ctx, root, layout, workers, karamanlis.DatasetRunningBin, []uint64{uint64(p.Blocks), uint64(p.Tr), uint64(p.Cells)},
		func(b int) []float64 {
			rates := cellRates(cells, rfix[b], running.c)
			r := rng(seed, karamanlis.DatasetRunningBin, b)
			for i, lam := range rates {
				rates[i] = float64(poisson(r, lam))
			}
			return rates
		})
	if err != nil {
		return err
	}
	frates := cellRates(cells, ffix, frozen.c)
	err = writeBlocks(ctx, root, layout, workers, karamanlis.DatasetFrozenBin, []uint64{uint64(p.Trials), uint64(p.Tf), uint64(p.Cells)},
		func(k int) []float64 {
			r := rng(seed, karamanlis.DatasetFrozenBin, k)
			g := math.Exp(0.15 * r.NormFloat64()) // trial-to-trial gain
			out := make([]float64, len(frates))
			for i, lam := range frates {
				out[i] = float64(poisson(r, lam*g))
			}
			return out
		})
	if err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return writeChecker(filepath.Join(dir, "frozencheckerflicker_data.mat"), p, seed, created, cells, layout)
}

// writeChecker writes frozencheckerflicker_data.mat: responses only (no
// stimulus datasets), as in the real sessions.
func writeChecker(path string, p Profile, seed uint64, created time.Time, cells []cell, layout Layout) error {
	w, err := hdf5write.Create(path, hdf5write.Options{MATLABHeader: true, Created: created})
	if err != nil {
		return err
	}
	defer w.Abort()
	tr, tf := max(p.Tr/2, 1), max(p.Tf/2, 1)
	r := rng(seed, "checker", 0)
	rates := make([]float64, tf*p.Cells)
	for i := range rates {
		c := cells[i%p.Cells]
		rates[i] = c.base * softplus(c.gain*r.NormFloat64())
	}
	fbin := make([]float64, p.Trials*tf*p.Cells)
	for k := 0; k < p.Trials; k++ {
		for i, lam := range rates {
			fbin[k*len(rates)+i] = float64(poisson(r, lam))
		}
	}
	rbin := make([]float64, p.Blocks*tr*p.Cells)
	for i := range rbin {
		c := cells[i%p.Cells]
		rbin[i] = float64(poisson(r, c.base*softplus(c.gain*r.NormFloat64())))
	}
	root := w.Root()
	if err := writeWhole(root, layout, karamanlis.DatasetFrozenBin, []uint64{uint64(p.Trials), uint64(tf), uint64(p.Cells)}, fbin,
		[]uint64{1, uint64(tf), uint64(p.Cells)}); err != nil {
		return err
	}
	if err := writeWhole(root, layout, karamanlis.DatasetRunningBin, []uint64{uint64(p.Blocks), uint64(tr), uint64(p.Cells)}, rbin,
		[]uint64{1, uint64(tr), uint64(p.Cells)}); err != nil {
		return err
	}
	return w.Close()
}

// writeWhole writes a float64 dataset (MATLAB class double) from memory
// with the layout's storage; own is its chunk shape in LayoutOwn.
func writeWhole(g *hdf5write.Group, l Layout, name string, shape []uint64, data []float64, own []uint64) error {
	chunk, deflate := l.storage(shape, 8, own)
	return g.WriteDataset(name, hdf5write.Dataset{Shape: shape, Data: data, Chunk: chunk, Deflate: deflate,
		Attrs: []hdf5write.Attr{{Name: "MATLAB_class", Value: "double"}}})
}

// writeBlocks writes a float64 dataset (MATLAB class double) of shape[0]
// blocks along its first dimension, block b computed by gen(b) in parallel.
// In LayoutOwn a block is a chunk, written as soon as it is computed; other
// layouts' chunks may span blocks, so the blocks are computed first and
// written in order.
func writeBlocks(ctx context.Context, g *hdf5write.Group, l Layout, workers int, name string, shape []uint64, gen func(b int) []float64) error {
	own := append([]uint64{1}, shape[1:]...)
	chunk, deflate := l.storage(shape, 8, own)
	ds, err := g.CreateDataset(name, hdf5write.Float64, shape, hdf5write.DatasetOptions{Chunk: chunk, Deflate: deflate,
		Attrs: []hdf5write.Attr{{Name: "MATLAB_class", Value: "double"}}})
	if err != nil {
		return err
	}
	n := int(shape[0])
	if slices.Equal(chunk, own) {
		return parallel(ctx, n, workers, func(b int) error {
			return ds.WriteChunk([]uint64{uint64(b), 0, 0}, gen(b))
		})
	}
	blocks := make([][]float64, n)
	if err := parallel(ctx, n, workers, func(b int) error {
		blocks[b] = gen(b)
		return nil
	}); err != nil {
		return err
	}
	for _, b := range blocks {
		if err := ds.WriteRows(b); err != nil {
			return err
		}
	}
	return nil
}

// parallel runs fn(0..n-1) on up to workers goroutines; first error wins.
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if first != nil || next >= n {
					mu.Unlock()
					return
				}
				if err := ctx.Err(); err != nil {
					first = err
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// Image returns synthetic image k of an ensemble, in the stored layout: nx
// columns of ny pixels each (element [x*ny+y] is column x, row y).
func Image(nx, ny int, seed uint64, ensemble string, k int) []uint8 {
	r := rng(seed, "image/"+ensemble, k)
	nr := noiseRand{s: r.Uint64() | 1}
	// pyramid synthesis: start on a coarse grid, upsample by 2 and add
	// noise of slowly decreasing amplitude per octave (about 1/f^2 power)
	levels := 0
	for (nx>>levels) > 8 && (ny>>levels) > 8 {
		levels++
	}
	w, h := (nx>>levels)+2, (ny>>levels)+2
	full := (nx + 2) * (ny + 2)
	cur, next := getBuf(full), getBuf(full)
	defer func() { floatPool.Put(&cur); floatPool.Put(&next) }()
	cur = cur[:w*h]
	for i := range cur {
		cur[i] = float32(r.NormFloat64())
	}
	tmp := make([]float32, 0, ny+2)
	amp := float32(1)
	for l := levels - 1; l >= 0; l-- {
		nw, nh := (nx>>l)+2, (ny>>l)+2
		next = next[:nw*nh]
		tmp = tmp[:h]
		amp *= 0.55
		for i := 0; i < nw; i++ {
			i0 := min(i/2, w-1)
			a0 := cur[i0*h : (i0+1)*h]
			if i%2 == 1 && i0+1 < w {
				a1 := cur[(i0+1)*h : (i0+2)*h]
				for j := range tmp {
					tmp[j] = 0.5 * (a0[j] + a1[j])
				}
			} else {
				copy(tmp, a0)
			}
			dst := next[i*nh : (i+1)*nh]
			j := 0
			for ; j+1 < nh && j/2+1 < h; j += 2 {
				n0, n1 := nr.pair()
				t0 := tmp[j/2]
				dst[j] = t0 + amp*n0
				dst[j+1] = 0.5*(t0+tmp[j/2+1]) + amp*n1
			}
			for ; j < nh; j++ {
				n0, _ := nr.pair()
				dst[j] = tmp[min(j/2, h-1)] + amp*n0
			}
		}
		cur, next, w, h = next, cur, nw, nh
	}
	// hard-edged objects: discs and rectangles of constant offset
	for o := 0; o < 8; o++ {
		cxo, cyo := r.Float64()*float64(nx), r.Float64()*float64(ny)
		rad := (0.03 + 0.12*r.Float64()) * float64(min(nx, ny))
		off := float32(1.2 * r.NormFloat64())
		rect := r.IntN(2) == 0
		x0, x1 := max(int(cxo-rad), 0), min(int(cxo+rad)+1, nx)
		y0, y1 := max(int(cyo-rad), 0), min(int(cyo+rad)+1, ny)
		for x := x0; x < x1; x++ {
			row := cur[x*h : x*h+ny]
			dx := float64(x) - cxo
			for y := y0; y < y1; y++ {
				dy := float64(y) - cyo
				if rect || dx*dx+dy*dy <= rad*rad {
					row[y] += off
				}
			}
		}
	}
	// contrast-normalise to mean 110, std 45
	var s, s2 float64
	for x := 0; x < nx; x++ {
		var ps, ps2 float32
		for _, v := range cur[x*h : x*h+ny] {
			ps += v
			ps2 += v * v
		}
		s += float64(ps)
		s2 += float64(ps2)
	}
	n := float64(nx * ny)
	mean := s / n
	sd := math.Sqrt(max(s2/n-mean*mean, 1e-12))
	scale, shift := float32(45/sd), float32(110-45*mean/sd)
	img := make([]uint8, nx*ny)
	for x := 0; x < nx; x++ {
		src := cur[x*h : x*h+ny]
		dst := img[x*ny : (x+1)*ny]
		for y, v := range src {
			f := v*scale + shift + 0.5
			if f < 0 {
				f = 0
			} else if f > 255 {
				f = 255
			}
			dst[y] = uint8(f)
		}
	}
	return img
}

var floatPool sync.Pool

// getBuf returns a float32 buffer of capacity at least n (contents unset:
// every element used is written before it is read).
func getBuf(n int) []float32 {
	if p, ok := floatPool.Get().(*[]float32); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]float32, 0, n)
}

// noiseRand is a fast xorshift generator of roughly normal noise pairs.
type noiseRand struct{ s uint64 }

// pair returns two variates of mean 0 and variance 1 (each the sum of two
// uniforms: triangular, which is all the texture needs).
func (r *noiseRand) pair() (float32, float32) {
	x := r.s
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	r.s = x
	a := int32(x&0xffff) + int32(x>>16&0xffff)
	b := int32(x>>32&0xffff) + int32(x>>48)
	// each sum: mean 65535, variance 2*65536^2/12
	const k = 2.4494897 / 65536 // sqrt(6)/65536
	return (float32(a) - 65535) * k, (float32(b) - 65535) * k
}

type fixation struct {
	img  int // 1-based
	x, y int // 1-based image column, row at the screen centre
}

// Fixations returns T frames of gaze-like fixations over nimg images: a
// new image about every second, saccades every 15-30 frames, a pixel of
// drift between saccades, about a quarter near or past an image edge.
func Fixations(p Profile, nimg, T int, r *rand.Rand) []fixation {
	return fixations(p, nimg, T, perImageFrames(p), nil, r)
}

// fixations is Fixations with perImage frames per image; with imgs not
// nil, period j shows image imgs[j] instead of a random one (the random
// draw is still made, so that the rest of the sequence stays the same).
func fixations(p Profile, nimg, T, perImage int, imgs []int, r *rand.Rand) []fixation {
	out := make([]fixation, 0, T)
	// keep at least 40 pixels of the image on the screen
	xmin, xmax := 1-(ScreenCols/2-40), p.Cols+(ScreenCols/2-40)
	ymin, ymax := 1-(ScreenRows/2-40), p.Rows+(ScreenRows/2-40)
	clampX := func(x int) int { return min(max(x, xmin), xmax) }
	clampY := func(y int) int { return min(max(y, ymin), ymax) }
	for period := 0; len(out) < T; period++ {
		img := r.IntN(nimg) + 1
		if imgs != nil {
			img = imgs[period]
		}
		end := min(len(out)+perImage, T)
		for len(out) < end {
			var x, y int
			if r.IntN(4) == 0 { // near or past an edge
				m := 60
				switch r.IntN(4) {
				case 0:
					x, y = 1-m+r.IntN(3*m), 1+r.IntN(p.Rows)
				case 1:
					x, y = p.Cols-2*m+r.IntN(3*m), 1+r.IntN(p.Rows)
				case 2:
					x, y = 1+r.IntN(p.Cols), 1-m+r.IntN(3*m)
				default:
					x, y = 1+r.IntN(p.Cols), p.Rows-2*m+r.IntN(3*m)
				}
			} else {
				x, y = 1+r.IntN(p.Cols), 1+r.IntN(p.Rows)
			}
			x, y = clampX(x), clampY(y)
			dur := 15 + r.IntN(16)
			for k := 0; k < dur && len(out) < end; k++ {
				if k > 0 {
					x = clampX(x + r.IntN(3) - 1)
					y = clampY(y + r.IntN(3) - 1)
				}
				out = append(out, fixation{img: img, x: x, y: y})
			}
		}
	}
	return out
}

type cell struct {
	r, c float64 // receptive-field centre on the screen (0-based)
	sign float64 // +1 ON, -1 OFF
	gain float64
	base float64 // spikes per frame at zero drive
	sust float64 // sustained weight
	fast float64 // filter constants
	slow float64
}

func makeCells(p Profile, r *rand.Rand) []cell {
	cs := make([]cell, p.Cells)
	for i := range cs {
		c := &cs[i]
		c.r = 150 + r.Float64()*(ScreenRows-300)
		c.c = 200 + r.Float64()*(ScreenCols-400)
		c.sign = 1
		if r.IntN(2) == 0 {
			c.sign = -1
		}
		c.gain = 6 + 6*r.Float64()
		c.base = 0.05 + 0.25*r.Float64()
		c.sust = 0.5 * r.Float64()
		c.fast = 0.6
		c.slow = 0.12
	}
	return cs
}

// cellRates returns the expected spike counts (frames x cells, C order)
// for a fixation sequence.
func cellRates(cells []cell, fix []fixation, imgs []*coarse) []float64 {
	T, N := len(fix), len(cells)
	out := make([]float64, T*N)
	for n, c := range cells {
		var f1, f2 float64
		for t, fx := range fix {
			// image pixel under the cell: column c + x - 400, row r + y - 300 (1-based)
			ix := c.c + float64(fx.x) - ScreenCols/2 - 1
			iy := c.r + float64(fx.y) - ScreenRows/2 - 1
			l := 0.0
			if fx.img >= 1 && fx.img <= len(imgs) {
				l = imgs[fx.img-1].at(ix, iy) / 255
			}
			if t == 0 {
				f1, f2 = l, l
			}
			f1 += c.fast * (l - f1)
			f2 += c.slow * (l - f2)
			drive := c.sign * (c.gain*(f1-f2) + c.sust*(l-0.45))
			// saturate smoothly at 3 spikes per frame (225-255 Hz)
			out[t*N+n] = 3 * math.Tanh(c.base*softplus(3*drive)/softplus(0)/3)
		}
	}
	return out
}

func softplus(x float64) float64 {
	if x > 30 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

// poisson draws a Poisson variate with mean lam.
func poisson(r *rand.Rand, lam float64) int {
	if !(lam > 0) {
		return 0
	}
	if lam > 30 {
		v := math.Round(lam + math.Sqrt(lam)*r.NormFloat64())
		return int(max(v, 0))
	}
	l := math.Exp(-lam)
	k, p := 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// Describe returns a one-line summary of a profile.
func (p Profile) Describe() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s (%s, %g Hz): images %dx%d, %d+%d images, %d blocks x %d frames, %d test frames x %d repeats, %d cells",
		p.Name, p.Species, p.Hz, p.Rows, p.Cols, p.NRun, p.NFroz, p.Blocks, p.Tr, p.Tf, p.Trials, p.Cells)
	return sb.String()
}

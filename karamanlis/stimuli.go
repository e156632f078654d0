package karamanlis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/internal/bigmem"
)

// rawMovie is a composed, resized, not normalised movie.
type rawMovie struct {
	train, test []float32
	t, tf, h, w int
}

// LoadStimuliForSession loads a session's stimulus movie (sessionPath: a
// folder or a .zip), as openretina's load_stimuli_for_session: a valid
// cache is preferred; otherwise the training blocks (in file order) and the
// test sequence are composed from <stim>_data.mat, resized to
// opt.Height x opt.Width, cached, and normalised when opt.Normalize is set.
//
// A session without the file, or whose file has no stimulus datasets (a
// frozencheckerflicker file carries only responses), gives an error
// wrapping ErrNoStimulus and a warning, where openretina returns None.
// Problems with the file's content are *InputError values naming the file,
// dataset, block, frame and value.
func LoadStimuliForSession(ctx context.Context, sessionPath string, opt StimulusOptions) (*MoviesTrainTestSplit, error) {
	opt, err := opt.WithDefaults()
	if err != nil {
		return nil, err
	}
	folder, matPath, err := sessionDataFile(ctx, sessionPath, opt.CacheDir, opt.StimType)
	if err != nil {
		return nil, err
	}
	src, err := loadRawMovie(ctx, folder, matPath, opt)
	if err != nil {
		return nil, err
	}
	defer src.waitCache()
	out := src.split(opt.StimType)
	if opt.Normalize {
		mean, std, err := normStats(out.Train)
		src.waitCache() // the scaling below changes the movie in place
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.path, err)
		}
		applyNorm(out.Train, out.Test, mean, std)
		out.Normalized, out.NormMean, out.NormStd = true, mean, std
	}
	return out, out.Validate()
}

// movieSource is a raw movie, where it came from, and the cache being
// written from it.
type movieSource struct {
	mov       *rawMovie
	path      string // the cache or the .mat
	fromCache bool
	cacheDone chan struct{} // closed when the cache is written; nil if none
}

// loadRawMovie returns the raw movie from a valid cache, or composes it from
// the data file and starts writing its cache (unless caching is off).
func loadRawMovie(ctx context.Context, folder, matPath string, opt StimulusOptions) (*movieSource, error) {
	if !opt.DisableCache {
		if mov, path := lookupCache(ctx, folder, matPath, opt); mov != nil {
			return &movieSource{mov: mov, path: path, fromCache: true}, nil
		}
	}
	if matPath == "" {
		err := fmt.Errorf("%w: no file with postfix %s (or preprocessed version) found in folder %s", ErrNoStimulus, DataFileName(opt.StimType), folder)
		warnf(opt.Warn, "%v", err)
		return nil, err
	}
	if opt.Info != nil {
		opt.Info("Loading stimuli from " + matPath)
	}
	mov, err := composeFromMat(ctx, matPath, opt)
	if err != nil {
		if errors.Is(err, ErrNoStimulus) {
			warnf(opt.Warn, "%v", err)
		}
		return nil, err
	}
	src := &movieSource{mov: mov, path: matPath}
	if !opt.DisableCache {
		// The cache holds the raw movie; it is written while the
		// normalisation statistics are computed (both only read it).
		src.cacheDone = make(chan struct{})
		go func() {
			defer close(src.cacheDone)
			defer opt.timing("cache_write", time.Now())
			writeCache(folder, matPath, mov, opt)
		}()
	}
	return src, nil
}

// waitCache waits for the cache write, if any.
func (s *movieSource) waitCache() {
	if s.cacheDone != nil {
		<-s.cacheDone
	}
}

// split wraps the raw movie as openretina's split (one channel).
func (s *movieSource) split(stim StimType) *MoviesTrainTestSplit {
	m := s.mov
	return &MoviesTrainTestSplit{
		Train:      m.train,
		TrainShape: []int{1, m.t, m.h, m.w},
		Test:       m.test,
		TestShape:  []int{1, m.tf, m.h, m.w},
		StimID:     string(stim),
		Source:     s.path,
		FromCache:  s.fromCache,
	}
}

// timing reports a phase's time since t to o.Timing.
func (o StimulusOptions) timing(phase string, t time.Time) {
	if o.Timing != nil {
		o.Timing(phase, time.Since(t).Seconds())
	}
}

// Normalize computes one scalar mean and unbiased (N-1) standard deviation
// over train in float64, and replaces train and test, in place, by
// (x - mean) / std in float32. It returns the statistics as float32. A
// constant training movie (std 0) is an error.
func Normalize(train, test []float32) (mean, std float32, err error) {
	mean, std, err = normStats(train)
	if err != nil {
		return 0, 0, err
	}
	applyNorm(train, test, mean, std)
	return mean, std, nil
}

// normStats returns Normalize's mean and N-1 standard deviation of train,
// computed in float64 and rounded to float32.
func normStats(train []float32) (mean, std float32, err error) {
	n := len(train)
	if n < 2 {
		return 0, 0, fmt.Errorf("cannot normalise: the training movie has %d values", n)
	}
	var s float64
	for _, v := range train {
		s += float64(v)
	}
	m := s / float64(n)
	var ss float64
	for _, v := range train {
		d := float64(v) - m
		ss += d * d
	}
	sd := math.Sqrt(ss / float64(n-1))
	if !(sd > 0) || math.IsInf(sd, 0) {
		return 0, 0, fmt.Errorf("%w: its standard deviation is %v (constant or non-finite movie)", ErrConstantMovie, sd)
	}
	return float32(m), float32(sd), nil
}

// applyNorm replaces train and test by (x - mean) / std in float32.
func applyNorm(train, test []float32, mean, std float32) {
	normaliseInto(train, train, mean, std)
	normaliseInto(test, test, mean, std)
}

// normParts is the number of values below which normaliseInto works on one
// goroutine.
const normParts = 1 << 16

// normaliseInto sets dst[i] = (src[i] - mean) / std in float32 (dst may be
// src), over all cores: each value on its own, so any split gives the same
// bits.
func normaliseInto(dst, src []float32, mean, std float32) {
	dst = dst[:len(src)]
	if len(src) < 2*normParts {
		normSeq(dst, src, mean, std)
		return
	}
	parts := min(runtime.GOMAXPROCS(0)*4, len(src)/normParts)
	step := (len(src) + parts - 1) / parts
	parallelFor(parts, func(i int) {
		a, b := i*step, min(len(src), (i+1)*step)
		normSeq(dst[a:b], src[a:b], mean, std)
	})
}

func normSeq(dst, src []float32, mean, std float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = (v - mean) / std
	}
}

// stimShapes holds the fixation datasets' shapes of a stimulus file.
type stimShapes struct {
	blocks, perBlock, testFrames int
}

// readStimShapes checks the fixation datasets' ranks and returns their
// sizes (metadata only).
func readStimShapes(m *matFile) (stimShapes, error) {
	_, rsh, err := m.shape(DatasetRunningFixations, "blocks", "frames", "3")
	if err != nil {
		return stimShapes{}, err
	}
	if rsh[2] != 3 {
		return stimShapes{}, &InputError{File: m.path, Dataset: "/" + DatasetRunningFixations, Field: "shape", Value: fmtShape(rsh),
			Problem: "last dimension must be 3 (image index, x, y)"}
	}
	_, fsh, err := m.shape(DatasetFrozenFixations, "frames", "3")
	if err != nil {
		return stimShapes{}, err
	}
	if fsh[1] != 3 {
		return stimShapes{}, &InputError{File: m.path, Dataset: "/" + DatasetFrozenFixations, Field: "shape", Value: fmtShape(fsh),
			Problem: "last dimension must be 3 (image index, x, y)"}
	}
	return stimShapes{blocks: rsh[0], perBlock: rsh[1], testFrames: fsh[0]}, nil
}

// hasAnyStimulus reports whether the file holds any stimulus dataset.
func hasAnyStimulus(m *matFile) bool {
	for _, n := range StimulusDatasets {
		if m.has(n) {
			return true
		}
	}
	return false
}

// openImages checks an image dataset's shape and type.
func openImages(m *matFile, name string) (*hdf5.Dataset, []int, error) {
	ds, sh, err := m.shape(name, "images", "columns", "rows")
	if err != nil {
		return nil, nil, err
	}
	dt := ds.Datatype()
	if dt.Class != hdf5.ClassFixed || dt.Size != 1 || dt.Signed {
		return nil, nil, &InputError{File: m.path, Dataset: "/" + name, Field: "type", Value: dt.String(),
			Problem: "must be uint8 images (MATLAB class uint8)"}
	}
	if sh[0] == 0 || sh[1] == 0 || sh[2] == 0 {
		return nil, nil, &InputError{File: m.path, Dataset: "/" + name, Field: "shape", Value: fmtShape(sh), Problem: "holds no image"}
	}
	return ds, sh, nil
}

// readImages reads the images the fixations use (the others stay zero) in
// one call: one hyperslab per run of consecutive used images, placed at the
// images' indices, so that every stored chunk is decoded once even when it
// spans several runs (MATLAB chunks image stacks across all images).
func readImages(ctx context.Context, m *matFile, name string, ds *hdf5.Dataset, sh []int, used []bool) (*fixmovie.Images, error) {
	n, nx, ny := sh[0], sh[1], sh[2]
	per := nx * ny
	var slabs []hdf5.Slab
	for k := 0; k < n; {
		if !used[k] {
			k++
			continue
		}
		e := k
		for e < n && used[e] {
			e++
		}
		slabs = append(slabs, hdf5.Slab{Start: []uint64{uint64(k), 0, 0}, Count: []uint64{uint64(e - k), uint64(nx), uint64(ny)}, Offset: uint64(k * per)})
		k = e
	}
	pix := bigmem.Bytes(n * per)
	dst := pix[:0]
	if err := ds.ReadSlabs(ctx, slabs, uint64(n*per), &dst); err != nil {
		return nil, readErr(m.path, name, err)
	}
	if len(dst) != n*per || (n*per > 0 && &dst[0] != &pix[0]) {
		return nil, &InputError{File: m.path, Dataset: "/" + name, Problem: fmt.Sprintf("read %d bytes, want %d", len(dst), n*per)}
	}
	im, err := fixmovie.NewImages(pix, n, nx, ny)
	if err != nil {
		return nil, &InputError{File: m.path, Dataset: "/" + name, Err: err}
	}
	return im, nil
}

// fractions counts the fractional fixation values that were truncated
// toward zero (openretina's .astype(int)); first describes the first one.
type fractions struct {
	n     int
	first *InputError
}

// warning is the one warning per file about truncated values, "" when
// there were none.
func (f *fractions) warning() string {
	if f == nil || f.n == 0 {
		return ""
	}
	return fmt.Sprintf("%d fractional fixation value(s) truncated toward zero as openretina's .astype(int) does (first: %v); --semantics matlab refuses them, as returnFixMovie.m's indexing does",
		f.n, f.first)
}

// readFixations reads and validates a fixation dataset: every value finite
// and integer, image indices between 1 and nImages. With frac non-nil
// (openretina semantics), fractional values are truncated toward zero and
// counted in frac instead of refused. The result has one slice per block
// (one block for frozenfixations).
func readFixations(ctx context.Context, m *matFile, name string, blocks, perBlock, nImages int, imgDataset string, frac *fractions) ([][]fixmovie.Fixation, error) {
	vals, err := m.readFloat64(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(vals) != blocks*perBlock*3 {
		return nil, &InputError{File: m.path, Dataset: "/" + name, Problem: fmt.Sprintf("holds %d values, want %d", len(vals), blocks*perBlock*3)}
	}
	fields := [3]string{"image index", "x", "y"}
	out := make([][]fixmovie.Fixation, blocks)
	for b := 0; b < blocks; b++ {
		out[b] = make([]fixmovie.Fixation, perBlock)
		for t := 0; t < perBlock; t++ {
			var iv [3]int
			for c := 0; c < 3; c++ {
				v := vals[(b*perBlock+t)*3+c]
				e := &InputError{File: m.path, Dataset: "/" + name, Frame: t + 1, Field: fields[c], Value: fmt.Sprint(v)}
				if blocks > 1 || name == DatasetRunningFixations {
					e.Block = b + 1
				}
				switch {
				case math.IsNaN(v) || math.IsInf(v, 0):
					e.Problem = "fixations must be finite integers"
					return nil, e
				case math.Abs(v) > 1e7:
					e.Problem = "is out of range"
					return nil, e
				case v != math.Trunc(v) && frac == nil:
					e.Problem = "fixations must be integers (returnFixMovie.m cannot index with fractions; --semantics openretina truncates them toward zero as openretina does)"
					return nil, e
				case v != math.Trunc(v):
					if frac.n == 0 {
						e.Problem = "is fractional"
						frac.first = e
					}
					frac.n++
				}
				iv[c] = int(v) // toward zero, as numpy's astype(int)
			}
			if iv[0] < 1 || iv[0] > nImages {
				e := &InputError{File: m.path, Dataset: "/" + name, Frame: t + 1, Field: "image index", Value: fmt.Sprint(iv[0]),
					Problem: fmt.Sprintf("must be between 1 and %d (the number of images in /%s)", nImages, imgDataset)}
				if blocks > 1 || name == DatasetRunningFixations {
					e.Block = b + 1
				}
				return nil, e
			}
			out[b][t] = fixmovie.Fixation{Image: iv[0], X: iv[1], Y: iv[2]}
		}
	}
	return out, nil
}

// stimulusFile is an open stimulus file's metadata and validated fixations
// (images not read yet).
type stimulusFile struct {
	m              *matFile
	sh             stimShapes
	rds, fds       *hdf5.Dataset // runningImages, frozenImages
	rsh, fsh       []int         // their shapes (N, Nx, Ny)
	runFix, frzFix [][]fixmovie.Fixation
}

// openStimulus opens a stimulus file and reads and validates its fixations;
// the caller closes s.m.
func openStimulus(ctx context.Context, matPath string, frac *fractions) (*stimulusFile, error) {
	m, err := openMat(matPath)
	if err != nil {
		return nil, err
	}
	s, err := readStimulus(ctx, m, frac)
	if err != nil {
		m.Close()
		return nil, err
	}
	return s, nil
}

func readStimulus(ctx context.Context, m *matFile, frac *fractions) (*stimulusFile, error) {
	if !hasAnyStimulus(m) {
		return nil, fmt.Errorf("%w: %s has none of the stimulus datasets (%s); it carries responses only", ErrNoStimulus, m.path, joinNames(StimulusDatasets))
	}
	sh, err := readStimShapes(m)
	if err != nil {
		return nil, err
	}
	s := &stimulusFile{m: m, sh: sh}
	if s.rds, s.rsh, err = openImages(m, DatasetRunningImages); err != nil {
		return nil, err
	}
	if s.fds, s.fsh, err = openImages(m, DatasetFrozenImages); err != nil {
		return nil, err
	}
	if s.runFix, err = readFixations(ctx, m, DatasetRunningFixations, sh.blocks, sh.perBlock, s.rsh[0], DatasetRunningImages, frac); err != nil {
		return nil, err
	}
	if s.frzFix, err = readFixations(ctx, m, DatasetFrozenFixations, 1, sh.testFrames, s.fsh[0], DatasetFrozenImages, frac); err != nil {
		return nil, err
	}
	return s, nil
}

// composer holds what rendering a stimulus file's movie needs: the images
// the fixations use (read, the file closed) and the checked fixations.
type composer struct {
	path             string
	runImgs, frzImgs *fixmovie.Images
	test, train      []fixmovie.Fixation // the test sequence; the training blocks concatenated in file order
	rd               *renderer
	h, w             int
	imageBytes       int // both ensembles, as allocated
}

// openComposer reads a stimulus file's fixations, checks every frame's
// placement before the expensive work, then reads the images they use.
func openComposer(ctx context.Context, matPath string, opt StimulusOptions) (*composer, error) {
	var frac *fractions
	if opt.Semantics == fixmovie.OpenRetina {
		frac = &fractions{}
	}
	st, err := openStimulus(ctx, matPath, frac)
	if err != nil {
		return nil, err
	}
	if w := frac.warning(); w != "" {
		warnf(opt.Warn, "%s", w) // one warning per file (session)
	}
	m := st.m
	defer m.Close()
	rds, rsh, fds, fsh, runFix, frzFix := st.rds, st.rsh, st.fds, st.fsh, st.runFix, st.frzFix
	sh := st.sh
	if err := checkPlacements(m.path, DatasetRunningFixations, runFix, rsh, opt, true); err != nil {
		return nil, err
	}
	if err := checkPlacements(m.path, DatasetFrozenFixations, frzFix, fsh, opt, false); err != nil {
		return nil, err
	}
	c := &composer{path: m.path, test: frzFix[0], h: opt.Height, w: opt.Width,
		imageBytes: rsh[0]*rsh[1]*rsh[2] + fsh[0]*fsh[1]*fsh[2]}
	tRead := time.Now()
	if c.runImgs, err = readImages(ctx, m, DatasetRunningImages, rds, rsh, usedImages(runFix, rsh[0])); err != nil {
		return nil, err
	}
	if c.frzImgs, err = readImages(ctx, m, DatasetFrozenImages, fds, fsh, usedImages(frzFix, fsh[0])); err != nil {
		return nil, err
	}
	opt.timing("read", tRead)
	// Blocks are independent (a frame depends only on its image and
	// fixation), so rendering their concatenation, or any run of its
	// frames, gives the same values as block by block; one call keeps the
	// workers' width-pass caches warm across block boundaries and balances
	// the work over all cores.
	c.train = make([]fixmovie.Fixation, 0, sh.blocks*sh.perBlock)
	for _, blk := range runFix {
		c.train = append(c.train, blk...)
	}
	if c.rd, err = newRenderer(opt, len(c.train)+len(c.test)); err != nil {
		return nil, err
	}
	return c, nil
}

// renderTest renders the test sequence into dst and drops its images.
func (c *composer) renderTest(ctx context.Context, dst []float32) error {
	if err := c.rd.render(ctx, c.frzImgs, c.test, dst); err != nil {
		return fmt.Errorf("%s: dataset /%s: %w", c.path, DatasetFrozenFixations, err)
	}
	c.frzImgs = nil
	return nil
}

// renderTrain renders training frames a..b-1 into dst.
func (c *composer) renderTrain(ctx context.Context, a, b int, dst []float32) error {
	if err := c.rd.render(ctx, c.runImgs, c.train[a:b], dst); err != nil {
		return fmt.Errorf("%s: dataset /%s: %w", c.path, DatasetRunningFixations, err)
	}
	return nil
}

// composeFromMat reads a stimulus file and renders its movie.
func composeFromMat(ctx context.Context, matPath string, opt StimulusOptions) (*rawMovie, error) {
	c, err := openComposer(ctx, matPath, opt)
	if err != nil {
		return nil, err
	}
	mov := &rawMovie{t: len(c.train), tf: len(c.test), h: opt.Height, w: opt.Width}
	fsize := opt.Height * opt.Width
	mov.train = bigmem.Float32s(mov.t * fsize)
	mov.test = bigmem.Float32s(mov.tf * fsize)
	// openretina renders the test sequence, then each training block in file
	// order into its place in the training movie.
	defer opt.timing("render", time.Now())
	if err := c.renderTest(ctx, mov.test); err != nil {
		return nil, err
	}
	if err := c.renderTrain(ctx, 0, mov.t, mov.train); err != nil {
		return nil, err
	}
	return mov, nil
}

func usedImages(fix [][]fixmovie.Fixation, n int) []bool {
	used := make([]bool, n)
	for _, blk := range fix {
		for _, f := range blk {
			used[f.Image-1] = true
		}
	}
	return used
}

func joinNames(names []string) string {
	s := append([]string(nil), names...)
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// LoadAllStimuli loads the stimuli of every session of opt.Species below
// root (see ListSessions), keyed by session name (a zip's name without
// ".zip"). Sessions without a stimulus are skipped with a warning, as
// openretina does. Failing sessions are left out and their errors joined
// into the returned error, so the map holds every session that loaded.
func LoadAllStimuli(ctx context.Context, root string, opt StimulusOptions) (map[string]*MoviesTrainTestSplit, error) {
	opt, err := opt.WithDefaults()
	if err != nil {
		return nil, err
	}
	return loadAll(ctx, root, opt.Species, func(s Session) (*MoviesTrainTestSplit, error) {
		o := opt
		warn := opt.Warn
		o.Warn = func(msg string) { warnf(warn, "session %s: %s", s.Name, msg) }
		mv, err := LoadStimuliForSession(ctx, s.Path, o)
		if errors.Is(err, ErrNoStimulus) {
			return nil, errSkip // warned
		}
		return mv, err
	})
}

// errSkip tells loadAll to leave a session out without an error.
var errSkip = errors.New("skip session")

// loadAll runs load on every session of species below the local folder
// root (see ListSessions) and keys the results by session name. A load returning
// errSkip is left out; failing sessions are left out and their errors
// joined into the returned error, so the map holds every session that
// loaded.
func loadAll[T any](ctx context.Context, root string, species Species, load func(Session) (T, error)) (map[string]T, error) {
	sessions, err := ListSessions(root, species)
	if err != nil {
		return nil, err
	}
	out := map[string]T{}
	var errs []error
	for _, s := range sessions {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		v, err := load(s)
		switch {
		case errors.Is(err, errSkip):
		case err != nil:
			errs = append(errs, fmt.Errorf("session %s: %w", s.Name, err))
		default:
			out[s.Name] = v
		}
	}
	return out, errors.Join(errs...)
}

// FixationMovieData is a fixation-movie file's stimulus content as stored:
// the image ensembles in h5py order and the validated fixations.
type FixationMovieData struct {
	RunningImages, FrozenImages *fixmovie.Images
	// RunningFixations has one slice per training block, in file order.
	RunningFixations [][]fixmovie.Fixation
	FrozenFixations  []fixmovie.Fixation
}

// ReadFixationMovie reads and validates the stimulus datasets of a
// <stim>_data.mat file, for users of ReturnFixMovie and GetRanges. It reads
// every image (hundreds of MB for a real session). Fractional fixation
// values are refused (see ReadFixationMovieTruncating for openretina's
// truncation).
func ReadFixationMovie(ctx context.Context, matPath string) (*FixationMovieData, error) {
	return readFixationMovie(ctx, matPath, nil)
}

// ReadFixationMovieTruncating is ReadFixationMovie with openretina's
// handling of fractional fixation values: truncated toward zero
// (.astype(int)); truncated is how many values were, and warning says so in
// one line ("" when none).
func ReadFixationMovieTruncating(ctx context.Context, matPath string) (d *FixationMovieData, truncated int, warning string, err error) {
	frac := &fractions{}
	d, err = readFixationMovie(ctx, matPath, frac)
	return d, frac.n, frac.warning(), err
}

func readFixationMovie(ctx context.Context, matPath string, frac *fractions) (*FixationMovieData, error) {
	st, err := openStimulus(ctx, matPath, frac)
	if err != nil {
		return nil, err
	}
	m := st.m
	defer m.Close()
	rds, rsh, fds, fsh := st.rds, st.rsh, st.fds, st.fsh
	out := &FixationMovieData{RunningFixations: st.runFix, FrozenFixations: st.frzFix[0]}
	all := func(n int) []bool {
		u := make([]bool, n)
		for i := range u {
			u[i] = true
		}
		return u
	}
	if out.RunningImages, err = readImages(ctx, m, DatasetRunningImages, rds, rsh, all(rsh[0])); err != nil {
		return nil, err
	}
	if out.FrozenImages, err = readImages(ctx, m, DatasetFrozenImages, fds, fsh, all(fsh[0])); err != nil {
		return nil, err
	}
	return out, nil
}

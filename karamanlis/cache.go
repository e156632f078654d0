package karamanlis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/internal/safetext"
	"github.com/retinaio/retinaio/internal/version"
	"github.com/retinaio/retinaio/mat"
	"github.com/retinaio/retinaio/npy"
)

// ProvenanceKey is the extra .npz key in which retinaio records what made a
// stimulus cache (a uint8 array holding the JSON of a Provenance).
const ProvenanceKey = "retinaio_provenance"

// CacheFormat numbers the content of the stimulus caches retinaio writes.
// Bump it with every change that changes the movie the loaders compute
// (composition, resize, fixation handling, cache layout): a cache recording
// another format is not used (the warning says why) and is computed again.
const CacheFormat = 1

// Provenance records what made a stimulus cache file.
type Provenance struct {
	Tool    string `json:"tool"` // "retinaio"
	Version string `json:"version"`
	// Format is the CacheFormat of the retinaio that wrote the cache (0 for
	// caches written before the number existed).
	Format       int    `json:"cache_format"`
	StimType     string `json:"stim_type"`
	Semantics    string `json:"semantics"`
	Height       int    `json:"height"`
	Width        int    `json:"width"`
	ScreenHeight int    `json:"screen_height"`
	ScreenWidth  int    `json:"screen_width"`
	Source       Source `json:"source"`
	Created      string `json:"created"`
}

// Source identifies a source file: name, size, modification time and a
// fast fingerprint (SHA-256 of the size and of 64 KiB at the start, middle
// and end).
type Source struct {
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ModTime     string `json:"mtime"`
	Fingerprint string `json:"fingerprint"`
}

// OpenretinaCacheName is openretina's cache file name for a data file
// (<mat without .mat>_extracted_stimuli_<h>_<w>.npz).
func OpenretinaCacheName(matName string, h, w int) string {
	return fmt.Sprintf("%s%s%d_%d.npz", strings.TrimSuffix(matName, ".mat"), openretinaCacheInfix, h, w)
}

// RetinaioCacheName is retinaio's own cache name for results openretina
// would not compute (MATLAB semantics, another screen) or when openretina's
// cache is turned off: <mat without .mat>_retinaio_<semantics>_<h>_<w>.npz,
// with _screen<H>x<W> before the size for a screen other than 600x800.
func RetinaioCacheName(matName string, sem fixmovie.Semantics, h, w, screenH, screenW int) string {
	scr := ""
	if screenH != DefaultScreenHeight || screenW != DefaultScreenWidth {
		scr = fmt.Sprintf("_screen%dx%d", screenH, screenW)
	}
	return fmt.Sprintf("%s%s%s%s_%d_%d.npz", strings.TrimSuffix(matName, ".mat"), retinaioCacheInfix, sem, scr, h, w)
}

// usesOpenretinaName reports whether the settings are what openretina
// computes, so that its cache name may be used.
func usesOpenretinaName(opt StimulusOptions) bool {
	return opt.UseOpenretinaCache && opt.Semantics == fixmovie.OpenRetina &&
		opt.ScreenHeight == DefaultScreenHeight && opt.ScreenWidth == DefaultScreenWidth
}

// fallbackCacheFolder is where caches go when the session folder is not
// writable.
func fallbackCacheFolder(cacheDir, folder string) string {
	return filepath.Join(cacheDir, "stimuli", pathKey(folder))
}

// SourceOf stats and fingerprints a file.
func SourceOf(path string) (Source, error) {
	if err := checkRegular(path); err != nil {
		return Source{}, fmt.Errorf("%s: %w", safetext.Escape(path), err)
	}
	f, err := os.Open(path)
	if err != nil {
		return Source{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Source{}, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "size=%d\n", st.Size())
	const piece = 64 << 10
	for _, off := range []int64{0, st.Size()/2 - piece/2, st.Size() - piece} {
		if off < 0 {
			off = 0
		}
		if _, err := io.Copy(h, io.NewSectionReader(f, off, piece)); err != nil {
			return Source{}, err
		}
	}
	return Source{
		Name:        filepath.Base(path),
		Size:        st.Size(),
		ModTime:     st.ModTime().UTC().Format(time.RFC3339Nano),
		Fingerprint: hex.EncodeToString(h.Sum(nil)[:16]),
	}, nil
}

// cacheCandidate is a cache file to try, with whether it must carry our
// provenance.
type cacheCandidate struct {
	path          string
	needOurRecord bool
}

// cacheCandidates lists the cache files to try, best first.
func cacheCandidates(folder, matPath string, opt StimulusOptions) []cacheCandidate {
	var out []cacheCandidate
	matName := DataFileName(opt.StimType)
	if matPath != "" {
		matName = filepath.Base(matPath)
	}
	fb := fallbackCacheFolder(opt.CacheDir, folder)
	if usesOpenretinaName(opt) {
		// openretina takes any file ending in this suffix.
		suffix := OpenretinaCacheName(DataFileName(opt.StimType), opt.Height, opt.Width)
		if entries, err := os.ReadDir(folder); err == nil {
			for _, e := range entries {
				if !e.IsDir() && strings.HasSuffix(e.Name(), suffix) && !strings.HasPrefix(e.Name(), ".") {
					out = append(out, cacheCandidate{path: filepath.Join(folder, e.Name())})
				}
			}
		}
		out = append(out, cacheCandidate{path: filepath.Join(fb, OpenretinaCacheName(matName, opt.Height, opt.Width)), needOurRecord: true})
		return out
	}
	name := RetinaioCacheName(matName, opt.Semantics, opt.Height, opt.Width, opt.ScreenHeight, opt.ScreenWidth)
	return []cacheCandidate{
		{path: filepath.Join(folder, name), needOurRecord: true},
		{path: filepath.Join(fb, name), needOurRecord: true},
	}
}

// lookupCache returns a usable cached movie and its path, or nil. Rejected
// caches are reported through opt.Warn with the reason.
func lookupCache(ctx context.Context, folder, matPath string, opt StimulusOptions) (*rawMovie, string) {
	var src *Source
	if matPath != "" {
		if s, err := SourceOf(matPath); err == nil {
			src = &s
		}
	}
	var want *stimShapes
	if matPath != "" {
		if m, err := openMat(matPath); err == nil {
			if sh, err := readStimShapes(m); err == nil {
				want = &sh
			}
			m.Close()
		}
	}
	for _, c := range cacheCandidates(folder, matPath, opt) {
		if _, err := os.Stat(c.path); err != nil {
			continue
		}
		if err := checkRegular(c.path); err != nil {
			warnf(opt.Warn, "not using cache %s: %v", safetext.Escape(c.path), err)
			continue
		}
		mov, err := readCache(c.path, c.needOurRecord, src, want, opt)
		if err != nil {
			var bad *badCacheValues
			if errors.As(err, &bad) {
				err = setAside(c.path, !foreignCache(c.path), err)
			}
			warnf(opt.Warn, "not using cache %s: %v", safetext.Escape(c.path), err)
			continue
		}
		if matPath != "" && !c.needOurRecord && foreignCache(c.path) {
			if reason := foreignResizeProblem(ctx, matPath, mov, opt); reason != "" {
				warnf(opt.Warn, "not using cache %s: %s", c.path, reason)
				continue
			}
		}
		if opt.Info != nil {
			opt.Info("Loading stimuli from cached " + c.path)
		}
		return mov, c.path
	}
	return nil, ""
}

// readCache reads and checks one cache file.
func readCache(path string, needOurRecord bool, src *Source, want *stimShapes, opt StimulusOptions) (*rawMovie, error) {
	z, err := npy.OpenNPZ(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	if err := checkProvenance(z, needOurRecord, src, opt); err != nil {
		return nil, err
	}
	mov := &rawMovie{h: opt.Height, w: opt.Width}
	wantTrain, wantTest := -1, -1
	if want != nil {
		wantTrain, wantTest = want.blocks*want.perBlock, want.testFrames
	}
	if mov.train, mov.t, err = readCacheMovie(z, cacheKeyTrain, wantTrain, opt); err != nil {
		return nil, err
	}
	if mov.test, mov.tf, err = readCacheMovie(z, cacheKeyTest, wantTest, opt); err != nil {
		return nil, err
	}
	return mov, nil
}

// The arrays of a stimulus cache (openretina's names) and their dtype.
const (
	cacheKeyTrain = "train_data" // (1, T, h, w)
	cacheKeyTest  = "test_data"  // (1, Tf, h, w)
	cacheDescr    = "<f4"        // float32, little-endian
)

// checkProvenance checks the cache's provenance record, when it has one,
// against the settings and the source; a cache without one is refused when
// needOurRecord is set.
func checkProvenance(z *npy.NPZReader, needOurRecord bool, src *Source, opt StimulusOptions) error {
	if !z.Has(ProvenanceKey) {
		if needOurRecord {
			return fmt.Errorf("it has no %s record, so its settings are unknown", ProvenanceKey)
		}
		return nil
	}
	a, err := z.Read(ProvenanceKey)
	if err != nil {
		return fmt.Errorf("read %s: %w", ProvenanceKey, err)
	}
	raw, ok := a.Data.([]uint8)
	if !ok {
		return fmt.Errorf("%s is %s, want uint8 JSON", ProvenanceKey, a.Descr)
	}
	var p Provenance
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("%s is not valid JSON: %v", ProvenanceKey, err)
	}
	if reason := provenanceMismatch(p, src, opt); reason != "" {
		return errors.New(reason)
	}
	return nil
}

// readCacheMovie reads one movie of a cache, (1, T, h, w) float32, in C
// order; wantT, when not negative, is the frame count the .mat's fixations
// give.
func readCacheMovie(z *npy.NPZReader, key string, wantT int, opt StimulusOptions) ([]float32, int, error) {
	h, err := z.Header(key)
	if err != nil {
		return nil, 0, err
	}
	if h.Descr != cacheDescr {
		return nil, 0, fmt.Errorf("%s has dtype %s, want float32 (%s)", key, h.Descr, cacheDescr)
	}
	if len(h.Shape) != 4 || h.Shape[0] != 1 || h.Shape[2] != opt.Height || h.Shape[3] != opt.Width {
		return nil, 0, fmt.Errorf("%s has shape %s, want (1, T, %d, %d)", key, fmtShape(h.Shape), opt.Height, opt.Width)
	}
	if wantT >= 0 && h.Shape[1] != wantT {
		return nil, 0, fmt.Errorf("%s holds %d frames but the .mat's fixations have %d", key, h.Shape[1], wantT)
	}
	// Read allocates only after checking the header against the entry's
	// real size.
	a, err := z.Read(key)
	if err != nil {
		return nil, 0, err
	}
	v, ok := a.Data.([]float32)
	if !ok || len(v) != h.Shape[1]*opt.Height*opt.Width {
		return nil, 0, fmt.Errorf("%s: unexpected data", key)
	}
	if err := checkCacheValues(key, v, h.Shape); err != nil {
		return nil, 0, err
	}
	if h.Fortran {
		// Fortran order over the shape is C order over the reversed
		// shape: mat.Transpose turns it back into C order.
		v = mat.Transpose(v, fortranShape(h.Shape))
	}
	return v, h.Shape[1], nil
}

// badCacheValues is a cache value that a movie of grey levels cannot hold.
type badCacheValues struct {
	key   string
	index []int // in the array's stored order
	value float32
}

func (e *badCacheValues) Error() string {
	return fmt.Sprintf("%s[%s] is %v: a stimulus cache holds grey levels, finite values in 0..255 (up to rounding)", e.key, fmtIndex(e.index), e.value)
}

func fmtIndex(ix []int) string {
	s := ""
	for i, v := range ix {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(v)
	}
	return s
}

// cacheSlack is the rounding a computed grey level may carry beyond 0..255
// (the resize's float32 sums give 255.00002 for a white region).
const cacheSlack = 0.5

// checkCacheValues checks that every value is finite and in 0..255, up to
// cacheSlack of rounding (one comparison pair per value: NaN fails both);
// the error names the first offending value and its index.
func checkCacheValues(key string, v []float32, shape []int) error {
	for i, x := range v {
		if x >= -cacheSlack && x <= 255+cacheSlack {
			continue
		}
		ix := make([]int, len(shape))
		r := i
		for d := len(shape) - 1; d >= 0; d-- {
			if shape[d] > 0 {
				ix[d], r = r%shape[d], r/shape[d]
			}
		}
		return &badCacheValues{key: key, index: ix, value: x}
	}
	return nil
}

// RejectedSuffix is added to the name of a stimulus cache of retinaio's
// found holding values a movie cannot hold: it is set aside (renamed, not
// deleted) and the movie is computed again from the .mat.
const RejectedSuffix = ".rejected"

// setAside renames a cache of ours with bad values to <name>.rejected so
// that the recomputed cache does not overwrite it; a cache of openretina's
// (needOurRecord false) is only ignored: it is the user's file and
// retinaio never writes over it. The returned error says which.
func setAside(path string, ours bool, err error) error {
	if !ours {
		return fmt.Errorf("%w; ignored and left as it is (the movie is computed from the .mat)", err)
	}
	if rerr := os.Rename(path, path+RejectedSuffix); rerr != nil {
		return fmt.Errorf("%w; ignored (cannot set it aside: %v)", err, rerr)
	}
	return fmt.Errorf("%w; set aside as %s (the movie is computed from the .mat)", err, safetext.Escape(filepath.Base(path)+RejectedSuffix))
}

// provenanceMismatch explains why a recorded provenance does not fit the
// settings and source, or returns "".
func provenanceMismatch(p Provenance, src *Source, opt StimulusOptions) string {
	var why []string
	if p.Format != CacheFormat {
		why = append(why, fmt.Sprintf("cache format %d (written by retinaio %s), this retinaio computes format %d", p.Format, p.Version, CacheFormat))
	}
	if p.StimType != string(opt.StimType) {
		why = append(why, fmt.Sprintf("stimulus %q, want %q", p.StimType, opt.StimType))
	}
	if p.Semantics != opt.Semantics.String() {
		why = append(why, fmt.Sprintf("made with %s semantics, this run uses %s", p.Semantics, opt.Semantics))
	}
	if p.Height != opt.Height || p.Width != opt.Width {
		why = append(why, fmt.Sprintf("size %dx%d, want %dx%d", p.Height, p.Width, opt.Height, opt.Width))
	}
	if p.ScreenHeight != opt.ScreenHeight || p.ScreenWidth != opt.ScreenWidth {
		why = append(why, fmt.Sprintf("screen %dx%d, want %dx%d", p.ScreenHeight, p.ScreenWidth, opt.ScreenHeight, opt.ScreenWidth))
	}
	if src != nil {
		switch {
		case p.Source.Name != src.Name:
			why = append(why, fmt.Sprintf("made from %s, not %s", p.Source.Name, src.Name))
		case p.Source.Size != src.Size:
			why = append(why, fmt.Sprintf("source %s was %d bytes, now %d (the .mat changed)", src.Name, p.Source.Size, src.Size))
		case p.Source.Fingerprint != src.Fingerprint:
			why = append(why, fmt.Sprintf("source %s content changed (fingerprint %s, now %s)", src.Name, p.Source.Fingerprint, src.Fingerprint))
		case p.Source.ModTime != src.ModTime:
			why = append(why, fmt.Sprintf("source %s modified at %s, cache made from the version of %s", src.Name, src.ModTime, p.Source.ModTime))
		}
	}
	return strings.Join(why, "; ")
}

// writeCache saves the raw movie next to the .mat (atomically), or in the
// cache folder when the session folder is not writable. Failures are
// warnings.
func writeCache(folder, matPath string, mov *rawMovie, opt StimulusOptions) {
	writeCacheFrom(folder, matPath, mov, func() io.Reader { return npyLE(mov.train) }, nil, opt)
}

// writeCacheFrom is writeCache with the raw training movie read, as
// little-endian float32 bytes, from a reader that train returns (called
// once per attempt). The test movie is written first; testWritten, when
// not nil, is called once it is, and the caller may then change mov.test
// (so there is no second attempt in the cache folder after that).
func writeCacheFrom(folder, matPath string, mov *rawMovie, train func() io.Reader, testWritten func(), opt StimulusOptions) {
	src, err := SourceOf(matPath)
	if err != nil {
		warnf(opt.Warn, "not caching stimuli: %v", err)
		return
	}
	p := Provenance{
		Tool: version.Name, Version: opt.ToolVersion, Format: CacheFormat, StimType: string(opt.StimType), Semantics: opt.Semantics.String(),
		Height: opt.Height, Width: opt.Width, ScreenHeight: opt.ScreenHeight, ScreenWidth: opt.ScreenWidth,
		Source: src, Created: time.Now().UTC().Format(time.RFC3339),
	}
	var name string
	if usesOpenretinaName(opt) {
		name = OpenretinaCacheName(filepath.Base(matPath), opt.Height, opt.Width)
	} else {
		name = RetinaioCacheName(filepath.Base(matPath), opt.Semantics, opt.Height, opt.Width, opt.ScreenHeight, opt.ScreenWidth)
	}
	path := filepath.Join(folder, name)
	if foreignCache(path) {
		warnf(opt.Warn, "not caching stimuli: %s exists without a %s record (made by openretina?); leaving it as it is", path, ProvenanceKey)
		return
	}
	handed := false // mov.test given back to the caller
	done := func() {
		handed = true
		if testWritten != nil {
			testWritten()
		}
	}
	err = writeCacheFileFrom(path, mov, train, done, p, opt.CompressCache)
	if err != nil && (errors.Is(err, fs.ErrPermission) || isReadOnlyFS(err)) && !(handed && testWritten != nil) {
		fb := fallbackCacheFolder(opt.CacheDir, folder)
		if merr := os.MkdirAll(fb, 0o755); merr != nil {
			warnf(opt.Warn, "not caching stimuli: %s is read-only and %v", folder, merr)
			return
		}
		path = filepath.Join(fb, name)
		err = writeCacheFileFrom(path, mov, train, done, p, opt.CompressCache)
	}
	if errors.Is(err, errMovieStopped) {
		return // the session reports why
	}
	if err != nil {
		warnf(opt.Warn, "not caching stimuli: %v", err)
		return
	}
	if opt.Info != nil {
		opt.Info("Saved stimuli cache " + path)
	}
}

// foreignCache reports an existing file at path that retinaio did not make
// (no provenance, or not an .npz): it is never overwritten.
func foreignCache(path string) bool {
	if _, err := os.Lstat(path); err != nil {
		return false
	}
	if checkRegular(path) != nil {
		return true // never written over, never opened
	}
	z, err := npy.OpenNPZ(path)
	if err != nil {
		return true
	}
	defer z.Close()
	return !z.Has(ProvenanceKey)
}

// createNPZ creates a cache file; tests replace it to make writes fail.
var createNPZ = npy.CreateNPZ

// writeCacheFileFrom is writeCacheFile with the training movie from
// train(), closed afterwards when it is an io.Closer.
func writeCacheFileFrom(path string, mov *rawMovie, train func() io.Reader, testWritten func(), p Provenance, compress bool) error {
	r := train()
	if c, ok := r.(io.Closer); ok {
		defer c.Close()
	}
	return writeCacheFile(path, mov, r, testWritten, p, compress)
}

// writeCacheFile writes a cache: the test movie first (testWritten, when
// not nil, is called once it is written), then the training movie from
// train and the provenance record.
func writeCacheFile(path string, mov *rawMovie, train io.Reader, testWritten func(), p Provenance, compress bool) error {
	// Direct: the cache is large, written once and read only by a later
	// run; it need not fill the page cache (nor make the system find fresh
	// memory for it) while this run reads its own output back.
	z, err := createNPZ(path, npy.NPZOptions{Compress: compress, Direct: true})
	if err != nil {
		return err
	}
	defer z.Abort()
	pj, _ := json.Marshal(p)
	if err := z.Add(cacheKeyTest, []int{1, mov.tf, mov.h, mov.w}, mov.test); err != nil {
		return err
	}
	if testWritten != nil {
		testWritten()
	}
	if err := z.AddRaw(cacheKeyTrain, npy.Header{Descr: cacheDescr, Shape: []int{1, mov.t, mov.h, mov.w}}, train); err != nil {
		return err
	}
	if err := z.Add(ProvenanceKey, []int{len(pj)}, pj); err != nil {
		return err
	}
	return z.Close()
}

// fortranShape is the shape over which a Fortran-ordered array of shape sh is
// in C order (sh reversed), as mat.Transpose takes it.
func fortranShape(sh []int) []uint64 {
	out := make([]uint64, len(sh))
	for i, d := range sh {
		out[len(sh)-1-i] = uint64(d)
	}
	return out
}

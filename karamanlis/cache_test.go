package karamanlis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/internal/testutil"
	"github.com/retinaio/retinaio/npy"
)

const orCache = "fixationmovie_data_extracted_stimuli_60_80.npz"
const ourMatlabCache = "fixationmovie_data_retinaio_matlab_60_80.npz"

// TestOpenretinaMadeCacheUsed: a cache without provenance under
// openretina's name (np.savez_compressed; testdata/gen_expected.py) is
// checked against the .mat by the resize check: this one holds a ramp, not
// the session's movie, so it is named and not used (a real openretina cache
// is used: TestForeignCacheResize), and never modified.
func TestOpenretinaMadeCacheUsed(t *testing.T) {
	ctx := context.Background()
	path := badSession(t, "openretina_cache")
	cache := filepath.Join(path, orCache)
	before := testutil.FileSHA256(t, cache)
	var warns []string
	o := testOptions(t, fixmovie.OpenRetina, &warns)
	o.Normalize = false
	m, err := LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if m.FromCache || len(warns) == 0 || !strings.Contains(warns[0], cache) || !strings.Contains(warns[0], "match neither resize") {
		t.Fatalf("FromCache %v Source %s, warnings %q", m.FromCache, m.Source, warns)
	}
	o.Warn = nil
	if testutil.FileSHA256(t, cache) != before {
		t.Fatal("openretina's cache was modified")
	}

	// A fixmovie.MATLAB-semantics run must not reuse it: it composes from the .mat
	// and caches under retinaio's own name.
	o.Semantics = fixmovie.MATLAB
	mm, err := LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if mm.FromCache || mm.Train[1] == 1 && mm.Train[2] == 2 {
		t.Fatalf("matlab run used the openretina cache (source %s)", mm.Source)
	}
	if _, err := os.Stat(filepath.Join(path, ourMatlabCache)); err != nil {
		t.Fatalf("matlab cache not written: %v", err)
	}
	if testutil.FileSHA256(t, cache) != before {
		t.Fatal("openretina's cache was modified by the matlab run")
	}
	again, err := LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if !again.FromCache || !strings.HasSuffix(again.Source, ourMatlabCache) {
		t.Fatalf("second matlab run: FromCache %v Source %s", again.FromCache, again.Source)
	}
	if d, _ := maxDiff32(again.Train, mm.Train); d != 0 {
		t.Fatalf("cached matlab movie differs by %g", d)
	}

	// --no-openretina-cache: openretina's file is neither read nor written.
	o.Semantics = fixmovie.OpenRetina
	o.UseOpenretinaCache = false
	n, err := LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if n.FromCache || n.Train[1] == 1 && n.Train[2] == 2 {
		t.Fatal("UseOpenretinaCache=false read openretina's cache")
	}
	if _, err := os.Stat(filepath.Join(path, "fixationmovie_data_retinaio_openretina_60_80.npz")); err != nil {
		t.Fatalf("own openretina-semantics cache not written: %v", err)
	}
	if testutil.FileSHA256(t, cache) != before {
		t.Fatal("openretina's cache was modified")
	}
}

// TestCacheWrittenAndReused: the first run writes openretina's cache with
// provenance; the second uses it and gives the same movie.
func TestCacheWrittenAndReused(t *testing.T) {
	ctx := context.Background()
	_, path := copySession(t, "20210203_252MEA_mouse_left_half_dorsal", false)
	o := testOptions(t, fixmovie.OpenRetina, nil)
	first, err := LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if first.FromCache {
		t.Fatal("first run from cache")
	}
	cache := filepath.Join(path, orCache)
	if _, err := os.Stat(cache); err != nil {
		t.Fatal(err)
	}
	var warns []string
	o.Warn = func(m string) { warns = append(warns, m) }
	second, err := LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if !second.FromCache || second.Source != cache || len(warns) != 0 {
		t.Fatalf("second run: FromCache %v Source %s warnings %q", second.FromCache, second.Source, warns)
	}
	if d, _ := maxDiff32(second.Train, first.Train); d != 0 || second.NormMean != first.NormMean || second.NormStd != first.NormStd {
		t.Fatalf("cached movie differs by %g", d)
	}
	// The cache holds the raw (not normalised) movie, as openretina's does.
	want := loadExpected(t, "20210203_252MEA_mouse_left_half_dorsal", fixmovie.OpenRetina)
	mov, err := readCache(cache, true, nil, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := bitsEqual32(mov.train, want.trainRaw); err != nil {
		t.Fatalf("cache train_data differs from the raw reference: %v", err)
	}
}

// TestStaleCacheRejected: a cache whose provenance does not match the
// source or the settings is not used, and the reason is reported.
func TestStaleCacheRejected(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: renders a golden session five times")
	}
	ctx := context.Background()
	_, path := copySession(t, "20210203_252MEA_mouse_left_half_dorsal", false)
	mat := filepath.Join(path, "fixationmovie_data.mat")
	o := testOptions(t, fixmovie.OpenRetina, nil)
	if _, err := LoadStimuliForSession(ctx, path, o); err != nil {
		t.Fatal(err)
	}
	// Touch the .mat: the cache is stale.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(mat, later, later); err != nil {
		t.Fatal(err)
	}
	var warns []string
	o.Warn = func(m string) { warns = append(warns, m) }
	m, err := LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if m.FromCache || len(warns) != 1 || !strings.Contains(warns[0], "modified") || !strings.Contains(warns[0], orCache) {
		t.Fatalf("FromCache %v, warnings %q", m.FromCache, warns)
	}
	// The rewritten cache fits again.
	warns = nil
	if m, err := LoadStimuliForSession(ctx, path, o); err != nil || !m.FromCache || len(warns) != 0 {
		t.Fatalf("after rewrite: %v FromCache %v warnings %q", err, m != nil && m.FromCache, warns)
	}

	// A fixmovie.MATLAB-semantics result put under openretina's name is rejected.
	o.Semantics = fixmovie.MATLAB
	o.Warn = nil
	if _, err := LoadStimuliForSession(ctx, path, o); err != nil {
		t.Fatal(err)
	}
	testutil.CopyFile(t, filepath.Join(path, ourMatlabCache), filepath.Join(path, orCache))
	o.Semantics = fixmovie.OpenRetina
	o.Warn = func(m string) { warns = append(warns, m) }
	m, err = LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if m.FromCache || len(warns) != 1 || !strings.Contains(warns[0], "made with matlab semantics") {
		t.Fatalf("FromCache %v, warnings %q", m.FromCache, warns)
	}
	// Another size is another cache file, never this one.
	warns = nil
	o.Height, o.Width = 30, 40
	m, err = LoadStimuliForSession(ctx, path, o)
	if err != nil || m.FromCache || m.TrainShape[2] != 30 || len(warns) != 0 {
		t.Fatalf("30x40: %v %v %q", err, m != nil && m.FromCache, warns)
	}
	if _, err := os.Stat(filepath.Join(path, "fixationmovie_data_extracted_stimuli_30_40.npz")); err != nil {
		t.Fatal(err)
	}
}

// TestZipSession: a zipped session is unpacked into the cache folder, the
// cache goes next to the unpacked .mat, and the zip is left in place
// byte-identical.
func TestZipSession(t *testing.T) {
	ctx := context.Background()
	name := "20210803_252MEA_mouse_left_half_dorsal"
	root, zip := copySession(t, name, true)
	before := testutil.FileSHA256(t, zip)
	o := testOptions(t, fixmovie.OpenRetina, nil)
	m, err := LoadStimuliForSession(ctx, zip, o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Source, o.CacheDir) {
		t.Fatalf("movie source %s is not below the cache folder %s", m.Source, o.CacheDir)
	}
	m2, err := LoadStimuliForSession(ctx, zip, o)
	if err != nil {
		t.Fatal(err)
	}
	if !m2.FromCache || filepath.Base(m2.Source) != orCache || !strings.HasPrefix(m2.Source, o.CacheDir) {
		t.Fatalf("second load: FromCache %v Source %s", m2.FromCache, m2.Source)
	}
	if testutil.FileSHA256(t, zip) != before {
		t.Fatal("zip modified")
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Fatalf("the data folder changed: %d entries", len(entries))
	}
	all, err := LoadAllStimuli(ctx, root, o)
	if err != nil || len(all) != 1 || all[name] == nil {
		t.Fatalf("LoadAllStimuli: %v %v", err, all)
	}
}

// TestReadOnlyFolderCache: when the session folder is not writable the
// cache goes to the cache folder and is found there. The failure is
// injected (writes into the session folder fail with a permission error),
// so the test also runs as root, which file permissions do not stop.
func TestReadOnlyFolderCache(t *testing.T) {
	ctx := context.Background()
	_, path := copySession(t, "20210203_252MEA_mouse_left_half_dorsal", false)
	var refused []string
	defer func(orig func(string, npy.NPZOptions) (*npy.NPZWriter, error)) { createNPZ = orig }(createNPZ)
	createNPZ = func(p string, o npy.NPZOptions) (*npy.NPZWriter, error) {
		if filepath.Dir(p) == path {
			refused = append(refused, p)
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrPermission}
		}
		return npy.CreateNPZ(p, o)
	}
	o := testOptions(t, fixmovie.OpenRetina, nil)
	var warns []string
	o.Warn = func(m string) { warns = append(warns, m) }
	if _, err := LoadStimuliForSession(ctx, path, o); err != nil {
		t.Fatal(err)
	}
	if len(refused) != 1 || len(warns) != 0 {
		t.Fatalf("writes refused %q, warnings %q; want one refused write into the session folder and no warning", refused, warns)
	}
	if _, err := os.Stat(filepath.Join(path, orCache)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a cache was written into the read-only session folder: %v", err)
	}
	m, err := LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if !m.FromCache || !strings.HasPrefix(m.Source, o.CacheDir) || filepath.Base(m.Source) != orCache {
		t.Fatalf("FromCache %v Source %s", m.FromCache, m.Source)
	}
}

// TestCacheFormatRejected: a cache recording another CacheFormat (here 0,
// a cache from before the number existed) is not used, the warning says
// why, and the cache is written again with the current format.
func TestCacheFormatRejected(t *testing.T) {
	ctx := context.Background()
	_, path := copySession(t, "20210203_252MEA_mouse_left_half_dorsal", false)
	o := testOptions(t, fixmovie.OpenRetina, nil)
	if _, err := LoadStimuliForSession(ctx, path, o); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(path, orCache)
	p := readProvenance(t, cache)
	if p.Format != CacheFormat || p.Version == "" || p.Version == "0.1.0-dev" {
		t.Fatalf("provenance %+v: want format %d and a build version", p, CacheFormat)
	}
	p.Format = 0
	rewriteProvenance(t, cache, p)
	var warns []string
	o.Warn = func(m string) { warns = append(warns, m) }
	m, err := LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if m.FromCache || len(warns) != 1 || !strings.Contains(warns[0], "cache format 0") || !strings.Contains(warns[0], fmt.Sprintf("format %d", CacheFormat)) {
		t.Fatalf("FromCache %v, warnings %q", m.FromCache, warns)
	}
	if p := readProvenance(t, cache); p.Format != CacheFormat {
		t.Fatalf("rewritten cache has format %d", p.Format)
	}
}

func readProvenance(t *testing.T, path string) Provenance {
	t.Helper()
	z, err := npy.OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	a, err := z.Read(ProvenanceKey)
	if err != nil {
		t.Fatal(err)
	}
	var p Provenance
	if err := json.Unmarshal(a.Data.([]uint8), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// rewriteProvenance rewrites a cache file with another provenance record.
func rewriteProvenance(t *testing.T, path string, p Provenance) {
	t.Helper()
	z, err := npy.OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	arrays := map[string]*npy.Array{}
	for _, k := range []string{cacheKeyTrain, cacheKeyTest} {
		if arrays[k], err = z.Read(k); err != nil {
			t.Fatal(err)
		}
	}
	z.Close()
	w, err := npy.CreateNPZ(path, npy.NPZOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{cacheKeyTrain, cacheKeyTest} {
		if err := w.Add(k, arrays[k].Shape, arrays[k].Data); err != nil {
			t.Fatal(err)
		}
	}
	pj, _ := json.Marshal(p)
	if err := w.Add(ProvenanceKey, []int{len(pj)}, pj); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentSameSession: several loaders preparing the same zipped
// session at once (shared unpack and cache) all succeed with equal movies.
func TestConcurrentSameSession(t *testing.T) {
	ctx := context.Background()
	_, zip := copySession(t, "20210803_252MEA_mouse_left_half_dorsal", true)
	cache := t.TempDir()
	const n = 4
	res := make([]*MoviesTrainTestSplit, n)
	errs := make([]error, n)
	done := make(chan int)
	for i := 0; i < n; i++ {
		go func() {
			o := testOptions(t, fixmovie.OpenRetina, nil)
			o.CacheDir = cache
			res[i], errs[i] = LoadStimuliForSession(ctx, zip, o)
			done <- i
		}()
	}
	for i := 0; i < n; i++ {
		<-done
	}
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if d, _ := maxDiff32(res[i].Train, res[0].Train); d != 0 {
			t.Fatalf("loader %d differs by %g", i, d)
		}
	}
}

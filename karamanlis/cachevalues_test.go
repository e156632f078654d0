package karamanlis

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/internal/testutil"
	"github.com/retinaio/retinaio/npy"
)

// spoilCache rewrites the cache at path with train_data[0, 0, 1, 2] set
// to v (other arrays, the provenance included, kept).
func spoilCache(t *testing.T, path string, v float32) {
	t.Helper()
	z, err := npy.OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	type arr struct {
		name  string
		shape []int
		data  any
	}
	var all []arr
	for _, n := range z.Names() {
		a, err := z.Read(n)
		if err != nil {
			t.Fatal(err)
		}
		if n == cacheKeyTrain {
			a.Data.([]float32)[1*a.Shape[3]+2] = v
		}
		all = append(all, arr{n, a.Shape, a.Data})
	}
	z.Close()
	w, err := npy.CreateNPZ(path, npy.NPZOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		if err := w.Add(a.name, a.shape, a.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCacheBadValuesSetAside: a stimulus cache holding NaN, Inf or values
// outside 0..255 is not used (it used to be, and --no-normalize then wrote
// NaNs into stim_train): the warning names the file, the array, the index
// and the value; a cache of ours is renamed to *.rejected (not deleted) and
// the movie is computed again from the .mat, the same as before.
func TestCacheBadValuesSetAside(t *testing.T) {
	ctx := context.Background()
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), -1, 256, -math.MaxFloat32} {
		_, path := copySession(t, "20210203_252MEA_mouse_left_half_dorsal", false)
		o := testOptions(t, fixmovie.OpenRetina, nil)
		o.Normalize = false
		first, err := LoadStimuliForSession(ctx, path, o)
		if err != nil {
			t.Fatal(err)
		}
		cache := filepath.Join(path, orCache)
		spoilCache(t, cache, v)
		var warns []string
		o.Warn = func(m string) { warns = append(warns, m) }
		second, err := LoadStimuliForSession(ctx, path, o)
		if err != nil {
			t.Fatal(err)
		}
		if second.FromCache {
			t.Fatalf("value %v: the spoiled cache was used", v)
		}
		msg := strings.Join(warns, "\n")
		if !strings.Contains(msg, orCache) || !strings.Contains(msg, "train_data[0, 0, 1, 2]") || !strings.Contains(msg, "rejected") {
			t.Errorf("value %v: warnings %q; want the file, the index and the set-aside name", v, msg)
		}
		if d, _ := maxDiff32(second.Train, first.Train); d != 0 {
			t.Errorf("value %v: recomputed movie differs by %g", v, d)
		}
		if _, err := os.Stat(cache + RejectedSuffix); err != nil {
			t.Errorf("value %v: not set aside: %v", v, err)
		}
	}
}

// TestCacheRoundingAccepted: a computed cache's float rounding beyond 255
// (255.00002, as the resize gives on a white region) is not a bad value.
func TestCacheRoundingAccepted(t *testing.T) {
	ctx := context.Background()
	_, path := copySession(t, "20210203_252MEA_mouse_left_half_dorsal", false)
	o := testOptions(t, fixmovie.OpenRetina, nil)
	if _, err := LoadStimuliForSession(ctx, path, o); err != nil {
		t.Fatal(err)
	}
	spoilCache(t, filepath.Join(path, orCache), 255.00002)
	var warns []string
	o.Warn = func(m string) { warns = append(warns, m) }
	m, err := LoadStimuliForSession(ctx, path, o)
	if err != nil || !m.FromCache || len(warns) != 0 {
		t.Fatalf("err %v, FromCache %v, warnings %q", err, m.FromCache, warns)
	}
}

// TestOpenretinaCacheBadValuesIgnored: openretina's own cache (no record of
// ours) with an out-of-range value is ignored with a message and left as
// it is; the movie comes from the .mat.
func TestOpenretinaCacheBadValuesIgnored(t *testing.T) {
	ctx := context.Background()
	path := badSession(t, "openretina_cache")
	cache := filepath.Join(path, orCache)
	spoilCache(t, cache, 300)
	before := testutil.FileSHA256(t, cache)
	var warns []string
	o := testOptions(t, fixmovie.OpenRetina, &warns)
	o.Normalize = false
	m, err := LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	msg := strings.Join(warns, "\n")
	if m.FromCache || !strings.Contains(msg, "is 300") || !strings.Contains(msg, "left as it is") {
		t.Fatalf("FromCache %v, warnings %q", m.FromCache, msg)
	}
	if testutil.FileSHA256(t, cache) != before {
		t.Fatal("openretina's cache was modified")
	}
}

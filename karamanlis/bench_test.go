package karamanlis

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/retinaio/retinaio/internal/testutil"
)

// BenchmarkLoadStimuliGolden composes a golden session's movie (80 + 30
// frames from 640x860 images) without caches: read, inflate, render.
func BenchmarkLoadStimuliGolden(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(goldenDir, "sessions", "20210203_252MEA_mouse_left_half_dorsal")
	o := DefaultStimulusOptions()
	o.DisableCache = true
	o.CacheDir = b.TempDir()
	for i := 0; i < b.N; i++ {
		if _, err := LoadStimuliForSession(ctx, path, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(110*b.N)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkLoadStimuliCached loads the same movie from its cache.
func BenchmarkLoadStimuliCached(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	src := filepath.Join(goldenDir, "sessions", "20210203_252MEA_mouse_left_half_dorsal")
	dst := filepath.Join(dir, "s")
	testutil.CopyTree(b, src, dst)
	o := DefaultStimulusOptions()
	o.CacheDir = b.TempDir()
	if _, err := LoadStimuliForSession(ctx, dst, o); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, err := LoadStimuliForSession(ctx, dst, o)
		if err != nil || !m.FromCache {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadResponsesGolden reads and reshapes a golden session's bins.
func BenchmarkLoadResponsesGolden(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(goldenDir, "sessions", "20210203_252MEA_mouse_left_half_dorsal")
	o := DefaultResponseOptions()
	for i := 0; i < b.N; i++ {
		if _, err := LoadResponsesForSession(ctx, path, o); err != nil {
			b.Fatal(err)
		}
	}
}

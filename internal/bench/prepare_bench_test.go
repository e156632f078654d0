package bench

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/prepare"
	"github.com/retinaio/retinaio/synth"
)

// BenchmarkPrepare runs prepare.Run (no cache, no checksums) on one
// synthesised session per profile and reports frames/s.
//
//	go test -run '^$' -bench Prepare/medium ./bench
func BenchmarkPrepare(b *testing.B) {
	for _, name := range []string{"small", "medium"} {
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			p := synth.Profiles[name]
			if _, err := synth.Write(context.Background(), filepath.Join(dir, "s"), synth.Options{Profile: p, Seed: 1}); err != nil {
				b.Fatal(err)
			}
			so := karamanlis.DefaultStimulusOptions()
			so.DisableCache = true
			so.CacheDir = filepath.Join(dir, "cache")
			opt := prepare.Options{Stimulus: so, OutDir: filepath.Join(dir, "out"), NoChecksums: true}
			frames := p.Blocks*p.Tr + p.Tf
			b.ResetTimer()
			for b.Loop() {
				man, err := prepare.Run(context.Background(), filepath.Join(dir, "s"), opt)
				if err != nil || man.OK != 1 {
					b.Fatalf("prepare: %v %+v", err, man)
				}
			}
			b.ReportMetric(float64(frames)*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

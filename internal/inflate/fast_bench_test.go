package inflate_test

import (
	"testing"
	"time"

	"github.com/retinaio/retinaio/internal/inflate"
)

// BenchmarkFastAsm times Zlib (with the Adler-32) and Raw (the deflate
// data alone) with the assembly fast loop and with the Go one, in
// alternation on each set of chunks (20 rounds, the best of each), and
// reports both throughputs and their ratio. Run with -benchtime 1x -cpu 1.
func BenchmarkFastAsm(b *testing.B) {
	if !inflate.FastAsmOK() {
		b.Skip("no assembly fast loop on this CPU or platform")
	}
	defer inflate.SetFastAsm(inflate.SetFastAsm(true))
	for _, c := range []benchCase{imageChunks(b, false), imageChunks(b, true), responseChunks(b)} {
		for _, raw := range []bool{false, true} {
			name := c.name + "/zlib"
			if raw {
				name = c.name + "/raw"
			}
			b.Run(name, func(b *testing.B) {
				dst := make([]byte, 1<<20)
				run := func() time.Duration {
					t0 := time.Now()
					for j, z := range c.comp {
						var err error
						if raw {
							_, _, err = inflate.Raw(dst[:len(c.raw[j])], z[2:len(z)-4])
						} else {
							_, err = inflate.Zlib(dst[:len(c.raw[j])], z)
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					return time.Since(t0)
				}
				best := [2]time.Duration{1 << 62, 1 << 62}
				for i := 0; i < b.N; i++ {
					for k := 0; k < 20; k++ {
						for v, on := range []bool{true, false} {
							inflate.SetFastAsm(on)
							best[v] = min(best[v], run())
						}
					}
				}
				mbs := func(d time.Duration) float64 { return float64(c.total) / d.Seconds() / 1e6 }
				b.ReportMetric(mbs(best[0]), "asm-MB/s")
				b.ReportMetric(mbs(best[1]), "go-MB/s")
				b.ReportMetric(float64(best[1])/float64(best[0]), "speedup")
			})
		}
	}
}

package fixmovie

import (
	"context"
	"fmt"
	"math/rand"
	"runtime"
	"testing"

	"github.com/retinaio/retinaio/resample"
)

// gazeFixations draws a medium-like training sequence: about one second (75
// frames) per image, a saccade to a new position every 15-30 frames, a
// random-walk drift of -2..2 pixels per frame and axis in between (as in the
// golden sessions), some positions near the image edges.
func gazeFixations(r *rand.Rand, t, nImages, nx, ny int) []Fixation {
	fix := make([]Fixation, 0, t)
	for len(fix) < t {
		k := 1 + r.Intn(nImages)
		perImage := 60 + r.Intn(31)
		for n := 0; n < perImage && len(fix) < t; {
			x, y := 400+r.Intn(max(nx-800, 1)), 300+r.Intn(max(ny-600, 1))
			if r.Intn(4) == 0 { // near an edge
				x, y = 380+r.Intn(40), ny-320+r.Intn(40)
			}
			run := 15 + r.Intn(16)
			for i := 0; i < run && n < perImage && len(fix) < t; i++ {
				fix = append(fix, Fixation{k, x, y})
				x += r.Intn(5) - 2
				y += r.Intn(5) - 2
				n++
			}
		}
	}
	return fix
}

func benchRender(b *testing.B, workers int, sem Semantics) {
	r := rand.New(rand.NewSource(1))
	const nImg, nx, ny = 10, 1532, 1024 // h5py (N, Nx, Ny): 1024 rows x 1532 columns
	im := randomImages(r, nImg, nx, ny)
	const frames = 4 * 375
	fix := gazeFixations(r, frames, nImg, nx, ny)
	rd, err := NewRenderer(Options{Workers: workers, Semantics: sem})
	if err != nil {
		b.Fatal(err)
	}
	out := make([]float32, frames*rd.FrameSize())
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if err := rd.RenderInto(ctx, out, im, fix); err != nil {
			b.Fatal(err)
		}
	}
	fps := float64(frames) * float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(fps, "frames/s")
	b.ReportMetric(fps/float64(min(workers, runtime.NumCPU())), "frames/s/core")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkRender: 600x800 -> 60x80, medium-like session (1024x1532 images,
// 4 blocks of 375 frames with gaze-like fixations), one worker and all cores.
func BenchmarkRender(b *testing.B) {
	for _, w := range []int{1, runtime.GOMAXPROCS(0)} {
		for _, sem := range []Semantics{OpenRetina, MATLAB} {
			b.Run(fmt.Sprintf("workers=%d/%v", w, sem), func(b *testing.B) { benchRender(b, w, sem) })
		}
	}
}

// BenchmarkReferenceFrame: the full-resolution path (ComposeFrame +
// resample.Plan.Resize), per frame, for comparison.
func BenchmarkReferenceFrame(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	im := randomImages(r, 2, 1532, 1024)
	fix := gazeFixations(r, 375, 2, 1532, 1024)
	p, _ := resample.NewPlan(600, 800, 60, 80)
	frame := make([]float32, 600*800)
	out := make([]float32, 60*80)
	i := 0
	for b.Loop() {
		if err := ComposeFrame(frame, 600, 800, im, fix[i%len(fix)], OpenRetina); err != nil {
			b.Fatal(err)
		}
		if err := p.Resize(out, frame); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkRenderKernel: BenchmarkRender's medium-like movie on one worker
// with the pure-Go kernels and with the vector kernels (AVX2 + FMA on amd64
// where the CPU has them, NEON on arm64), for a same-run comparison.
func BenchmarkRenderKernel(b *testing.B) {
	sw, sh := vecWidth, vecHeight
	defer func() { vecWidth, vecHeight = sw, sh }()
	kernels := []struct {
		name string
		vec  bool
	}{{"go", false}}
	if sw || sh {
		kernels = append(kernels, struct {
			name string
			vec  bool
		}{"vector", true})
	}
	for _, k := range kernels {
		b.Run("kernel="+k.name, func(b *testing.B) {
			vecWidth, vecHeight = k.vec && sw, k.vec && sh
			benchRender(b, 1, OpenRetina)
		})
	}
}

package inflate_test

import (
	"bytes"
	"compress/zlib"
	"io"
	"math/rand"
	"testing"
	"time"

	kzlib "github.com/klauspost/compress/zlib"

	"github.com/retinaio/retinaio/internal/inflate"
	"github.com/retinaio/retinaio/synth"
)

// benchCase is a set of chunks: their data and their zlib streams.
type benchCase struct {
	name  string
	raw   [][]byte
	comp  [][]byte
	total int
}

func compressLevel(tb testing.TB, data []byte, level int) []byte {
	var b bytes.Buffer
	w, err := zlib.NewWriterLevel(&b, level)
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// imageChunks cuts four synthetic natural images (package synth, 768
// columns of 1024 pixels each) into chunks of 4 images x 96 x 128 pixels
// (like h5py's automatic chunk shape for an image stack, (10, 96, 128))
// or 64 KiB pieces of one image (like MATLAB's rule), deflated at level 3
// like MATLAB and h5py files.
func imageChunks(tb testing.TB, matlab bool) benchCase {
	const nx, ny, nimg = 768, 1024, 4
	imgs := make([][]uint8, nimg)
	for k := range imgs {
		imgs[k] = synth.Image(nx, ny, 7, "train", k)
	}
	c := benchCase{name: "image-h5py"}
	if matlab {
		c.name = "image-matlab"
		// one 64 KiB piece of one image after another
		for _, img := range imgs {
			for off := 0; off+65536 <= len(img); off += 65536 {
				c.raw = append(c.raw, img[off:off+65536])
			}
		}
	} else {
		for x0 := 0; x0+96 <= nx; x0 += 96 {
			for y0 := 0; y0+128 <= ny; y0 += 128 {
				var chunk []byte
				for _, img := range imgs {
					for x := x0; x < x0+96; x++ {
						chunk = append(chunk, img[x*ny+y0:x*ny+y0+128]...)
					}
				}
				c.raw = append(c.raw, chunk)
			}
		}
	}
	for _, r := range c.raw {
		c.comp = append(c.comp, compressLevel(tb, r, 3))
		c.total += len(r)
	}
	return c
}

// responseChunks are small integers (spike counts), highly compressible.
func responseChunks(tb testing.TB) benchCase {
	r := rand.New(rand.NewSource(3))
	c := benchCase{name: "responses"}
	for i := 0; i < 16; i++ {
		raw := make([]byte, 64000)
		for j := 0; j < len(raw); j += 8 {
			// float64 spike counts: mostly 0, sometimes 1-3
			v := 0.0
			if r.Intn(10) == 0 {
				v = float64(1 + r.Intn(3))
			}
			_ = v
			if v != 0 {
				raw[j+7] = 0x3f + byte(v)/2
				raw[j+6] = 0xf0
			}
		}
		c.raw = append(c.raw, raw)
		c.comp = append(c.comp, compressLevel(tb, raw, 3))
		c.total += len(raw)
	}
	return c
}

func BenchmarkZlib(b *testing.B) {
	for _, c := range []benchCase{imageChunks(b, false), imageChunks(b, true), responseChunks(b)} {
		ratio := 0
		for _, z := range c.comp {
			ratio += len(z)
		}
		b.Logf("%s: %d chunks, %d bytes, compressed to %.1f%%", c.name, len(c.raw), c.total, 100*float64(ratio)/float64(c.total))
		dst := make([]byte, 1<<20)
		b.Run(c.name+"/inflate", func(b *testing.B) {
			b.SetBytes(int64(c.total))
			for i := 0; i < b.N; i++ {
				for j, z := range c.comp {
					n, err := inflate.Zlib(dst[:len(c.raw[j])], z)
					if err != nil || n != len(c.raw[j]) {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(c.name+"/klauspost", func(b *testing.B) {
			b.SetBytes(int64(c.total))
			var zr io.ReadCloser
			br := bytes.NewReader(nil)
			for i := 0; i < b.N; i++ {
				for j, z := range c.comp {
					br.Reset(z)
					if zr == nil {
						var err error
						if zr, err = kzlib.NewReader(br); err != nil {
							b.Fatal(err)
						}
					} else if err := zr.(kzlib.Resetter).Reset(br, nil); err != nil {
						b.Fatal(err)
					}
					if _, err := io.ReadFull(zr, dst[:len(c.raw[j])]); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(c.name+"/stdlib", func(b *testing.B) {
			b.SetBytes(int64(c.total))
			var zr io.ReadCloser
			br := bytes.NewReader(nil)
			for i := 0; i < b.N; i++ {
				for j, z := range c.comp {
					br.Reset(z)
					if zr == nil {
						var err error
						if zr, err = zlib.NewReader(br); err != nil {
							b.Fatal(err)
						}
					} else if err := zr.(zlib.Resetter).Reset(br, nil); err != nil {
						b.Fatal(err)
					}
					if _, err := io.ReadFull(zr, dst[:len(c.raw[j])]); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkZlibRatio times our decoder and klauspost's in alternation on
// each set of chunks (30 rounds, the best round of each) and reports both
// throughputs and their ratio: on a machine shared with other work this is
// steadier than comparing separate benchmarks. Run with -benchtime 1x.
func BenchmarkZlibRatio(b *testing.B) {
	for _, c := range []benchCase{imageChunks(b, false), imageChunks(b, true), responseChunks(b)} {
		b.Run(c.name, func(b *testing.B) {
			dst := make([]byte, 1<<20)
			var zr io.ReadCloser
			br := bytes.NewReader(nil)
			best := [2]time.Duration{1 << 62, 1 << 62}
			for i := 0; i < b.N; i++ {
				for k := 0; k < 30; k++ {
					t0 := time.Now()
					for j, z := range c.comp {
						if _, err := inflate.Zlib(dst[:len(c.raw[j])], z); err != nil {
							b.Fatal(err)
						}
					}
					t1 := time.Now()
					for j, z := range c.comp {
						br.Reset(z)
						if zr == nil {
							zr, _ = kzlib.NewReader(br)
						} else if err := zr.(kzlib.Resetter).Reset(br, nil); err != nil {
							b.Fatal(err)
						}
						if _, err := io.ReadFull(zr, dst[:len(c.raw[j])]); err != nil {
							b.Fatal(err)
						}
					}
					t2 := time.Now()
					best[0] = min(best[0], t1.Sub(t0))
					best[1] = min(best[1], t2.Sub(t1))
				}
			}
			mbs := func(d time.Duration) float64 { return float64(c.total) / d.Seconds() / 1e6 }
			b.ReportMetric(mbs(best[0]), "ours-MB/s")
			b.ReportMetric(mbs(best[1]), "klauspost-MB/s")
			b.ReportMetric(float64(best[1])/float64(best[0]), "ratio")
			zbytes := 0
			for _, z := range c.comp {
				zbytes += len(z)
			}
			b.ReportMetric(100*float64(zbytes)/float64(c.total), "compressed-%")
		})
	}
}

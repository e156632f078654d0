package hdf5_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/hdf5write"
	"github.com/retinaio/retinaio/synth"
)

// Benchmark file: an image ensemble like runningImages of a mouse session,
// 64 natural-image-like uint8 images of 1024 x 1532 (100.4 MB raw), chunks
// of one image's 256 columns (1, 256, 1024) as package synth writes them,
// deflate level 3 (MATLAB's default), about 1.25x compression.
const (
	benchImages = 64
	benchCols   = 1532
	benchRows   = 1024
)

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// benchFile writes the benchmark file once into the OS temporary folder
// (kept between runs; delete retinaio-bench-images-v1.h5 to rebuild) and
// returns its path. Compare with h5py:
//
//	python3 -c "import h5py,time; f=h5py.File(PATH,'r'); d=f['images']; t=time.perf_counter(); d[()]; print(100.4/(time.perf_counter()-t),'MB/s')"
func benchFile(b *testing.B) string {
	benchOnce.Do(func() {
		benchPath = filepath.Join(os.TempDir(), "retinaio-bench-images-v1.h5")
		if _, err := os.Stat(benchPath); err == nil {
			return
		}
		w, err := hdf5write.Create(benchPath, hdf5write.Options{MATLABHeader: true})
		if err != nil {
			benchErr = err
			return
		}
		defer w.Abort()
		ds, err := w.Root().CreateDataset("images", hdf5write.Uint8, []uint64{benchImages, benchCols, benchRows},
			hdf5write.DatasetOptions{Chunk: []uint64{1, 256, benchRows}, Deflate: 3,
				Attrs: []hdf5write.Attr{{Name: "MATLAB_class", Value: "uint8"}}})
		if err != nil {
			benchErr = err
			return
		}
		for k := 0; k < benchImages; k++ {
			if err := ds.WriteRows(synth.Image(benchCols, benchRows, 1, "bench", k)); err != nil {
				benchErr = err
				return
			}
		}
		benchErr = w.Close()
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

// openImages opens the benchmark file's /images dataset; the file is closed
// when b (or the sub-benchmark) ends.
func openImages(b *testing.B, path string) *hdf5.Dataset {
	b.Helper()
	f, err := hdf5.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	d, err := f.OpenDataset("/images")
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkReadImages reads the whole 100 MB deflated uint8 ensemble; MB/s
// is of decompressed data. Sub-benchmarks: one core (GOMAXPROCS 1) and all.
func BenchmarkReadImages(b *testing.B) {
	path := benchFile(b)
	for _, procs := range []int{1, runtime.NumCPU()} {
		name := "cores=1"
		if procs > 1 {
			name = fmt.Sprintf("cores=%d", procs)
		}
		b.Run(name, func(b *testing.B) {
			old := runtime.GOMAXPROCS(procs)
			defer runtime.GOMAXPROCS(old)
			d := openImages(b, path)
			var buf []uint8
			b.SetBytes(int64(d.Len()))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := d.Read(context.Background(), &buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadOneImage reads one image (a hyperslab of 6 chunks), as the
// movie pipeline does per image.
func BenchmarkReadOneImage(b *testing.B) {
	d := openImages(b, benchFile(b))
	var buf []uint8
	b.SetBytes(benchCols * benchRows)
	for i := 0; i < b.N; i++ {
		k := uint64(i % benchImages)
		if err := d.ReadSlab(context.Background(), []uint64{k, 0, 0}, []uint64{1, benchCols, benchRows}, &buf); err != nil {
			b.Fatal(err)
		}
	}
}

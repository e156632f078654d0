package hdf5_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/hdf5write"
	"github.com/retinaio/retinaio/synth"
)

// Benchmark files for ReadSlabs: an image stack of slabImages images of
// 1532 x 1024 uint8 (75 MB raw), deflate level 3, in the three chunked
// layouts of a mouse session's runningImages (retinaio synth --layout):
//
//   - own: one image's slab of 256 columns, (1, 256, 1024);
//   - h5py: h5py's automatic chunk of the mouse stack, (10, 96, 128);
//   - matlab: MATLAB's rule on the mouse stack, (150, 1, 341), here with
//     the first dimension as long as the stack: every chunk spans all
//     images, a 341-pixel piece of one column of each.
//
// The selection is what prepare reads: two thirds of the images, in runs
// of two consecutive images (one slab per run).
const slabImages = 48

var slabLayouts = []struct {
	name  string
	chunk []uint64
}{
	{"own", []uint64{1, 256, benchRows}},
	{"h5py", []uint64{10, 96, 128}},
	{"matlab", []uint64{slabImages, 1, 341}},
}

var (
	slabFilesOnce sync.Once
	slabFiles     map[string]string
	slabFilesErr  error
)

// slabBenchFiles writes the benchmark files once into the OS temporary
// folder (kept between runs; delete retinaio-bench-slabs-v1-*.h5 to
// rebuild) and returns their paths by layout name.
func slabBenchFiles(b *testing.B) map[string]string {
	slabFilesOnce.Do(func() {
		slabFiles = map[string]string{}
		var imgs [][]uint8
		for _, l := range slabLayouts {
			path := filepath.Join(os.TempDir(), "retinaio-bench-slabs-v1-"+l.name+".h5")
			slabFiles[l.name] = path
			if _, err := os.Stat(path); err == nil {
				continue
			}
			if imgs == nil {
				for k := 0; k < slabImages; k++ {
					imgs = append(imgs, synth.Image(benchCols, benchRows, 1, "slabs", k))
				}
			}
			if slabFilesErr = writeSlabFile(path, l.chunk, imgs); slabFilesErr != nil {
				return
			}
		}
	})
	if slabFilesErr != nil {
		b.Fatal(slabFilesErr)
	}
	return slabFiles
}

func writeSlabFile(path string, chunk []uint64, imgs [][]uint8) error {
	tmp := path + ".tmp"
	w, err := hdf5write.Create(tmp, hdf5write.Options{MATLABHeader: true})
	if err != nil {
		return err
	}
	defer w.Abort()
	ds, err := w.Root().CreateDataset("images", hdf5write.Uint8, []uint64{uint64(len(imgs)), benchCols, benchRows},
		hdf5write.DatasetOptions{Chunk: chunk, Deflate: 3, Attrs: []hdf5write.Attr{{Name: "MATLAB_class", Value: "uint8"}}})
	if err != nil {
		return err
	}
	for _, img := range imgs {
		if err := ds.WriteRows(img); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// usedSlabs returns the slabs of prepare's selection of an n-image stack:
// images k with k%3 != 2, one slab per run, each at its image's place.
func usedSlabs(n, per uint64) []hdf5.Slab {
	var slabs []hdf5.Slab
	for k := uint64(0); k < n; {
		if k%3 == 2 {
			k++
			continue
		}
		e := k
		for e < n && e%3 != 2 {
			e++
		}
		slabs = append(slabs, hdf5.Slab{Start: []uint64{k, 0, 0}, Count: []uint64{e - k, benchCols, benchRows}, Offset: k * per})
		k = e
	}
	return slabs
}

// BenchmarkReadSlabs reads two thirds of the images (16 slabs) of the
// stack in each layout with one ReadSlabs call into a reused destination,
// as prepare does: each iteration opens the file and reads the dataset's
// chunk index anew. MB/s is of the images read.
func BenchmarkReadSlabs(b *testing.B) {
	files := slabBenchFiles(b)
	for _, l := range slabLayouts {
		b.Run(fmt.Sprintf("layout=%s", l.name), func(b *testing.B) {
			per := uint64(benchCols * benchRows)
			slabs := usedSlabs(slabImages, per)
			var used int64
			for _, s := range slabs {
				used += int64(s.Count[0] * per)
			}
			b.SetBytes(used)
			dst := make([]uint8, slabImages*per)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f, err := hdf5.Open(files[l.name])
				if err != nil {
					b.Fatal(err)
				}
				d, err := f.OpenDataset("/images")
				if err != nil {
					b.Fatal(err)
				}
				p := dst[:0]
				if err := d.ReadSlabs(context.Background(), slabs, slabImages*per, &p); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}

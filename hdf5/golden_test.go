package hdf5

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

type goldenObj struct {
	Kind    string         `json:"kind"`
	Attrs   map[string]any `json:"attrs"`
	Shape   []uint64       `json:"shape"`
	Dtype   string         `json:"dtype"`
	Chunks  []uint64       `json:"chunks"`
	Filters []string       `json:"filters"`
	SHARaw  string         `json:"sha256_raw"`
	SHAF64  string         `json:"sha256_f64"`
	First   []float64      `json:"first"`
	Sum     float64        `json:"sum"`
}

type goldenFile struct {
	Superblock int                  `json:"superblock"`
	Userblock  int64                `json:"userblock"`
	Objects    map[string]goldenObj `json:"objects"`
}

func loadGolden(t *testing.T) map[string]goldenFile {
	t.Helper()
	b, err := os.ReadFile("testdata/golden_expect.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]goldenFile
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestGoldenSessions compares our reads of the committed MATLAB v7.3
// sessions (earliest and latest HDF5 formats) with h5py's.
func TestGoldenSessions(t *testing.T) {
	ctx := context.Background()
	for rel, want := range loadGolden(t) {
		t.Run(filepath.Base(filepath.Dir(rel))+"/"+filepath.Base(rel), func(t *testing.T) {
			f, err := Open(filepath.Join("..", "testdata", rel))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.SuperblockVersion() != want.Superblock || f.UserBlockSize() != want.Userblock {
				t.Errorf("superblock %d userblock %d, want %d %d", f.SuperblockVersion(), f.UserBlockSize(), want.Superblock, want.Userblock)
			}
			seen := map[string]bool{}
			err = f.Walk(func(p string, obj Object) error {
				seen[p] = true
				if p == "/" {
					return nil
				}
				w, ok := want.Objects[p]
				if !ok {
					t.Errorf("unexpected object %s", p)
					return nil
				}
				if cls, ok := w.Attrs["MATLAB_class"]; ok {
					a, err := obj.Attr("MATLAB_class")
					if err != nil || a == nil || a.String() != cls {
						t.Errorf("%s: MATLAB_class = %v, %v; want %v", p, a, err, cls)
					}
				}
				d, isDS := obj.(*Dataset)
				if isDS != (w.Kind == "dataset") {
					t.Errorf("%s: kind mismatch", p)
					return nil
				}
				if !isDS {
					return nil
				}
				if !reflect.DeepEqual(d.Shape(), w.Shape) || d.Datatype().NumpyDescr() != w.Dtype || !reflect.DeepEqual(d.ChunkShape(), w.Chunks) {
					t.Errorf("%s: shape %v dtype %s chunks %v; want %v %s %v", p, d.Shape(), d.Datatype().NumpyDescr(), d.ChunkShape(), w.Shape, w.Dtype, w.Chunks)
				}
				raw, err := d.ReadRaw(ctx)
				if err != nil {
					t.Errorf("%s: ReadRaw: %v", p, err)
					return nil
				}
				if sha(raw) != w.SHARaw {
					t.Errorf("%s: raw bytes differ from h5py", p)
				}
				var fl []float64
				if err := d.Read(ctx, &fl); err != nil {
					t.Errorf("%s: Read float64: %v", p, err)
					return nil
				}
				bb := make([]byte, 8*len(fl))
				sum := 0.0
				for i, v := range fl {
					binary.LittleEndian.PutUint64(bb[8*i:], math.Float64bits(v))
					sum += v
				}
				if sha(bb) != w.SHAF64 {
					t.Errorf("%s: float64 values differ from h5py (first %v, want %v)", p, fl[:min(5, len(fl))], w.First)
				}
				// one hyperslab: the last element along every dimension and a block
				if len(w.Shape) > 0 {
					start := make([]uint64, len(w.Shape))
					count := make([]uint64, len(w.Shape))
					for i, s := range w.Shape {
						start[i] = s / 3
						count[i] = s - s/3
					}
					var sub []float64
					if err := d.ReadSlab(ctx, start, count, &sub); err != nil {
						t.Errorf("%s: ReadSlab: %v", p, err)
						return nil
					}
					// check against the full read
					idx := make([]uint64, len(count))
					for k := range sub {
						var lin uint64
						for i := range idx {
							lin = lin*w.Shape[i] + start[i] + idx[i]
						}
						if sub[k] != fl[lin] {
							t.Errorf("%s: slab element %v = %v, want %v", p, idx, sub[k], fl[lin])
							break
						}
						for i := len(idx) - 1; i >= 0; i-- {
							idx[i]++
							if idx[i] < count[i] {
								break
							}
							idx[i] = 0
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for p := range want.Objects {
				if !seen[p] {
					t.Errorf("missing object %s", p)
				}
			}
		})
	}
}

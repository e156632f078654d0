package hdf5

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fuzz targets, one per built-in decoder. Each gets the client data values
// (params, little-endian uint32s) and the chunk bytes, and checks that the
// decoder neither panics nor returns (or allocates for its result) more
// than MaxSize bytes. Seeds: the first stored chunk of the real-world
// corpus datasets whose first decoding step is that filter, plus the
// hand-made cases of filter_unit_test.go.

const fuzzMaxSize = 1 << 18

type filterSeed struct {
	params []byte
	data   []byte
}

func u32sToBytes(v []uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return b
}

func bytesToU32s(b []byte) []uint32 {
	n := min(len(b)/4, 64)
	v := make([]uint32, n)
	for i := range v {
		v[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return v
}

var (
	worldSeedsOnce sync.Once
	worldSeeds     map[FilterID][]filterSeed
)

// worldFilterSeeds collects, per filter, up to 8 stored chunks of corpus
// datasets whose pipeline ends with that filter (so the stored chunk is
// its input), with the dataset's client data.
func worldFilterSeeds(tb testing.TB) map[FilterID][]filterSeed {
	worldSeedsOnce.Do(func() {
		worldSeeds = map[FilterID][]filterSeed{}
		names, _ := filepath.Glob(filepath.Join(worldDir, "*", "*"))
		sort.Strings(names)
		for _, name := range names {
			if !strings.HasSuffix(name, ".h5") && !strings.HasSuffix(name, ".hdf5") {
				continue
			}
			f, err := Open(name)
			if err != nil {
				continue
			}
			f.Walk(func(path string, obj Object) error {
				d, ok := obj.(*Dataset)
				if !ok || len(d.info.filters) == 0 || d.info.layout != LayoutChunked {
					return nil
				}
				last := d.info.filters[len(d.info.filters)-1]
				id := FilterID(last.ID)
				if id <= FilterFletcher32 || len(worldSeeds[id]) >= 8 {
					return nil
				}
				t, err := d.table()
				if err != nil || t.cbytes > fuzzMaxSize {
					return nil
				}
				rec, ok := t.lookup(make([]uint64, len(d.info.chunk)))
				if !ok || rec.mask != 0 || rec.size == 0 || rec.size > 1<<16 {
					return nil
				}
				b, err := f.readInto(rec.addr, rec.size, nil)
				if err != nil {
					return nil
				}
				worldSeeds[id] = append(worldSeeds[id], filterSeed{u32sToBytes(last.Params), append([]byte(nil), b...)})
				return nil
			})
			f.Close()
		}
	})
	return worldSeeds
}

func fuzzFilter(f *testing.F, id FilterID, elemSize int, extra ...filterSeed) {
	seeds := append(worldFilterSeeds(f)[id], extra...)
	if len(seeds) == 0 {
		f.Fatalf("no seeds for filter %v", id)
	}
	for _, s := range seeds {
		f.Add(s.params, s.data)
	}
	e, ok := lookupFilter(id)
	if !ok {
		f.Fatalf("filter %v is not registered", id)
	}
	f.Fuzz(func(t *testing.T, params, data []byte) {
		p := FilterParams{ID: id, Name: id.String(), ClientData: bytesToU32s(params),
			Type: Datatype{Class: ClassFixed, Size: elemSize}, ElemSize: elemSize, MaxSize: fuzzMaxSize}
		in := append([]byte(nil), data...)
		// a decoder that hangs crashes the worker, so that the fuzzer
		// records the input
		watchdog := time.AfterFunc(10*time.Second, func() {
			panic(fmt.Sprintf("filter %v: decoding %d bytes takes more than 10 s", id, len(data)))
		})
		out, err := e.dec(in, &p)
		watchdog.Stop()
		if string(in) != string(data) {
			t.Fatalf("the decoder modified its input")
		}
		if err != nil {
			return
		}
		if len(out) > fuzzMaxSize {
			t.Fatalf("output of %d bytes beyond MaxSize %d", len(out), fuzzMaxSize)
		}
		if !sameArray(out, in) && cap(out) > fuzzMaxSize+1 {
			t.Fatalf("output buffer of %d bytes beyond MaxSize %d", cap(out), fuzzMaxSize)
		}
	})
}

func FuzzFilterLZF(f *testing.F) {
	fuzzFilter(f, FilterLZF, 4, filterSeed{nil, lzfHello})
}

func FuzzFilterBZIP2(f *testing.F) {
	fuzzFilter(f, FilterBZIP2, 4, filterSeed{nil, bzip2Hello})
}

func FuzzFilterZstd(f *testing.F) {
	fuzzFilter(f, FilterZstd, 1, filterSeed{nil, zstdSeed()})
}

func FuzzFilterLZ4(f *testing.F) {
	fuzzFilter(f, FilterLZ4, 4, filterSeed{nil, lz4HDF5Hello})
}

func FuzzFilterBitshuffle(f *testing.F) {
	fuzzFilter(f, FilterBitshuffle, 4, filterSeed{u32sToBytes([]uint32{0, 4, 2, 0, 0}), bitshuffleSeed})
}

func FuzzFilterBlosc(f *testing.F) {
	fuzzFilter(f, FilterBlosc, 4, filterSeed{nil, bloscLZHello})
}

func FuzzFilterNBit(f *testing.F) {
	fuzzFilter(f, FilterNBit, 4, filterSeed{u32sToBytes(nbitCompoundParams), nbitCompoundData})
}

func FuzzFilterScaleOffset(f *testing.F) {
	fuzzFilter(f, FilterScaleOffset, 4, filterSeed{u32sToBytes(soUndefParams), soUndefData})
}

func FuzzFilterSZIP(f *testing.F) {
	fuzzFilter(f, FilterSZIP, 4, filterSeed{u32sToBytes([]uint32{141, 8, 16, 20}), []byte{40, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x9a}})
}

func FuzzFilterLZO(f *testing.F) {
	fuzzFilter(f, FilterLZO, 4, filterSeed{nil, lzoHello})
}

func FuzzFilterZFP(f *testing.F) { fuzzFilter(f, FilterZFP, 8) }

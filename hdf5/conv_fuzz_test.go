package hdf5

import (
	"encoding/binary"
	"math"
	"os"
	"testing"
)

// FuzzCacheImage feeds parseCacheImage (mdci.go) arbitrary blocks, seeded
// with the cache image of the corpus's h5clear_mdc_image.h5; entries it
// returns must lie inside the block and not overlap.
func FuzzCacheImage(f *testing.F) {
	if b, err := os.ReadFile("../testdata/hdf5-world/hdfgroup-testfiles/testdata__hdf5_official__h5clear_mdc_image.h5"); err == nil && len(b) >= 0x5620+0x58b {
		f.Add(b[0x5620 : 0x5620+0x58b])
	}
	f.Add([]byte("MDCI\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ents, err := parseCacheImage(b, 8, 8)
		if err != nil {
			return
		}
		total := 0
		for i, e := range ents {
			total += len(e.b)
			if i > 0 && e.addr < ents[i-1].addr+uint64(len(ents[i-1].b)) {
				t.Fatalf("entries overlap")
			}
		}
		if total > len(b) {
			t.Fatalf("%d entry bytes from a %d-byte block", total, len(b))
		}
		st := &fileState{image: ents}
		for _, e := range ents {
			if got, ok := st.fromImage(e.addr, uint64(len(e.b)), false); !ok || len(got) != len(e.b) {
				t.Fatalf("entry at 0x%x not found", e.addr)
			}
		}
	})
}

// FuzzToNumpy converts arbitrary bytes with arbitrary float and integer
// layouts: no panic, the output size is the element count times the numpy
// element size, and IEEE float32 in a standard layout round-trips.
func FuzzToNumpy(f *testing.F) {
	f.Add(uint8(2), uint8(15), uint8(7), uint8(8), uint8(0), uint8(7), uint32(127), uint8(2), false, []byte{0x80, 0x3f, 0, 0xc0})
	f.Add(uint8(4), uint8(23), uint8(15), uint8(8), uint8(0), uint8(15), uint32(127), uint8(2), true, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(uint8(4), uint8(31), uint8(23), uint8(8), uint8(0), uint8(23), uint32(127), uint8(2), false, []byte{0, 0, 0x80, 0x3f})
	f.Fuzz(func(t *testing.T, size, sign, epos, esize, mpos, msize uint8, bias uint32, norm uint8, be bool, data []byte) {
		ft := Datatype{Class: ClassFloat, Size: int(size % 9), BigEndian: be,
			fp: floatProps{prec: uint16(size%9) * 8, sign: sign, epos: epos, esize: esize, mpos: mpos, msize: msize, bias: bias, norm: norm % 3}}
		it := Datatype{Class: ClassFixed, Size: int(size % 9), BigEndian: be, Signed: sign&1 != 0,
			intBits: intBits{off: uint16(epos), prec: uint16(esize)}}
		for _, dt := range []Datatype{ft, it} {
			if dt.Size == 0 {
				continue
			}
			src := data[:len(data)/dt.Size*dt.Size]
			out, err := dt.ToNumpy(src)
			if err != nil {
				t.Fatal(err)
			}
			if want := len(src) / dt.Size * dt.NumpyElemSize(); len(out) != want {
				t.Fatalf("%s: %d bytes out, want %d", dt, len(out), want)
			}
		}
		if ft.Size == 4 && !be && ft.fp == (floatProps{0, 32, 23, 8, 0, 23, 127, 31, 2}) {
			// the standard layout needs no conversion; check floatValue
			// against math on it
			for i := 0; i+4 <= len(data); i += 4 {
				u := binary.LittleEndian.Uint32(data[i:])
				x, want := floatValue(uint64(u), ft.fp), float64(math.Float32frombits(u))
				if x != want && !(math.IsNaN(x) && math.IsNaN(want)) {
					t.Fatalf("%08x: %g, want %g", u, x, want)
				}
			}
		}
	})
}

// FuzzVDSMappings decodes arbitrary virtual-dataset mapping lists (with a
// valid checksum appended), seeded with the corpus's and the fixtures'
// lists, and resolves each selection against a small extent.
func FuzzVDSMappings(f *testing.F) {
	for _, fn := range []string{"testdata/fixtures/vds/vds.h5", "../testdata/hdf5-world/hdfgroup-testfiles/testdata__hdf5_official__vds-eiger.h5"} {
		ff, err := Open(fn)
		if err != nil {
			continue
		}
		ff.Walk(func(p string, o Object) error {
			if d, ok := o.(*Dataset); ok && d.info.layout == LayoutVirtual {
				if b, err := ff.globalHeapObject(d.info.addr, d.info.vdsIndex); err == nil {
					f.Add(b[:len(b)-4])
				}
			}
			return nil
		})
		ff.Close()
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b := binary.LittleEndian.AppendUint32(append([]byte(nil), body...), lookup3(body, 0))
		maps, err := memFile(nil).parseVDSMappings(b)
		if err != nil {
			return
		}
		dims := []uint64{3, 4, 5}
		for _, m := range maps {
			for _, s := range []selection{m.src, m.virt} {
				if s.rank > 0 && s.rank <= 3 {
					offs, ok := selOffsets(s, dims[:s.rank], 1000)
					if ok {
						for _, o := range offs {
							if o >= 60 {
								t.Fatalf("offset %d outside the extent", o)
							}
						}
					}
				}
			}
		}
	})
}

package hdf5

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// memFile builds a File over data with 8-byte offsets and lengths and the
// base address at 0, for fuzzing single structures placed at offset 0.
func memFile(data []byte) *File {
	return &File{r: bytes.NewReader(data), size: int64(len(data)),
		st: &fileState{name: "fuzz", osize: 8, lsize: 8, extAddr: undef, ghCache: map[uint64]*globalHeap{}}}
}

// seedAddrs collects structure addresses from small well-formed files, to
// seed structure-level fuzzers with real bytes.
type seedSet struct {
	headers, btree1, btree2, lheap, fheap, chunkIdx [][]byte
}

func collectSeeds(t testing.TB) *seedSet {
	s := &seedSet{}
	files := []string{
		"testdata/unit/indexes_earliest.h5",
		"testdata/unit/indexes_latest.h5",
		"../testdata/golden/sessions/20220208_60MEA_marmoset_right_n1/frozencheckerflicker_data.mat",
		// HDF5 2.0 complex class, virtual datasets, n-bit types
		"../testdata/hdf5-world/hdfgroup-testfiles/testdata__hdf5_official__tcomplex.h5",
		"testdata/fixtures/vds/vds.h5",
		"testdata/fixtures/nbit.h5",
	}
	cp, _ := filepath.Glob("testdata/corpus/*.h5")
	files = append(files, cp...)
	for _, fn := range files {
		data, err := os.ReadFile(fn)
		if err != nil {
			continue
		}
		f, err := NewFile(bytes.NewReader(data), int64(len(data)))
		if err != nil || f.st.osize != 8 || f.st.lsize != 8 {
			continue
		}
		at := func(addr uint64) []byte {
			a := addr + f.st.base
			if addr == undef || a >= uint64(len(data)) {
				return nil
			}
			e := min(a+4096, uint64(len(data)))
			return append([]byte(nil), data[a:e]...)
		}
		add := func(dst *[][]byte, b []byte) {
			if b != nil && len(*dst) < 40 {
				*dst = append(*dst, b)
			}
		}
		f.Walk(func(p string, obj Object) error {
			var addr uint64
			switch o := obj.(type) {
			case *Group:
				addr = o.addr
			case *Dataset:
				addr = o.addr
				if o.info.layout == LayoutChunked {
					add(&s.chunkIdx, at(o.info.addr))
					if o.info.index == idxBTree1 {
						add(&s.btree1, at(o.info.addr))
					}
					if o.info.index == idxBTree2 {
						add(&s.btree2, at(o.info.addr))
					}
				}
			default:
				return nil
			}
			add(&s.headers, at(addr))
			h, err := f.objectHeader(addr)
			if err != nil {
				return nil
			}
			if m := h.find(msgSymbolTable); m != nil {
				c := f.cursor(m.data)
				add(&s.btree1, at(c.addr()))
				add(&s.lheap, at(c.addr()))
			}
			for _, typ := range []msgType{msgLinkInfo, msgAttrInfo} {
				if m := h.find(typ); m != nil {
					c := f.cursor(m.data)
					c.u8()
					fl := c.u8()
					if fl&1 != 0 {
						if typ == msgLinkInfo {
							c.u64()
						} else {
							c.u16()
						}
					}
					add(&s.fheap, at(c.addr()))
					add(&s.btree2, at(c.addr()))
				}
			}
			return nil
		})
	}
	return s
}

func hostileSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/hostile/*.h5")
	for _, fn := range files {
		if b, err := os.ReadFile(fn); err == nil && len(b) < 1<<16 {
			f.Add(b)
		}
	}
}

func FuzzSuperblock(f *testing.F) {
	for _, fn := range []string{"../testdata/golden/sessions/20220208_60MEA_marmoset_right_n1/frozencheckerflicker_data.mat", "testdata/unit/indexes_earliest.h5"} {
		if b, err := os.ReadFile(fn); err == nil {
			f.Add(b[:min(len(b), 1024)])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ff, err := NewFile(bytes.NewReader(data), int64(len(data)))
		if err == nil {
			ff.Root().Links()
		}
	})
}

func FuzzObjectHeader(f *testing.F) {
	for _, b := range collectSeeds(f).headers {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ff := memFile(data)
		h, err := ff.parseObjectHeader(0)
		if err != nil {
			return
		}
		ff.st.ohCache.Store(uint64(0), h)
		for i := range h.msgs {
			m := &h.msgs[i]
			c := ff.cursor(m.data)
			switch m.typ {
			case msgDatatype:
				dt, err := parseDatatype(c, 0)
				if err == nil {
					_ = dt.String()
					_ = dt.NumpyDescr()
				}
			case msgDataspace:
				parseDataspace(c)
			case msgLayout:
				(&dsInfo{}).parseLayout(c)
			case msgPipeline:
				(&dsInfo{}).parsePipeline(c)
			case msgFill:
				(&dsInfo{}).parseFill(c)
			case msgLink:
				ff.parseLinkMessage(m.data)
			case msgAttribute:
				ff.parseAttribute(m.data, "/")
			}
		}
		if o, err := ff.object(0, "/x"); err == nil {
			o.Attrs()
			if g, ok := o.(*Group); ok {
				g.Links()
			}
			if d, ok := o.(*Dataset); ok {
				d.ReadRaw(context.Background())
			}
		}
	})
}

func FuzzBTree(f *testing.F) {
	s := collectSeeds(f)
	for _, b := range s.btree1 {
		f.Add(uint8(0), b)
		f.Add(uint8(1), b)
	}
	for _, b := range s.btree2 {
		f.Add(uint8(2), b)
	}
	for _, b := range s.chunkIdx {
		f.Add(uint8(3), b)
	}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		ff := memFile(data)
		n := 0
		switch kind % 4 {
		case 0:
			ff.walkBTree1(0, 0, 8, func(k []byte, c uint64) error { n++; return nil })
		case 1:
			ff.walkBTree1(0, 1, 8+8*3, func(k []byte, c uint64) error { n++; return nil })
		case 2:
			ff.walkBTree2(0, func(r []byte) error { n++; return nil })
		case 3:
			// chunk indexes: try every kind on the same bytes
			for idx := idxBTree1; idx <= idxBTree2; idx++ {
				d := &dsInfo{space: dataspace{dims: []uint64{40, 50}, maxdim: []uint64{undef, 50}},
					dt: Datatype{Class: ClassFixed, Size: 2}, layout: LayoutChunked, chunk: []uint64{8, 8},
					index: idx, addr: 0}
				ff.buildTable(d, "/x")
			}
		}
	})
}

func FuzzHeap(f *testing.F) {
	s := collectSeeds(f)
	for _, b := range s.lheap {
		f.Add(uint8(0), b, []byte{0, 0})
	}
	for _, b := range s.fheap {
		f.Add(uint8(2), b, []byte{0, 0x10, 0, 0, 0, 0x20, 0})
	}
	f.Add(uint8(1), []byte("GCOL\x01\x00\x00\x00\x30\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00hello\x00\x00\x00"), []byte{1})
	f.Fuzz(func(t *testing.T, kind uint8, data, id []byte) {
		ff := memFile(data)
		switch kind % 3 {
		case 0:
			if h, err := ff.localHeap(0); err == nil && len(id) > 0 {
				h.str(uint64(id[0]))
			}
		case 1:
			if len(id) > 0 {
				ff.globalHeapObject(0, uint32(id[0]))
			}
		case 2:
			if h, err := ff.fractalHeap(0); err == nil {
				h.get(id)
			}
		}
	})
}

func FuzzFilters(f *testing.F) {
	f.Add(uint8(7), uint32(0), []byte("x\x9c\xcbH\xcd\xc9\xc9\x07\x00\x06,\x02\x15"))
	f.Add(uint8(1), uint32(0), []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	f.Add(uint8(6), uint32(2), []byte{1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, sel uint8, mask uint32, data []byte) {
		d := &dsInfo{dt: Datatype{Class: ClassFixed, Size: 4}}
		if sel&2 != 0 {
			d.filters = append(d.filters, Filter{ID: 2, Params: []uint32{4}})
		}
		if sel&1 != 0 {
			d.filters = append(d.filters, Filter{ID: 1, Params: []uint32{4}})
		}
		if sel&4 != 0 {
			d.filters = append(d.filters, Filter{ID: 3})
		}
		if sel&8 != 0 {
			d.filters = append(d.filters, Filter{ID: 32000})
		}
		var scratch [2][]byte
		out, err := d.unfilter(data, mask, 1<<16, &scratch)
		if err == nil && len(out) > 1<<16+64 {
			t.Fatalf("output %d bytes beyond the limit", len(out))
		}
	})
}

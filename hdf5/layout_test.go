package hdf5

import (
	"strings"
	"testing"
)

// layoutV4 builds a version 4 chunked Data Layout Message (IV.A.2.i) by
// hand: flags 0, chunk 8 x 8 of 2-byte elements (1-byte dimension
// sizes), index type idx with its indexing information, address 0x100.
func layoutV4(idx chunkIndex, info ...byte) []byte {
	b := []byte{4, byte(LayoutChunked), 0, 3, 1, 8, 8, 2, byte(idx)}
	b = append(b, info...)
	return append(b, 0, 1, 0, 0, 0, 0, 0, 0)
}

// TestLayoutIndexParams checks the indexing information of version 4
// layout messages as libhdf5's H5O__layout_decode does (a zero fixed or
// extensible array creation parameter, a v2 B-tree split or merge
// percentage outside 1..100 are refused) and that valid ones parse.
func TestLayoutIndexParams(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  []byte
		want string // "" = accepted
	}{
		{"fixed array", layoutV4(idxFixed, 10), ""},
		{"fixed array page bits 0", layoutV4(idxFixed, 0), "max data block page bits 0"},
		{"extensible array", layoutV4(idxExtArray, 32, 4, 4, 16, 10), ""},
		{"extensible array max bits 0", layoutV4(idxExtArray, 0, 4, 4, 16, 10), "max elements bits 0"},
		{"extensible array index elements 0", layoutV4(idxExtArray, 32, 0, 4, 16, 10), "index block elements 0"},
		{"extensible array min pointers 0", layoutV4(idxExtArray, 32, 4, 0, 16, 10), "secondary block min data pointers 0"},
		{"extensible array min elements 0", layoutV4(idxExtArray, 32, 4, 4, 0, 10), "data block min elements 0"},
		{"extensible array page bits 0", layoutV4(idxExtArray, 32, 4, 4, 16, 0), "max data block page bits 0"},
		{"v2 B-tree", layoutV4(idxBTree2, 0, 2, 0, 0, 100, 40), ""},
		{"v2 B-tree split 0", layoutV4(idxBTree2, 0, 2, 0, 0, 0, 40), "split percent 0"},
		{"v2 B-tree merge 101", layoutV4(idxBTree2, 0, 2, 0, 0, 100, 101), "merge percent 101"},
		{"v1 B-tree in version 4", layoutV4(idxBTree1), "unknown chunk index type 0"},
	} {
		var d dsInfo
		err := d.parseLayout(newCursor(tc.msg, 8, 8))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "" && (d.index != chunkIndex(tc.msg[8]) || d.addr != 0x100 || len(d.chunk) != 2):
			t.Errorf("%s: index %d, address 0x%x, chunk %v", tc.name, d.index, d.addr, d.chunk)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestFractalHeapHeaderAtEOF reads fractal heap headers (III.G) of real
// files cut right after the header's checksum: the header's size is
// exactly fractalHeapFixed + 12 lengths + 3 offsets (the reader used to
// need 4 bytes more and failed on a header at the end of a file).
func TestFractalHeapHeaderAtEOF(t *testing.T) {
	s := collectSeeds(t)
	if len(s.fheap) == 0 {
		t.Fatal("no fractal heap in the seed files")
	}
	n := fractalHeapFixed + fractalHeapLengths*8 + fractalHeapOffsets*8
	for i, b := range s.fheap {
		if len(b) < n {
			t.Fatalf("seed %d: %d bytes", i, len(b))
		}
		if _, err := memFile(b[:n]).fractalHeap(0); err != nil {
			t.Errorf("seed %d cut to %d bytes: %v", i, n, err)
		}
		if _, err := memFile(b[:n-1]).fractalHeap(0); err == nil {
			t.Errorf("seed %d cut to %d bytes: no error", i, n-1)
		}
	}
}

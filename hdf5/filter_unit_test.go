package hdf5

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// Hand-made cases: each stream below was encoded by hand from the format
// descriptions in the decoders' comments (the comments say how).

var helloWant = []byte("hello hello hello!")

// LZF: literal run "hello " (ctrl 5), back reference of 11 bytes at
// distance 6 (ctrl 7<<5, extra length 11-2-7 = 2, offset byte 6-1 = 5),
// literal "!" (ctrl 0).
var lzfHello = []byte("\x05hello \xe0\x02\x05\x00!")

// LZ4 (HDF5 framing): 18 bytes in one 18-byte block; the LZ4 block: token
// 0x67 (6 literals, match length 7+4), "hello ", offset 6, then token 0x10
// (1 literal) and "!".
var lz4HDF5Hello = append([]byte{0, 0, 0, 0, 0, 0, 0, 18, 0, 0, 0, 18, 0, 0, 0, 11},
	"\x67hello \x06\x00\x10!"...)

// Blosc 1: version 2, BloscLZ format 1, flags 0x10 (not split, codec 0),
// element size 1, 18 bytes, block 18, total 36; one block starting at 20:
// stream size 12, BloscLZ: literal run of 6 (ctrl 5), match (ctrl 7<<5,
// extra length 2: 6+2+3 = 11 bytes, distance byte 5: distance 0+5+1 = 6),
// literal "!" (ctrl 0).
var bloscLZHello = append([]byte{2, 1, 0x10, 1, 18, 0, 0, 0, 18, 0, 0, 0, 36, 0, 0, 0, 20, 0, 0, 0, 12, 0, 0, 0},
	"\x05hello \xe0\x02\x05\x00!"...)

// LZO1X: literal run of 23-17 = 6 bytes, "hello "; 001LLLLL with L = 9:
// 11 bytes at distance D+1 = 6, S = 1 (LE16 5<<2|1); "!"; end marker
// 0x11 0x00 0x00.
var lzoHello = append(append([]byte{23}, "hello "...), 0x29, 0x15, 0x00, '!', 0x11, 0x00, 0x00)

// bzip2: Python's bz2.compress(b"hello hello hello!") (an independent
// encoder; there is none in Go's standard library).
var bzip2Hello, _ = hex.DecodeString("425a683931415926535956dd8e88000003110060000244a00021b5180c02906d42a30bb9229c28482b6ec74400")

// nbit: a 4-byte compound {a: offset 0, 2-byte LE int, precision 12,
// offset 2; b: offset 2, 1-byte no-op; c: offset 3, 1-byte BE int,
// precision 3, offset 4}, two elements: (0xABC, 0x5A, 5), (0x123, 0xFF, 3).
// The stream is the 12, 8 and 3 bits of each, most significant first.
var nbitCompoundParams = []uint32{21, 0, 2, nbitCompound, 4, 3,
	0, nbitAtomic, 2, 0, 12, 2,
	2, nbitNoop, 1,
	3, nbitAtomic, 1, 1, 3, 4}
var nbitCompoundData = []byte{0xab, 0xc5, 0xaa, 0x24, 0x7f, 0xec}
var nbitCompoundWant = []byte{0xf0, 0x2a, 0x5a, 0x50, 0x8c, 0x04, 0xff, 0x30}

// scale-offset, int32 LE signed, fill value undefined: minbits 3, minval
// -5; values 0, 7, 3, 5 (bits 000 111 011 101) decode to -5, 2, -2, 0.
var soUndefParams = []uint32{2, 0, 4, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
var soUndefData = append([]byte{3, 0, 0, 0, 8, 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0}, 0x1d, 0xd0)

// bitshuffleSeed: 8 elements of 2 bytes, uncompressed; element i = 1<<i
// (only bit i of byte 0 set), so row 0 (byte 0, bit 0) has element 0's
// bit, ..., row 7 has element 7's: row r = byte 1<<r; rows 8-15 zero.
var bitshuffleSeed = []byte{1, 2, 4, 8, 16, 32, 64, 128, 0, 0, 0, 0, 0, 0, 0, 0}
var bitshuffleWant = []byte{1, 0, 2, 0, 4, 0, 8, 0, 16, 0, 32, 0, 64, 0, 128, 0}

func zstdSeed() []byte {
	enc, _ := zstd.NewWriter(nil)
	defer enc.Close()
	return enc.EncodeAll(bytes.Repeat(helloWant, 100), nil)
}

func decodeWith(t *testing.T, id FilterID, cd []uint32, elemSize, maxSize int, src []byte) ([]byte, error) {
	t.Helper()
	e, ok := lookupFilter(id)
	if !ok {
		t.Fatalf("filter %v not registered", id)
	}
	p := FilterParams{ID: id, Name: id.String(), ClientData: cd, ElemSize: elemSize,
		Type: Datatype{Class: ClassFixed, Size: elemSize}, MaxSize: maxSize}
	return e.dec(src, &p)
}

func TestFilterHandMade(t *testing.T) {
	soFloatParams := []uint32{0, 2, 4, 1, 4, 0, 1, 1, math.Float32bits(9), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	// minbits 8, minval = bits of 1.5; values 0, 25, 150, 255 (the fill
	// marker) -> 1.5, 1.75, 3.0, 9.0, stored big-endian.
	soFloatData := []byte{8, 0, 0, 0, 8}
	soFloatData = binary.LittleEndian.AppendUint64(soFloatData, uint64(math.Float32bits(1.5)))
	soFloatData = append(soFloatData, make([]byte, 8)...)
	soFloatData = append(soFloatData, 0, 25, 150, 255)
	var soFloatWant []byte
	for _, f := range []float32{1.5, 1.75, 3, 9} {
		soFloatWant = binary.BigEndian.AppendUint32(soFloatWant, math.Float32bits(f))
	}
	for _, c := range []struct {
		name string
		id   FilterID
		cd   []uint32
		es   int
		src  []byte
		want []byte
	}{
		{"lzf", FilterLZF, []uint32{4, 261, 18}, 1, lzfHello, helloWant},
		{"lz4", FilterLZ4, nil, 1, lz4HDF5Hello, helloWant},
		{"lzo", FilterLZO, []uint32{5, 11, 4}, 1, lzoHello, helloWant},
		{"bzip2", FilterBZIP2, []uint32{9}, 1, bzip2Hello, helloWant},
		{"blosc", FilterBlosc, nil, 1, bloscLZHello, helloWant},
		{"zstd", FilterZstd, nil, 1, zstdSeed(), bytes.Repeat(helloWant, 100)},
		{"nbit compound", FilterNBit, nbitCompoundParams, 4, nbitCompoundData, nbitCompoundWant},
		{"scaleoffset int, fill undefined", FilterScaleOffset, soUndefParams, 4, soUndefData,
			[]byte{0xfb, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0, 0, 0, 0}},
		{"scaleoffset float BE, fill", FilterScaleOffset, soFloatParams, 4, soFloatData, soFloatWant},
		{"bitshuffle", FilterBitshuffle, []uint32{0, 4, 2, 0, 0}, 2, bitshuffleSeed, bitshuffleWant},
		{"bitgroom (identity)", FilterBitGroom, []uint32{3, 4, 0, 0, 0}, 4, []byte{1, 2, 3, 4}, []byte{1, 2, 3, 4}},
		{"granular bitround (identity)", FilterBitRound, []uint32{3, 4, 0, 0, 0}, 4, []byte{1, 2, 3, 4}, []byte{1, 2, 3, 4}},
	} {
		got, err := decodeWith(t, c.id, c.cd, c.es, 1<<16, c.src)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s: got % x\nwant % x", c.name, got, c.want)
		}
		// The same data refused when it decodes to more than MaxSize.
		if len(c.want) > 4 && c.id != FilterBitGroom && c.id != FilterBitRound {
			if got, err := decodeWith(t, c.id, c.cd, c.es, len(c.want)-1, c.src); err == nil {
				t.Errorf("%s: MaxSize %d: got %d bytes and no error", c.name, len(c.want)-1, len(got))
			}
		}
	}
}

// TestFilterTruncated cuts every hand-made stream short: an error, never a
// panic or short data passed off as whole.
func TestFilterTruncated(t *testing.T) {
	for _, c := range []struct {
		id  FilterID
		cd  []uint32
		src []byte
	}{
		{FilterLZF, nil, lzfHello}, {FilterLZ4, nil, lz4HDF5Hello}, {FilterLZO, nil, lzoHello}, {FilterBlosc, nil, bloscLZHello},
		{FilterNBit, nbitCompoundParams, nbitCompoundData}, {FilterScaleOffset, soUndefParams, soUndefData},
		{FilterZstd, nil, zstdSeed()},
	} {
		for n := 0; n < len(c.src); n++ {
			got, err := decodeWith(t, c.id, c.cd, 4, 1<<16, c.src[:n])
			if err == nil && c.id != FilterLZF && c.id != FilterZstd {
				t.Errorf("%v cut to %d bytes: no error (%d bytes)", c.id, n, len(got))
			}
			if err == nil && c.id == FilterLZF && len(got) == len(helloWant) {
				t.Errorf("lzf cut to %d bytes decodes whole", n)
			}
		}
	}
}

func TestFilterRegistry(t *testing.T) {
	const id FilterID = 32767
	RegisterFilter(id, func(src []byte, p *FilterParams) ([]byte, error) {
		if len(p.ClientData) != 1 || p.ElemSize != 4 {
			return nil, errors.New("bad params")
		}
		out := append(p.Dst[:0], src...)
		for i := range out {
			out[i] ^= byte(p.ClientData[0])
		}
		return out, nil
	})
	func() {
		defer func() {
			if recover() == nil {
				t.Error("registering a filter twice did not panic")
			}
		}()
		RegisterFilter(FilterDeflate, decodeDeflate)
	}()
	// pipeline: xor (applied first when writing), then shuffle
	d := &dsInfo{dt: Datatype{Class: ClassFixed, Size: 4}, filters: []Filter{
		{ID: int(id), Params: []uint32{0xff}}, {ID: 2, Params: []uint32{4}}}}
	plain := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	stored := []byte{^byte(1), ^byte(5), ^byte(2), ^byte(6), ^byte(3), ^byte(7), ^byte(4), ^byte(8)}
	var scratch [2][]byte
	got, err := d.unfilter(stored, 0, 64, &scratch)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("got %v, %v; want %v", got, err, plain)
	}
	// a decoder error names the filter
	d.filters[0].Params = nil
	_, err = d.unfilter(stored, 0, 64, &scratch)
	var fe *FilterError
	if !errors.As(err, &fe) || fe.ID != id || !strings.Contains(err.Error(), "filter unknown (32767): bad params") {
		t.Errorf("err = %v", err)
	}
	// a decoder returning more than MaxSize is stopped by the pipeline
	d.filters = []Filter{{ID: int(id), Params: []uint32{1}}}
	if _, err := d.unfilter(make([]byte, 100), 0, 64, &scratch); err == nil || !strings.Contains(err.Error(), "more than the chunk's 64") {
		t.Errorf("oversized output: err = %v", err)
	}
	// masked filters are skipped
	if got, err := d.unfilter([]byte{7}, 1, 64, &scratch); err != nil || !bytes.Equal(got, []byte{7}) {
		t.Errorf("masked: %v %v", got, err)
	}
	// the chunk-size guard: deflate bounds expansion, scale-offset does not
	d.filters = []Filter{{ID: 1}}
	if err := d.checkChunkRatio(1<<30, 100, 0); err == nil {
		t.Error("1 GiB chunk from 100 deflated bytes accepted")
	}
	d.filters = []Filter{{ID: 6}}
	if err := d.checkChunkRatio(1<<30, 100, 0); err != nil {
		t.Errorf("scale-offset: %v", err)
	}
}

func TestFilterIDNames(t *testing.T) {
	for id, want := range map[FilterID]string{FilterDeflate: "deflate", FilterLZF: "lzf", FilterBlosc2: "blosc2", 999: "filter 999"} {
		if id.String() != want {
			t.Errorf("%d: %q, want %q", int(id), id.String(), want)
		}
	}
	if got := filterDisplayName(Filter{ID: 40000, Name: "x\ny"}); got != `"x\ny"` {
		t.Errorf("unescaped name %q", got)
	}
}

// bitUnshuffleRef is the definition, bit by bit.
func bitUnshuffleRef(src, dst []byte, m, es int) {
	clear(dst)
	rowBytes := m / 8
	for j := 0; j < es; j++ {
		for k := 0; k < 8; k++ {
			for i := 0; i < m; i++ {
				if src[(j*8+k)*rowBytes+i/8]>>(i%8)&1 != 0 {
					dst[i*es+j] |= 1 << k
				}
			}
		}
	}
}

func TestBitUnshuffleTranspose(t *testing.T) {
	for _, c := range [][2]int{{8, 1}, {16, 2}, {64, 4}, {24, 8}, {8, 3}, {128, 5}} {
		m, es := c[0], c[1]
		src := make([]byte, m*es)
		for i := range src {
			src[i] = byte(i*131 + i>>3*7)
		}
		got, want := make([]byte, len(src)), make([]byte, len(src))
		bitUnshuffle(src, got, m, es)
		bitUnshuffleRef(src, want, m, es)
		if !bytes.Equal(got, want) {
			t.Errorf("m=%d es=%d: % x, want % x", m, es, got, want)
		}
	}
}

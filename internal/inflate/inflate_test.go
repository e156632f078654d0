package inflate_test

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/adler32"
	"io"
	"io/fs"
	"math/bits"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	kflate "github.com/klauspost/compress/flate"
	kzlib "github.com/klauspost/compress/zlib"

	"github.com/retinaio/retinaio/internal/inflate"
)

// bitWriter writes a deflate bit stream by hand (RFC 1951 3.1.1: values
// least significant bit first, Huffman codes most significant bit first).
type bitWriter struct {
	out  []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) bits(v uint64, n uint) {
	w.acc |= v << w.nacc
	w.nacc += n
	for w.nacc >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

// code writes a Huffman code of n bits.
func (w *bitWriter) code(c uint64, n uint) {
	w.bits(uint64(bits.Reverse16(uint16(c)))>>(16-n), n)
}

func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.out = append(w.out, byte(w.acc))
		w.acc, w.nacc = 0, 0
	}
	return w.out
}

// fixedLit writes literal/length symbol s with the fixed code (RFC 3.2.6).
func (w *bitWriter) fixedLit(s int) {
	switch {
	case s < 144:
		w.code(uint64(0x30+s), 8)
	case s < 256:
		w.code(uint64(0x190+s-144), 9)
	case s < 280:
		w.code(uint64(s-256), 7)
	default:
		w.code(uint64(0xc0+s-280), 8)
	}
}

// fixedMatch writes a length (3-258) and distance (1-32768) pair with
// the fixed codes, working out the symbols and extra bits from the RFC's
// tables written out independently here.
func (w *bitWriter) fixedMatch(length, dist int) {
	lbase := []int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lext := []uint{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	s := len(lbase) - 1
	for lbase[s] > length {
		s--
	}
	w.fixedLit(257 + s)
	w.bits(uint64(length-lbase[s]), lext[s])
	ds, base := 0, 1
	for {
		ext := uint(0)
		if ds >= 4 {
			ext = uint(ds/2 - 1)
		}
		if dist < base+1<<ext {
			w.code(uint64(ds), 5)
			w.bits(uint64(dist-base), ext)
			return
		}
		base += 1 << ext
		ds++
	}
}

// zlibWrap puts a zlib header (window 32 KiB, no dictionary) and the
// Adler-32 of want around raw deflate data.
func zlibWrap(raw, want []byte) []byte {
	out := append([]byte{0x78, 0x01}, raw...)
	return binary.BigEndian.AppendUint32(out, adler32.Checksum(want))
}

func mustDecode(t *testing.T, name string, z, want []byte) {
	t.Helper()
	dst := make([]byte, len(want))
	n, err := inflate.Zlib(dst, z)
	if err != nil || n != len(want) || !bytes.Equal(dst[:n], want) {
		t.Fatalf("%s: got %d bytes, %v; want %d bytes", name, n, err, len(want))
	}
	// Cross-check the hand-made stream with the standard library.
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatalf("%s: compress/zlib: %v", name, err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s: compress/zlib disagrees: %d bytes, %v", name, len(got), err)
	}
	// One byte less room: ErrTooLong.
	if len(want) > 0 {
		if _, err := inflate.Zlib(dst[:len(want)-1], z); !errors.Is(err, inflate.ErrTooLong) {
			t.Fatalf("%s: dst one byte short: %v, want ErrTooLong", name, err)
		}
	}
	// Every truncation: ErrTruncated.
	for cut := 0; cut < len(z); cut += 1 + cut/64 {
		if _, err := inflate.Zlib(make([]byte, len(want)+300), z[:cut]); !errors.Is(err, inflate.ErrTruncated) {
			t.Fatalf("%s cut to %d of %d bytes: %v, want ErrTruncated", name, cut, len(z), err)
		}
	}
	// Trailing bytes are ignored.
	n, err = inflate.Zlib(dst, append(append([]byte{}, z...), 0xde, 0xad, 0xbe, 0xef))
	if err != nil || n != len(want) {
		t.Fatalf("%s with trailing bytes: %d, %v", name, n, err)
	}
}

func TestHandMade(t *testing.T) {
	// Empty final stored block.
	mustDecode(t, "empty stored", zlibWrap([]byte{1, 0, 0, 0xff, 0xff}, nil), []byte{})
	// Stored "hello" then an empty final fixed block.
	{
		var w bitWriter
		w.bits(0, 3) // not final, stored
		w.flush()
		w.out = append(w.out, 5, 0, 0xfa, 0xff, 'h', 'e', 'l', 'l', 'o')
		w.bits(1|1<<1, 3) // final, fixed
		w.fixedLit(256)
		mustDecode(t, "stored+fixed", zlibWrap(w.flush(), []byte("hello")), []byte("hello"))
	}
	// Fixed block: every literal, a distance-1 run, length 258, and a
	// distance of 32768 back to the start.
	{
		var w bitWriter
		var want []byte
		w.bits(1|1<<1, 3)
		for i := 0; i < 256; i++ {
			w.fixedLit(i)
			want = append(want, byte(i))
		}
		w.fixedMatch(258, 1) // 258 copies of 255
		want = append(want, bytes.Repeat([]byte{255}, 258)...)
		for len(want) < 32768 {
			w.fixedLit(int(len(want) * 7 % 251))
			want = append(want, byte(len(want)*7%251))
		}
		w.fixedMatch(258, 32768) // back to the very first byte
		want = append(want, want[:258]...)
		w.fixedMatch(3, 5)
		want = append(want, want[len(want)-5:len(want)-2]...)
		for _, l := range []int{4, 10, 11, 12, 13, 17, 18, 19, 34, 35, 66, 67, 130, 131, 227, 257} {
			for _, d := range []int{2, 3, 7, 8, 9, 24, 257, 1024, 24577, 32767} {
				w.fixedMatch(l, d)
				s := len(want) - d
				for i := 0; i < l; i++ {
					want = append(want, want[s+i])
				}
			}
		}
		w.fixedLit(256)
		mustDecode(t, "fixed", zlibWrap(w.flush(), want), want)
	}
	// Dynamic block with a hand-made code: 'a', 'b', end of block and
	// length symbol 257 (length 3) all of length 2; one distance code of
	// length 1 (the single-code case zlib and compress/flate accept).
	{
		var w bitWriter
		w.bits(1|2<<1, 3)
		w.bits(258-257, 5) // HLIT: 258 codes
		w.bits(0, 5)       // HDIST: 1 code
		w.bits(19-4, 4)    // HCLEN: 19 code length codes
		// code length code: symbols 0-15 of length 4 each (complete), 16-18 unused
		order := []int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
		for _, s := range order {
			if s < 16 {
				w.bits(4, 3)
			} else {
				w.bits(0, 3)
			}
		}
		lens := make([]int, 259)
		lens['a'], lens['b'], lens[256], lens[257] = 2, 2, 2, 2
		lens[258] = 1 // the distance code
		for _, l := range lens {
			w.code(uint64(l), 4) // canonical 4-bit code of symbol l is l
		}
		// canonical codes: a=00 b=01 EOB=10 257=11; distance 0 = 0
		w.code(0, 2)
		w.code(1, 2)
		w.code(0, 2)
		w.code(3, 2) // length 3
		w.code(0, 1) // distance 1
		w.code(2, 2)
		mustDecode(t, "dynamic", zlibWrap(w.flush(), []byte("abaaaa")), []byte("abaaaa"))
	}
}

// dynamicHeader writes a dynamic block header whose code lengths are
// written one by one with a complete 4-bit code length code, without
// checking them.
func dynamicHeader(w *bitWriter, lit, dist []int) {
	w.bits(1|2<<1, 3)
	w.bits(uint64(len(lit)-257), 5)
	w.bits(uint64(len(dist)-1), 5)
	w.bits(19-4, 4)
	for _, s := range []int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15} {
		if s < 16 {
			w.bits(4, 3)
		} else {
			w.bits(0, 3)
		}
	}
	for _, l := range append(append([]int{}, lit...), dist...) {
		w.code(uint64(l), 4)
	}
}

// TestInvalid checks the RFC's invalid cases and the zlib wrapper's, each
// cross-checked with compress/zlib (which must refuse it too).
func TestInvalid(t *testing.T) {
	eight := func(n int) []int { // n literal/length codes of length 8 or 9, complete for 257..286
		l := make([]int, n)
		for i := range l {
			l[i] = 9
		}
		for i := 0; i < 512-n; i++ { // make it complete: 512-n codes of length 8 take room of 2
			l[i] = 8
		}
		return l
	}
	five := func(n int) []int { // n distance codes of length 5: incomplete below 32
		l := make([]int, n)
		for i := range l {
			l[i] = 5
		}
		return l
	}
	dists := func(n int) []int { // n distance codes of length 4 or 5, complete
		l := five(n)
		for i := 0; i < 32-n; i++ {
			l[i] = 4
		}
		return l
	}
	cases := []struct {
		name string
		raw  func(w *bitWriter)
		want error
	}{
		{"block type 3", func(w *bitWriter) { w.bits(1|3<<1, 3) }, inflate.ErrCorrupt},
		{"stored length check", func(w *bitWriter) { w.bits(1, 3); w.flush(); w.out = append(w.out, 1, 0, 0xff, 0xff, 'x') }, inflate.ErrCorrupt},
		{"distance before start", func(w *bitWriter) { w.bits(1|1<<1, 3); w.fixedLit('a'); w.fixedMatch(3, 2); w.fixedLit(256) }, inflate.ErrCorrupt},
		{"distance at start", func(w *bitWriter) { w.bits(1|1<<1, 3); w.fixedMatch(3, 1); w.fixedLit(256) }, inflate.ErrCorrupt},
		{"fixed symbol 286", func(w *bitWriter) { w.bits(1|1<<1, 3); w.fixedLit('a'); w.fixedLit(286); w.bits(0, 16) }, inflate.ErrCorrupt},
		{"fixed symbol 287", func(w *bitWriter) { w.bits(1|1<<1, 3); w.fixedLit('a'); w.fixedLit(287); w.bits(0, 16) }, inflate.ErrCorrupt},
		{"fixed distance 30", func(w *bitWriter) {
			w.bits(1|1<<1, 3)
			w.fixedLit('a')
			w.fixedLit(257)
			w.code(30, 5)
			w.bits(0, 16)
		}, inflate.ErrCorrupt},
		{"fixed distance 31", func(w *bitWriter) {
			w.bits(1|1<<1, 3)
			w.fixedLit('a')
			w.fixedLit(257)
			w.code(31, 5)
			w.bits(0, 16)
		}, inflate.ErrCorrupt},
		{"287 literal/length codes", func(w *bitWriter) { dynamicHeader(w, eight(287), dists(30)) }, inflate.ErrCorrupt},
		{"31 distance codes", func(w *bitWriter) { dynamicHeader(w, eight(286), dists(31)) }, inflate.ErrCorrupt},
		{"oversubscribed literal/length code", func(w *bitWriter) {
			l := eight(286)
			l[0] = 7
			dynamicHeader(w, l, dists(30))
		}, inflate.ErrCorrupt},
		{"incomplete literal/length code", func(w *bitWriter) {
			l := eight(286)
			l[0] = 9
			dynamicHeader(w, l, dists(30))
		}, inflate.ErrCorrupt},
		{"incomplete distance code", func(w *bitWriter) {
			d := five(30)
			dynamicHeader(w, eight(286), d) // 30 of 32 five-bit codes
		}, inflate.ErrCorrupt},
		{"oversubscribed distance code", func(w *bitWriter) {
			d := dists(30)
			d[2] = 3
			dynamicHeader(w, eight(286), d)
		}, inflate.ErrCorrupt},
		{"two distance codes of length 2", func(w *bitWriter) {
			d := make([]int, 2)
			d[0], d[1] = 2, 2
			dynamicHeader(w, eight(286), d)
		}, inflate.ErrCorrupt},
		{"incomplete code length code", func(w *bitWriter) {
			w.bits(1|2<<1, 3)
			w.bits(0, 5)
			w.bits(0, 5)
			w.bits(19-4, 4)
			for i := 0; i < 19; i++ {
				if i < 3 {
					w.bits(2, 3) // 16, 17, 18 of length 2
				} else {
					w.bits(0, 3)
				}
			}
			// lengths 16, 17, 18 of 2 bits: 3/4 of the space: incomplete
		}, inflate.ErrCorrupt},
		{"empty distance code used", func(w *bitWriter) {
			// literal/length: 'a' and 257 and EOB; distances all zero
			l := make([]int, 258)
			l['a'], l[256], l[257] = 1, 2, 2
			dynamicHeader(w, l, []int{0})
			w.code(0, 1)  // a
			w.code(3, 2)  // length 3
			w.bits(0, 16) // no distance code can be decoded
		}, inflate.ErrCorrupt},
	}
	for _, c := range cases {
		var w bitWriter
		c.raw(&w)
		raw := w.flush()
		z := zlibWrap(raw, nil)
		if zr, err := zlib.NewReader(bytes.NewReader(z)); err == nil {
			if _, err := io.ReadAll(zr); err == nil {
				t.Errorf("%s: compress/zlib accepts the stream", c.name)
			}
		}
		_, err := inflate.Zlib(make([]byte, 1000), z)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
		var e *inflate.Error
		if err != nil && !errors.As(err, &e) {
			t.Errorf("%s: %T is not *inflate.Error", c.name, err)
		}
	}

	// A repeat code (16) as the very first code length, with a valid
	// code length code: 16 and 0-... of length 4 (complete with 16 codes).
	{
		var w bitWriter
		w.bits(1|2<<1, 3)
		w.bits(0, 5)
		w.bits(0, 5)
		w.bits(19-4, 4)
		for _, s := range []int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15} {
			if s <= 14 || s == 16 {
				w.bits(4, 3)
			} else {
				w.bits(0, 3)
			}
		}
		// canonical: symbols 0..14 get codes 0..14, 16 gets 15
		w.code(15, 4)
		w.bits(0, 2)
		w.bits(0, 16)
		z := zlibWrap(w.flush(), nil)
		if _, err := inflate.Zlib(make([]byte, 100), z); !errors.Is(err, inflate.ErrCorrupt) {
			t.Errorf("repeat first: %v", err)
		}
	}

	good := zlibWrap([]byte{1, 0, 0, 0xff, 0xff}, nil)
	bad := append([]byte{}, good...)
	bad[len(bad)-1] ^= 1
	if _, err := inflate.Zlib(nil, bad); !errors.Is(err, inflate.ErrChecksum) {
		t.Errorf("bad adler32: %v", err)
	}
	for _, h := range [][2]byte{{0x78, 0x02}, {0x79, 0x01 + 0x1d}, {0x88, 0x1c}, {0x77, 0x00}} {
		z := append([]byte{h[0], h[1]}, good[2:]...)
		if _, err := inflate.Zlib(nil, z); !errors.Is(err, inflate.ErrHeader) {
			t.Errorf("header % x: %v", h, err)
		}
	}
	if _, err := inflate.Zlib(nil, append([]byte{0x78, 0xbb}, good[2:]...)); !errors.Is(err, inflate.ErrDictionary) {
		t.Errorf("dictionary: %v", err)
	}
}

// randomStream makes the data and zlib stream of round i of a differential
// test: up to 256 KiB of inflate.RandomData, compressed by compress/zlib
// (even rounds, levels -2 huffman-only to 9) or klauspost's zlib (odd
// rounds, levels -2 and 1-9).
func randomStream(r *rand.Rand, i int) (data, z []byte, level int) {
	n := r.Intn(1 << uint(r.Intn(18)))
	data = inflate.RandomData(r, n)
	level = -2 + r.Intn(12)
	var b bytes.Buffer
	if i%2 == 0 {
		zw, _ := zlib.NewWriterLevel(&b, level)
		zw.Write(data)
		zw.Close()
	} else {
		if level == -1 || level == 0 {
			level = 1 + r.Intn(9)
		}
		zw, _ := kzlib.NewWriterLevel(&b, level)
		zw.Write(data)
		zw.Close()
	}
	return data, b.Bytes(), level
}

// TestDifferential compresses random data with compress/zlib (levels -2
// huffman-only, 0-9) and klauspost's zlib (levels -2, 1-9), decodes it and
// compares with the data.
func TestDifferential(t *testing.T) {
	r := rand.New(rand.NewSource(42))
	rounds := 400
	if testing.Short() {
		rounds = 60
	}
	for i := 0; i < rounds; i++ {
		data, z, level := randomStream(r, i)
		n := len(data)
		dst := make([]byte, n)
		got, err := inflate.Zlib(dst, z)
		if err != nil || got != n || !bytes.Equal(dst, data) {
			t.Fatalf("round %d (%d bytes, level %d): %d bytes, %v", i, n, level, got, err)
		}
		if n > 0 {
			if _, err := inflate.Zlib(dst[:n-1-r.Intn(n)], z); !errors.Is(err, inflate.ErrTooLong) {
				t.Fatalf("round %d: short dst: %v", i, err)
			}
		}
	}
}

// TestRaw decodes raw deflate streams written by compress/flate and
// klauspost's flate and reports where they end.
func TestRaw(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for i := 0; i < 100; i++ {
		data := inflate.RandomData(r, r.Intn(100000))
		var b bytes.Buffer
		if i%2 == 0 {
			fw, _ := flate.NewWriter(&b, -2+r.Intn(12))
			fw.Write(data)
			fw.Close()
		} else {
			fw, _ := kflate.NewWriter(&b, 1+r.Intn(9))
			fw.Write(data)
			fw.Close()
		}
		end := b.Len()
		b.WriteString("trailing")
		dst := make([]byte, len(data))
		n, used, err := inflate.Raw(dst, b.Bytes())
		if err != nil || n != len(data) || used != end || !bytes.Equal(dst, data) {
			t.Fatalf("round %d: %d bytes, used %d of %d, %v", i, n, used, end, err)
		}
	}
}

// TestRealChunks finds every zlib stream in the HDF5 files of
// testdata/hdf5-world (real files from h5py, MATLAB, netCDF, PyTables...)
// by trying each offset with a valid zlib header, and checks that we
// decode exactly what compress/zlib decodes, and fail where it fails.
func TestRealChunks(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 28 MB of HDF5 files")
	}
	root := filepath.Join("..", "..", "testdata", "hdf5-world")
	var files []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 500 {
		t.Fatalf("%d files under %s, want the hdf5-world corpus", len(files), root)
	}
	dst := make([]byte, 1<<22)
	var ok, refused, bytesOut int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+2 <= len(b); i++ {
			cmf, flg := b[i], b[i+1]
			if cmf&0x0f != 8 || cmf>>4 > 7 || (int(cmf)<<8|int(flg))%31 != 0 || flg&0x20 != 0 {
				continue
			}
			want, werr := stdlibZlib(b[i:], len(dst))
			if werr == errLimit {
				continue
			}
			n, err := inflate.Zlib(dst, b[i:])
			if werr != nil {
				if err == nil {
					t.Fatalf("%s at %d: compress/zlib: %v, we decode %d bytes", f, i, werr, n)
				}
				refused++
				continue
			}
			if err != nil || !bytes.Equal(dst[:n], want) {
				t.Fatalf("%s at %d: %d bytes, %v; compress/zlib %d bytes", f, i, n, err, len(want))
			}
			ok++
			bytesOut += n
		}
	}
	t.Logf("%d streams decoded (%d bytes), %d refused by both", ok, bytesOut, refused)
	if ok < 1000 {
		t.Errorf("only %d zlib streams found", ok)
	}
}

var errLimit = errors.New("output above the limit")

// stdlibZlib decodes with compress/zlib, at most limit bytes.
func stdlibZlib(src []byte, limit int) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(out) > limit {
		return nil, errLimit
	}
	return out, nil
}

package inflate

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand"
	"sort"
	"testing"
)

// The tests of this file run fastAsm and fastGo on the same states (the
// bit reader at the start or in the middle of real Huffman blocks, or
// anywhere in random input with synthetic tables; destinations ending at
// the margin or before it; inputs ending at the last full word) and compare
// every returned value and dst[:op]; they also decode whole streams with
// the assembly switched on and off and compare with compress/flate.

// fastScratch holds the two destinations of compareFast (reused between
// calls: fuzzing is sequential).
var fastScratch struct {
	a, b []byte
	seq  byte
}

const fastGuard = 64

// fastState is a start (or end) state of fast.
type fastState struct {
	op, pos int
	bb      uint64
	nb      uint
	eob     bool
}

func (s fastState) String() string {
	return fmt.Sprintf("op %d pos %d bb %#x nb %d eob %v", s.op, s.pos, s.bb, s.nb, s.eob)
}

// compareFast runs fastGo and fastAsm from the state s with dst[:s.op] =
// prefix and a dst of dlen bytes, on src, and fails the test unless both
// return the same values, write the same dst[:op] and nothing past dlen.
// It returns fastGo's result and its dst[:op] (valid until the next call).
func compareFast(t testing.TB, prefix []byte, dlen int, src []byte, s fastState, lt *[litTableSize]uint32, dt *[distTableSize]uint32) (fastState, []byte) {
	t.Helper()
	sc := &fastScratch
	if len(sc.a) < dlen+fastGuard {
		n := 2 * (dlen + fastGuard)
		sc.a, sc.b = make([]byte, n), make([]byte, n)
	}
	a, b := sc.a[:dlen+fastGuard], sc.b[:dlen+fastGuard]
	// dst[:op] is the output so far; the bytes after it differ between
	// a and b (a loop must not let them into its output): left from
	// earlier calls, and a different pattern in each near op.
	copy(a, prefix)
	copy(b, prefix)
	sc.seq++
	for i := s.op; i < dlen && i < s.op+4096; i++ {
		a[i] = byte(i*131>>3) ^ sc.seq
		b[i] = ^a[i]
	}
	for i := dlen; i < len(a); i++ {
		a[i], b[i] = 0xa5, 0xa5
	}
	var g, m fastState
	g.op, g.pos, g.bb, g.nb, g.eob = fastGo(a[:dlen], src, s.op, s.pos, s.bb, s.nb, lt, dt)
	m.op, m.pos, m.bb, m.nb, m.eob = fastAsm(b[:dlen], src, s.op, s.pos, s.bb, s.nb, lt, dt)
	if g != m {
		t.Fatalf("from %v, dst %d, src %d: fastGo %v, fastAsm %v", s, dlen, len(src), g, m)
	}
	if !bytes.Equal(a[:g.op], b[:g.op]) {
		i := 0
		for a[i] == b[i] {
			i++
		}
		t.Fatalf("from %v, dst %d, src %d: to %v: dst[%d] %d (fastGo), %d (fastAsm)", s, dlen, len(src), g, i, a[i], b[i])
	}
	for i := dlen; i < len(a); i++ {
		if a[i] != 0xa5 || b[i] != 0xa5 {
			t.Fatalf("from %v, dst %d: byte %d past dst written (fastGo %#x, fastAsm %#x)", s, dlen, i-dlen, a[i], b[i])
		}
	}
	return g, a[:g.op]
}

// checkBlock compares the fast loops on a Huffman block that starts at
// state s (dst[:s.op] = prefix) and decodes into at most max bytes: the
// whole run, runs stopped by the margin at several places (then the rest
// from each stop, so states inside the block are compared too) and runs
// stopped by the end of the input.
func checkBlock(t testing.TB, r *rand.Rand, prefix []byte, max int, src []byte, s fastState, lt *[litTableSize]uint32, dt *[distTableSize]uint32) {
	t.Helper()
	if !fastAsmOK {
		t.Skip("no assembly fast loop on this CPU or platform")
	}
	compareFast(t, prefix, max, src, s, lt, dt)
	// Destinations that end just before, at and after the margin.
	for _, k := range []int{-1, 0, 1, 2, 3, 4, 5, 16, 17} {
		if d := s.op + fastMargin + k; d >= 0 && d <= max {
			compareFast(t, prefix, d, src, s, lt, dt)
		}
	}
	// Stops at the margin inside the block, then on from there.
	cur := append([]byte(nil), prefix...)
	st := s
	for i := 0; i < 6 && !st.eob; i++ {
		d := st.op + fastMargin + r.Intn(1+r.Intn(400))
		if d > max {
			break
		}
		next, out := compareFast(t, cur, d, src, st, lt, dt)
		if next == st {
			break // stopped at a symbol it does not handle
		}
		cur = append(cur[:0], out...)
		st = next
		compareFast(t, cur, max, src, st, lt, dt)
	}
	// Inputs that end at the state's position plus a few words.
	for _, k := range []int{7, 8, 9, 15, 16, 17, 8 + r.Intn(64)} {
		if e := s.pos + k; e <= len(src) {
			compareFast(t, prefix, max, src[:e], s, lt, dt)
		}
	}
}

// walkBlocks decodes the raw deflate stream src into dst as decode does,
// and calls fn at the start of each Huffman block with the bit reader's
// state, the bytes decoded so far and the block's tables. It stops at the
// first error or after the final block.
func walkBlocks(dst, src []byte, fn func(out []byte, s fastState, lt *[litTableSize]uint32, dt *[distTableSize]uint32)) {
	d := new(decoder)
	d.src = src
	op := 0
	for {
		hdr, ok := d.bits(3)
		if !ok {
			return
		}
		var err error
		lt, dt := &fixedLit, &fixedDist
		switch hdr >> 1 {
		case 0:
			op, err = d.stored(dst, op)
			if err != nil {
				return
			}
			continue
		case 1:
		case 2:
			if d.header() != nil {
				return
			}
			lt, dt = &d.lit, &d.dist
		default:
			return
		}
		if d.over == 0 {
			fn(dst[:op], fastState{op: op, pos: d.pos, bb: d.bb, nb: d.nb}, lt, dt)
		}
		if op, err = d.huffman(dst, op, lt, dt); err != nil || hdr&1 != 0 {
			return
		}
	}
}

// checkStream compares the fast loops on every Huffman block of the raw
// deflate stream src (decoding at most max bytes), and decodes it whole
// with the assembly on and off: both must give the same bytes, length, end
// and error, and agree with compress/flate when want is not nil.
func checkStream(t testing.TB, r *rand.Rand, src []byte, max int, want []byte) {
	t.Helper()
	if len(streamScratch) < max {
		streamScratch = make([]byte, max)
	}
	dst := streamScratch[:max]
	// The block checks need no more room than the stream fills (and
	// the margin): fuzzed streams rarely decode to much.
	if n, _, _ := Raw(dst, src); n+2*fastMargin < max {
		dst = dst[:n+2*fastMargin]
	}
	walkBlocks(dst, src, func(out []byte, s fastState, lt *[litTableSize]uint32, dt *[distTableSize]uint32) {
		checkBlock(t, r, out, len(dst), src, s, lt, dt)
	})
	dst = streamScratch[:max]
	old := useFastAsm
	defer func() { useFastAsm = old }()
	type result struct {
		n, used int
		err     string
		out     []byte
	}
	var res [2]result
	for i, on := range []bool{false, true} {
		useFastAsm = on && fastAsmOK
		n, used, err := Raw(dst, src)
		res[i] = result{n, used, fmt.Sprint(err), append([]byte(nil), dst[:n]...)}
	}
	if res[0].n != res[1].n || res[0].used != res[1].used || res[0].err != res[1].err || !bytes.Equal(res[0].out, res[1].out) {
		t.Fatalf("Go: %d bytes, end %d, %s; assembly: %d bytes, end %d, %s", res[0].n, res[0].used, res[0].err, res[1].n, res[1].used, res[1].err)
	}
	if want != nil && (res[1].err != "<nil>" || !bytes.Equal(res[1].out, want)) {
		t.Fatalf("%d bytes, %s; compress/flate %d bytes", res[1].n, res[1].err, len(want))
	}
}

var streamScratch []byte

// flateStdlib decodes a raw deflate stream with compress/flate (at most
// limit bytes); nil if it fails or gives more (or nothing).
func flateStdlib(src []byte, limit int) []byte {
	out, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(src)), int64(limit)+1))
	if err != nil || len(out) > limit || len(out) == 0 {
		return nil
	}
	return out
}

// completeLengths turns weights (0: unused) into the code lengths (1-15)
// of a complete prefix code, or of a single code of length 1: a count of
// codes per length from the weights, shortened or lengthened one code at a
// time until the Kraft sum is exactly 1, then the lengths given out in
// order of weight.
func completeLengths(w []byte) []uint8 {
	lens := make([]uint8, len(w))
	var used []int
	var count [16]int
	for s, x := range w {
		if x != 0 {
			used = append(used, s)
			count[1+(255-int(x))*15/256]++ // heavier: shorter
		}
	}
	switch len(used) {
	case 0:
		return lens
	case 1:
		lens[used[0]] = 1
		return lens
	}
	kraft := func() int {
		k := 0
		for l := 1; l <= 15; l++ {
			k += count[l] << (15 - l)
		}
		return k
	}
	for kraft() > 1<<15 {
		// Lengthen a shortest code below 15 (there is one: at most 320
		// codes of 15 bits weigh less than 1).
		l := 1
		for count[l] == 0 {
			l++
		}
		count[l]--
		count[l+1]++
	}
	for kraft() < 1<<15 {
		// Shorten a longest code: adds 2^(15-l), which divides 2^15-k.
		l := 15
		for count[l] == 0 {
			l--
		}
		count[l]--
		count[l-1]++
	}
	sort.SliceStable(used, func(i, j int) bool { return w[used[i]] > w[used[j]] })
	l := 1
	for _, s := range used {
		for count[l] == 0 {
			l++
		}
		lens[s] = uint8(l)
		count[l]--
	}
	return lens
}

// syntheticTables builds literal/length (288 symbols, the last two invalid)
// and distance tables (32, the last two invalid) from weights in w.
func syntheticTables(w []byte) (*[litTableSize]uint32, *[distTableSize]uint32, bool) {
	var lw [288]byte
	var dw [32]byte
	copy(lw[:], w)
	if len(w) > 288 {
		copy(dw[:], w[288:])
	}
	lt, dt := new([litTableSize]uint32), new([distTableSize]uint32)
	if !build(lt[:], completeLengths(lw[:]), litBits, litTmpl[:]) || !build(dt[:], completeLengths(dw[:]), distBits, distTmpl[:]) {
		return nil, nil, false
	}
	return lt, dt, true
}

// randomData makes n bytes of one of several kinds: random, text-like,
// runs, a short period with rare changes (every distance), image-like
// gradients with noise, or a slowly drifting period. It is shared with the
// tests of package inflate_test (export_test.go).
func randomData(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	switch r.Intn(6) {
	case 0:
		r.Read(b)
	case 1:
		words := []string{"retina ", "spike ", "the ", "image ", "of ", "a ", "mouse\n", "frame "}
		var s []byte
		for len(s) < n {
			s = append(s, words[r.Intn(len(words))]...)
		}
		copy(b, s)
	case 2:
		for i := 0; i < n; {
			v, l := byte(r.Intn(4)), 1+r.Intn(300)
			for ; l > 0 && i < n; l-- {
				b[i] = v
				i++
			}
		}
	case 3:
		// a period of 1-40 bytes with rare changes: every distance
		for i := range b {
			b[i] = byte(r.Intn(256))
			if p := 1 + i%41; i >= p && r.Intn(50) != 0 {
				b[i] = b[i-p]
			}
		}
	case 4:
		for i := range b {
			b[i] = byte(i/(1+r.Intn(3))) + byte(r.Intn(9))
		}
	default:
		p := 1 + r.Intn(9)
		for i := range b {
			if i < p {
				b[i] = byte(r.Intn(256))
			} else {
				b[i] = b[i-p] + byte(r.Intn(2))
			}
		}
	}
	return b
}

func deflate(tb testing.TB, data []byte, level int) []byte {
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, level)
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// TestFastAsmStreams compares the fast loops on streams of compress/flate
// at every level (stored, fixed and dynamic blocks), whole and with a few
// bytes corrupted.
func TestFastAsmStreams(t *testing.T) {
	if !fastAsmOK {
		t.Skip("no assembly fast loop on this CPU or platform")
	}
	r := rand.New(rand.NewSource(5))
	rounds := 300
	if testing.Short() {
		rounds = 40
	}
	for i := 0; i < rounds; i++ {
		n := r.Intn(1 << uint(4+r.Intn(14)))
		data := randomData(r, n)
		z := deflate(t, data, -2+r.Intn(12))
		checkStream(t, r, z, n+r.Intn(2)*r.Intn(1000), nil)
		checkStream(t, r, z, n, data)
		for k := 0; k < 3 && len(z) > 0; k++ {
			c := append([]byte(nil), z...)
			for j := 0; j <= r.Intn(4); j++ {
				c[r.Intn(len(c))] ^= byte(1 << r.Intn(8))
			}
			checkStream(t, r, c, n+300, nil)
		}
	}
}

// TestFastAsmSynthetic compares the fast loops on random input decoded with
// random complete codes (and single-code distance codes, invalid symbols
// 286, 287, 30 and 31), from every bit offset, with the output far enough
// along for any distance.
func TestFastAsmSynthetic(t *testing.T) {
	if !fastAsmOK {
		t.Skip("no assembly fast loop on this CPU or platform")
	}
	r := rand.New(rand.NewSource(9))
	rounds := 300
	if testing.Short() {
		rounds = 40
	}
	for i := 0; i < rounds; i++ {
		w := make([]byte, 320)
		for j := range w {
			if r.Intn(4) != 0 {
				w[j] = byte(r.Intn(256))
			}
		}
		if i%5 == 0 {
			for j := 288; j < 320; j++ {
				w[j] = 0
			}
			w[288+r.Intn(32)] = 1
		}
		lt, dt, ok := syntheticTables(w)
		if !ok {
			t.Fatalf("round %d: synthetic tables refused", i)
		}
		src := make([]byte, 8+r.Intn(3000))
		r.Read(src)
		prefix := randomData(r, r.Intn(40000))
		s := fastState{op: len(prefix), pos: r.Intn(len(src)), nb: uint(r.Intn(64))}
		s.bb = r.Uint64() & (1<<s.nb - 1)
		checkBlock(t, r, prefix, len(prefix)+r.Intn(70000), src, s, lt, dt)
	}
}

// TestFastAsmMatches compares the fast loops on hand-made fixed-code
// blocks: every distance 1-32768 with lengths 3-258, distances one past
// the output, invalid distance codes 30 and 31.
func TestFastAsmMatches(t *testing.T) {
	if !fastAsmOK {
		t.Skip("no assembly fast loop on this CPU or platform")
	}
	r := rand.New(rand.NewSource(11))
	var w fixedWriter
	prefix := randomData(r, 40000)
	for dist := 1; dist <= 32768; dist += 1 + dist/64 {
		for _, l := range []int{3, 4, 5, 8, 15, 16, 17, 31, 32, 33, 100, 257, 258} {
			w.match(l, dist)
			w.lit(byte(dist))
		}
	}
	w.match(258, 32768)
	src := w.flush()
	checkBlock(t, r, prefix, 1<<22, src, fastState{op: len(prefix)}, &fixedLit, &fixedDist)
	// Distances one past the output and at its start.
	for p := 0; p < 300; p += 1 + p/8 {
		for _, over := range []int{0, 1} {
			var w fixedWriter
			for k := 0; k < p%7; k++ {
				w.lit(byte(k))
			}
			w.match(3+p%50, p+p%7+over)
			w.lit('z')
			if p+p%7+over > 0 {
				checkBlock(t, r, prefix[:p], 1<<20, w.flush(), fastState{op: p}, &fixedLit, &fixedDist)
			}
		}
	}
	for _, bad := range []int{30, 31} {
		var w fixedWriter
		w.lit('a')
		w.match(5, 1)
		w.fixedLit(257)
		w.code(uint64(bad), 5)
		w.lit('b')
		checkBlock(t, r, prefix, 1<<20, w.flush(), fastState{op: len(prefix)}, &fixedLit, &fixedDist)
	}
	// Output ending exactly at the margin after a match of 258.
	w = fixedWriter{}
	for i := 0; i < 100; i++ {
		w.match(258, 1+i)
	}
	src = w.flush()
	for k := 0; k < 300; k++ {
		checkBlock(t, r, prefix, len(prefix)+fastMargin+k*7, src, fastState{op: len(prefix)}, &fixedLit, &fixedDist)
	}
}

// fixedWriter writes symbols of the fixed code (RFC 1951 3.2.6), with the
// length and distance symbols worked out from the RFC's tables.
type fixedWriter struct {
	out  []byte
	acc  uint64
	nacc uint
}

func (w *fixedWriter) bits(v uint64, n uint) {
	w.acc |= v << w.nacc
	w.nacc += n
	for w.nacc >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

func (w *fixedWriter) code(c uint64, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.bits(c>>uint(i)&1, 1)
	}
}

func (w *fixedWriter) fixedLit(s int) {
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

func (w *fixedWriter) lit(b byte) { w.fixedLit(int(b)) }

func (w *fixedWriter) match(length, dist int) {
	lbase := []int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	dbase := []int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577, 32769}
	s := len(lbase) - 1
	for lbase[s] > length {
		s--
	}
	w.fixedLit(257 + s)
	if s < 28 {
		w.bits(uint64(length-lbase[s]), uint(lengthExtra[s]))
	}
	d := 0
	for dbase[d+1] <= dist && d < 29 {
		d++
	}
	w.code(uint64(d), 5)
	w.bits(uint64(dist-dbase[d]), uint(distExtra[d]))
}

func (w *fixedWriter) flush() []byte {
	w.fixedLit(256)
	for i := 0; i < 2; i++ {
		w.bits(0, 8)
	}
	return append(w.out, make([]byte, 16)...)
}

// FuzzFastAsm compares fastAsm with fastGo. The input is a raw deflate
// stream (mode 0: as given; mode 1: data deflated by compress/flate at a
// level from level), or random input decoded with synthetic codes whose
// weights are the first 320 bytes (mode 2) or with the fixed code (mode
// 3), from an output position far enough along for any distance.
func FuzzFastAsm(f *testing.F) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 8; i++ {
		data := randomData(r, r.Intn(5000))
		f.Add(uint8(0), uint8(i), deflate(f, data, -2+i))
		f.Add(uint8(1), uint8(3+i), data)
		f.Add(uint8(2), uint8(i), data)
		f.Add(uint8(3), uint8(i), data)
	}
	f.Fuzz(func(t *testing.T, mode, level uint8, data []byte) {
		r := rand.New(rand.NewSource(int64(len(data))*31 + int64(level)))
		const limit = 1 << 20
		switch mode % 4 {
		case 0:
			checkStream(t, r, data, limit, flateStdlib(data, limit))
		case 1:
			z := deflate(t, data, -2+int(level)%12)
			checkStream(t, r, z, len(data), data)
		case 2, 3:
			lt, dt := &fixedLit, &fixedDist
			src := data
			if mode%4 == 2 {
				var ok bool
				if lt, dt, ok = syntheticTables(data); !ok {
					t.Fatal("synthetic tables refused")
				}
				if len(data) > 320 {
					src = data[320:]
				}
			}
			if len(src) < 8 {
				return
			}
			prefix := fuzzPrefix()
			s := fastState{op: len(prefix), pos: int(level) % len(src)}
			if len(src)-s.pos >= 8 {
				s.nb = uint(level) % 64
				s.bb = binary.LittleEndian.Uint64(src[s.pos:]) & (1<<s.nb - 1)
				s.pos += int(s.nb+7) / 8
			}
			checkBlock(t, r, prefix, len(prefix)+fastMargin+int(level)*300, src, s, lt, dt)
		}
	})
}

var fuzzPrefixData []byte

// fuzzPrefix is 33000 bytes of output before the fuzzed symbols.
func fuzzPrefix() []byte {
	if fuzzPrefixData == nil {
		fuzzPrefixData = randomData(rand.New(rand.NewSource(3)), 33000)
	}
	return fuzzPrefixData
}

// TestCompleteLengths checks the synthetic codes are complete.
func TestCompleteLengths(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 200; i++ {
		w := make([]byte, 2+r.Intn(300))
		for j := range w {
			if r.Intn(3) != 0 {
				w[j] = byte(r.Intn(256))
			}
		}
		lens := completeLengths(w)
		k, used := 0, 0
		for _, l := range lens {
			if l != 0 {
				k += 1 << (15 - l)
				used++
			}
		}
		if used > 1 && k != 1<<15 {
			t.Fatalf("round %d: Kraft sum %d/32768", i, k)
		}
	}
}

package inflate_test

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/retinaio/retinaio/internal/inflate"
)

// TestFastAsmZlib decodes random zlib streams (compress/zlib and
// klauspost's, every level) and corrupted copies with the assembly fast
// loop on and off: both must return the same length, error and bytes, and
// agree with compress/zlib (same bytes when it succeeds, an error when it
// fails).
func TestFastAsmZlib(t *testing.T) {
	if !inflate.FastAsmOK() {
		t.Skip("no assembly fast loop on this CPU or platform")
	}
	defer inflate.SetFastAsm(inflate.SetFastAsm(true))
	r := rand.New(rand.NewSource(77))
	rounds := 300
	if testing.Short() {
		rounds = 40
	}
	for i := 0; i < rounds; i++ {
		data, z, _ := randomStream(r, i)
		n := len(data)
		for k := 0; k < 4; k++ {
			src := z
			if k > 0 {
				src = append([]byte(nil), z...)
				for j := 0; j < k; j++ {
					src[r.Intn(len(src))] ^= byte(1 << r.Intn(8))
				}
			}
			for _, room := range []int{n, n + r.Intn(300), n / 2} {
				compareZlib(t, fmt.Sprintf("round %d.%d, dst %d of %d", i, k, room, n), src, room)
			}
		}
	}
}

// compareZlib decodes src into room bytes with the assembly on and off and
// compares the results with each other and with compress/zlib.
func compareZlib(t *testing.T, name string, src []byte, room int) {
	t.Helper()
	type result struct {
		n   int
		err string
		out []byte
	}
	var res [2]result
	for v, on := range []bool{false, true} {
		inflate.SetFastAsm(on)
		dst := make([]byte, room+64)
		for i := range dst {
			dst[i] = 0xa5
		}
		n, err := inflate.Zlib(dst[:room], src)
		for i := room; i < len(dst); i++ {
			if dst[i] != 0xa5 {
				t.Fatalf("%s: byte %d past dst written", name, i-room)
			}
		}
		res[v] = result{n, fmt.Sprint(err), dst[:n]}
	}
	inflate.SetFastAsm(true)
	g, a := res[0], res[1]
	if g.n != a.n || g.err != a.err || !bytes.Equal(g.out, a.out) {
		t.Fatalf("%s: Go %d bytes, %s; assembly %d bytes, %s", name, g.n, g.err, a.n, a.err)
	}
	want, werr := stdlibZlib(src, room)
	switch {
	case werr == errLimit:
		if a.err == "<nil>" {
			t.Fatalf("%s: compress/zlib gives more than %d bytes, we %d", name, room, a.n)
		}
	case werr != nil:
		if a.err == "<nil>" {
			t.Fatalf("%s: compress/zlib: %v; we decode %d bytes", name, werr, a.n)
		}
	default:
		if a.err != "<nil>" || !bytes.Equal(a.out, want) {
			t.Fatalf("%s: %d bytes, %s; compress/zlib %d bytes", name, a.n, a.err, len(want))
		}
	}
}

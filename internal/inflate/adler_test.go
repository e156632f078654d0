package inflate

import (
	"fmt"
	"hash/adler32"
	"math/rand"
	"testing"
)

// adlerPaths runs f once with the pure-Go Adler-32 and, where this build
// and CPU have it, once with the assembly kernel (adlerAsm set).
func adlerPaths(t *testing.T, f func(t *testing.T)) {
	have := adlerAsm
	defer func() { adlerAsm = have }()
	adlerAsm = false
	t.Run("go", f)
	if !have {
		t.Log("no Adler-32 kernel in this build or on this CPU")
		return
	}
	adlerAsm = true
	t.Run("asm", f)
}

// checkAdler fails t unless adler32Sum(p) is hash/adler32.Checksum(p).
func checkAdler(t *testing.T, what string, p []byte) {
	t.Helper()
	if got, want := adler32Sum(p), adler32.Checksum(p); got != want {
		t.Fatalf("%s, len %d: got %08x, want %08x", what, len(p), got, want)
	}
}

// TestAdler32 compares with hash/adler32, on both paths, on random and
// all-0xff data (the largest sums) of every length up to 2000, at start
// offsets 1..63 (lengths up to 300 and 100000), and at lengths around the
// kernels' chunks and the reduction blocks (5552, 16 KiB, 64 KiB, 1, 2, 3
// and 5 MiB) up to 5 MiB.
func TestAdler32(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	rnd := make([]byte, 5<<20+200)
	r.Read(rnd)
	ff := make([]byte, len(rnd))
	for i := range ff {
		ff[i] = 0xff
	}
	var long []int
	for _, base := range []int{5552, 5552 * 2, 16 << 10, 64 << 10, 1 << 20, 2 << 20, 3 << 20, 5 << 20} {
		for _, d := range []int{-65, -64, -63, -33, -32, -31, -1, 0, 1, 31, 32, 33, 63, 64, 65, 127} {
			long = append(long, base+d)
		}
	}
	adlerPaths(t, func(t *testing.T) {
		for n := 0; n <= 2000; n++ {
			checkAdler(t, "random", rnd[:n])
			checkAdler(t, "0xff", ff[:n])
		}
		for off := 1; off < 64; off++ {
			for n := 0; n <= 300; n++ {
				checkAdler(t, fmt.Sprint("random at offset ", off), rnd[off:off+n])
			}
			checkAdler(t, fmt.Sprint("0xff at offset ", off), ff[off:off+100000])
		}
		for _, n := range long {
			checkAdler(t, "random", rnd[:n])
			checkAdler(t, "0xff", ff[:n])
			checkAdler(t, "random at offset 7", rnd[7:7+n])
		}
		checkAdler(t, "0xff", ff)
		checkAdler(t, "random", rnd)
	})
}

// TestAdler32Sums continues checksums from every pair of sums near the
// modulus (adler32Go and adler32Vec take s1, s2 < 65521 from their
// caller), comparing with the byte-at-a-time definition.
func TestAdler32Sums(t *testing.T) {
	p := make([]byte, 1000)
	rand.New(rand.NewSource(2)).Read(p)
	ref := func(s1, s2 uint32, p []byte) uint32 {
		for _, b := range p {
			s1 = (s1 + uint32(b)) % adlerMod
			s2 = (s2 + s1) % adlerMod
		}
		return s2<<16 | s1
	}
	for _, s1 := range []uint32{0, 1, 65519, 65520} {
		for _, s2 := range []uint32{0, 1, 65519, 65520} {
			for _, n := range []int{0, 63, 64, 65, 1000} {
				if got, want := adler32Go(s1, s2, p[:n]), ref(s1, s2, p[:n]); got != want {
					t.Fatalf("adler32Go(%d, %d, len %d) = %08x, want %08x", s1, s2, n, got, want)
				}
				if !adlerAsm {
					continue
				}
				a, b, rest := adler32Vec(s1, s2, p[:n])
				if got, want := adler32Go(a, b, rest), ref(s1, s2, p[:n]); got != want {
					t.Fatalf("adler32Vec(%d, %d, len %d) then adler32Go = %08x, want %08x", s1, s2, n, got, want)
				}
			}
		}
	}
}

// BenchmarkAdler32 times adler32Sum with the assembly kernel (where there
// is one), with pure Go, and hash/adler32.Checksum on 64 KiB and 1 MiB of
// random data.
func BenchmarkAdler32(b *testing.B) {
	have := adlerAsm
	defer func() { adlerAsm = have }()
	for _, size := range []int{64 << 10, 1 << 20} {
		buf := make([]byte, size)
		rand.New(rand.NewSource(1)).Read(buf)
		name := fmt.Sprintf("%dKiB", size>>10)
		if have {
			b.Run(name+"/asm", func(b *testing.B) {
				adlerAsm = true
				b.SetBytes(int64(size))
				for b.Loop() {
					adler32Sum(buf)
				}
			})
		}
		b.Run(name+"/go", func(b *testing.B) {
			adlerAsm = false
			b.SetBytes(int64(size))
			for b.Loop() {
				adler32Sum(buf)
			}
		})
		b.Run(name+"/stdlib", func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				adler32.Checksum(buf)
			}
		})
	}
}

package inflate

import (
	"hash/adler32"
	"math/rand"
	"testing"
)

// TestAdler32 compares with hash/adler32 on random data of every length
// up to 300, on all-0xff data (the largest sums) across the 1 MiB
// reduction boundary, and on random large buffers.
func TestAdler32(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	buf := make([]byte, 3<<20+13)
	r.Read(buf)
	for n := 0; n <= 300; n++ {
		if got, want := adler32Sum(buf[:n]), adler32.Checksum(buf[:n]); got != want {
			t.Fatalf("len %d: got %08x, want %08x", n, got, want)
		}
	}
	for _, n := range []int{5552, 5553, 1<<20 - 1, 1 << 20, 1<<20 + 7, len(buf)} {
		if got, want := adler32Sum(buf[:n]), adler32.Checksum(buf[:n]); got != want {
			t.Fatalf("len %d: got %08x, want %08x", n, got, want)
		}
	}
	for i := range buf {
		buf[i] = 0xff
	}
	for _, n := range []int{8, 5552, 1 << 20, 1<<20 + 1, len(buf)} {
		if got, want := adler32Sum(buf[:n]), adler32.Checksum(buf[:n]); got != want {
			t.Fatalf("0xff len %d: got %08x, want %08x", n, got, want)
		}
	}
}

func BenchmarkAdler32(b *testing.B) {
	buf := make([]byte, 128<<10)
	rand.New(rand.NewSource(1)).Read(buf)
	b.Run("ours", func(b *testing.B) {
		b.SetBytes(int64(len(buf)))
		for i := 0; i < b.N; i++ {
			adler32Sum(buf)
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(buf)))
		for i := 0; i < b.N; i++ {
			adler32.Checksum(buf)
		}
	})
}

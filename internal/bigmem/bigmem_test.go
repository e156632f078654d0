package bigmem

import (
	"fmt"
	"testing"
)

func TestZeroedAndSized(t *testing.T) {
	for _, n := range []int{0, 1, 1000, threshold, 3 * (2 << 20)} {
		f := Float32s(n)
		d := Float64s(n)
		b := Bytes(n)
		if len(f) != n || len(d) != n || len(b) != n {
			t.Fatalf("n=%d: lengths %d %d %d", n, len(f), len(d), len(b))
		}
		for i := range f {
			if f[i] != 0 || d[i] != 0 || b[i] != 0 {
				t.Fatalf("n=%d: element %d not zero", n, i)
			}
		}
		// The memory is ordinary: writable everywhere.
		for i := range f {
			f[i], d[i], b[i] = 1, 2, 3
		}
	}
}

func BenchmarkTouchFresh(b *testing.B) {
	for _, mb := range []int{64} {
		b.Run(fmt.Sprintf("make-%dMB", mb), func(b *testing.B) {
			b.SetBytes(int64(mb) << 20)
			for i := 0; i < b.N; i++ {
				s := make([]byte, mb<<20)
				for j := 0; j < len(s); j += 4096 {
					s[j] = 1
				}
			}
		})
		b.Run(fmt.Sprintf("bigmem-%dMB", mb), func(b *testing.B) {
			b.SetBytes(int64(mb) << 20)
			for i := 0; i < b.N; i++ {
				s := Bytes(mb << 20)
				for j := 0; j < len(s); j += 4096 {
					s[j] = 1
				}
			}
		})
	}
}

func ExampleFloat32s() {
	movie := Float32s(1500 * 60 * 80) // a training movie, 28.8 MB
	fmt.Println(len(movie), movie[0])
	// Output: 7200000 0
}

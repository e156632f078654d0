package atomicfile

import (
	"os"
	"testing"
)

// BenchmarkDirectWriter writes 320 MiB in 1 MiB pieces through a
// DirectWriter into a file in $BENCHDIR (default: the test's temp folder,
// often tmpfs, where direct I/O is refused).
func BenchmarkDirectWriter(b *testing.B) {
	dir := os.Getenv("BENCHDIR")
	if dir == "" {
		dir = b.TempDir()
	}
	piece := make([]byte, 1<<20)
	const total = 320 << 20
	b.SetBytes(total)
	for b.Loop() {
		f, err := Create(dir + "/bench.bin")
		if err != nil {
			b.Fatal(err)
		}
		w := f.DirectWriter()
		for range total / len(piece) {
			if _, err := w.Write(piece); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := f.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

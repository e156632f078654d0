package safezip

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkUnpack unpacks a 32 MiB deflated session (random data, so
// deflate stores it nearly as is) including the CRC check and fsync.
func BenchmarkUnpack(b *testing.B) {
	dir := b.TempDir()
	data := make([]byte, 32<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	zp := writeZip(b, dir, "s.zip", []zent{{name: "s/fixationmovie_data.mat", data: data}})
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := filepath.Join(dir, "out")
		if _, err := Unpack(context.Background(), zp, out, Limits{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(out)
		b.StartTimer()
	}
}

package npy

import (
	"bytes"
	"io"
	"sync"
	"testing"
)

// TestConcurrentReads reads entries of one NPZReader from several
// goroutines (run with -race).
func TestConcurrentReads(t *testing.T) {
	var buf bytes.Buffer
	z := NewNPZWriter(&buf, NPZOptions{Compress: true})
	for k := 0; k < 4; k++ {
		v := make([]float32, 50000)
		for i := range v {
			v[i] = float32(i * (k + 1))
		}
		z.Add(string(rune('a'+k)), nil, v)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := NewNPZReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			k := g % 4
			dst := make([]float64, 50000)
			if _, err := r.ReadInto(string(rune('a'+k)), dst); err != nil {
				t.Error(err)
				return
			}
			if dst[49999] != float64(49999*(k+1)) {
				t.Errorf("goroutine %d: %v", g, dst[49999])
			}
		}(g)
	}
	wg.Wait()
}

const benchN = 16 << 20 // float32 elements: 64 MiB

func benchData() []float32 {
	v := make([]float32, benchN)
	for i := range v {
		v[i] = float32(i%1000) * 0.37
	}
	return v
}

func BenchmarkWriteArrayF4(b *testing.B) {
	v := benchData()
	b.SetBytes(benchN * 4)
	for i := 0; i < b.N; i++ {
		if err := WriteArray(io.Discard, nil, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNPZReadIntoF4(b *testing.B) {
	v := benchData()
	var buf bytes.Buffer
	z := NewNPZWriter(&buf, NPZOptions{})
	z.Add("x", nil, v)
	z.Close()
	r, _ := NewNPZReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	dst := make([]float32, benchN)
	b.SetBytes(benchN * 4)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.ReadInto("x", dst); err != nil {
			b.Fatal(err)
		}
	}
}

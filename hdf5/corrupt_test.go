package hdf5

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestCorruptedVariants reads deterministic corruptions (byte flips,
// truncations, zeroed ranges) of well-formed files: every variant must give
// an error or a read, never a panic, a hang or an outsized allocation.
func TestCorruptedVariants(t *testing.T) {
	files := []string{
		"../testdata/golden/sessions/20220208_60MEA_marmoset_right_n1/frozencheckerflicker_data.mat",
		"testdata/unit/indexes_earliest.h5",
		"testdata/unit/indexes_latest.h5",
	}
	n := 150
	if testing.Short() {
		n = 30
	}
	rng := rand.New(rand.NewSource(42))
	for _, fn := range files {
		orig, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		for v := 0; v < n; v++ {
			data := append([]byte(nil), orig...)
			desc := ""
			switch v % 4 {
			case 0, 1: // flip bytes in the metadata-heavy first 16 KiB or anywhere
				lim := len(data)
				if v%4 == 0 && lim > 16<<10 {
					lim = 16 << 10
				}
				for k := 0; k < 1+rng.Intn(8); k++ {
					i := rng.Intn(lim)
					data[i] ^= byte(1 + rng.Intn(255))
				}
				desc = "flips"
			case 2:
				data = data[:rng.Intn(len(data))]
				desc = "truncated"
			case 3:
				i := rng.Intn(len(data))
				e := min(len(data), i+1+rng.Intn(64))
				fill := byte(0)
				if rng.Intn(2) == 0 {
					fill = 0xff
				}
				for k := i; k < e; k++ {
					data[k] = fill
				}
				desc = "overwritten"
			}
			done := make(chan string, 1)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			go func() {
				defer func() {
					if r := recover(); r != nil {
						done <- fmt.Sprintf("PANIC %v\n%s", r, debug.Stack())
					}
				}()
				f, err := NewFile(bytes.NewReader(data), int64(len(data)))
				if err == nil {
					exercise(context.Background(), f)
				}
				done <- ""
			}()
			select {
			case msg := <-done:
				if msg != "" {
					os.WriteFile(fmt.Sprintf("%s/variant_%d.h5", t.TempDir(), v), data, 0o644)
					t.Fatalf("%s variant %d (%s): %s", fn, v, desc, msg)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("%s variant %d (%s): hang", fn, v, desc)
			}
			runtime.ReadMemStats(&after)
			if a := after.TotalAlloc - before.TotalAlloc; a > 1<<30+64*uint64(len(data)) {
				t.Errorf("%s variant %d (%s): allocated %d bytes", fn, v, desc, a)
			}
		}
	}
}

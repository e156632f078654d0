package hdf5

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
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
			what := fmt.Sprintf("%s variant %d (%s)", fn, v, desc)
			msg, a := guarded(t, what, 30*time.Second, func() string {
				f, err := NewFile(bytes.NewReader(data), int64(len(data)))
				if err == nil {
					exercise(context.Background(), f)
				}
				return ""
			})
			if msg != "" {
				os.WriteFile(fmt.Sprintf("%s/variant_%d.h5", t.TempDir(), v), data, 0o644)
				t.Fatalf("%s: %s", what, msg)
			}
			if a > 1<<30+64*uint64(len(data)) {
				t.Errorf("%s: allocated %d bytes", what, a)
			}
		}
	}
}

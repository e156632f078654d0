package resample

import (
	"encoding/json"
	"math"
	"math/big"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// torchWeights are the filter weights torch itself used, extracted by the
// public package's fixture script (resample/testdata/gen_resize.py) from
// resizing an identity matrix.
type torchWeights struct {
	Weights []struct {
		In, Out int
		Outputs []struct {
			Idx []int     `json:"idx"`
			W   []float64 `json:"w"`
		} `json:"outputs"`
	} `json:"weights"`
}

func loadGolden(t *testing.T) torchWeights {
	t.Helper()
	var g torchWeights
	js, err := os.ReadFile(filepath.Join("..", "..", "resample", "testdata", "resize_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Weights) == 0 {
		t.Fatal("no weights in the fixture")
	}
	return g
}

func TestErrors(t *testing.T) {
	if _, err := NewWeights(0, 3); err == nil {
		t.Fatal("no error for in=0")
	}
	if _, err := NewWeights(3, -1); err == nil {
		t.Fatal("no error for out=-1")
	}
	if _, err := NewWeights(3, MaxSize+1); err == nil {
		t.Fatal("no error for out=MaxSize+1")
	}
}

// TestWeightsMatchTorch compares NewWeights with the weights torch itself
// used (extracted by the fixture script from resizing an identity matrix).
func TestWeightsMatchTorch(t *testing.T) {
	g := loadGolden(t)
	for _, a := range g.Weights {
		w, err := NewWeights(a.In, a.Out)
		if err != nil {
			t.Fatal(err)
		}
		for o, tw := range a.Outputs {
			var idx []int
			var ws []float64
			for j, v := range w.Taps[o] {
				if v != 0 {
					idx = append(idx, w.Start[o]+j)
					ws = append(ws, float64(v))
				}
			}
			if len(idx) != len(tw.Idx) {
				t.Fatalf("%d->%d output %d: %d nonzero taps, torch %d", a.In, a.Out, o, len(idx), len(tw.Idx))
			}
			for j := range idx {
				if idx[j] != tw.Idx[j] || ws[j] != tw.W[j] {
					t.Fatalf("%d->%d output %d tap %d: (%d, %v), torch (%d, %v)", a.In, a.Out, o, j, idx[j], ws[j], tw.Idx[j], tw.W[j])
				}
			}
		}
	}
}

// TestWeightsScreen checks the hand-derived structure of 800 -> 80 and
// 600 -> 60 (the notes: 20 taps inside, 15 at the borders; weights
// (1 - |j - 9.5|/10) normalised).
func TestWeightsScreen(t *testing.T) {
	for _, c := range [][2]int{{800, 80}, {600, 60}} {
		w, err := NewWeights(c[0], c[1])
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < c[1]; i++ {
			n := len(w.Taps[i])
			wantN, wantStart := 20, 10*i-5
			if i == 0 {
				wantN, wantStart = 15, 0
			} else if i == c[1]-1 {
				wantN = 15
			}
			if n != wantN || w.Start[i] != wantStart {
				t.Fatalf("%v output %d: start %d, %d taps; want %d, %d", c, i, w.Start[i], n, wantStart, wantN)
			}
			var sum float64
			for _, v := range w.Taps[i] {
				sum += float64(v)
			}
			if math.Abs(sum-1) > 1e-6 {
				t.Fatalf("%v output %d: weights sum to %v", c, i, sum)
			}
		}
		mid := w.Taps[c[1]/2]
		for j, v := range mid {
			want := (1 - math.Abs(float64(j)-9.5)/10) / 10
			if math.Abs(float64(v)-want) > 1e-7 {
				t.Fatalf("tap %d = %v, want %v", j, v, want)
			}
		}
	}
}

func TestUpsampleSupport(t *testing.T) {
	w, err := NewWeights(3, 7)
	if err != nil {
		t.Fatal(err)
	}
	if w.Support != 1 {
		t.Fatalf("support %v, want 1 when upsampling", w.Support)
	}
	// Output 3 of 7 sits at input coordinate 1.5: taps on inputs 1 and 2,
	// weights 1 and 0 (torch keeps the zero tap).
	if w.Start[3] != 1 || len(w.Taps[3]) != 2 || w.Taps[3][0] != 1 || w.Taps[3][1] != 0 {
		t.Fatalf("output 3: start %d taps %v", w.Start[3], w.Taps[3])
	}
}

func TestFusedFrom(t *testing.T) {
	for n, want := range map[int]int{1: 1, 2: 1, 4: 1, 5: 5, 8: 5, 9: 9, 15: 13, 20: 17, 21: 21} {
		if got := FusedFrom(n); got != want {
			t.Errorf("FusedFrom(%d) = %d, want %d", n, got, want)
		}
	}
}

// exactFMA32 is the correctly rounded a*b+c computed with math/big.
func exactFMA32(a, b, c float32) float32 {
	x := new(big.Float).SetPrec(200).SetFloat64(float64(a))
	x.Mul(x, new(big.Float).SetPrec(200).SetFloat64(float64(b)))
	x.Add(x, new(big.Float).SetPrec(200).SetFloat64(float64(c)))
	f, _ := x.Float32()
	return f
}

func checkFMA(t *testing.T, a, b, c float32) {
	t.Helper()
	got, want := FMA32(a, b, c), exactFMA32(a, b, c)
	if math.Float32bits(got) != math.Float32bits(want) && !(got == 0 && want == 0) {
		t.Fatalf("FMA32(%v, %v, %v) = %v, want %v", a, b, c, got, want)
	}
}

func TestFMA32(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		a := float32(r.NormFloat64() * 100)
		b := float32(r.Float64())
		c := float32(r.Float64() * 255)
		checkFMA(t, a, b, c)
	}
	// Double-rounding traps: c + a*b exactly half an ulp of float32 above c,
	// plus a tiny bit, so that the float64 sum rounds onto the midpoint.
	for i := 0; i < 2000; i++ {
		c := float32(1 + r.Float64())
		ulp := math.Nextafter32(c, 2) - c
		a := ulp / 2 * (1 + float32(math.Ldexp(1, -20)))
		checkFMA(t, a, 1, c)
		checkFMA(t, a, 1+float32(math.Ldexp(1, -23)), c)
		checkFMA(t, -a, 1+float32(math.Ldexp(1, -23)), c)
		// a*b = ulp/2 + 2^-60-ish: exact sum just above the midpoint.
		a2 := float32(math.Ldexp(1, -24)) * (1 + float32(math.Ldexp(1, -23)))
		b2 := float32(math.Ldexp(1, 0)) * (1 - float32(math.Ldexp(1, -23)))
		checkFMA(t, a2, b2, c)
		checkFMA(t, -a2, b2, -c)
	}
	checkFMA(t, float32(math.Inf(1)), 1, 2)
	checkFMA(t, 0, 0, 0)
	checkFMA(t, 1e-30, 1e-10, 1e-45)
}

func FuzzFMA32(f *testing.F) {
	f.Add(float32(1.5), float32(0.1), float32(255))
	f.Add(float32(5.9604645e-08), float32(1), float32(1))
	f.Add(float32(-3), float32(1e-20), float32(1e-38))
	f.Fuzz(func(t *testing.T, a, b, c float32) {
		if math.IsNaN(float64(a)) || math.IsNaN(float64(b)) || math.IsNaN(float64(c)) ||
			math.IsInf(float64(a), 0) || math.IsInf(float64(b), 0) || math.IsInf(float64(c), 0) {
			return
		}
		checkFMA(t, a, b, c)
	})
}

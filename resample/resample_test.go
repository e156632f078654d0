package resample

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// lcgImage regenerates the inputs of testdata/gen_resize.py (same LCG).
func lcgImage(h, w int, seed uint32, kind string) []float32 {
	out := make([]float32, h*w)
	s := seed
	for i := range out {
		s = s*1664525 + 1013904223
		var v float32
		switch kind {
		case "u8":
			v = float32(s >> 24)
		case "frac":
			v = float32(s>>18) / 64
		case "edges":
			r, c := i/w, i%w
			if (r/7+c/11)%2 == 1 {
				v = 255
			}
			v += float32(s >> 30)
		default:
			panic(kind)
		}
		out[i] = v
	}
	return out
}

type goldenFile struct {
	Torch string `json:"torch"`
	Cases []struct {
		Name                 string
		InH, InW, OutH, OutW int
		Seed                 uint32
		Kind                 string
		Offset               int
	} `json:"cases"`
}

func loadGolden(t *testing.T) (goldenFile, []float32) {
	t.Helper()
	var g goldenFile
	js, err := os.ReadFile(filepath.Join("testdata", "resize_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &g); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "resize_golden.bin"))
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]float32, len(raw)/4)
	for i := range vals {
		vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return g, vals
}

// TestResizeMatchesTorch compares Resize with torchvision's output on the
// committed fixtures bit for bit, as the package documentation claims (the
// package reproduces torch 1.13's accumulation order).
func TestResizeMatchesTorch(t *testing.T) {
	g, vals := loadGolden(t)
	if len(g.Cases) < 10 {
		t.Fatalf("only %d cases in fixture", len(g.Cases))
	}
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			src := lcgImage(c.InH, c.InW, c.Seed, c.Kind)
			if c.Offset < 0 || c.Offset+c.OutH*c.OutW > len(vals) {
				t.Fatalf("case outside the fixture's %d values", len(vals))
			}
			want := vals[c.Offset : c.Offset+c.OutH*c.OutW]
			got := make([]float32, c.OutH*c.OutW)
			if err := Resize(got, src, c.InH, c.InW, c.OutH, c.OutW); err != nil {
				t.Fatal(err)
			}
			var maxd float64
			diff, first := 0, -1
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					if first < 0 {
						first = i
					}
					diff++
					maxd = math.Max(maxd, math.Abs(float64(got[i]-want[i])))
				}
			}
			if diff != 0 {
				t.Fatalf("%d of %d outputs differ from torch %s (first at %d: %v, torch %v; max |diff| %g): not bit for bit",
					diff, len(got), g.Torch, first, got[first], want[first], maxd)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	src := lcgImage(9, 11, 3, "frac")
	dst := make([]float32, len(src))
	if err := Resize(dst, src, 9, 11, 9, 11); err != nil {
		t.Fatal(err)
	}
	for i := range src {
		if src[i] != dst[i] {
			t.Fatalf("identity resize changed value %d: %v -> %v", i, src[i], dst[i])
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := NewPlan(0, 3, 1, 1); err == nil {
		t.Fatal("no error for inH=0")
	}
	if _, err := NewPlan(3, 3, 1, -1); err == nil {
		t.Fatal("no error for outW=-1")
	}
	if err := Resize(make([]float32, 1), make([]float32, 1), 1, MaxSize+1, 1, 1); err == nil {
		t.Fatal("no error for inW=MaxSize+1")
	}
	p, err := NewPlan(4, 4, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Resize(make([]float32, 4), make([]float32, 15)); err == nil {
		t.Fatal("no error for short src")
	}
	if err := p.ResizeFrames(make([]float32, 8), make([]float32, 32), 3); err == nil {
		t.Fatal("no error for frame count mismatch")
	}
	if err := p.ResizeFrames(make([]float32, 8), make([]float32, 32), 2); err != nil {
		t.Fatal(err)
	}
}

// FuzzResize checks that any sizes either give an error or a result inside
// the input's range (the filter is a convex combination), never a panic.
func FuzzResize(f *testing.F) {
	f.Add(uint16(600), uint16(800), uint16(60), uint16(80), uint32(1))
	f.Add(uint16(7), uint16(9), uint16(20), uint16(31), uint32(2))
	f.Add(uint16(1), uint16(1), uint16(1), uint16(1), uint32(3))
	f.Add(uint16(0), uint16(5), uint16(1), uint16(1), uint32(3))
	f.Fuzz(func(t *testing.T, ih, iw, oh, ow uint16, seed uint32) {
		inH, inW, outH, outW := int(ih%300), int(iw%300), int(oh%300), int(ow%300)
		if inH == 0 || inW == 0 || outH == 0 || outW == 0 {
			if _, err := NewPlan(inH, inW, outH, outW); err == nil {
				t.Fatalf("no error for %dx%d -> %dx%d", inH, inW, outH, outW)
			}
			return
		}
		src := lcgImage(inH, inW, seed, "u8")
		dst := make([]float32, outH*outW)
		if err := Resize(dst, src, inH, inW, outH, outW); err != nil {
			t.Fatal(err)
		}
		for i, v := range dst {
			if !(v >= -1e-3 && v <= 255.001) {
				t.Fatalf("output %d = %v outside [0, 255]", i, v)
			}
		}
	})
}

func BenchmarkResize600x800to60x80(b *testing.B) {
	src := lcgImage(600, 800, 1, "u8")
	dst := make([]float32, 60*80)
	p, err := NewPlan(600, 800, 60, 80)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(600 * 800 * 4)
	for b.Loop() {
		if err := p.Resize(dst, src); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

func TestPlanSizes(t *testing.T) {
	p, err := NewPlan(6, 8, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	if a, b, c, d := p.Sizes(); a != 6 || b != 8 || c != 3 || d != 4 {
		t.Fatalf("Sizes() = %d %d %d %d, want 6 8 3 4", a, b, c, d)
	}
}

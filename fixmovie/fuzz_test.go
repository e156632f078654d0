package fixmovie

import (
	"context"
	"encoding/binary"
	"math"
	"path/filepath"
	"testing"
)

// FuzzFixationsFromFloat64 feeds arbitrary float64 rows to the fixation
// parser: it must either fail with an error or return fixations that all
// satisfy the documented checks, never panic.
func FuzzFixationsFromFloat64(f *testing.F) {
	// Seeds: the first rows of a golden session's fixations, and edge cases.
	if a, err := readNPZ(filepath.Join("testdata", "golden_20210803_252MEA_mouse_left_half_dorsal.npz"), "frozenfixations"); err == nil {
		f.Add(float64bytes(a["frozenfixations"].f64[:12]), uint8(2))
	}
	f.Add(float64bytes([]float64{1, 400, 300, 27, 1, 1}), uint8(25))
	f.Add(float64bytes([]float64{math.NaN(), 0, 0}), uint8(1))
	f.Add(float64bytes([]float64{1, 0.5, -1e300}), uint8(1))
	f.Add([]byte{1, 2, 3}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, nImages uint8) {
		vals := make([]float64, len(data)/8)
		for i := range vals {
			vals[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
		fix, err := FixationsFromFloat64(vals, int(nImages))
		if err != nil {
			return
		}
		if len(fix)*3 != len(vals) {
			t.Fatalf("%d fixations from %d values", len(fix), len(vals))
		}
		for i, fx := range fix {
			if fx.Image < 1 || fx.Image > int(nImages) || abs(fx.X) > MaxCoord || abs(fx.Y) > MaxCoord {
				t.Fatalf("fixation %d accepted: %+v", i, fx)
			}
			if float64(fx.Image) != vals[3*i] || float64(fx.X) != vals[3*i+1] || float64(fx.Y) != vals[3*i+2] {
				t.Fatalf("fixation %d = %+v from %v", i, fx, vals[3*i:3*i+3])
			}
		}
	})
}

func float64bytes(v []float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

// FuzzRender renders small random ensembles and fixation lists with both
// semantics and checks the fast path against the reference path, bit for bit
// (errors must agree too).
func FuzzRender(f *testing.F) {
	f.Add([]byte{7, 5, 2, 9, 3, 4, 1, 0, 0, 1, 200, 3}, uint8(12), uint8(10), uint8(5), uint8(4))
	f.Add([]byte{1, 1, 1, 0, 6, 5, 2, 250, 250, 1, 1, 1}, uint8(8), uint8(6), uint8(3), uint8(7))
	f.Add([]byte{}, uint8(1), uint8(1), uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, sw8, sh8, ow8, oh8 uint8) {
		sw, sh := 1+int(sw8%24), 1+int(sh8%24)
		ow, oh := 1+int(ow8%30), 1+int(oh8%30)
		if len(data) < 3 {
			return
		}
		n := 1 + int(data[0]%3)
		nx, ny := 1+int(data[1]%30), 1+int(data[2]%30)
		data = data[3:]
		pix := make([]uint8, n*nx*ny)
		for i := range pix {
			pix[i] = uint8(i*37 + 11)
			if len(data) > 0 {
				pix[i] ^= data[i%len(data)]
			}
		}
		im, err := NewImages(pix, n, nx, ny)
		if err != nil {
			t.Fatal(err)
		}
		var fix []Fixation
		for i := 0; i+2 < len(data) && len(fix) < 40; i += 3 {
			fix = append(fix, Fixation{1 + int(data[i])%n, int(int8(data[i+1])), int(int8(data[i+2]))})
		}
		for _, sem := range []Semantics{OpenRetina, MATLAB} {
			got, err := Render(context.Background(), im, fix, Options{ScreenH: sh, ScreenW: sw, OutH: oh, OutW: ow, Semantics: sem, Workers: 2, CacheBytes: 1})
			ref, refErr := ReturnFixMovie(sh, sw, im, fix, sem)
			if (err == nil) != (refErr == nil) {
				t.Fatalf("%v: fast error %v, reference error %v", sem, err, refErr)
			}
			if err != nil {
				continue
			}
			p, err := newPlanForTest(sh, sw, oh, ow)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float32, len(fix)*oh*ow)
			if err := p.ResizeFrames(want, ref, len(fix)); err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%v: value %d (frame %d): fast %v, reference %v", sem, i, i/(oh*ow), got[i], want[i])
				}
			}
		}
	})
}

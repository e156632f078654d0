package render

import (
	"bytes"
	"encoding/json"
	"image/gif"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// expected holds the values written by testdata/gen_session.py.
type expected struct {
	T, TF, H, W, N, K, Lag int
	NormMean               float64 `json:"norm_mean"`
	NormStd                float64 `json:"norm_std"`
}

func loadExpected(t *testing.T) expected {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e expected
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// rawFrame is the generator's formula for the source value of a pixel.
func rawValue(t, y, x int, test bool) float64 {
	off := 0
	if test {
		off = 100
	}
	return float64((t*7 + y*11 + x*5 + off) % 256)
}

var fixtures = []string{"testdata/20990101_synth_mouse_a.npz", "testdata/20990102_synth_marmoset_b.npz"}

func TestOpenAndFrames(t *testing.T) {
	e := loadExpected(t)
	for _, path := range fixtures {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if s.TrainFrames != e.T || s.TestFrames != e.TF || s.H != e.H || s.W != e.W || s.Cells != e.N || s.Trials != e.K {
			t.Fatalf("%s: shapes %+v", path, s)
		}
		if !s.HasNorm || math.Abs(s.NormMean-e.NormMean) > 1e-9 || math.Abs(s.NormStd-e.NormStd) > 1e-9 {
			t.Errorf("norm stats %v %v", s.NormMean, s.NormStd)
		}
		wantRate := 75.0
		if strings.Contains(path, "marmoset") {
			wantRate = 85
		}
		if s.FrameRate != wantRate {
			t.Errorf("%s: frame rate %v", path, s.FrameRate)
		}
		for _, sp := range []Split{Train, Test} {
			for _, k := range []int{0, 3, s.Frames(sp) - 1} {
				f, err := s.Frame(sp, k, nil)
				if err != nil {
					t.Fatal(err)
				}
				q, err := s.FrameU8(sp, k, nil)
				if err != nil {
					t.Fatal(err)
				}
				for y := 0; y < s.H; y++ {
					for x := 0; x < s.W; x++ {
						raw := rawValue(k, y, x, sp == Test)
						want := float32((float32(raw) - float32(e.NormMean)) / float32(e.NormStd))
						if f[y*s.W+x] != want {
							t.Fatalf("%s %s frame %d (%d,%d) = %v, want %v", path, sp, k, y, x, f[y*s.W+x], want)
						}
						if float64(q[y*s.W+x]) != raw {
							t.Fatalf("%s %s frame %d (%d,%d) displays %v, want %v", path, sp, k, y, x, q[y*s.W+x], raw)
						}
					}
				}
			}
			if _, err := s.Frame(sp, s.Frames(sp), nil); err == nil {
				t.Errorf("frame past the end accepted")
			}
			if _, err := s.Frame(sp, -1, nil); err == nil {
				t.Errorf("frame -1 accepted")
			}
		}
		tr, err := s.CellTrials(1)
		if err != nil {
			t.Fatal(err)
		}
		avg, err := s.CellResponse(Test, 1)
		if err != nil {
			t.Fatal(err)
		}
		for ti := range avg {
			sum := 0.0
			for k := range tr {
				sum += tr[k][ti]
			}
			if math.Abs(sum/float64(len(tr))-avg[ti]) > 1e-12 {
				t.Fatalf("trial mean %v != resp_test %v at %d", sum/float64(len(tr)), avg[ti], ti)
			}
		}
		if _, err := s.CellTrials(e.N); err == nil {
			t.Error("cell out of range accepted")
		}
		s.Close()
	}
}

func writeNPZBytes(t *testing.T, name string, data []byte) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpenBadFiles(t *testing.T) {
	good, err := os.ReadFile(fixtures[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, data string }{
		{"empty.npz", ""},
		{"text.npz", "hello"},
		{"trunc.npz", string(good[:len(good)/2])},
	} {
		if s, err := Open(writeNPZBytes(t, c.name, []byte(c.data))); err == nil {
			s.Close()
			t.Errorf("%s: opened", c.name)
		} else if !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s: error does not name the file: %v", c.name, err)
		}
	}
	// a prediction file is not a session
	if _, err := Open("testdata/pred_a.npz"); err == nil || !strings.Contains(err.Error(), "stim_train") {
		t.Errorf("pred file opened as session: %v", err)
	}
}

func TestParseRange(t *testing.T) {
	for _, c := range []struct {
		in   string
		a, b int
		ok   bool
	}{{"", 0, 10, true}, {"2:5", 2, 5, true}, {":5", 0, 5, true}, {"3:", 3, 40, true}, {"5:5", 0, 0, false}, {"0:41", 0, 0, false}, {"-1:3", 0, 0, false}, {"x", 0, 0, false}, {"a:b", 0, 0, false}} {
		a, b, err := ParseRange(c.in, 40, 10)
		if (err == nil) != c.ok || (c.ok && (a != c.a || b != c.b)) {
			t.Errorf("ParseRange(%q) = %d, %d, %v", c.in, a, b, err)
		}
	}
}

func TestWriteGIF(t *testing.T) {
	s, err := Open(fixtures[0])
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, o := range []GIFOptions{
		{Split: Test, From: 2, To: 9, Scale: 3, Cell: -1},
		{Split: Test, From: 0, To: 40, Scale: 2, Cell: 2},
		{Split: Train, From: 10, To: 13, Cell: 0},
	} {
		var buf bytes.Buffer
		if err := WriteGIF(&buf, s, o); err != nil {
			t.Fatal(err)
		}
		g, err := gif.DecodeAll(&buf)
		if err != nil {
			t.Fatalf("%+v: image/gif cannot decode our GIF: %v", o, err)
		}
		if len(g.Image) != o.To-o.From {
			t.Errorf("%+v: %d frames", o, len(g.Image))
		}
		sc := max(o.Scale, 1)
		if o.Scale == 0 {
			sc = 4
		}
		w, h := GIFSize(s, o)
		if g.Config.Width != s.W*sc || w != s.W*sc || g.Config.Height != h {
			t.Errorf("%+v: size %dx%d, GIFSize %dx%d", o, g.Config.Width, g.Config.Height, w, h)
		}
		if o.Cell < 0 && h != s.H*sc {
			t.Errorf("no strip but height %d", h)
		}
		// pixel check of the last frame against the generator's formula
		k := o.To - 1
		img := g.Image[len(g.Image)-1]
		for _, p := range [][2]int{{0, 0}, {5, 7}, {11, 15}} {
			y, x := p[0], p[1]
			c := img.At(x*sc+sc/2, y*sc+sc/2)
			r, _, _, _ := c.RGBA()
			want := rawValue(k, y, x, o.Split == Test)
			if math.Abs(float64(r>>8)-want) > 1.1 { // 252 grey levels: at most 1 level off
				t.Errorf("%+v: pixel (%d,%d) grey %d, want %v", o, y, x, r>>8, want)
			}
		}
	}
	if err := WriteGIF(&bytes.Buffer{}, s, GIFOptions{Split: Test, From: 0, To: 41, Cell: -1}); err == nil {
		t.Error("range past the end accepted")
	}
	if err := WriteGIF(&bytes.Buffer{}, s, GIFOptions{Split: Test, From: 0, To: 4, Cell: 9}); err == nil {
		t.Error("bad cell accepted")
	}
}

func TestWriteSheetAndRaster(t *testing.T) {
	s, err := Open(fixtures[1]) // compressed members
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o := SheetOptions{Split: Train, From: 0, To: 10, Scale: 2}
	var buf bytes.Buffer
	if err := WriteSheet(&buf, s, o); err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	cols, rows, w, h := SheetLayout(s, o)
	if cols != 4 || rows != 3 || cfg.Width != w || cfg.Height != h || w != 4*(s.W*2+4)+4 || h != 3*(s.H*2+14)+4 {
		t.Errorf("sheet %dx%d (%d cols %d rows), layout %dx%d", cfg.Width, cfg.Height, cols, rows, w, h)
	}
	img, err := png.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	// tile 5 = column 1, row 1; pixel (y=3, x=4)
	x0, y0 := 4+1*(s.W*2+4), 4+1*(s.H*2+14)
	r, _, _, _ := img.At(x0+4*2, y0+3*2).RGBA()
	if float64(r>>8) != rawValue(5, 3, 4, false) {
		t.Errorf("sheet pixel %d, want %v", r>>8, rawValue(5, 3, 4, false))
	}

	buf.Reset()
	pred := make([]float64, s.TestFrames)
	if err := WriteRaster(&buf, s, RasterOptions{Cell: 1, Width: 600, Pred: pred}); err != nil {
		t.Fatal(err)
	}
	cfg, err = png.DecodeConfig(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rh := max(2, min(8, 320/s.Trials))
	if cfg.Width != 600 || cfg.Height != 24+rh*s.Trials+14+150+44 {
		t.Errorf("raster %dx%d", cfg.Width, cfg.Height)
	}
	if err := WriteRaster(&bytes.Buffer{}, s, RasterOptions{Cell: -1}); err == nil {
		t.Error("cell -1 accepted")
	}
}

func TestText(t *testing.T) {
	for r, g := range glyphs {
		for _, row := range g {
			if len(row) != glyphW {
				t.Errorf("glyph %q row %q", r, row)
			}
		}
	}
	if TextWidth("AB", 2) != (2*6-1)*2 || TextWidth("", 1) != 0 {
		t.Error("TextWidth")
	}
}

// FuzzOpen feeds arbitrary bytes as a session file: Open and the reads that
// follow must fail cleanly, never panic or allocate beyond the file's size.
func FuzzOpen(f *testing.F) {
	for _, p := range fixtures {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) < 20000 {
			f.Add(b)
		}
	}
	small, _ := os.ReadFile(fixtures[1])
	f.Add(small[:len(small)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		// a fresh file per input (f.TempDir is not usable inside fuzz workers)
		tf, err := os.CreateTemp("", "20990101_fuzz_mouse_*.npz")
		if err != nil {
			t.Fatal(err)
		}
		p := tf.Name()
		defer os.Remove(p)
		_, err = tf.Write(b)
		tf.Close()
		if err != nil {
			t.Fatal(err)
		}
		s, err := Open(p)
		if err != nil {
			return
		}
		defer s.Close()
		for _, sp := range []Split{Train, Test} {
			if s.Frames(sp) > 0 {
				s.Frame(sp, s.Frames(sp)-1, nil)
			}
		}
		if s.Cells > 0 {
			s.CellResponse(Test, 0)
			if s.Trials > 0 {
				s.CellTrials(s.Cells - 1)
			}
		}
	})
}

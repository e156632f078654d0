package synth_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/synth"
)

// TestH5pyChunk compares H5pyChunk with the chunk shapes real h5py chose
// (testdata/gen_h5py_chunks.py: create_dataset with compression and no
// chunk shape) for session-like and random shapes and element sizes.
func TestH5pyChunk(t *testing.T) {
	b, err := os.ReadFile("testdata/h5py_chunks.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		H5py  string `json:"h5py"`
		Cases []struct {
			Shape    []uint64 `json:"shape"`
			ElemSize int      `json:"elem_size"`
			Chunk    []uint64 `json:"chunk"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) < 80 {
		t.Fatalf("only %d cases", len(fx.Cases))
	}
	for _, c := range fx.Cases {
		if got := synth.H5pyChunk(c.Shape, c.ElemSize); !slices.Equal(got, c.Chunk) {
			t.Errorf("H5pyChunk(%v, %d) = %v, h5py %s chose %v", c.Shape, c.ElemSize, got, fx.H5py, c.Chunk)
		}
	}
}

// TestMATLABChunk checks MATLABChunk against hand-computed cases: the
// issue's examples read from MATLAB's own files, and the extrapolation to
// image stacks (dimension by dimension, largest first).
func TestMATLABChunk(t *testing.T) {
	u := func(v ...uint64) []uint64 { return v }
	cases := []struct {
		shape []uint64
		size  int
		want  []uint64
	}{
		// seen in files MATLAB wrote
		{u(2001, 125), 8, u(64, 125)},          // 2,001,000 B: n = 31, 2001/31 = 64
		{u(175, 601), 8, u(175, 46)},           // 841,400 B: n = 13, 601/13 = 46
		{u(3, 28631), 8, u(3, 2602)},           // 687,144 B: n = 11, 28631/11 = 2602
		{u(128, 128), 8, u(128, 64)},           // 131,072 B: n = 2, tie: the last dimension
		{u(256, 271), 4, u(256, 54)},           // 277,504 B: n = 5, 271/5 = 54
		{u(100, 80), 8, u(100, 80)},            // 64,000 B: one chunk
		{u(8192), 8, u(8192)},                  // exactly 64 KiB: one chunk
		{u(8193), 8, u(4096)},                  // n = 2
		{u(3, 4, 100000), 1, u(3, 4, 5263)},    // 1,200,000 B: n = 19, 100000/19 = 5263
		{u(25, 1532, 1024), 1, u(25, 2, 1024)}, // 39,219,200 B: n = 599, 1532/599 = 2
		// extrapolated (floor(dim/n) = 0): dimension by dimension
		{u(150, 1532, 1024), 1, u(150, 1, 341)}, // n = 3591 > 1532: 1532 -> 1; 153,600 B: n = 3, 1024/3 = 341
		{u(40, 375, 250), 8, u(40, 1, 125)},     // n = 458 > 375: 375 -> 1; 80,000 B: n = 2, 250/2 = 125
		{u(100, 100, 100), 8, u(100, 50, 1)},    // n = 123: last 100 -> 1; 80,000 B: n = 2, tie: dim 1 -> 50
	}
	for _, c := range cases {
		got := synth.MATLABChunk(c.shape, c.size)
		if !slices.Equal(got, c.want) {
			t.Errorf("MATLABChunk(%v, %d) = %v, want %v", c.shape, c.size, got, c.want)
		}
		n := uint64(c.size)
		for _, v := range got {
			n *= v
		}
		if n > 65536 {
			t.Errorf("MATLABChunk(%v, %d) = %v: %d bytes > 64 KiB", c.shape, c.size, got, n)
		}
	}
}

// fixtureProfile is the session of the h5py-read layout fixtures (see
// testdata/genlayouts; the two must agree).
var fixtureProfile = synth.Profile{Name: "fixture", Species: "mouse", Hz: 75, Rows: 64, Cols: 160, NRun: 7, NFroz: 2,
	Blocks: 2, Tr: 150, Tf: 60, Trials: 3, Cells: 40}

type h5pyDataset struct {
	Shape           []uint64 `json:"shape"`
	Dtype           string   `json:"dtype"`
	Chunk           []uint64 `json:"chunk"`
	Compression     *string  `json:"compression"`
	CompressionOpts *int     `json:"compression_opts"`
	MATLABClass     string   `json:"matlab_class"`
	SHA256          string   `json:"sha256"`
}

// valuesSHA256 hashes a dataset's values as little-endian bytes in C order,
// as read_layouts.py does with h5py's array.
func valuesSHA256(s session, name string) string {
	h := sha256.New()
	if v, ok := s.u8[name]; ok {
		h.Write(v)
	} else {
		b := make([]byte, 8*len(s.f64[name]))
		for i, x := range s.f64[name] {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// checkAgainstH5py checks a session file read by our reader against what
// h5py read from the layout's fixture: the same values, shapes, chunks and
// compression.
func checkAgainstH5py(t *testing.T, what string, s session, want map[string]h5pyDataset) {
	t.Helper()
	if len(s.shapes) != len(want) {
		t.Errorf("%s: %d datasets, h5py saw %d", what, len(s.shapes), len(want))
	}
	for name, w := range want {
		if !slices.Equal(s.shapes[name], w.Shape) {
			t.Errorf("%s %s: shape %v, h5py %v", what, name, s.shapes[name], w.Shape)
		}
		if got := valuesSHA256(s, name); got != w.SHA256 {
			t.Errorf("%s %s: values differ from h5py's (sha256 %s, h5py %s)", what, name, got, w.SHA256)
		}
		if w.Chunk == nil {
			if s.layout[name] != hdf5.LayoutContiguous || len(s.filters[name]) != 0 {
				t.Errorf("%s %s: layout %v filters %v, h5py saw contiguous", what, name, s.layout[name], s.filters[name])
			}
			continue
		}
		if s.layout[name] != hdf5.LayoutChunked || !slices.Equal(s.chunk[name], w.Chunk) {
			t.Errorf("%s %s: layout %v chunk %v, h5py saw chunk %v", what, name, s.layout[name], s.chunk[name], w.Chunk)
		}
		f := s.filters[name]
		if w.Compression == nil || *w.Compression != "gzip" || w.CompressionOpts == nil ||
			len(f) != 1 || f[0].ID != 1 || len(f[0].Params) != 1 || int(f[0].Params[0]) != *w.CompressionOpts {
			t.Errorf("%s %s: filters %v, h5py saw %s", what, name, f, fmtCompression(w))
		}
	}
}

func fmtCompression(w h5pyDataset) string {
	if w.Compression == nil || w.CompressionOpts == nil {
		return "no compression"
	}
	return fmt.Sprintf("%s level %d", *w.Compression, *w.CompressionOpts)
}

func loadH5pyRead(t *testing.T) map[string]map[string]h5pyDataset {
	t.Helper()
	b, err := os.ReadFile("testdata/layouts/h5py_read.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Layouts map[string]map[string]h5pyDataset `json:"layouts"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	return fx.Layouts
}

// TestLayoutFixturesH5py reads the committed per-layout fixtures (written by
// synth, read by h5py: testdata/read_layouts.py) with our reader and
// compares with h5py's view; it then writes the same session again in each
// layout and checks that synth still writes what h5py read, with the chunk
// shapes of the layout's rule.
func TestLayoutFixturesH5py(t *testing.T) {
	ref := loadH5pyRead(t)
	for _, l := range synth.Layouts() {
		want, ok := ref[string(l)]
		if !ok {
			t.Fatalf("no h5py fixture for layout %s", l)
		}
		s := readSession(t, filepath.Join("testdata", "layouts", string(l), "fixationmovie_data.mat"))
		checkAgainstH5py(t, "fixture "+string(l), s, want)

		dir := t.TempDir()
		if err := synth.WriteSession(context.Background(), dir, fixtureProfile, 5, synth.Options{Layout: l}); err != nil {
			t.Fatal(err)
		}
		s = readSession(t, filepath.Join(dir, "fixationmovie_data.mat"))
		checkAgainstH5py(t, "new "+string(l), s, want)
		for name, shape := range s.shapes {
			size := 8
			if _, ok := s.u8[name]; ok {
				size = 1
			}
			var rule []uint64
			switch l {
			case synth.LayoutH5py:
				rule = synth.H5pyChunk(shape, size)
			case synth.LayoutMATLAB:
				rule = synth.MATLABChunk(shape, size)
			default:
				continue
			}
			if !slices.Equal(s.chunk[name], rule) {
				t.Errorf("%s %s: chunk %v, rule %v", l, name, s.chunk[name], rule)
			}
		}
	}
	// the fixtures exercise chunks that span images and edge chunks
	if c := ref["h5py"]["runningImages"].Chunk; !slices.Equal(c, []uint64{4, 80, 32}) {
		t.Errorf("h5py runningImages chunk %v, want (4, 80, 32) (7 images: an edge chunk of 3)", c)
	}
	if c := ref["matlab"]["runningImages"].Chunk; !slices.Equal(c, []uint64{7, 80, 64}) {
		t.Errorf("matlab runningImages chunk %v, want (7, 80, 64)", c)
	}
}

// TestLayoutsReadBack writes the tiny profile (640 x 860 images) in every
// layout and checks that our reader returns the same arrays from each, with
// the layout's storage.
func TestLayoutsReadBack(t *testing.T) {
	p := synth.Profiles["tiny"]
	var first session
	for i, l := range synth.Layouts() {
		dir := t.TempDir()
		if err := synth.WriteSession(context.Background(), dir, p, 9, synth.Options{Layout: l, Workers: 2}); err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{"fixationmovie_data.mat", "frozencheckerflicker_data.mat"} {
			s := readSession(t, filepath.Join(dir, file))
			for name := range s.shapes {
				switch l {
				case synth.LayoutContiguous:
					if s.layout[name] != hdf5.LayoutContiguous || len(s.filters[name]) != 0 {
						t.Errorf("%s %s %s: layout %v filters %v", l, file, name, s.layout[name], s.filters[name])
					}
				default:
					if f := s.filters[name]; s.layout[name] != hdf5.LayoutChunked || len(f) != 1 || f[0].ID != 1 || f[0].Params[0] != 3 {
						t.Errorf("%s %s %s: layout %v filters %v, want chunked, deflate 3", l, file, name, s.layout[name], f)
					}
				}
			}
			if file != "fixationmovie_data.mat" {
				continue
			}
			if i == 0 {
				first = s
				continue
			}
			for name := range first.shapes {
				if !slices.Equal(first.u8[name], s.u8[name]) || !slices.Equal(first.f64[name], s.f64[name]) ||
					!slices.Equal(first.shapes[name], s.shapes[name]) {
					t.Errorf("%s: %s differs from the %s layout's", l, name, synth.Layouts()[0])
				}
			}
		}
	}
}

func TestParseLayout(t *testing.T) {
	for _, l := range synth.Layouts() {
		if got, err := synth.ParseLayout(string(l)); err != nil || got != l {
			t.Errorf("ParseLayout(%q) = %q, %v", l, got, err)
		}
	}
	if got, err := synth.ParseLayout(""); err != nil || got != synth.LayoutOwn {
		t.Errorf(`ParseLayout("") = %q, %v`, got, err)
	}
	if _, err := synth.ParseLayout("hdf5"); err == nil {
		t.Error("ParseLayout(hdf5): no error")
	}
	if _, err := synth.Write(context.Background(), t.TempDir(), synth.Options{Profile: synth.Profiles["tiny"], Layout: "x"}); err == nil {
		t.Error("Write with layout x: no error")
	}
}

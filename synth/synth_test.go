package synth_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/synth"
)

type session struct {
	shapes map[string][]uint64
	f64    map[string][]float64
	u8     map[string][]uint8
	// storage per dataset, as our reader sees it
	layout  map[string]hdf5.Layout
	chunk   map[string][]uint64
	filters map[string][]hdf5.Filter
}

func readSession(t *testing.T, path string) session {
	t.Helper()
	f, err := hdf5.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := session{shapes: map[string][]uint64{}, f64: map[string][]float64{}, u8: map[string][]uint8{},
		layout: map[string]hdf5.Layout{}, chunk: map[string][]uint64{}, filters: map[string][]hdf5.Filter{}}
	links, err := f.Root().Links()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		d, err := f.OpenDataset("/" + l.Name)
		if err != nil {
			t.Fatal(err)
		}
		s.shapes[l.Name] = d.Shape()
		a, err := d.Attr("MATLAB_class")
		if err != nil || a == nil {
			t.Fatalf("%s: no MATLAB_class (%v)", l.Name, err)
		}
		want := "double"
		if d.Datatype().Size == 1 {
			want = "uint8"
			var v []uint8
			if err := d.Read(context.Background(), &v); err != nil {
				t.Fatal(err)
			}
			s.u8[l.Name] = v
		} else {
			var v []float64
			if err := d.Read(context.Background(), &v); err != nil {
				t.Fatal(err)
			}
			s.f64[l.Name] = v
		}
		if a.String() != want || d.Datatype().NumpyDescr() != map[string]string{"double": "<f8", "uint8": "|u1"}[want] && !(want == "uint8" && d.Datatype().NumpyDescr() == "<u1") {
			t.Errorf("%s: class %q dtype %s", l.Name, a.String(), d.Datatype().NumpyDescr())
		}
		s.layout[l.Name], s.chunk[l.Name], s.filters[l.Name] = d.Layout(), d.ChunkShape(), d.Filters()
	}
	return s
}

// checkOwnStorage checks that every dataset of s is chunked and deflated
// (synth's own layout).
func checkOwnStorage(t *testing.T, s session) {
	t.Helper()
	for name := range s.shapes {
		if s.layout[name] != hdf5.LayoutChunked || len(s.filters[name]) != 1 || s.filters[name][0].ID != 1 {
			t.Errorf("%s: layout %v filters %v, want chunked + deflate", name, s.layout[name], s.filters[name])
		}
	}
}

func TestTinySession(t *testing.T) {
	p := synth.Profiles["tiny"]
	dir := t.TempDir()
	paths, err := synth.Write(context.Background(), dir, synth.Options{Profile: p, Seed: 3, Sessions: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 || filepath.Base(paths[0]) != synth.SessionName("mouse", 2) || filepath.Base(paths[1]) != "20210205_252MEA_mouse_right_half_dorsal" || paths[0] == paths[1] {
		t.Fatalf("paths %v", paths)
	}
	s := readSession(t, filepath.Join(paths[0], "fixationmovie_data.mat"))
	checkOwnStorage(t, s)
	u := func(v ...int) []uint64 {
		out := make([]uint64, len(v))
		for i, x := range v {
			out[i] = uint64(x)
		}
		return out
	}
	want := map[string][]uint64{
		"runningImages":    u(p.NRun, p.Cols, p.Rows),
		"frozenImages":     u(p.NFroz, p.Cols, p.Rows),
		"runningfixations": u(p.Blocks, p.Tr, 3),
		"frozenfixations":  u(p.Tf, 3),
		"runningbin":       u(p.Blocks, p.Tr, p.Cells),
		"frozenbin":        u(p.Trials, p.Tf, p.Cells),
	}
	if len(s.shapes) != len(want) {
		t.Errorf("datasets %v", s.shapes)
	}
	for k, w := range want {
		if !slices.Equal(s.shapes[k], w) {
			t.Errorf("%s: shape %v, want %v", k, s.shapes[k], w)
		}
	}
	checkFix := func(name string, v []float64, nimg int) {
		edge := 0
		for i := 0; i < len(v); i += 3 {
			img, x, y := v[i], v[i+1], v[i+2]
			if img != math.Trunc(img) || img < 1 || img > float64(nimg) || x != math.Trunc(x) || y != math.Trunc(y) {
				t.Fatalf("%s row %d: %v %v %v", name, i/3, img, x, y)
			}
			// some of the image stays on the 600x800 screen
			if x < 1-400+40 || x > float64(p.Cols)+400-40 || y < 1-300+40 || y > float64(p.Rows)+300-40 {
				t.Fatalf("%s row %d: fixation (%v, %v) leaves the image off screen", name, i/3, x, y)
			}
			if x < 100 || y < 100 || x > float64(p.Cols)-100 || y > float64(p.Rows)-100 {
				edge++
			}
		}
		t.Logf("%s: %d of %d fixations within 100 px of an edge", name, edge, len(v)/3)
	}
	checkFix("runningfixations", s.f64["runningfixations"], p.NRun)
	checkFix("frozenfixations", s.f64["frozenfixations"], p.NFroz)
	for _, k := range []string{"runningbin", "frozenbin"} {
		sum := 0.0
		for i, v := range s.f64[k] {
			if v < 0 || v != math.Trunc(v) {
				t.Fatalf("%s[%d] = %v: not a spike count", k, i, v)
			}
			sum += v
		}
		if sum == 0 {
			t.Errorf("%s: no spikes", k)
		}
	}
	// repeats differ (not just copies)
	fb := s.f64["frozenbin"]
	n := p.Tf * p.Cells
	if slices.Equal(fb[:n], fb[n:2*n]) {
		t.Error("frozenbin: trial 1 equals trial 0")
	}
	// images use the range and are not constant
	img := s.u8["runningImages"][:p.Rows*p.Cols]
	lo, hi := slices.Min(img), slices.Max(img)
	if hi-lo < 150 {
		t.Errorf("image 0 range %d..%d", lo, hi)
	}
	// checker file: responses only
	c := readSession(t, filepath.Join(paths[0], "frozencheckerflicker_data.mat"))
	checkOwnStorage(t, c)
	if len(c.shapes) != 2 || c.shapes["frozenbin"] == nil || c.shapes["runningbin"] == nil {
		t.Errorf("frozencheckerflicker datasets %v", c.shapes)
	}
	// deterministic: the same seed gives the same content, another seed not
	again, err := synth.Write(context.Background(), t.TempDir(), synth.Options{Profile: p, Seed: 3, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	s2 := readSession(t, filepath.Join(again[0], "fixationmovie_data.mat"))
	for k := range want {
		if !slices.Equal(s.f64[k], s2.f64[k]) || !slices.Equal(s.u8[k], s2.u8[k]) {
			t.Errorf("%s differs between two runs with the same seed", k)
		}
	}
	s3 := readSession(t, filepath.Join(paths[1], "fixationmovie_data.mat"))
	if slices.Equal(s.u8["runningImages"], s3.u8["runningImages"]) || slices.Equal(s.f64["frozenbin"], s3.f64["frozenbin"]) {
		t.Error("sessions 0 and 1 are identical")
	}
}

func TestZip(t *testing.T) {
	dir := t.TempDir()
	// what a killed synth --zip left: its process is gone (no pid is that
	// large) and it has not been touched for an hour; and one of a live
	// synth (this test's pid), just as old
	old := time.Now().Add(-48 * time.Hour)
	dead := filepath.Join(dir, ".retinaio-synth-zip-999999999-1234")
	live := filepath.Join(dir, fmt.Sprintf(".retinaio-synth-zip-%d-5678", os.Getpid()))
	// and the user's own, just as old, whatever their names
	mine := []string{filepath.Join(dir, ".synth-notes"), filepath.Join(dir, ".synth-999999999-1234"), filepath.Join(dir, ".synth-123")}
	for _, d := range append([]string{dead, live}, mine...) {
		if err := os.MkdirAll(filepath.Join(d, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
	}
	paths, err := synth.Write(context.Background(), dir, synth.Options{Profile: synth.Profiles["tiny"], Zip: true})
	if err != nil || len(paths) != 1 || filepath.Ext(paths[0]) != ".zip" {
		t.Fatalf("%v %v", paths, err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("a dead synth's folder is still there: %v", err)
	}
	for _, d := range append([]string{live}, mine...) {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("removed: %v", err)
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".retinaio-synth-zip-") && filepath.Join(dir, e.Name()) != live {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestSessionNames(t *testing.T) {
	seen := map[string]bool{}
	for _, sp := range []string{"mouse", "marmoset"} {
		for i := 0; i < 50; i++ {
			n := synth.SessionName(sp, i)
			if seen[n] {
				t.Fatalf("duplicate session name %s", n)
			}
			seen[n] = true
		}
	}
	if n := synth.SessionName("marmoset", 0); n != "20220301_60MEA_marmoset_left_s1" {
		t.Errorf("marmoset name %s", n)
	}
}

func Example() {
	p := synth.Profiles["tiny"]
	fmt.Println(p.Describe())
	fmt.Println(synth.SessionName("mouse", 0))
	fmt.Println(synth.SessionName("marmoset", 1))
	// Output:
	// tiny (mouse, 75 Hz): images 640x860, 3+2 images, 2 blocks x 40 frames, 30 test frames x 3 repeats, 5 cells
	// 20210115_252MEA_mouse_left_half_ventral
	// 20220308_60MEA_marmoset_right_s2
}

// BenchmarkImage generates one 1024 x 1532 image (MB/s of pixels).
func BenchmarkImage(b *testing.B) {
	b.SetBytes(1024 * 1532)
	for i := 0; i < b.N; i++ {
		synth.Image(1532, 1024, 1, "bench", i)
	}
}

// BenchmarkWriteMedium writes a whole medium session (14 images of 1024 x
// 1532, 4 x 375 + 375 x 10 frames, 50 cells); MB/s of image data.
func BenchmarkWriteMedium(b *testing.B) {
	p := synth.Profiles["medium"]
	b.SetBytes(int64(p.NRun+p.NFroz) * int64(p.Rows*p.Cols))
	for i := 0; i < b.N; i++ {
		if _, err := synth.Write(context.Background(), b.TempDir(), synth.Options{Profile: p, Seed: uint64(i + 1)}); err != nil {
			b.Fatal(err)
		}
	}
}

package hdf5write_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/hdf5write"
)

var update = flag.Bool("update", false, "rewrite testdata/fixture.mat (then rerun testdata/check_h5py.py)")

// entry is one dataset of the deterministic fixture.
type entry struct {
	path    string
	shape   []uint64
	chunk   []uint64
	deflate int
	data    any
	attrs   []hdf5write.Attr
	dtype   string // numpy descr h5py must report
}

type groupSpec struct {
	path  string
	attrs []hdf5write.Attr
}

func cls(c string) hdf5write.Attr { return hdf5write.Attr{Name: "MATLAB_class", Value: c} }

// fixtureSpec is the deterministic content of testdata/fixture.mat.
func fixtureSpec() ([]groupSpec, []entry) {
	img := make([]uint8, 5*37*29)
	for i := range img {
		img[i] = uint8(i*31 + i/7)
	}
	u16 := make([]uint16, 30)
	for i := range u16 {
		u16[i] = uint16(i * 997 * 7)
	}
	f32 := make([]float32, 20)
	for i := range f32 {
		f32[i] = float32(i-7) / 4
	}
	f64 := make([]float64, 70*3)
	for i := range f64 {
		f64[i] = float64(i)/8 - 3
	}
	f64[5] = 1e-300
	f64[6] = math.Pi
	f64[7] = -1.5e300
	groups := []groupSpec{
		{path: "/s", attrs: []hdf5write.Attr{cls("struct")}},
		{path: "/s/nested", attrs: []hdf5write.Attr{cls("struct")}},
	}
	es := []entry{
		{path: "/images", shape: []uint64{5, 37, 29}, chunk: []uint64{1, 16, 16}, deflate: 4, data: img, attrs: []hdf5write.Attr{cls("uint8")}, dtype: "|u1"},
		{path: "/u16", shape: []uint64{3, 10}, chunk: []uint64{2, 4}, deflate: 1, data: u16, attrs: []hdf5write.Attr{cls("uint16")}, dtype: "<u2"},
		{path: "/f32", shape: []uint64{4, 5}, data: f32, attrs: []hdf5write.Attr{cls("single")}, dtype: "<f4"},
		{path: "/f64", shape: []uint64{70, 3}, chunk: []uint64{1, 3}, deflate: 9, data: f64, dtype: "<f8", attrs: []hdf5write.Attr{
			cls("double"), {Name: "vec", Value: []float64{0.5, -1, 3}}, {Name: "n", Value: -7}, {Name: "u", Value: uint32(9)}}},
		{path: "/u64", shape: []uint64{4}, data: []uint64{0, 1, 1<<63 + 5, math.MaxUint64}, attrs: []hdf5write.Attr{cls("uint64")}, dtype: "<u8"},
		{path: "/i32", shape: []uint64{2, 2}, chunk: []uint64{2, 2}, deflate: 3, data: []int32{-1, 2, math.MinInt32, math.MaxInt32}, attrs: []hdf5write.Attr{cls("int32")}, dtype: "<i4"},
		{path: "/scalar", data: []float64{2.5}, attrs: []hdf5write.Attr{cls("double")}, dtype: "<f8"},
		{path: "/empty", shape: []uint64{2}, data: []uint64{0, 0}, attrs: []hdf5write.Attr{cls("double"), {Name: "MATLAB_empty", Value: uint8(1)}}, dtype: "<u8"},
		{path: "/char", shape: []uint64{5, 1}, data: []uint16{'h', 'e', 'l', 'l', 'o'}, attrs: []hdf5write.Attr{cls("char"), {Name: "MATLAB_int_decode", Value: int32(2)}}, dtype: "<u2"},
		{path: "/s/nested/deep", shape: []uint64{3}, data: []int8{-128, 0, 127}, attrs: []hdf5write.Attr{cls("int8")}, dtype: "|i1"},
	}
	for i := 0; i < 30; i++ {
		es = append(es, entry{path: fmt.Sprintf("/s/f%02d", i), shape: []uint64{1, 1}, data: []float64{float64(i)}, attrs: []hdf5write.Attr{cls("double")}, dtype: "<f8"})
	}
	return groups, es
}

// writeFixture writes the fixture to path.
func writeFixture(path string, workers int) error {
	groups, es := fixtureSpec()
	w, err := hdf5write.Create(path, hdf5write.Options{MATLABHeader: true, Workers: workers,
		Created: time.Date(2021, 1, 15, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	defer w.Abort()
	gs := map[string]*hdf5write.Group{"/": w.Root()}
	for _, g := range groups {
		dir, name := splitPath(g.path)
		ng, err := gs[dir].CreateGroup(name, g.attrs...)
		if err != nil {
			return err
		}
		gs[g.path] = ng
	}
	for _, e := range es {
		dir, name := splitPath(e.path)
		if err := gs[dir].WriteDataset(name, hdf5write.Dataset{Shape: e.shape, Data: e.data, Chunk: e.chunk, Deflate: e.deflate, Attrs: e.attrs}); err != nil {
			return err
		}
	}
	return w.Close()
}

func splitPath(p string) (dir, name string) {
	i := strings.LastIndex(p, "/")
	dir = p[:i]
	if dir == "" {
		dir = "/"
	}
	return dir, p[i+1:]
}

type h5pyAttr struct {
	String *string        `json:"string"`
	Dtype  string         `json:"dtype"`
	Shape  []int          `json:"shape"`
	Values []json.Number  `json:"values"`
	Extra  map[string]any `json:"-"`
}

type h5pyDataset struct {
	Shape       []uint64            `json:"shape"`
	Dtype       string              `json:"dtype"`
	Chunks      []uint64            `json:"chunks"`
	Compression *string             `json:"compression"`
	Opts        *int                `json:"compression_opts"`
	Values      []json.Number       `json:"values"`
	Attrs       map[string]h5pyAttr `json:"attrs"`
}

type h5pyDump struct {
	HeaderText    string `json:"header_text"`
	HeaderTail    []int  `json:"header_tail"`
	UserblockSize int    `json:"userblock_size"`
	Groups        map[string]struct {
		Attrs   map[string]h5pyAttr `json:"attrs"`
		Members []string            `json:"members"`
	} `json:"groups"`
	Datasets map[string]h5pyDataset `json:"datasets"`
}

func loadDump(t *testing.T) h5pyDump {
	t.Helper()
	b, err := os.ReadFile("testdata/fixture.h5py.json")
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var dump h5pyDump
	if err := d.Decode(&dump); err != nil {
		t.Fatal(err)
	}
	return dump
}

// numbers renders a Go slice as exact decimal strings for comparison with
// JSON numbers (integers exactly; floats via their float64 value).
func numbers(data any) []string {
	v := reflect.ValueOf(data)
	out := make([]string, v.Len())
	for i := range out {
		e := v.Index(i)
		switch e.Kind() {
		case reflect.Float32, reflect.Float64:
			out[i] = strconv.FormatFloat(e.Float(), 'g', -1, 64)
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			out[i] = strconv.FormatUint(e.Uint(), 10)
		default:
			out[i] = strconv.FormatInt(e.Int(), 10)
		}
	}
	return out
}

// jsonNumbers normalises JSON numbers the same way (floats re-formatted).
func jsonNumbers(ns []json.Number, float bool) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		if float {
			f, err := strconv.ParseFloat(string(n), 64)
			if err != nil {
				out[i] = "bad:" + string(n)
				continue
			}
			out[i] = strconv.FormatFloat(f, 'g', -1, 64)
		} else {
			out[i] = string(n)
		}
	}
	return out
}

func attrWant(a hdf5write.Attr) (str *string, nums []string, float bool) {
	switch v := a.Value.(type) {
	case string:
		return &v, nil, false
	case int:
		return nil, []string{strconv.Itoa(v)}, false
	case float32, float64:
		return nil, numbers([]float64{reflect.ValueOf(v).Float()}), true
	case []float64:
		return nil, numbers(v), true
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Slice {
			return nil, numbers(v), false
		}
		s := reflect.MakeSlice(reflect.SliceOf(rv.Type()), 1, 1)
		s.Index(0).Set(rv)
		return nil, numbers(s.Interface()), false
	}
}

// TestFixtureMatchesH5py ties the writer of today to what h5py read.
// testdata/fixture.mat was written by this package and read by h5py
// (testdata/check_h5py.py -> testdata/fixture.h5py.json). The test checks
// that h5py's record equals the fixture's deterministic inputs, then writes
// the fixture again with the current writer (one and several workers) and
// requires the committed file byte for byte (the writer places data in a
// fixed order and Options.Created fixes the header, so its output is
// reproducible). Where bytes differ it also reports the first object whose
// structure, as package hdf5 sees it, differs. Any change to the writer's
// output fails here until the fixture is regenerated (-update) and h5py has
// read it again (check_h5py.py).
func TestFixtureMatchesH5py(t *testing.T) {
	if *update {
		if err := writeFixture("testdata/fixture.mat", 0); err != nil {
			t.Fatal(err)
		}
		t.Skip("fixture rewritten; now run: /usr/bin/python3 testdata/check_h5py.py testdata/fixture.mat > testdata/fixture.h5py.json")
	}
	checkDumpMatchesSpec(t)
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprint("workers", workers), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "fresh.mat")
			if err := writeFixture(path, workers); err != nil {
				t.Fatal(err)
			}
			sameBytes(t, path, "testdata/fixture.mat")
		})
	}
}

// checkDumpMatchesSpec checks h5py's record of the committed fixture against
// the fixture's deterministic inputs.
func checkDumpMatchesSpec(t *testing.T) {
	t.Helper()
	dump := loadDump(t)
	text := "MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Fri Jan 15 12:00:00 2021 HDF5 schema 1.00 ."
	if want := text + strings.Repeat(" ", 116-len(text)); dump.HeaderText != want {
		t.Errorf("MAT header text %q, want %q", dump.HeaderText, want)
	}
	if !slices.Equal(dump.HeaderTail, []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 'I', 'M'}) {
		t.Errorf("MAT header tail %v", dump.HeaderTail)
	}
	if dump.UserblockSize != 512 {
		t.Errorf("userblock %d", dump.UserblockSize)
	}
	groups, es := fixtureSpec()
	if len(dump.Datasets) != len(es) {
		t.Errorf("h5py saw %d datasets, want %d", len(dump.Datasets), len(es))
	}
	for _, e := range es {
		got, ok := dump.Datasets[e.path]
		if !ok {
			t.Errorf("%s: not seen by h5py", e.path)
			continue
		}
		shape := e.shape
		if shape == nil {
			shape = []uint64{}
		}
		if !slices.Equal(got.Shape, shape) || got.Dtype != e.dtype {
			t.Errorf("%s: h5py shape %v dtype %s, want %v %s", e.path, got.Shape, got.Dtype, shape, e.dtype)
		}
		if !slices.Equal(got.Chunks, e.chunk) {
			t.Errorf("%s: h5py chunks %v, want %v", e.path, got.Chunks, e.chunk)
		}
		if (e.deflate > 0) != (got.Compression != nil && *got.Compression == "gzip") ||
			(e.deflate > 0 && (got.Opts == nil || *got.Opts != e.deflate)) {
			t.Errorf("%s: h5py compression %v %v, want deflate %d", e.path, got.Compression, got.Opts, e.deflate)
		}
		float := strings.Contains(e.dtype, "f")
		if g, w := jsonNumbers(got.Values, float), numbers(e.data); !slices.Equal(g, w) {
			t.Errorf("%s: h5py values %v, want %v", e.path, g, w)
		}
		checkAttrs(t, e.path, got.Attrs, e.attrs)
	}
	for _, g := range groups {
		got, ok := dump.Groups[g.path]
		if !ok {
			t.Errorf("group %s not seen by h5py", g.path)
			continue
		}
		checkAttrs(t, g.path, got.Attrs, g.attrs)
	}
	if n := len(dump.Groups["/s"].Members); n != 31 {
		t.Errorf("/s has %d members in h5py, want 31", n)
	}
}

func checkAttrs(t *testing.T, path string, got map[string]h5pyAttr, want []hdf5write.Attr) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: h5py attrs %v, want %d", path, got, len(want))
	}
	for _, a := range want {
		g, ok := got[a.Name]
		if !ok {
			t.Errorf("%s: attribute %s missing in h5py", path, a.Name)
			continue
		}
		s, nums, float := attrWant(a)
		if s != nil {
			if g.String == nil || *g.String != *s {
				t.Errorf("%s: attribute %s = %v, want %q", path, a.Name, g, *s)
			}
			continue
		}
		if gn := jsonNumbers(g.Values, float); !slices.Equal(gn, nums) {
			t.Errorf("%s: attribute %s = %v, want %v", path, a.Name, gn, nums)
		}
	}
}

// readAll reads a dataset into the Go slice type that holds it exactly.
func readAll(t *testing.T, d *hdf5.Dataset, like any) any {
	t.Helper()
	p := reflect.New(reflect.TypeOf(like))
	if err := d.Read(context.Background(), p.Interface()); err != nil {
		t.Fatalf("%s: read: %v", d.Path(), err)
	}
	return p.Elem().Interface()
}

// checkAgainstDump reads path with package hdf5 and compares every dataset
// and attribute with what h5py read from the committed fixture.
func checkAgainstDump(t *testing.T, path string) {
	dump := loadDump(t)
	f, err := hdf5.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.UserBlockSize() != int64(dump.UserblockSize) {
		t.Errorf("user block %d, h5py %d", f.UserBlockSize(), dump.UserblockSize)
	}
	_, es := fixtureSpec()
	for _, e := range es {
		want := dump.Datasets[e.path]
		d, err := f.OpenDataset(e.path)
		if err != nil {
			t.Errorf("%s: %v", e.path, err)
			continue
		}
		if !slices.Equal(d.Shape(), want.Shape) {
			t.Errorf("%s: shape %v, h5py %v", e.path, d.Shape(), want.Shape)
		}
		if !slices.Equal(d.ChunkShape(), want.Chunks) {
			t.Errorf("%s: chunks %v, h5py %v", e.path, d.ChunkShape(), want.Chunks)
		}
		if g := d.Datatype().NumpyDescr(); g != want.Dtype && !(g == "<u1" && want.Dtype == "|u1") && !(g == "<i1" && want.Dtype == "|i1") {
			t.Errorf("%s: dtype %s, h5py %s", e.path, g, want.Dtype)
		}
		float := strings.Contains(want.Dtype, "f")
		got := readAll(t, d, e.data)
		if g, w := numbers(got), jsonNumbers(want.Values, float); !slices.Equal(g, w) {
			t.Errorf("%s: values %v, h5py %v", e.path, g, w)
		}
		attrs, err := d.Attrs()
		if err != nil {
			t.Errorf("%s: attrs: %v", e.path, err)
			continue
		}
		if len(attrs) != len(want.Attrs) {
			t.Errorf("%s: %d attrs, h5py %d", e.path, len(attrs), len(want.Attrs))
		}
		for _, a := range attrs {
			wa, ok := want.Attrs[a.Name]
			if !ok {
				t.Errorf("%s: attribute %s not in h5py's", e.path, a.Name)
				continue
			}
			if wa.String != nil {
				if a.String() != *wa.String {
					t.Errorf("%s: attribute %s = %q, h5py %q", e.path, a.Name, a.String(), *wa.String)
				}
				continue
			}
			var g []string
			if strings.Contains(wa.Dtype, "f") {
				g = numbers(a.Values)
			} else {
				g = numbers(a.Integers)
			}
			if w := jsonNumbers(wa.Values, strings.Contains(wa.Dtype, "f")); !slices.Equal(g, w) {
				t.Errorf("%s: attribute %s = %v, h5py %v", e.path, a.Name, g, w)
			}
		}
	}
	for p, want := range dump.Groups {
		g, err := f.OpenGroup(p)
		if err != nil {
			t.Errorf("group %s: %v", p, err)
			continue
		}
		links, err := g.Links()
		if err != nil {
			t.Errorf("group %s: %v", p, err)
			continue
		}
		var names []string
		for _, l := range links {
			names = append(names, l.Name)
		}
		sort.Strings(names)
		if !slices.Equal(names, want.Members) {
			t.Errorf("group %s: members %v, h5py %v", p, names, want.Members)
		}
	}
}

// TestFreshWriteMatchesH5py writes the fixture again (one and several
// workers) and checks that package hdf5 reads from it exactly what h5py
// read from the committed fixture.
func TestFreshWriteMatchesH5py(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprint("workers", workers), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "fresh.mat")
			if err := writeFixture(path, workers); err != nil {
				t.Fatal(err)
			}
			checkAgainstDump(t, path)
		})
	}
}

// TestCommittedFixtureReads reads the committed (h5py-verified) fixture
// with package hdf5.
func TestCommittedFixtureReads(t *testing.T) {
	checkAgainstDump(t, "testdata/fixture.mat")
}

// describe renders everything package hdf5 reports about a file except the
// placement of its raw data: one line per object, in walk order.
func describe(t *testing.T, path string) []string {
	t.Helper()
	f, err := hdf5.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := []string{fmt.Sprintf("superblock v%d, user block %d", f.SuperblockVersion(), f.UserBlockSize())}
	err = f.Walk(func(p string, obj hdf5.Object) error {
		switch o := obj.(type) {
		case *hdf5.Dataset:
			raw, err := o.ReadRaw(context.Background())
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			attrs, err := o.Attrs()
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			out = append(out, fmt.Sprintf("dataset %s: shape %v max %v layout %v index %q chunks %v filters %+v dtype %s fill %x data %x attrs %s",
				p, o.Shape(), o.MaxShape(), o.Layout(), o.ChunkIndex(), o.ChunkShape(), o.Filters(),
				o.Datatype().NumpyDescr(), o.FillValue(), raw, describeAttrs(attrs)))
		case *hdf5.Group:
			links, err := o.Links()
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			var names []string
			for _, l := range links {
				names = append(names, l.Name)
			}
			attrs, err := o.Attrs()
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			out = append(out, fmt.Sprintf("group %s: links %v attrs %s", p, names, describeAttrs(attrs)))
		default:
			out = append(out, fmt.Sprintf("other %s: %T", p, obj))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func describeAttrs(as []hdf5.Attribute) string {
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "[%s %s shape %v raw %x %q]", a.Name, a.Type.NumpyDescr(), a.Shape, a.Raw, a.Strings)
	}
	return b.String()
}

// sameBytes fails the test unless the files at got and want are identical;
// when they are not, it names the first differing byte and every object
// whose description (see describe) differs.
func sameBytes(t *testing.T, got, want string) {
	t.Helper()
	gb, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(gb, wb) {
		return
	}
	at := 0
	for at < min(len(gb), len(wb)) && gb[at] == wb[at] {
		at++
	}
	t.Errorf("the writer's output (%d bytes) differs from %s (%d bytes) from byte %d on", len(gb), want, len(wb), at)
	g, w := describe(t, got), describe(t, want)
	if len(g) != len(w) {
		t.Errorf("%d objects, %s has %d", len(g), want, len(w))
	}
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			t.Errorf("object %d differs from %s:\n got  %.400s\n want %.400s", i, want, g[i], w[i])
		}
	}
}

package npy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

type expectArray struct {
	Descr   string   `json:"descr"`
	Fortran bool     `json:"fortran"`
	Shape   []int    `json:"shape"`
	Values  []string `json:"values"`
}

type expectFile struct {
	NPY map[string]expectArray `json:"npy"`
	NPZ map[string]struct {
		Names  []string               `json:"names"`
		Arrays map[string]expectArray `json:"arrays"`
	} `json:"npz"`
}

func loadExpect(t testing.TB) expectFile {
	t.Helper()
	b, err := os.ReadFile("testdata/expect.json")
	if err != nil {
		t.Fatal(err)
	}
	var e expectFile
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// valueStrings formats data like gen_npy.py: integers in decimal, floats as
// the hex of their bits, complex as "re,im" bits.
func valueStrings(data any) []string {
	var out []string
	switch v := data.(type) {
	case []bool:
		for _, x := range v {
			if x {
				out = append(out, "1")
			} else {
				out = append(out, "0")
			}
		}
	case []float32:
		for _, x := range v {
			out = append(out, fmt.Sprintf("%x", math.Float32bits(x)))
		}
	case []float64:
		for _, x := range v {
			out = append(out, fmt.Sprintf("%x", math.Float64bits(x)))
		}
	case []complex64:
		for _, x := range v {
			out = append(out, fmt.Sprintf("%x,%x", math.Float32bits(real(x)), math.Float32bits(imag(x))))
		}
	case []complex128:
		for _, x := range v {
			out = append(out, fmt.Sprintf("%x,%x", math.Float64bits(real(x)), math.Float64bits(imag(x))))
		}
	default:
		rv := reflect.ValueOf(data)
		for i := 0; i < rv.Len(); i++ {
			out = append(out, fmt.Sprint(rv.Index(i).Interface()))
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

func checkArray(t *testing.T, what string, a *Array, e expectArray) {
	t.Helper()
	if a.Descr != e.Descr || a.Fortran != e.Fortran || !reflect.DeepEqual(a.Shape, e.Shape) {
		t.Errorf("%s: header %+v, want descr %s fortran %v shape %v", what, a.Header, e.Descr, e.Fortran, e.Shape)
	}
	if got := valueStrings(a.Data); !reflect.DeepEqual(got, e.Values) {
		t.Errorf("%s: values\n got %v\nwant %v", what, got, e.Values)
	}
}

func TestReadNumpyFixtures(t *testing.T) {
	exp := loadExpect(t)
	if len(exp.NPY) < 30 {
		t.Fatalf("only %d fixtures", len(exp.NPY))
	}
	for name, e := range exp.NPY {
		path := filepath.Join("testdata/numpy", name+".npy")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		a, err := ReadArray(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkArray(t, name, a, e)
		// Through a plain io.Reader (size unknown) as well.
		raw, _ := os.ReadFile(path)
		a2, err := ReadArray(struct{ io_Reader }{bytes.NewReader(raw)})
		if err != nil {
			t.Errorf("%s (stream): %v", name, err)
			continue
		}
		checkArray(t, name+" (stream)", a2, e)
	}
}

type io_Reader interface{ Read([]byte) (int, error) }

// TestWriteIdenticalToNumpy: our writer reproduces numpy's files byte for
// byte, from the decoded values, for every dtype, both byte orders,
// Fortran order, 0-d/empty/long shapes and versions 1.0, 2.0 and 3.0.
func TestWriteIdenticalToNumpy(t *testing.T) {
	exp := loadExpect(t)
	for name := range exp.NPY {
		want, err := os.ReadFile(filepath.Join("testdata/numpy", name+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		rd, err := NewReader(bytes.NewReader(want))
		if err != nil {
			t.Fatal(err)
		}
		a, err := rd.readAll(true)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w, err := NewWriterVersion(&buf, a.Header, rd.Version())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteValues(a.Data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s: our bytes differ from numpy's\n got %q\nwant %q", name, buf.Bytes(), want)
		}
		// WriteArray (little-endian C order, version chosen as numpy does).
		if !a.Fortran && !strings.HasPrefix(a.Descr, ">") && rd.Version() == 1 {
			buf.Reset()
			if err := WriteArray(&buf, a.Shape, a.Data); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s: WriteArray bytes differ from numpy's", name)
			}
		}
	}
}

func TestWriteArrayScalarAndShapes(t *testing.T) {
	want, _ := os.ReadFile("testdata/numpy/scalar_f8.npy")
	var buf bytes.Buffer
	if err := WriteArray(&buf, nil, 3.25); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("scalar: got %q want %q", buf.Bytes(), want)
	}
	want, _ = os.ReadFile("testdata/numpy/vec_i8.npy")
	buf.Reset()
	if err := WriteArray(&buf, nil, []int{-3, -2, -1, 0, 1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("[]int 1-D: got %q want %q", buf.Bytes(), want)
	}
	for _, c := range []struct {
		shape []int
		data  any
	}{
		{[]int{2, 2}, []float32{1, 2, 3}},
		{[]int{3}, 1.0},
		{[]int{-1, -3}, []float32{1, 2, 3}},
		{nil, "text"},
		{nil, nil},
	} {
		if err := WriteArray(&buf, c.shape, c.data); err == nil {
			t.Errorf("WriteArray(%v, %T) succeeded", c.shape, c.data)
		}
	}
}

func TestConversions(t *testing.T) {
	f, _ := os.ReadFile("testdata/numpy/beu2.npy")
	a, err := ReadArray(bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	f32, err := a.Float32()
	if err != nil || !reflect.DeepEqual(f32, []float32{0, 1, 2, 200, 65535, 42}) {
		t.Errorf("Float32 = %v, %v", f32, err)
	}
	i64, err := a.Int64()
	if err != nil || !reflect.DeepEqual(i64, []int64{0, 1, 2, 200, 65535, 42}) {
		t.Errorf("Int64 = %v, %v", i64, err)
	}
	f, _ = os.ReadFile("testdata/numpy/lef8.npy")
	a, _ = ReadArray(bytes.NewReader(f))
	if _, err := a.Int64(); err == nil {
		t.Error("float64 -> int64 conversion should fail")
	}
	f, _ = os.ReadFile("testdata/numpy/leu8.npy")
	a, _ = ReadArray(bytes.NewReader(f))
	if _, err := a.Int64(); err == nil {
		t.Error("uint64 -> int64 conversion should fail")
	}
	f64, err := a.Float64()
	if err != nil || f64[4] != float64(math.MaxUint64) {
		t.Errorf("u8 Float64 = %v, %v", f64, err)
	}
	// ReadValues streaming into a converted slice, in two pieces.
	f, _ = os.ReadFile("testdata/numpy/bei4.npy")
	rd, err := NewReader(bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	p1, p2 := make([]float64, 2), make([]complex128, 4)
	if err := rd.ReadValues(p1); err != nil {
		t.Fatal(err)
	}
	if err := rd.ReadValues(p2); err != nil {
		t.Fatal(err)
	}
	if p1[0] != math.MinInt32 || p1[1] != -1 || p2[3] != 42 || p2[2] != 2147483647 {
		t.Errorf("ReadValues = %v %v", p1, p2)
	}
	if err := rd.ReadValues(make([]float64, 1)); err == nil {
		t.Error("reading past the end should fail")
	}
	// ReadHeader + ReadData.
	f, _ = os.ReadFile("testdata/numpy/fortran_f4.npy")
	r := bytes.NewReader(f)
	h, err := ReadHeader(r)
	if err != nil || !h.Fortran || !reflect.DeepEqual(h.Shape, []int{3, 4}) {
		t.Fatalf("ReadHeader = %+v, %v", h, err)
	}
	dst := make([]float64, 12)
	if err := ReadData(r, h, dst); err != nil {
		t.Fatal(err)
	}
	// Fortran order: element (i, j) is at j*3+i; value (i*4+j)/8.
	if dst[1*3+2] != float64(2*4+1)/8 {
		t.Errorf("fortran data %v", dst)
	}
}

func TestBadNPY(t *testing.T) {
	good, _ := os.ReadFile("testdata/numpy/lef4.npy")
	hdr := func(text string) []byte {
		b := []byte("\x93NUMPY\x01\x00")
		b = append(b, byte(len(text)), byte(len(text)>>8))
		return append(b, text...)
	}
	cases := map[string]struct {
		data []byte
		want string
	}{
		"empty":        {nil, "magic"},
		"not npy":      {[]byte("PK\x03\x04abcdefgh"), "not a .npy file"},
		"version":      {[]byte("\x93NUMPY\x04\x00\x10\x00"), "version 4.0"},
		"short header": {good[:40], "header"},
		"truncated":    {good[:len(good)-3], "needs 24 data bytes but only 21 remain"},
		"keys":         {hdr("{'descr': '<f4', 'shape': (2,), }"), "missing key \"fortran_order\""},
		"extra key":    {hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}"), "unexpected key"},
		"descr":        {hdr("{'descr': '<U4', 'fortran_order': False, 'shape': (2,), }"), `"<U4"`},
		"structured":   {hdr("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }"), "needs 8 data bytes"},
		"struct text":  {hdr("{'descr': [('a', '<U4')], 'fortran_order': False, 'shape': (2,), }"), "not numeric"},
		"subarray":     {hdr("{'descr': ('<f4', (2,)), 'fortran_order': False, 'shape': (2,), }"), "sub-array"},
		"neg":          {hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }"), "negative"},
		"huge":         {hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387903, 4), }"), "int64"},
		"too big":      {hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000), }"), "needs 8000000000000 data bytes"},
		"bool":         {hdr("{'descr': '<f4', 'fortran_order': 1, 'shape': (2,), }"), "fortran_order"},
		"not tuple":    {hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }"), "tuple"},
		"trailing":     {hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x"), "after"},
	}
	for name, c := range cases {
		_, err := ReadArray(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", name, err, c.want)
		}
	}
	if _, err := ReadArray(struct{ io_Reader }{bytes.NewReader(good[:len(good)-3])}); err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("truncated stream: %v", err)
	}
	// Python 2 longs and double quotes are accepted.
	a, err := ReadArray(bytes.NewReader(append(hdr(`{"descr": "<u1", "fortran_order": False, "shape": (2L, 1L)}`), 7, 9)))
	if err != nil || !reflect.DeepEqual(a.Data, []uint8{7, 9}) {
		t.Errorf("py2 header: %v %v", a, err)
	}
}

func TestReadWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.npy")
	if err := WriteFile(path, []int{2, 2}, []int16{1, -2, 3, -4}); err != nil {
		t.Fatal(err)
	}
	a, err := ReadFile(path)
	if err != nil || !reflect.DeepEqual(a.Data, []int16{1, -2, 3, -4}) || a.Descr != "<i2" {
		t.Fatalf("%+v %v", a, err)
	}
	raw, _ := os.ReadFile(path)
	os.WriteFile(path, raw[:len(raw)-1], 0o644)
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "(2, 2)") {
		t.Errorf("truncated file: %v", err)
	}
}

// TestStructuredRaw: a structured dtype of numeric fields (h5py's view of
// MATLAB complex numbers) is written byte for byte as numpy writes it, and
// read back as a header and raw bytes.
func TestStructuredRaw(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("testdata", "numpy", "structured_ri.npy"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := ReadHeader(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if h.Descr != "[('real', '<f8'), ('imag', '>f4')]" || !slices.Equal(h.Shape, []int{2, 3}) {
		t.Fatalf("header %+v", h)
	}
	if n, err := h.ItemSize(); err != nil || n != 12 {
		t.Fatalf("item size %d, %v", n, err)
	}
	raw := want[len(want)-6*12:]
	var buf bytes.Buffer
	w, err := NewWriter(&buf, h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("our bytes differ from numpy's:\n%q\n%q", buf.Bytes()[:80], want[:80])
	}
	if _, err := ReadArray(bytes.NewReader(want)); err == nil || !strings.Contains(err.Error(), "raw bytes") {
		t.Fatalf("ReadArray of a structured array: %v", err)
	}
}

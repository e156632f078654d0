package mat_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/mat"
)

// The fixtures are the hdf5 corpus's MATLAB files, written by
// hdf5/testdata/gen_corpus.py with h5py; expected values below are the
// MATLAB values the generator wrote (see gen_mat there).
const corpus = "../hdf5/testdata/corpus"

func open(t *testing.T, name string) *mat.File {
	t.Helper()
	f, err := mat.Open(filepath.Join(corpus, name))
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func mustVar(t *testing.T, f *mat.File, name string) *mat.Variable {
	t.Helper()
	v, err := f.Var(name)
	if err != nil {
		t.Fatalf("Var(%q): %v", name, err)
	}
	return v
}

func TestParseHeader(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(corpus, "matlab_v73.mat"))
	if err != nil {
		t.Fatal(err)
	}
	h, ok := mat.ParseHeader(b[:128])
	if !ok || !h.IsV73() || h.Endian != "IM" || h.Version != 0x0200 ||
		!strings.HasPrefix(h.Text, "MATLAB 7.3 MAT-file, Platform: GLNXA64") || strings.HasSuffix(h.Text, " ") {
		t.Errorf("ParseHeader = %+v, %v", h, ok)
	}
	b, _ = os.ReadFile(filepath.Join(corpus, "matlab_mi_latest.mat"))
	if h, ok := mat.ParseHeader(b); !ok || !h.IsV73() || h.Endian != "MI" {
		t.Errorf("MI header: %+v, %v", h, ok)
	}
	b, _ = os.ReadFile(filepath.Join(corpus, "matlab_v5.mat"))
	if h, ok := mat.ParseHeader(b); !ok || h.IsV73() || h.Version != 0x0100 || !strings.HasPrefix(h.Text, "MATLAB 5.0") {
		t.Errorf("v5 header: %+v, %v", h, ok)
	}
	if _, ok := mat.ParseHeader([]byte("MATLAB")); ok {
		t.Error("short header accepted")
	}
	if _, ok := mat.ParseHeader(make([]byte, 128)); ok {
		t.Error("zero header accepted")
	}
}

func TestNotV73(t *testing.T) {
	_, err := mat.Open(filepath.Join(corpus, "matlab_v5.mat"))
	if !errors.Is(err, mat.ErrNotV73) {
		t.Fatalf("Open(v5 file) = %v, want ErrNotV73", err)
	}
	for _, want := range []string{"matlab_v5.mat", "v5/v7", "save -v7.3", "scipy.io.loadmat"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestNotMAT(t *testing.T) {
	_, err := mat.NewFile(bytes.NewReader(make([]byte, 2000)), 2000)
	if err == nil || errors.Is(err, mat.ErrNotV73) || !errors.Is(err, hdf5.ErrNotHDF5) {
		t.Errorf("zeros: %v, want ErrNotHDF5 and not ErrNotV73", err)
	}
}

func TestBadVersion(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(corpus, "matlab_v73.mat"))
	if err != nil {
		t.Fatal(err)
	}
	b[126], b[127] = 'X', 'Y'
	_, err = mat.NewFile(bytes.NewReader(b), int64(len(b)))
	if !errors.Is(err, mat.ErrBadHeader) {
		t.Errorf("bad endian indicator: %v, want ErrBadHeader", err)
	}
}

func TestPlainHDF5(t *testing.T) {
	f := open(t, "plain_for_mat.h5")
	if f.HasHeader() || f.Header() != "" {
		t.Errorf("plain HDF5: HasHeader %v Header %q", f.HasHeader(), f.Header())
	}
	v := mustVar(t, f, "y")
	a, err := v.ReadFloat64(context.Background(), mat.RowMajorMATLAB)
	if err != nil || !reflect.DeepEqual(a.Data, []float64{1, 2}) || !reflect.DeepEqual(a.Shape, []uint64{1, 2}) {
		t.Errorf("y = %+v, %v", a, err)
	}
}

func TestHeaderAndVariables(t *testing.T) {
	f := open(t, "matlab_v73.mat")
	if !f.HasHeader() || !strings.HasPrefix(f.Header(), "MATLAB 7.3 MAT-file") || f.HDF5() == nil {
		t.Errorf("header %q", f.Header())
	}
	if f.HDF5().UserBlockSize() != 512 {
		t.Errorf("user block %d", f.HDF5().UserBlockSize())
	}
	vars, err := f.Variables()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	classes := map[string]string{}
	for _, v := range vars {
		names = append(names, v.Name)
		classes[v.Name] = v.Class
	}
	want := []string{"c", "c2", "e", "e03", "flag", "i64", "img", "name", "s", "scalar", "single_row", "sp", "x", "z"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("Variables = %v, want %v", names, want)
	}
	wantClass := map[string]string{"c": "cell", "c2": "cell", "e": "double", "e03": "char", "flag": "logical",
		"i64": "int64", "img": "uint8", "name": "char", "s": "struct", "scalar": "double", "single_row": "single",
		"sp": "double", "x": "double", "z": "double"}
	if !reflect.DeepEqual(classes, wantClass) {
		t.Errorf("classes = %v", classes)
	}
}

func TestOrders(t *testing.T) {
	ctx := context.Background()
	f := open(t, "matlab_v73.mat")
	x := mustVar(t, f, "x") // MATLAB [1 2 3; 4 5 6]
	if !reflect.DeepEqual(x.Dims(), []uint64{2, 3}) || !reflect.DeepEqual(x.Shape(), []uint64{3, 2}) || x.Len() != 6 {
		t.Fatalf("x Dims %v Shape %v", x.Dims(), x.Shape())
	}
	cases := []struct {
		o     mat.Order
		data  []float64
		shape []uint64
	}{
		{mat.RowMajorH5py, []float64{1, 4, 2, 5, 3, 6}, []uint64{3, 2}},
		{mat.ColumnMajorMATLAB, []float64{1, 4, 2, 5, 3, 6}, []uint64{2, 3}},
		{mat.RowMajorMATLAB, []float64{1, 2, 3, 4, 5, 6}, []uint64{2, 3}},
	}
	matlab := [2][3]float64{{1, 2, 3}, {4, 5, 6}}
	for _, c := range cases {
		a, err := x.ReadFloat64(ctx, c.o)
		if err != nil {
			t.Fatalf("%v: %v", c.o, err)
		}
		if !reflect.DeepEqual(a.Data, c.data) || !reflect.DeepEqual(a.Shape, c.shape) || a.Order != c.o {
			t.Errorf("%v: %+v, want %v %v", c.o, a, c.data, c.shape)
		}
		for i := 0; i < 2; i++ {
			for j := 0; j < 3; j++ {
				got := 0.0
				if c.o == mat.RowMajorH5py {
					got = a.At(j, i) // h5py x[j, i] = MATLAB A(i, j)
				} else {
					got = a.At(i, j)
				}
				if got != matlab[i][j] {
					t.Errorf("%v: At -> %v, want A(%d,%d) = %v", c.o, got, i+1, j+1, matlab[i][j])
				}
			}
		}
	}
	// 3-D uint8: MATLAB img(i,j,k) = (i*30 + j*6 + k) % 256 (0-based, dims 4x5x6).
	img := mustVar(t, f, "img")
	if !reflect.DeepEqual(img.Dims(), []uint64{4, 5, 6}) {
		t.Fatalf("img dims %v", img.Dims())
	}
	for _, o := range []mat.Order{mat.RowMajorH5py, mat.ColumnMajorMATLAB, mat.RowMajorMATLAB} {
		a, err := img.ReadUint8(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 4; i++ {
			for j := 0; j < 5; j++ {
				for k := 0; k < 6; k++ {
					var got uint8
					if o == mat.RowMajorH5py {
						got = a.At(k, j, i)
					} else {
						got = a.At(i, j, k)
					}
					if want := uint8((i*30 + j*6 + k) % 256); got != want {
						t.Fatalf("%v: img(%d,%d,%d) = %d, want %d", o, i, j, k, got, want)
					}
				}
			}
		}
	}
}

func TestTypes(t *testing.T) {
	ctx := context.Background()
	f := open(t, "matlab_v73.mat")
	if s, err := mustVar(t, f, "name").String(ctx); err != nil || s != "hello, wörld" {
		t.Errorf("name = %q, %v", s, err)
	}
	l, err := mustVar(t, f, "flag").Logical(ctx, mat.RowMajorMATLAB)
	if err != nil || !reflect.DeepEqual(l.Data, []bool{true, false, true, true}) || !reflect.DeepEqual(l.Shape, []uint64{1, 4}) {
		t.Errorf("flag = %+v, %v", l, err)
	}
	i64, err := mustVar(t, f, "i64").ReadInt64(ctx, mat.ColumnMajorMATLAB)
	if err != nil || !reflect.DeepEqual(i64.Data, []int64{-(1 << 62), 7}) || !reflect.DeepEqual(i64.Shape, []uint64{2, 1}) {
		t.Errorf("i64 = %+v, %v", i64, err)
	}
	sr, err := mustVar(t, f, "single_row").ReadFloat32(ctx, mat.RowMajorMATLAB)
	if err != nil || !reflect.DeepEqual(sr.Data, []float32{1.5, -2.5, 3.25}) {
		t.Errorf("single_row = %+v, %v", sr, err)
	}
	for name, dims := range map[string][]uint64{"e": {0, 0}, "e03": {0, 3}} {
		e := mustVar(t, f, name)
		if !e.IsEmpty() || !reflect.DeepEqual(e.Dims(), dims) || !reflect.DeepEqual(e.Shape(), []uint64{dims[1], dims[0]}) || e.Len() != 0 {
			t.Errorf("%s: IsEmpty %v Dims %v Shape %v", name, e.IsEmpty(), e.Dims(), e.Shape())
		}
		a, err := e.ReadFloat64(ctx, mat.RowMajorMATLAB)
		if err != nil || len(a.Data) != 0 || !reflect.DeepEqual(a.Shape, dims) {
			t.Errorf("%s read: %+v, %v", name, a, err)
		}
	}
	if s, err := mustVar(t, f, "e03").String(ctx); err != nil || s != "" {
		t.Errorf("empty char = %q, %v", s, err)
	}
	z := mustVar(t, f, "z") // MATLAB [1+2i 3-1i; 0 5i]
	if !z.IsComplex() || !reflect.DeepEqual(z.Dims(), []uint64{2, 2}) {
		t.Errorf("z: IsComplex %v Dims %v", z.IsComplex(), z.Dims())
	}
	zc, err := z.ReadComplex128(ctx, mat.RowMajorMATLAB)
	if err != nil || !reflect.DeepEqual(zc.Data, []complex128{1 + 2i, 3 - 1i, 0, 5i}) {
		t.Errorf("z = %+v, %v", zc, err)
	}
	sp := mustVar(t, f, "sp")
	if !sp.IsSparse() || sp.IsStruct() || !reflect.DeepEqual(sp.Dims(), []uint64{3, 3}) {
		t.Errorf("sp: IsSparse %v IsStruct %v Dims %v", sp.IsSparse(), sp.IsStruct(), sp.Dims())
	}
	if _, err := sp.ReadFloat64(ctx, mat.RowMajorMATLAB); !errors.Is(err, mat.ErrClass) {
		t.Errorf("sparse read: %v, want ErrClass", err)
	}
	if _, err := mustVar(t, f, "s").ReadFloat64(ctx, mat.RowMajorMATLAB); !errors.Is(err, mat.ErrClass) {
		t.Errorf("struct read: %v, want ErrClass", err)
	}
	if _, err := mustVar(t, f, "x").String(ctx); !errors.Is(err, mat.ErrClass) {
		t.Errorf("double as string: %v, want ErrClass", err)
	}
	if _, err := f.Var("nope"); !errors.Is(err, mat.ErrNotFound) {
		t.Errorf("Var(nope) = %v, want ErrNotFound", err)
	}
}

func TestStruct(t *testing.T) {
	ctx := context.Background()
	f := open(t, "matlab_v73.mat")
	s := mustVar(t, f, "s")
	if !s.IsStruct() || s.IsCell() {
		t.Fatalf("s: IsStruct %v", s.IsStruct())
	}
	fields, err := s.Fields()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fl := range fields {
		names = append(names, fl.Name)
	}
	if !reflect.DeepEqual(names, []string{"a", "b", "c"}) {
		t.Errorf("fields %v", names)
	}
	a, err := mustVar(t, f, "s/a").ReadFloat64(ctx, mat.RowMajorMATLAB)
	if err != nil || !reflect.DeepEqual(a.Data, []float64{10, 20}) {
		t.Errorf("s.a = %+v, %v", a, err)
	}
	b, err := s.Field("b")
	if err != nil {
		t.Fatal(err)
	}
	if str, err := b.String(ctx); err != nil || str != "field b" {
		t.Errorf("s.b = %q, %v", str, err)
	}
	d := mustVar(t, f, "s/c/d")
	if d.Path != "/s/c/d" || d.Name != "d" || d.Class != "int32" {
		t.Errorf("s.c.d: %+v", d)
	}
	di, err := d.ReadInt64(ctx, mat.RowMajorMATLAB)
	if err != nil || !reflect.DeepEqual(di.Data, []int64{1, 2, 3, 4}) {
		t.Errorf("s.c.d = %+v, %v", di, err)
	}
}

func TestCell(t *testing.T) {
	ctx := context.Background()
	f := open(t, "matlab_v73.mat")
	c := mustVar(t, f, "c")
	if !c.IsCell() || !reflect.DeepEqual(c.Dims(), []uint64{1, 3}) {
		t.Fatalf("c: IsCell %v Dims %v", c.IsCell(), c.Dims())
	}
	el, err := c.Cell(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(el) != 3 {
		t.Fatalf("%d elements", len(el))
	}
	if a, err := el[0].ReadFloat64(ctx, mat.RowMajorMATLAB); err != nil || !reflect.DeepEqual(a.Data, []float64{1, 2, 3}) {
		t.Errorf("c{1} = %+v, %v", a, err)
	}
	if s, err := el[1].String(ctx); err != nil || s != "cell text" || !strings.HasPrefix(el[1].Path, "/#refs#/") {
		t.Errorf("c{2} = %q (%s), %v", s, el[1].Path, err)
	}
	if a, err := el[2].ReadUint8(ctx, mat.RowMajorMATLAB); err != nil || !reflect.DeepEqual(a.Data, []uint8{1, 2, 3, 4}) {
		t.Errorf("c{3} = %+v, %v", a, err)
	}
	// nested: c2 = {{'x'}, 5}
	el, err = mustVar(t, f, "c2").Cell(ctx)
	if err != nil || len(el) != 2 || !el[0].IsCell() {
		t.Fatalf("c2: %v %v", el, err)
	}
	inner, err := el[0].Cell(ctx)
	if err != nil || len(inner) != 1 {
		t.Fatalf("c2{1}: %v %v", inner, err)
	}
	if s, err := inner[0].String(ctx); err != nil || s != "x" {
		t.Errorf("c2{1}{1} = %q, %v", s, err)
	}
	if a, err := el[1].ReadFloat64(ctx, mat.RowMajorMATLAB); err != nil || a.Data[0] != 5 {
		t.Errorf("c2{2} = %+v, %v", a, err)
	}
}

func TestMILatest(t *testing.T) {
	f := open(t, "matlab_mi_latest.mat")
	if f.ParsedHeader().Endian != "MI" {
		t.Errorf("endian %q", f.ParsedHeader().Endian)
	}
	if s, err := mustVar(t, f, "t").String(context.Background()); err != nil || s != "MI" {
		t.Errorf("t = %q, %v", s, err)
	}
}

func TestTranspose(t *testing.T) {
	// numpy: np.ascontiguousarray(np.arange(24).reshape(2,3,4).T).ravel()
	data := make([]int, 24)
	for i := range data {
		data[i] = i
	}
	got := mat.Transpose(data, []uint64{2, 3, 4})
	want := []int{0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Transpose = %v\nwant %v", got, want)
	}
	if back := mat.Transpose(got, []uint64{4, 3, 2}); !reflect.DeepEqual(back, data) {
		t.Errorf("Transpose twice = %v", back)
	}
}

// FuzzOpen opens arbitrary bytes as a MAT file and reads every variable.
func FuzzOpen(f *testing.F) {
	for _, n := range []string{"matlab_v73.mat", "matlab_mi_latest.mat", "matlab_v5.mat", "plain_for_mat.h5"} {
		b, err := os.ReadFile(filepath.Join(corpus, n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		mat.ParseHeader(b)
		mf, err := mat.NewFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		defer mf.Close()
		vars, err := mf.Variables()
		if err != nil {
			return
		}
		ctx := context.Background()
		for _, v := range vars {
			v.Shape()
			v.Dims()
			switch {
			case v.IsStruct():
				v.Fields()
			case v.IsCell():
				v.Cell(ctx)
			case v.IsChar():
				v.Strings(ctx)
			case v.IsNumeric() && v.Len() < 1<<20:
				v.ReadFloat64(ctx, mat.RowMajorMATLAB)
			}
		}
	})
}

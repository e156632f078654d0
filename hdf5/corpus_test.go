package hdf5_test

// Corpus tests: every fixture in testdata/corpus was written by h5py
// (testdata/gen_corpus.py) together with a <fixture>.json holding what h5py
// reads back. These tests compare our reader with those expectations
// exactly, then check that deterministic corruptions of the same files give
// errors, never panics, hangs or unbounded allocations.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/retinaio/retinaio/hdf5"
)

// corpusFixture is one <fixture>.json written by gen_corpus.py.
type corpusFixture struct {
	File              string                     `json:"file"`
	Userblock         *int64                     `json:"userblock"`
	SuperblockVersion *int                       `json:"superblock_version"`
	NotHDF5           bool                       `json:"not_hdf5"`
	Groups            []corpusGroup              `json:"groups"`
	Datasets          []corpusDataset            `json:"datasets"`
	Unsupported       map[string]json.RawMessage `json:"unsupported"`
}

type corpusGroup struct {
	Path  string       `json:"path"`
	Attrs []corpusAttr `json:"attrs"`
	Links []corpusLink `json:"links"`
}

type corpusLink struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Target string `json:"target"`
}

type corpusAttr struct {
	Name   string   `json:"name"`
	Dtype  string   `json:"dtype"`
	Kind   string   `json:"kind"`
	Shape  []uint64 `json:"shape"`
	Raw    []any    `json:"values"`
	SHA256 string   `json:"sha256"`
}

type corpusDataset struct {
	Path          string          `json:"path"`
	Dtype         string          `json:"dtype"`
	Kind          string          `json:"kind"`
	ComplexDescr  string          `json:"complex_descr"`
	Itemsize      int             `json:"itemsize"`
	Shape         []uint64        `json:"shape"`
	Layout        string          `json:"layout"`
	Chunks        []uint64        `json:"chunks"`
	ChunkIndex    string          `json:"chunk_index"`
	Filters       []corpusFilter  `json:"filters"`
	Fillvalue     any             `json:"fillvalue"`
	Attrs         []corpusAttr    `json:"attrs"`
	Len           uint64          `json:"len"`
	SHA256        string          `json:"sha256"`
	Values        []any           `json:"values"`
	Note          string          `json:"note"`
	Fields        [][]any         `json:"fields"`
	StringEncode  string          `json:"string_encoding"`
	ExtraReadFail json.RawMessage `json:"read_error"`
}

type corpusFilter struct {
	ID     int      `json:"id"`
	Name   string   `json:"name"`
	Params []uint32 `json:"params"`
}

const corpusDir = "testdata/corpus"

func loadCorpus(t testing.TB) []corpusFixture {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus expectations in %s (run testdata/gen_corpus.py): %v", corpusDir, err)
	}
	var out []corpusFixture
	for _, fn := range files {
		b, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var fx corpusFixture
		if err := dec.Decode(&fx); err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		out = append(out, fx)
	}
	return out
}

// descrOK compares our NumpyDescr with numpy's dtype.str. One-byte types
// have no byte order: numpy writes "|u1", "<u1" is accepted too.
func descrOK(got, want string) bool {
	if got == want {
		return true
	}
	if len(got) == 3 && len(want) == 3 && got[2] == '1' && got[1:] == want[1:] {
		return (got[0] == '|' || got[0] == '<' || got[0] == '=') && (want[0] == '|' || want[0] == '<')
	}
	return false
}

func TestCorpus(t *testing.T) {
	for _, fx := range loadCorpus(t) {
		t.Run(fx.File, func(t *testing.T) {
			path := filepath.Join(corpusDir, fx.File)
			f, err := hdf5.Open(path)
			if fx.NotHDF5 {
				if err == nil {
					f.Close()
					t.Fatalf("Open(%s) succeeded on a non-HDF5 file", path)
				}
				if !errors.Is(err, hdf5.ErrNotHDF5) {
					t.Errorf("Open(%s) = %v, want an error wrapping ErrNotHDF5", path, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%s): %v", path, err)
			}
			defer f.Close()
			if fx.Userblock != nil && f.UserBlockSize() != *fx.Userblock {
				t.Errorf("UserBlockSize = %d, want %d", f.UserBlockSize(), *fx.Userblock)
			}
			checkWalk(t, f, fx)
			for _, g := range fx.Groups {
				checkGroup(t, f, g)
			}
			for _, d := range fx.Datasets {
				t.Run(strings.TrimPrefix(d.Path, "/"), func(t *testing.T) {
					checkDataset(t, f, fx, d)
				})
			}
		})
	}
}

func checkWalk(t *testing.T, f *hdf5.File, fx corpusFixture) {
	t.Helper()
	var groups, dsets []string
	err := f.Walk(func(path string, obj hdf5.Object) error {
		switch obj.(type) {
		case *hdf5.Group:
			groups = append(groups, path)
		case *hdf5.Dataset:
			dsets = append(dsets, path)
		default:
			t.Errorf("Walk: %s is a %T, the corpus has only groups and datasets", path, obj)
		}
		if obj.Path() != path {
			t.Errorf("Walk: path %q but obj.Path() = %q", path, obj.Path())
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	var wantG, wantD []string
	for _, g := range fx.Groups {
		wantG = append(wantG, g.Path)
	}
	for _, d := range fx.Datasets {
		wantD = append(wantD, d.Path)
	}
	sort.Strings(groups)
	sort.Strings(dsets)
	if !reflect.DeepEqual(groups, wantG) {
		t.Errorf("Walk groups:\n got %v\nwant %v", groups, wantG)
	}
	if !reflect.DeepEqual(dsets, wantD) {
		t.Errorf("Walk datasets: got %d, want %d; missing %v, extra %v",
			len(dsets), len(wantD), diff(wantD, dsets), diff(dsets, wantD))
	}
}

func diff(a, b []string) []string {
	m := map[string]bool{}
	for _, x := range b {
		m[x] = true
	}
	var out []string
	for _, x := range a {
		if !m[x] {
			out = append(out, x)
		}
	}
	if len(out) > 10 {
		out = append(out[:10], "...")
	}
	return out
}

func checkGroup(t *testing.T, f *hdf5.File, want corpusGroup) {
	t.Helper()
	g, err := f.OpenGroup(want.Path)
	if err != nil {
		t.Errorf("OpenGroup(%s): %v", want.Path, err)
		return
	}
	links, err := g.Links()
	if err != nil {
		t.Errorf("%s: Links: %v", want.Path, err)
	} else {
		var got []corpusLink
		for _, l := range links {
			typ := map[hdf5.LinkType]string{hdf5.LinkHard: "hard", hdf5.LinkSoft: "soft", hdf5.LinkExternal: "external"}[l.Type]
			if typ == "" {
				typ = fmt.Sprint("type", int(l.Type))
			}
			tgt := l.Target
			if l.Type == hdf5.LinkHard {
				tgt = ""
			}
			got = append(got, corpusLink{Name: l.Name, Type: typ, Target: tgt})
		}
		if !reflect.DeepEqual(got, want.Links) && !(len(got) == 0 && len(want.Links) == 0) {
			if len(got) != len(want.Links) {
				t.Errorf("%s: %d links, want %d", want.Path, len(got), len(want.Links))
			} else {
				for i := range got {
					if got[i] != want.Links[i] {
						t.Errorf("%s: link %d = %+v, want %+v", want.Path, i, got[i], want.Links[i])
					}
				}
			}
		}
	}
	attrs, err := g.Attrs()
	if err != nil {
		t.Errorf("%s: Attrs: %v", want.Path, err)
		return
	}
	checkAttrs(t, f, want.Path, attrs, want.Attrs, g)
}

func checkAttrs(t *testing.T, f *hdf5.File, where string, got []hdf5.Attribute, want []corpusAttr, obj hdf5.Object) {
	t.Helper()
	byName := map[string]hdf5.Attribute{}
	var names []string
	for _, a := range got {
		byName[a.Name] = a
		names = append(names, a.Name)
	}
	sort.Strings(names)
	var wantNames []string
	for _, a := range want {
		wantNames = append(wantNames, a.Name)
	}
	if !reflect.DeepEqual(names, wantNames) && !(len(names) == 0 && len(wantNames) == 0) {
		t.Errorf("%s: attributes %v, want %v", where, names, wantNames)
	}
	for _, w := range want {
		a, ok := byName[w.Name]
		if !ok {
			continue
		}
		one, err := obj.Attr(w.Name)
		if err != nil || one == nil || one.Name != w.Name {
			t.Errorf("%s: Attr(%q) = %v, %v", where, w.Name, one, err)
		}
		at := where + " @" + w.Name
		if w.Shape == nil {
			if a.Shape != nil {
				t.Errorf("%s: shape %v, want null dataspace (nil)", at, a.Shape)
			}
			continue
		}
		if a.Shape == nil || !slices.Equal(a.Shape, w.Shape) {
			t.Errorf("%s: shape %v, want %v", at, a.Shape, w.Shape)
		}
		switch w.Kind {
		case "int", "float":
			if !descrOK(a.Type.NumpyDescr(), w.Dtype) {
				t.Errorf("%s: NumpyDescr %q, want %q", at, a.Type.NumpyDescr(), w.Dtype)
			}
			if w.SHA256 != "" {
				if h := sha(a.Raw); h != w.SHA256 {
					t.Errorf("%s: sha256(Raw) = %s, want %s (len(Raw)=%d)", at, h, w.SHA256, len(a.Raw))
				}
				continue
			}
			if err := compareNumbers(w.Kind, w.Dtype, w.Raw, attrNums(a, w.Kind, w.Dtype)); err != nil {
				t.Errorf("%s: %v", at, err)
			}
		case "string_fixed", "string_vlen":
			var ws []string
			for _, v := range w.Raw {
				ws = append(ws, v.(string))
			}
			if w.Kind == "string_fixed" {
				for i := range ws {
					ws[i] = strings.TrimRight(ws[i], "\x00")
				}
			}
			gs := a.Strings
			if w.Kind == "string_fixed" {
				gs = trimNul(gs)
			}
			if !reflect.DeepEqual(gs, ws) {
				t.Errorf("%s: Strings %q, want %q", at, a.Strings, ws)
			}
			if a.String() != ws[0] && !(w.Kind == "string_fixed" && strings.TrimRight(a.String(), "\x00") == ws[0]) {
				t.Errorf("%s: String() %q, want %q", at, a.String(), ws[0])
			}
		case "reference":
			// One object reference: check it dereferences to the right path.
			want := w.Raw[0].(string)
			if len(a.Raw) < 8 {
				t.Errorf("%s: reference attribute has %d raw bytes", at, len(a.Raw))
				continue
			}
			obj, err := f.Dereference(hdf5.Reference(binary.LittleEndian.Uint64(a.Raw)))
			if err != nil || obj.Path() != want {
				t.Errorf("%s: Dereference = %v, %v; want %s", at, obj, err, want)
			}
		case "vlen":
			// MATLAB_fields: vlen sequences of 1-char strings. We only
			// insist that it decodes; if Strings is filled, it must hold
			// the joined characters.
			if len(a.Strings) > 0 {
				var ws []string
				for _, v := range w.Raw {
					var s string
					for _, c := range v.([]any) {
						s += c.(string)
					}
					ws = append(ws, s)
				}
				if !reflect.DeepEqual(a.Strings, ws) {
					t.Errorf("%s: Strings %q, want %q", at, a.Strings, ws)
				}
			}
		}
	}
}

func trimNul(s []string) []string {
	out := make([]string, len(s))
	for i := range s {
		out[i] = strings.TrimRight(s[i], "\x00")
	}
	return out
}

func attrNums(a hdf5.Attribute, kind, dtype string) []string {
	var out []string
	if kind == "int" {
		for _, v := range a.Integers {
			if dtype[1] == 'u' {
				out = append(out, strconv.FormatUint(uint64(v), 10))
			} else {
				out = append(out, strconv.FormatInt(v, 10))
			}
		}
		return out
	}
	for _, v := range a.Values {
		out = append(out, fmtFloat(v))
	}
	return out
}

func fmtFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	if v == 0 && math.Signbit(v) {
		return "-0"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// wantNum normalises one expected JSON number to the form fmtFloat or
// strconv.Format{Int,Uint} produce.
func wantNum(kind string, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		if kind == "int" {
			return x.String()
		}
		fv, err := strconv.ParseFloat(x.String(), 64)
		if err != nil {
			return "bad:" + x.String()
		}
		return fmtFloat(fv)
	}
	return fmt.Sprint(v)
}

func compareNumbers(kind, dtype string, want []any, got []string) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	for i := range want {
		if w := wantNum(kind, want[i]); got[i] != w {
			return fmt.Errorf("value[%d] = %s, want %s (%s)", i, got[i], w, dtype)
		}
	}
	return nil
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

var layoutNames = map[hdf5.Layout]string{
	hdf5.LayoutCompact: "compact", hdf5.LayoutContiguous: "contiguous",
	hdf5.LayoutChunked: "chunked", hdf5.LayoutVirtual: "virtual",
}

func checkDataset(t *testing.T, f *hdf5.File, fx corpusFixture, w corpusDataset) {
	ctx := context.Background()
	d, err := f.OpenDataset(w.Path)
	if err != nil {
		t.Fatalf("OpenDataset: %v", err)
	}
	if d.Path() != w.Path {
		t.Errorf("Path() = %q", d.Path())
	}
	// Metadata.
	if w.Shape == nil {
		if !d.IsNull() || d.Shape() != nil || d.Len() != 0 {
			t.Errorf("null dataspace: IsNull=%v Shape=%v Len=%d", d.IsNull(), d.Shape(), d.Len())
		}
	} else {
		if d.IsNull() || d.Shape() == nil || !slices.Equal(d.Shape(), w.Shape) {
			t.Errorf("Shape() = %v (IsNull %v), want %v", d.Shape(), d.IsNull(), w.Shape)
		}
		if d.Len() != w.Len {
			t.Errorf("Len() = %d, want %d", d.Len(), w.Len)
		}
	}
	dt := d.Datatype()
	if dt.Size != w.Itemsize && w.Kind != "string_vlen" && w.Kind != "vlen" { // numpy's object itemsize is a pointer
		t.Errorf("Datatype().Size = %d, want %d", dt.Size, w.Itemsize)
	}
	switch w.Kind {
	case "int", "float":
		if !descrOK(dt.NumpyDescr(), w.Dtype) {
			t.Errorf("NumpyDescr() = %q, want %q", dt.NumpyDescr(), w.Dtype)
		}
	case "complex", "compound":
		// h5py reads {r, i} as complex; other packed numeric compounds
		// (MATLAB's {real, imag}) as the structured dtype of h5py's fields.
		want := w.ComplexDescr
		if len(w.Fields) > 0 && (len(w.Fields) != 2 || w.Fields[0][0] != "r" || w.Fields[1][0] != "i") {
			parts := []string{}
			for _, fl := range w.Fields {
				parts = append(parts, fmt.Sprintf("('%v', '%v')", fl[0], fl[1]))
			}
			want = "[" + strings.Join(parts, ", ") + "]"
		}
		if g := dt.NumpyDescr(); g != want && !(g == "" && w.ComplexDescr == "") {
			t.Errorf("NumpyDescr() = %q, want %q", g, want)
		}
		if g := dt.ComplexDescr(); g != w.ComplexDescr {
			t.Errorf("ComplexDescr() = %q, want %q", g, w.ComplexDescr)
		}
		if dt.Class != hdf5.ClassCompound {
			t.Errorf("Class = %v, want compound", dt.Class)
		}
	case "string_fixed":
		if dt.Class != hdf5.ClassString {
			t.Errorf("Class = %v, want string", dt.Class)
		}
	case "string_vlen":
		if !dt.VarString {
			t.Errorf("VarString = false for a variable-length string (%+v)", dt)
		}
	case "reference":
		if dt.Class != hdf5.ClassReference {
			t.Errorf("Class = %v, want reference", dt.Class)
		}
	}
	if dt.String() == "" {
		t.Errorf("Datatype().String() is empty")
	}
	if g := layoutNames[d.Layout()]; g != w.Layout {
		t.Errorf("Layout() = %v (%s), want %s", d.Layout(), g, w.Layout)
	}
	if !slices.Equal(d.ChunkShape(), w.Chunks) || (w.Chunks == nil) != (d.ChunkShape() == nil) {
		t.Errorf("ChunkShape() = %v, want %v", d.ChunkShape(), w.Chunks)
	}
	if ci, ok := any(d).(interface{ ChunkIndex() string }); ok && ci.ChunkIndex() != w.ChunkIndex {
		t.Errorf("ChunkIndex() = %q, want %q", ci.ChunkIndex(), w.ChunkIndex)
	}
	gotF := d.Filters()
	if len(gotF) != len(w.Filters) {
		t.Errorf("Filters() = %+v, want %+v", gotF, w.Filters)
	} else {
		for i := range gotF {
			if gotF[i].ID != w.Filters[i].ID || !reflect.DeepEqual(append([]uint32{}, gotF[i].Params...), append([]uint32{}, w.Filters[i].Params...)) {
				t.Errorf("filter %d = %+v, want %+v", i, gotF[i], w.Filters[i])
			}
		}
	}
	checkFill(t, d, w)
	attrs, err := d.Attrs()
	if err != nil {
		t.Errorf("Attrs: %v", err)
	} else {
		checkAttrs(t, f, w.Path, attrs, w.Attrs, d)
	}

	// Unsupported filter: reads must fail, naming it.
	if u, ok := fx.Unsupported[w.Path]; ok {
		var uf struct {
			Filter int    `json:"filter"`
			Name   string `json:"name"`
		}
		if err := json.Unmarshal(u, &uf); err != nil {
			t.Fatal(err)
		}
		var x []int32
		err := d.Read(ctx, &x)
		if err == nil {
			t.Fatalf("Read of a dataset with filter %d succeeded; want ErrUnsupportedFilter", uf.Filter)
		}
		if !errors.Is(err, hdf5.ErrUnsupportedFilter) {
			t.Errorf("Read error %v does not wrap ErrUnsupportedFilter", err)
		}
		var fe *hdf5.FormatError
		if !errors.As(err, &fe) {
			t.Errorf("Read error %v is not a *FormatError", err)
		}
		if msg, want := err.Error(), fmt.Sprintf("filter %s (%d) is not built in", uf.Name, uf.Filter); !strings.Contains(msg, want) {
			t.Errorf("Read error %q should say %q", msg, want)
		}
		if _, err := d.ReadRaw(ctx); !errors.Is(err, hdf5.ErrUnsupportedFilter) {
			t.Errorf("ReadRaw error %v does not wrap ErrUnsupportedFilter", err)
		}
		return
	}

	// Data.
	if w.Shape == nil {
		raw, err := d.ReadRaw(ctx)
		if err != nil || len(raw) != 0 {
			t.Errorf("ReadRaw of a null dataspace = %d bytes, %v", len(raw), err)
		}
		return
	}
	var raw []byte
	if w.SHA256 != "" {
		raw, err = d.ReadRaw(ctx)
		if err != nil {
			t.Fatalf("ReadRaw: %v", err)
		}
		if h := sha(raw); h != w.SHA256 {
			t.Errorf("sha256(ReadRaw) = %s, want %s (%d bytes, want %d)", h, w.SHA256, len(raw), w.Len*uint64(w.Itemsize))
		}
	}
	switch w.Kind {
	case "int", "float":
		checkNumeric(t, d, w, raw)
	case "complex", "compound":
		if w.ComplexDescr != "" {
			checkComplex(t, d, w, raw)
		}
	case "string_fixed", "string_vlen":
		var got []string
		err := d.Read(ctx, &got)
		if err != nil {
			t.Fatalf("Read []string: %v", err)
		}
		var want []string
		for _, v := range w.Values {
			want = append(want, v.(string))
		}
		if w.Kind == "string_fixed" {
			// h5py strips trailing NULs of null-padded strings.
			got = trimNul(got)
			want = trimNul(want)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Read strings = %q, want %q", got, want)
		}
	case "reference":
		var refs []hdf5.Reference
		err := d.Read(ctx, &refs)
		if err != nil {
			t.Fatalf("Read []Reference: %v", err)
		}
		if len(refs) != len(w.Values) {
			t.Fatalf("%d references, want %d", len(refs), len(w.Values))
		}
		for i, r := range refs {
			obj, err := f.Dereference(r)
			if err != nil {
				t.Errorf("Dereference(ref %d = %#x): %v", i, uint64(r), err)
				continue
			}
			if want, _ := w.Values[i].(string); obj.Path() != want {
				t.Errorf("ref %d -> %s, want %s", i, obj.Path(), want)
			}
		}
	}
}

// checkFill compares the fill value bytes with h5py's fillvalue.
func checkFill(t *testing.T, d *hdf5.Dataset, w corpusDataset) {
	if w.Kind != "int" && w.Kind != "float" || w.Fillvalue == nil {
		return
	}
	fv := d.FillValue()
	if fv == nil {
		fv = make([]byte, w.Itemsize)
	}
	if len(fv) != w.Itemsize {
		t.Errorf("FillValue() = %x, want %d bytes", fv, w.Itemsize)
		return
	}
	got := decodeRaw(fv, w.Dtype)
	if want := wantNum(w.Kind, w.Fillvalue); got[0] != want {
		t.Errorf("FillValue() = %s (%x), want %s", got[0], fv, want)
	}
}

// decodeRaw decodes raw element bytes of numpy dtype descr (independently
// of the reader) to the strings fmtFloat / strconv produce.
func decodeRaw(raw []byte, descr string) []string {
	var bo binary.ByteOrder = binary.LittleEndian
	if descr[0] == '>' {
		bo = binary.BigEndian
	}
	size, _ := strconv.Atoi(descr[2:])
	kind := descr[1]
	out := make([]string, 0, len(raw)/size)
	for i := 0; i+size <= len(raw); i += size {
		b := raw[i : i+size]
		var u uint64
		switch size {
		case 1:
			u = uint64(b[0])
		case 2:
			u = uint64(bo.Uint16(b))
		case 4:
			u = uint64(bo.Uint32(b))
		case 8:
			u = bo.Uint64(b)
		}
		switch kind {
		case 'u':
			out = append(out, strconv.FormatUint(u, 10))
		case 'i':
			s := int64(u<<(64-8*size)) >> (64 - 8*size)
			out = append(out, strconv.FormatInt(s, 10))
		case 'f':
			if size == 4 {
				out = append(out, fmtFloat(float64(math.Float32frombits(uint32(u)))))
			} else {
				out = append(out, fmtFloat(math.Float64frombits(u)))
			}
		}
	}
	return out
}

// checkNumeric reads the dataset into its own Go type and into float64 and
// compares with the listed values (small datasets) or with the sha-verified
// raw bytes decoded independently (large ones); then reads hyperslabs.
func checkNumeric(t *testing.T, d *hdf5.Dataset, w corpusDataset, raw []byte) {
	ctx := context.Background()
	var want []string
	if w.Values != nil {
		for _, v := range w.Values {
			want = append(want, wantNum(w.Kind, v))
		}
	} else if raw != nil {
		want = decodeRaw(raw, w.Dtype)
	} else {
		t.Fatalf("fixture lists neither values nor sha256")
	}
	got, err := readNative(ctx, d, w.Dtype, nil, nil)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if err := compareStrings(got, want); err != nil {
		t.Errorf("Read (native type): %v", err)
	}
	// Conversion to float64 (exact for every value except huge 64-bit ints).
	var f64 []float64
	if err := d.Read(ctx, &f64); err != nil {
		t.Errorf("Read []float64: %v", err)
	} else if len(f64) != len(want) {
		t.Errorf("Read []float64: %d values, want %d", len(f64), len(want))
	} else {
		for i := range f64 {
			var exp float64
			if w.Kind == "int" {
				if w.Dtype[1] == 'u' {
					u, _ := strconv.ParseUint(want[i], 10, 64)
					exp = float64(u)
				} else {
					s, _ := strconv.ParseInt(want[i], 10, 64)
					exp = float64(s)
				}
			} else {
				exp, _ = strconv.ParseFloat(want[i], 64)
			}
			if !(f64[i] == exp || math.IsNaN(f64[i]) && math.IsNaN(exp)) {
				t.Errorf("Read []float64 [%d] = %v, want %v", i, f64[i], exp)
				break
			}
		}
	}
	// Hyperslabs: a middle block and a single element (last).
	shape := w.Shape
	if len(shape) == 0 || w.Len == 0 {
		return
	}
	for _, slab := range slabsFor(shape) {
		start, count := slab[0], slab[1]
		got, err := readNative(ctx, d, w.Dtype, start, count)
		if err != nil {
			t.Errorf("ReadSlab(%v, %v): %v", start, count, err)
			continue
		}
		exp := sliceC(want, shape, start, count)
		if err := compareStrings(got, exp); err != nil {
			t.Errorf("ReadSlab(%v, %v): %v", start, count, err)
		}
	}
}

func slabsFor(shape []uint64) [][2][]uint64 {
	n := len(shape)
	mid := [2][]uint64{make([]uint64, n), make([]uint64, n)}
	last := [2][]uint64{make([]uint64, n), make([]uint64, n)}
	first := [2][]uint64{make([]uint64, n), make([]uint64, n)}
	for i, s := range shape {
		mid[0][i] = s / 3
		mid[1][i] = s - s/3 - s/4
		if mid[1][i] == 0 {
			mid[1][i] = 1
		}
		last[0][i] = s - 1
		last[1][i] = 1
		first[1][i] = 1
		if i == n-1 {
			first[1][i] = s
		}
	}
	return [][2][]uint64{mid, last, first}
}

// sliceC extracts the hyperslab from C-ordered values.
func sliceC(vals []string, shape, start, count []uint64) []string {
	n := len(shape)
	strides := make([]uint64, n)
	s := uint64(1)
	for i := n - 1; i >= 0; i-- {
		strides[i] = s
		s *= shape[i]
	}
	total := uint64(1)
	for _, c := range count {
		total *= c
	}
	out := make([]string, 0, total)
	idx := make([]uint64, n)
	for k := uint64(0); k < total; k++ {
		off := uint64(0)
		for i := range idx {
			off += (start[i] + idx[i]) * strides[i]
		}
		out = append(out, vals[off])
		for i := n - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < count[i] {
				break
			}
			idx[i] = 0
		}
	}
	return out
}

func compareStrings(got, want []string) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	bad := 0
	var first string
	for i := range got {
		if got[i] != want[i] {
			if bad == 0 {
				first = fmt.Sprintf("[%d] = %s, want %s", i, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d values differ; first %s", bad, len(got), first)
	}
	return nil
}

// readNative reads (all, or a hyperslab when start != nil) into the Go type
// matching descr and formats the values.
func readNative(ctx context.Context, d *hdf5.Dataset, descr string, start, count []uint64) ([]string, error) {
	read := func(dst any) error {
		if start == nil {
			return d.Read(ctx, dst)
		}
		return d.ReadSlab(ctx, start, count, dst)
	}
	var out []string
	switch descr[1:] {
	case "i1":
		var v []int8
		if err := read(&v); err != nil {
			return nil, err
		}
		for _, x := range v {
			out = append(out, strconv.FormatInt(int64(x), 10))
		}
	case "u1":
		var v []uint8
		if err := read(&v); err != nil {
			return nil, err
		}
		for _, x := range v {
			out = append(out, strconv.FormatUint(uint64(x), 10))
		}
	case "i2":
		var v []int16
		if err := read(&v); err != nil {
			return nil, err
		}
		for _, x := range v {
			out = append(out, strconv.FormatInt(int64(x), 10))
		}
	case "u2":
		var v []uint16
		if err := read(&v); err != nil {
			return nil, err
		}
		for _, x := range v {
			out = append(out, strconv.FormatUint(uint64(x), 10))
		}
	case "i4":
		var v []int32
		if err := read(&v); err != nil {
			return nil, err
		}
		for _, x := range v {
			out = append(out, strconv.FormatInt(int64(x), 10))
		}
	case "u4":
		var v []uint32
		if err := read(&v); err != nil {
			return nil, err
		}
		for _, x := range v {
			out = append(out, strconv.FormatUint(uint64(x), 10))
		}
	case "i8":
		var v []int64
		if err := read(&v); err != nil {
			return nil, err
		}
		for _, x := range v {
			out = append(out, strconv.FormatInt(x, 10))
		}
	case "u8":
		var v []uint64
		if err := read(&v); err != nil {
			return nil, err
		}
		for _, x := range v {
			out = append(out, strconv.FormatUint(x, 10))
		}
	case "f4":
		var v []float32
		if err := read(&v); err != nil {
			return nil, err
		}
		for _, x := range v {
			out = append(out, fmtFloat(float64(x)))
		}
	case "f8":
		var v []float64
		if err := read(&v); err != nil {
			return nil, err
		}
		for _, x := range v {
			out = append(out, fmtFloat(x))
		}
	default:
		return nil, fmt.Errorf("test: unexpected dtype %s", descr)
	}
	return out, nil
}

func checkComplex(t *testing.T, d *hdf5.Dataset, w corpusDataset, raw []byte) {
	ctx := context.Background()
	var want []string
	if w.Values != nil {
		for _, v := range w.Values {
			p := v.([]any)
			want = append(want, wantNum("float", p[0])+","+wantNum("float", p[1]))
		}
	} else {
		parts := decodeRaw(raw, string(w.ComplexDescr[0])+"f"+strconv.Itoa(w.Itemsize/2))
		for i := 0; i+1 < len(parts); i += 2 {
			want = append(want, parts[i]+","+parts[i+1])
		}
	}
	var c []complex128
	err := d.Read(ctx, &c)
	if err != nil {
		t.Fatalf("Read []complex128: %v", err)
	}
	var got []string
	for _, x := range c {
		got = append(got, fmtFloat(real(x))+","+fmtFloat(imag(x)))
	}
	if err := compareStrings(got, want); err != nil {
		t.Errorf("Read []complex128: %v", err)
	}
}

// ---------------------------------------------------------------------------
// Robustness: deterministic corruptions of the corpus.

// corruptVariant is one damaged copy of a corpus file.
type corruptVariant struct {
	name string
	data []byte
}

// corruptCorpus makes 60 deterministic variants: for each of 10 corpus files,
// two truncations, two sets of random byte flips, one zeroed region and one
// flip burst in the first 4 kB (superblock and root metadata).
func corruptCorpus(t testing.TB) []corruptVariant {
	t.Helper()
	bases := []string{
		"types_earliest.h5", "types_latest.h5", "chunks_earliest.h5", "chunks_latest.h5",
		"groups_earliest.h5", "groups_latest.h5", "userblock512_earliest.h5", "superblock2_v108.h5",
		"matlab_v73.mat", "matlab_mi_latest.mat",
	}
	rng := rand.New(rand.NewPCG(2026, 1125))
	var out []corruptVariant
	for _, b := range bases {
		data, err := os.ReadFile(filepath.Join(corpusDir, b))
		if err != nil {
			t.Fatal(err)
		}
		n := len(data)
		add := func(kind string, d []byte) {
			out = append(out, corruptVariant{fmt.Sprintf("%s/%s", b, kind), d})
		}
		for _, frac := range []float64{0.3 + 0.4*rng.Float64(), 0.02 + 0.1*rng.Float64()} {
			cut := int(float64(n) * frac)
			add(fmt.Sprintf("truncate@%d", cut), append([]byte(nil), data[:cut]...))
		}
		for k := 0; k < 2; k++ {
			d := append([]byte(nil), data...)
			flips := 1 + rng.IntN(40)
			for i := 0; i < flips; i++ {
				d[rng.IntN(n)] ^= byte(1 + rng.IntN(255))
			}
			add(fmt.Sprintf("flip%d-x%d", k, flips), d)
		}
		d := append([]byte(nil), data...)
		off, ln := rng.IntN(n), 16+rng.IntN(2048)
		for i := off; i < off+ln && i < n; i++ {
			d[i] = 0
		}
		add(fmt.Sprintf("zero@%d+%d", off, ln), d)
		d = append([]byte(nil), data...)
		lim := min(n, 4096)
		for i := 0; i < 8; i++ {
			d[rng.IntN(lim)] = byte(rng.IntN(256))
		}
		add("meta-burst", d)
	}
	return out
}

// exercise opens, walks and reads every dataset of a (possibly damaged)
// file, returning the first error. Datasets whose declared size exceeds
// 64 MiB are read as a single element.
func exercise(ctx context.Context, data []byte) (nerr int) {
	f, err := hdf5.NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return 1
	}
	defer f.Close()
	f.Walk(func(path string, obj hdf5.Object) error {
		if _, err := obj.Attrs(); err != nil {
			nerr++
		}
		switch o := obj.(type) {
		case *hdf5.Group:
			if _, err := o.Links(); err != nil {
				nerr++
			}
		case *hdf5.Dataset:
			_ = o.Datatype().String()
			if o.Len()*uint64(max(o.Datatype().Size, 1)) > 64<<20 || o.Len() > 64<<20 {
				if n := len(o.Shape()); n > 0 {
					one := make([]uint64, n)
					for i := range one {
						one[i] = 1
					}
					var b []float64
					if err := o.ReadSlab(ctx, make([]uint64, n), one, &b); err != nil {
						nerr++
					}
				}
				return nil
			}
			if _, err := o.ReadRaw(ctx); err != nil {
				nerr++
			}
			var s []string
			var r []hdf5.Reference
			var fl []float64
			switch o.Datatype().Class {
			case hdf5.ClassString, hdf5.ClassVarLen:
				_ = o.Read(ctx, &s)
			case hdf5.ClassReference:
				if o.Read(ctx, &r) == nil {
					for _, x := range r {
						f.Dereference(x)
					}
				}
			default:
				_ = o.Read(ctx, &fl)
			}
		}
		return nil
	})
	return nerr
}

func TestCorpusCorrupted(t *testing.T) {
	variants := corruptCorpus(t)
	if len(variants) != 60 {
		t.Fatalf("%d variants, want 60", len(variants))
	}
	const hang = 2 * time.Minute // a hang detector, not a speed test
	const allocLimit = 1 << 30
	failed := 0
	defer func() { t.Logf("%d of %d corrupted variants gave at least one error", failed, len(variants)) }()
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			done := make(chan int, 1)
			go func() { done <- exercise(context.Background(), v.data) }()
			select {
			case n := <-done:
				if n > 0 {
					failed++
				}
			case <-time.After(hang):
				t.Fatalf("open+walk+read did not finish in %v (hang?)", hang)
			}
			runtime.ReadMemStats(&after)
			if a := after.TotalAlloc - before.TotalAlloc; a > allocLimit {
				t.Errorf("allocated %d MB for a %d-byte file", a>>20, len(v.data))
			}
		})
	}
}

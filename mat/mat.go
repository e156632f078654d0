// Package mat reads MATLAB v7.3 .mat files: HDF5 files behind a 512-byte
// user block that starts with the MAT header text, in which every variable
// carries a MATLAB_class attribute. It adds MATLAB semantics on top of
// package hdf5: variables and their classes, structs (groups), cells
// (object references into /#refs#), char arrays (UTF-16 code units) as Go
// strings, logical arrays, empty arrays (MATLAB_empty), complex arrays
// ({real, imag} compounds) and sparse matrices (detected, not densified).
//
// # Array order: h5py's vs MATLAB's
//
// MATLAB stores arrays column-major (first index fastest). A v7.3 file keeps
// MATLAB's bytes as they are and writes the HDF5 dataspace with the
// dimensions reversed, so h5py (and Variable.Shape) sees the transpose:
//
//	MATLAB:  A = [1 2 3; 4 5 6]         Dims()  = [2 3]
//	h5py:    f["A"][()] = [[1 4],        Shape() = [3 2]
//	                       [2 5],
//	                       [3 6]]
//	bytes in the file (C order of Shape, = column-major order of Dims):
//	         1 4 2 5 3 6
//
// Reads take an Order saying how the returned flat slice is laid out:
//
//	RowMajorH5py       Data = [1 4 2 5 3 6], Array.Shape = [3 2]
//	                   h5py's x[r][c] = Data[r*2 + c]          (no copy)
//	ColumnMajorMATLAB  Data = [1 4 2 5 3 6], Array.Shape = [2 3]
//	                   MATLAB's A(i+1,j+1) = Data[i + j*2]     (no copy)
//	RowMajorMATLAB     Data = [1 2 3 4 5 6], Array.Shape = [2 3]
//	                   MATLAB's A(i+1,j+1) = Data[i*3 + j]     (a transposed copy)
//
// RowMajorH5py and ColumnMajorMATLAB are the same memory described by
// reversed shapes; RowMajorMATLAB is what numpy gives for
// np.ascontiguousarray(f["A"][()].T). Array.At indexes with the shape that
// goes with the order, so a.At(i, j) is h5py's x[i, j] for RowMajorH5py and
// MATLAB's A(i+1, j+1) for the two MATLAB orders.
//
// Pre-v7.3 files (MATLAB v4/v5/v7 formats, not HDF5) are refused with an
// error wrapping ErrNotV73. A plain HDF5 file without a MAT header can be
// opened too (HasHeader reports false); its datasets are variables with
// empty Class unless they carry MATLAB_class attributes.
package mat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/retinaio/retinaio/hdf5"
)

// ErrNotV73 is wrapped by the error for MATLAB files saved in the v5/v7 (or
// older) binary format, which is not HDF5.
var ErrNotV73 = errors.New("MATLAB v5/v7 format: re-save with save -v7.3 or use scipy.io.loadmat")

// ErrBadHeader is wrapped when a file claims to be a MATLAB 7.3 MAT-file but
// its header's version or endian indicator is invalid.
var ErrBadHeader = errors.New("invalid MATLAB 7.3 header")

// ErrNotFound is wrapped when a variable or struct field does not exist.
var ErrNotFound = errors.New("no such variable")

// ErrClass is wrapped when a variable is read as something it is not (a
// struct as numbers, a double as a string, a cell as a struct...).
var ErrClass = errors.New("wrong MATLAB class for this read")

// HeaderSize is the size of a MAT-file header.
const HeaderSize = 128

// Header is a parsed 128-byte MAT-file header.
type Header struct {
	Text    string // descriptive text, trailing spaces and NULs removed
	Version uint16 // 0x0200 for v7.3, 0x0100 for v5/v7
	Endian  string // "IM" (written little-endian) or "MI" (big-endian)
}

// ParseHeader parses a 128-byte MAT-file header. ok is false when b does not
// start with "MATLAB" (then the file is no MAT-file, or a v4 one).
func ParseHeader(b []byte) (h Header, ok bool) {
	if len(b) < HeaderSize || !bytes.HasPrefix(b, []byte("MATLAB")) {
		return Header{}, false
	}
	h.Text = strings.TrimRight(string(b[:116]), " \x00")
	h.Endian = string(b[126:128])
	switch h.Endian {
	case "IM":
		h.Version = uint16(b[124]) | uint16(b[125])<<8
	case "MI":
		h.Version = uint16(b[124])<<8 | uint16(b[125])
	}
	return h, true
}

// IsV73 reports whether the header is a valid MATLAB 7.3 header.
func (h Header) IsV73() bool {
	return strings.HasPrefix(h.Text, "MATLAB 7.3 MAT-file") && h.Version == 0x0200 &&
		(h.Endian == "IM" || h.Endian == "MI")
}

// File is an open MATLAB v7.3 file. Safe for concurrent use.
type File struct {
	h5     *hdf5.File
	name   string
	hdr    Header
	hasHdr bool
	closer io.Closer
}

// Open opens the MATLAB v7.3 file at path.
func Open(path string) (*File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, err
	}
	f, err := newFile(osf, st.Size(), path)
	if err != nil {
		osf.Close()
		return nil, err
	}
	f.closer = osf
	return f, nil
}

// NewFile reads a MATLAB v7.3 file from r, whose length is size bytes.
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	return newFile(r, size, "")
}

func newFile(r io.ReaderAt, size int64, name string) (*File, error) {
	f := &File{name: name}
	label := "mat: "
	if name != "" {
		label += name + ": "
	}
	if size >= HeaderSize {
		b := make([]byte, HeaderSize)
		if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
			return nil, fmt.Errorf("%sread header: %w", label, err)
		}
		f.hdr, f.hasHdr = ParseHeader(b)
	}
	h5, err := hdf5.NewFile(r, size)
	if err != nil {
		if errors.Is(err, hdf5.ErrNotHDF5) {
			if f.hasHdr && !strings.HasPrefix(f.hdr.Text, "MATLAB 7.3") {
				return nil, fmt.Errorf("%sheader %q (version %#04x): %w", label, short(f.hdr.Text), f.hdr.Version, ErrNotV73)
			}
			if f.hasHdr {
				return nil, fmt.Errorf("%sthe header says MATLAB 7.3 but no HDF5 superblock follows (damaged file?): %w", label, err)
			}
			return nil, fmt.Errorf("%snot a MAT-file (no MATLAB header, no HDF5 signature): %w", label, err)
		}
		return nil, fmt.Errorf("%s%w", label, err)
	}
	if f.hasHdr && strings.HasPrefix(f.hdr.Text, "MATLAB 7.3 MAT-file") && !f.hdr.IsV73() {
		h5.Close()
		return nil, fmt.Errorf("%sheader version %#04x, endian indicator %q (want 0x0200 and \"IM\" or \"MI\"): %w",
			label, f.hdr.Version, f.hdr.Endian, ErrBadHeader)
	}
	f.h5 = h5
	return f, nil
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// Close releases the file.
func (f *File) Close() error {
	err := f.h5.Close()
	if f.closer != nil {
		if e := f.closer.Close(); err == nil {
			err = e
		}
	}
	return err
}

// HDF5 returns the underlying HDF5 file.
func (f *File) HDF5() *hdf5.File { return f.h5 }

// Header returns the MAT header's text ("MATLAB 7.3 MAT-file, Platform:
// ..."), or "" when the file has no MAT header (a plain HDF5 file).
func (f *File) Header() string { return f.hdr.Text }

// HasHeader reports whether the file starts with a MAT header. A plain HDF5
// file opened with this package reports false.
func (f *File) HasHeader() bool { return f.hasHdr }

// ParsedHeader returns the parsed header (zero when HasHeader is false).
func (f *File) ParsedHeader() Header { return f.hdr }

// hidden reports the top-level groups MATLAB uses for bookkeeping.
func hidden(name string) bool { return name == "#refs#" || name == "#subsystem#" }

// Variables lists the top-level variables in name order, skipping MATLAB's
// #refs# and #subsystem# groups and soft or external links.
func (f *File) Variables() ([]*Variable, error) {
	links, err := f.h5.Root().Links()
	if err != nil {
		return nil, err
	}
	var out []*Variable
	for _, l := range links {
		if l.Type != hdf5.LinkHard || hidden(l.Name) {
			continue
		}
		v, err := f.Var(l.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Var returns a variable by name; "s/a/b" walks into struct fields. A path
// with a leading slash is taken as an absolute HDF5 path ("/#refs#/b").
func (f *File) Var(name string) (*Variable, error) {
	p := name
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if p == "/" {
		return nil, fmt.Errorf("mat: %s: empty variable name: %w", f.name, ErrNotFound)
	}
	obj, err := f.lookup(p)
	if err != nil {
		if errors.Is(err, hdf5.ErrNotFound) {
			return nil, fmt.Errorf("mat: %s: variable %q: %w", f.name, name, ErrNotFound)
		}
		return nil, err
	}
	return f.variable(obj)
}

func (f *File) lookup(p string) (hdf5.Object, error) {
	if d, err := f.h5.OpenDataset(p); err == nil {
		return d, nil
	} else if !errors.Is(err, hdf5.ErrNotFound) {
		// Not a dataset (or damaged): try a group before giving up.
		if g, gerr := f.h5.OpenGroup(p); gerr == nil {
			return g, nil
		}
		return nil, err
	}
	return f.h5.OpenGroup(p)
}

// variable builds a Variable for an HDF5 object.
func (f *File) variable(obj hdf5.Object) (*Variable, error) {
	v := &Variable{f: f, Path: obj.Path()}
	v.Name = v.Path[strings.LastIndexByte(v.Path, '/')+1:]
	a, err := obj.Attr("MATLAB_class")
	if err != nil {
		return nil, err
	}
	if a != nil {
		v.Class = strings.TrimRight(a.String(), "\x00 ")
	}
	switch o := obj.(type) {
	case *hdf5.Dataset:
		v.ds = o
		if e, err := o.Attr("MATLAB_empty"); err != nil {
			return nil, err
		} else if e != nil && attrTrue(e) {
			v.empty = true
			if err := v.readEmptyDims(); err != nil {
				return nil, err
			}
		}
	case *hdf5.Group:
		v.grp = o
		if s, err := o.Attr("MATLAB_sparse"); err != nil {
			return nil, err
		} else if s != nil {
			v.sparse = true
			if err := v.readSparseDims(s); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("mat: %s: %s is neither a dataset nor a group", f.name, v.Path)
	}
	return v, nil
}

func attrTrue(a *hdf5.Attribute) bool {
	for _, x := range a.Integers {
		if x != 0 {
			return true
		}
	}
	for _, x := range a.Values {
		if x != 0 {
			return true
		}
	}
	return false
}

// maxDims bounds the rank of a MATLAB array.
const maxDims = 64

func (v *Variable) readEmptyDims() error {
	if v.ds.Len() > maxDims {
		return fmt.Errorf("mat: %s: %s: MATLAB_empty dataset holds %d values, want its dims (<= %d)",
			v.f.name, v.Path, v.ds.Len(), maxDims)
	}
	var dims []uint64
	if err := v.ds.Read(context.Background(), &dims); err != nil {
		return err
	}
	v.dims = dims
	return nil
}

func (v *Variable) readSparseDims(nrows *hdf5.Attribute) error {
	if len(nrows.Integers) != 1 {
		return fmt.Errorf("mat: %s: %s: MATLAB_sparse attribute has %d values, want 1", v.f.name, v.Path, len(nrows.Integers))
	}
	jc, err := v.f.h5.OpenDataset(v.Path + "/jc")
	if err != nil {
		return fmt.Errorf("mat: %s: sparse matrix %s has no jc: %w", v.f.name, v.Path, err)
	}
	n := jc.Len()
	if n > 0 {
		n--
	}
	v.dims = []uint64{uint64(nrows.Integers[0]), n}
	return nil
}

// Variable is a MATLAB variable, struct field or cell element.
type Variable struct {
	Name  string // last path element ("b" for /s/b)
	Path  string // absolute HDF5 path ("/s/b", "/#refs#/c")
	Class string // the MATLAB_class attribute ("double", "struct", "cell", "char", ...); "" if absent

	f      *File
	ds     *hdf5.Dataset
	grp    *hdf5.Group
	empty  bool
	sparse bool
	dims   []uint64 // MATLAB dims for empty and sparse variables
}

// Dataset returns the HDF5 dataset holding the variable, or nil for structs
// and sparse matrices (groups).
func (v *Variable) Dataset() *hdf5.Dataset { return v.ds }

// Group returns the HDF5 group of a struct or sparse matrix, or nil.
func (v *Variable) Group() *hdf5.Group { return v.grp }

// IsStruct reports a struct: a group with MATLAB_class "struct", or a group
// without MATLAB_class (plain HDF5 groups read as structs).
func (v *Variable) IsStruct() bool {
	return v.grp != nil && !v.sparse && (v.Class == "struct" || v.Class == "")
}

// IsCell reports a cell array (a dataset of object references).
func (v *Variable) IsCell() bool { return v.ds != nil && v.Class == "cell" }

// IsEmpty reports an empty array (MATLAB_empty): Dims has a zero and there
// is no data.
func (v *Variable) IsEmpty() bool { return v.empty }

// IsSparse reports a sparse matrix (a group with data, ir, jc datasets and
// a MATLAB_sparse attribute). Read it through Group(); the Read methods
// refuse it.
func (v *Variable) IsSparse() bool { return v.sparse }

// IsChar reports a char array (uint16 UTF-16 code units).
func (v *Variable) IsChar() bool { return v.Class == "char" }

// IsLogical reports a logical array (stored as uint8).
func (v *Variable) IsLogical() bool { return v.Class == "logical" }

// IsComplex reports a complex array, stored as a compound with two
// floating-point members (MATLAB names them real and imag).
func (v *Variable) IsComplex() bool {
	if v.ds == nil || v.empty {
		return false
	}
	t := v.ds.Datatype()
	return t.Class == hdf5.ClassCompound && len(t.Fields) == 2 &&
		t.Fields[0].Type.Class == hdf5.ClassFloat && t.Fields[1].Type.Class == hdf5.ClassFloat
}

// IsNumeric reports a variable the numeric Read functions accept: integer,
// floating-point or complex data (this includes char and logical, which are
// stored as integers), not empty, struct, cell or sparse.
func (v *Variable) IsNumeric() bool {
	if v.ds == nil || v.empty {
		return false
	}
	switch v.ds.Datatype().Class {
	case hdf5.ClassFixed, hdf5.ClassFloat:
		return true
	}
	return v.IsComplex()
}

// Shape returns the dimensions in h5py order (the HDF5 dataspace, file
// order): the reverse of Dims. For an empty array it is the reverse of the
// stored MATLAB dims, not the shape of the dims dataset; a struct is [1 1].
func (v *Variable) Shape() []uint64 {
	switch {
	case v.empty || v.sparse:
		return reversed(v.dims)
	case v.ds != nil:
		return v.ds.Shape()
	}
	return []uint64{1, 1}
}

// Dims returns the dimensions in MATLAB order (size(A) in MATLAB): the
// reverse of Shape.
func (v *Variable) Dims() []uint64 {
	if v.empty || v.sparse {
		return append([]uint64(nil), v.dims...)
	}
	return reversed(v.Shape())
}

// Len returns the number of elements (0 for an empty array).
func (v *Variable) Len() uint64 {
	return product(v.Dims())
}

func product(s []uint64) uint64 {
	n := uint64(1)
	for _, x := range s {
		n *= x
	}
	return n
}

func reversed(s []uint64) []uint64 {
	out := make([]uint64, len(s))
	for i, x := range s {
		out[len(s)-1-i] = x
	}
	return out
}

// Fields returns a struct's fields. Their order is MATLAB's (the
// MATLAB_fields attribute) when the file records it, else name order.
func (v *Variable) Fields() ([]*Variable, error) {
	if !v.IsStruct() {
		return nil, fmt.Errorf("mat: %s: %s is %s, not a struct: %w", v.f.name, v.Path, v.className(), ErrClass)
	}
	links, err := v.grp.Links()
	if err != nil {
		return nil, err
	}
	var out []*Variable
	byName := map[string]*Variable{}
	for _, l := range links {
		if l.Type != hdf5.LinkHard {
			continue
		}
		f, err := v.f.Var(strings.TrimSuffix(v.Path, "/") + "/" + l.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		byName[l.Name] = f
	}
	// MATLAB's field order, if recorded and consistent.
	if a, err := v.grp.Attr("MATLAB_fields"); err == nil && a != nil && len(a.Strings) == len(out) {
		ordered := make([]*Variable, 0, len(out))
		for _, n := range a.Strings {
			if f, ok := byName[n]; ok {
				ordered = append(ordered, f)
				delete(byName, n)
			}
		}
		if len(ordered) == len(out) {
			return ordered, nil
		}
	}
	return out, nil
}

// Field returns one struct field.
func (v *Variable) Field(name string) (*Variable, error) {
	if !v.IsStruct() {
		return nil, fmt.Errorf("mat: %s: %s is %s, not a struct: %w", v.f.name, v.Path, v.className(), ErrClass)
	}
	return v.f.Var(strings.TrimSuffix(v.Path, "/") + "/" + name)
}

func (v *Variable) className() string {
	if v.Class == "" {
		if v.grp != nil {
			return "a group"
		}
		return "a dataset without MATLAB_class"
	}
	return "a " + v.Class
}

// Cell returns a cell array's elements in MATLAB's linear order: element k
// is c{k+1} in MATLAB (column-major over Dims, which is file order). Each
// element is a Variable, usually under /#refs#.
func (v *Variable) Cell(ctx context.Context) ([]*Variable, error) {
	if v.ds == nil || v.ds.Datatype().Class != hdf5.ClassReference {
		return nil, fmt.Errorf("mat: %s: %s is %s, not a cell: %w", v.f.name, v.Path, v.className(), ErrClass)
	}
	if v.empty {
		return nil, nil
	}
	var refs []hdf5.Reference
	if err := v.ds.Read(ctx, &refs); err != nil {
		return nil, err
	}
	out := make([]*Variable, len(refs))
	for i, r := range refs {
		obj, err := v.f.h5.Dereference(r)
		if err != nil {
			return nil, fmt.Errorf("mat: %s: %s: cell element %d: %w", v.f.name, v.Path, i, err)
		}
		e, err := v.f.variable(obj)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// String returns a char array with one row (1xN, Nx1 or empty) as a Go
// string, decoding MATLAB's UTF-16 code units. Use Strings for char
// matrices.
func (v *Variable) String(ctx context.Context) (string, error) {
	rows, err := v.Strings(ctx)
	if err != nil {
		return "", err
	}
	switch len(rows) {
	case 0:
		return "", nil
	case 1:
		return rows[0], nil
	}
	// An Nx1 char column is one string too.
	if d := v.Dims(); len(d) == 2 && d[1] == 1 {
		return strings.Join(rows, ""), nil
	}
	return "", fmt.Errorf("mat: %s: %s is a %v char matrix; use Strings", v.f.name, v.Path, v.Dims())
}

// Strings returns the rows of a 2-D char matrix (MATLAB's A(i,:) for each
// i), each decoded from UTF-16.
func (v *Variable) Strings(ctx context.Context) ([]string, error) {
	if !v.IsChar() {
		return nil, fmt.Errorf("mat: %s: %s is %s, not a char array: %w", v.f.name, v.Path, v.className(), ErrClass)
	}
	if v.empty || v.Len() == 0 {
		return nil, nil
	}
	dims := v.Dims()
	if len(dims) != 2 {
		return nil, fmt.Errorf("mat: %s: %s: char array with dims %v, want 2-D", v.f.name, v.Path, dims)
	}
	a, err := Read[uint16](ctx, v, RowMajorMATLAB)
	if err != nil {
		return nil, err
	}
	m, n := int(dims[0]), int(dims[1])
	out := make([]string, m)
	for i := 0; i < m; i++ {
		out[i] = string(utf16.Decode(a.Data[i*n : (i+1)*n]))
	}
	return out, nil
}

// Logical reads a logical array (any non-zero byte is true).
func (v *Variable) Logical(ctx context.Context, order Order) (*Array[bool], error) {
	if !v.IsLogical() {
		return nil, fmt.Errorf("mat: %s: %s is %s, not logical: %w", v.f.name, v.Path, v.className(), ErrClass)
	}
	a, err := Read[uint8](ctx, v, order)
	if err != nil {
		return nil, err
	}
	out := &Array[bool]{Data: make([]bool, len(a.Data)), Shape: a.Shape, Order: a.Order}
	for i, x := range a.Data {
		out.Data[i] = x != 0
	}
	return out, nil
}

// ReadFloat64 reads a numeric variable converted to float64.
func (v *Variable) ReadFloat64(ctx context.Context, order Order) (*Array[float64], error) {
	return Read[float64](ctx, v, order)
}

// ReadFloat32 reads a numeric variable converted to float32.
func (v *Variable) ReadFloat32(ctx context.Context, order Order) (*Array[float32], error) {
	return Read[float32](ctx, v, order)
}

// ReadUint8 reads a numeric variable converted to uint8.
func (v *Variable) ReadUint8(ctx context.Context, order Order) (*Array[uint8], error) {
	return Read[uint8](ctx, v, order)
}

// ReadInt64 reads a numeric variable converted to int64.
func (v *Variable) ReadInt64(ctx context.Context, order Order) (*Array[int64], error) {
	return Read[int64](ctx, v, order)
}

// ReadComplex128 reads a complex (or real) variable as complex128.
func (v *Variable) ReadComplex128(ctx context.Context, order Order) (*Array[complex128], error) {
	return Read[complex128](ctx, v, order)
}

// Element is the set of Go element types Read accepts.
type Element interface {
	~uint8 | ~int8 | ~uint16 | ~int16 | ~uint32 | ~int32 | ~uint64 | ~int64 |
		~float32 | ~float64 | ~complex64 | ~complex128
}

// Read reads a numeric variable (integer, float, complex, char, logical)
// into a flat slice of T laid out in the given order, converting values as
// numpy's astype does. An empty variable gives an empty Data with its
// shape. Structs, cells and sparse matrices are refused with ErrClass.
func Read[T Element](ctx context.Context, v *Variable, order Order) (*Array[T], error) {
	if err := order.check(); err != nil {
		return nil, err
	}
	shape := v.Shape()
	if v.empty {
		return &Array[T]{Data: []T{}, Shape: order.shape(shape), Order: order}, nil
	}
	if v.ds == nil || v.sparse || !v.IsNumeric() {
		return nil, fmt.Errorf("mat: %s: %s is %s, not a numeric array: %w", v.f.name, v.Path, v.className(), ErrClass)
	}
	var data []T
	if err := v.ds.Read(ctx, &data); err != nil {
		return nil, err
	}
	if n := product(shape); n != uint64(len(data)) {
		return nil, fmt.Errorf("mat: %s: %s: read %d elements for shape %v", v.f.name, v.Path, len(data), shape)
	}
	if order == RowMajorMATLAB {
		data = Transpose(data, shape)
	}
	return &Array[T]{Data: data, Shape: order.shape(shape), Order: order}, nil
}

// Order says how a flat slice holds a multi-dimensional array. See the
// package documentation for a worked 2x3 example.
type Order int

const (
	// RowMajorH5py is C order over h5py's shape (Variable.Shape): the last
	// index varies fastest; the same layout h5py/numpy give. Array.Shape is
	// Variable.Shape. No copy is made.
	RowMajorH5py Order = iota
	// ColumnMajorMATLAB is MATLAB's own layout: Fortran order over MATLAB's
	// dims (Variable.Dims), first index fastest. It is the same memory as
	// RowMajorH5py; only the shape differs (Array.Shape is Variable.Dims).
	// No copy is made.
	ColumnMajorMATLAB
	// RowMajorMATLAB is C order over MATLAB's dims: MATLAB's A(i,j) at
	// Data[i*ncols+j] (0-based). It is a transposed copy.
	RowMajorMATLAB
)

// String returns the order's name.
func (o Order) String() string {
	switch o {
	case RowMajorH5py:
		return "row-major (h5py shape)"
	case ColumnMajorMATLAB:
		return "column-major (MATLAB dims)"
	case RowMajorMATLAB:
		return "row-major (MATLAB dims)"
	}
	return fmt.Sprintf("Order(%d)", int(o))
}

func (o Order) check() error {
	if o < RowMajorH5py || o > RowMajorMATLAB {
		return fmt.Errorf("mat: invalid order %d", int(o))
	}
	return nil
}

// shape returns the shape that goes with the order, given h5py's shape.
func (o Order) shape(h5pyShape []uint64) []uint64 {
	if o == RowMajorH5py {
		return append([]uint64(nil), h5pyShape...)
	}
	return reversed(h5pyShape)
}

// Array is a multi-dimensional array in a flat slice.
type Array[T any] struct {
	Data  []T
	Shape []uint64 // the dims that go with Order: h5py's shape for RowMajorH5py, MATLAB's dims otherwise
	Order Order
}

// At returns the element at the 0-based index idx, given in the
// coordinates of Shape: h5py's x[idx...] for RowMajorH5py, MATLAB's
// A(idx[0]+1, idx[1]+1, ...) for ColumnMajorMATLAB and RowMajorMATLAB. It
// panics when idx is out of range, as slice indexing does.
func (a *Array[T]) At(idx ...int) T {
	if len(idx) != len(a.Shape) {
		panic(fmt.Sprintf("mat: At with %d indexes for a %d-D array", len(idx), len(a.Shape)))
	}
	off, stride := 0, 1
	for k := range idx {
		i := k // fastest index first
		if a.Order != ColumnMajorMATLAB {
			i = len(idx) - 1 - k
		}
		if idx[i] < 0 || uint64(idx[i]) >= a.Shape[i] {
			panic(fmt.Sprintf("mat: index %v out of range for shape %v", idx, a.Shape))
		}
		off += idx[i] * stride
		stride *= int(a.Shape[i])
	}
	return a.Data[off]
}

// Transpose returns a copy of data, C-ordered over shape, reordered to C
// order over the reversed shape (numpy's np.ascontiguousarray(x.T)). It
// turns h5py's layout into RowMajorMATLAB and back. It panics if the
// product of shape differs from len(data).
func Transpose[T any](data []T, shape []uint64) []T {
	n := uint64(1)
	for _, s := range shape {
		n *= s
	}
	if n != uint64(len(data)) {
		panic(fmt.Sprintf("mat: Transpose of %d elements with shape %v", len(data), shape))
	}
	out := make([]T, len(data))
	if len(shape) < 2 {
		copy(out, data)
		return out
	}
	r := len(shape)
	// Strides of the source (C order over shape).
	src := make([]uint64, r)
	s := uint64(1)
	for i := r - 1; i >= 0; i-- {
		src[i] = s
		s *= shape[i]
	}
	// Walk the destination in C order over reversed(shape); destination
	// index j_k corresponds to source index i_{r-1-k}.
	idx := make([]uint64, r) // destination index
	for k := range out {
		off := uint64(0)
		for d := 0; d < r; d++ {
			off += idx[d] * src[r-1-d]
		}
		out[k] = data[off]
		for d := r - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[r-1-d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// Package hdf5 is a pure-Go, memory-safe reader for HDF5 files, including
// MATLAB v7.3 .mat files (HDF5 behind a 512-byte user block).
//
// It reads superblocks 0-3 (at offset 0 or after a user block), object
// headers v1 and v2, old- and new-style groups (symbol tables, link
// messages, dense link storage), compact/contiguous/chunked layouts with
// every chunk index (v1 B-tree, single chunk, implicit, fixed array,
// extensible array, v2 B-tree), the filters of libhdf5 and of the common
// plugins (deflate, shuffle, fletcher32, SZIP, n-bit, scale-offset, LZF,
// LZO, bzip2, LZ4, zstd, Blosc, bitshuffle, ZFP, BitGroom/BitRound;
// RegisterFilter adds others), and compact and dense attributes. Every structure read from the
// file is bounds-checked; malformed input yields a *FormatError, never a
// panic. Chunks are decompressed in parallel.
package hdf5

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
)

// ErrNotImplemented is returned for features that are not implemented.
var ErrNotImplemented = errors.New("hdf5: not implemented")

// Class is an HDF5 datatype class.
type Class int

// Datatype classes.
const (
	ClassFixed     Class = 0
	ClassFloat     Class = 1
	ClassTime      Class = 2
	ClassString    Class = 3
	ClassBitfield  Class = 4
	ClassOpaque    Class = 5
	ClassCompound  Class = 6
	ClassReference Class = 7
	ClassEnum      Class = 8
	ClassVarLen    Class = 9
	ClassArray     Class = 10
	// ClassComplex is HDF5 2.0's complex number class: two floats of the
	// type Base, real part first.
	ClassComplex Class = 11
)

// Datatype describes the element type of a dataset or attribute.
type Datatype struct {
	Class     Class
	Size      int  // bytes per element
	Signed    bool // fixed-point only
	BigEndian bool
	// VarString is true for variable-length strings (Class == ClassVarLen).
	VarString bool
	// Fields of a compound type, in file order.
	Fields []Field
	// Base is the parent type of varlen/array/enum types.
	Base *Datatype
	// ArrayDims are the dimensions of an array type.
	ArrayDims []uint64
	// Tag is an opaque type's tag.
	Tag string
	// EnumNames and EnumValues (raw, Base-typed) list an enum's members.
	EnumNames  []string
	EnumValues [][]byte

	fp      floatProps // floating-point bit layout (ClassFloat)
	intBits intBits    // fixed-point bit offset and precision (ClassFixed)
	strPad  uint8      // string padding: 0 null-terminated, 1 null-padded, 2 space-padded
	cset    uint8      // character set: 0 ASCII, 1 UTF-8
	refType uint8      // reference type: 0 object, 1 region
}

// Field is one member of a compound datatype.
type Field struct {
	Name   string
	Offset int
	Type   Datatype
}

// Layout is a dataset's storage layout class.
type Layout int

// Storage layouts.
const (
	LayoutCompact    Layout = 0
	LayoutContiguous Layout = 1
	LayoutChunked    Layout = 2
	LayoutVirtual    Layout = 3
)

// Filter is one entry of a dataset's filter pipeline.
type Filter struct {
	ID     int // 1 deflate, 2 shuffle, 3 fletcher32, 4 szip, 32000 LZF, ...
	Name   string
	Params []uint32
}

// File is an open HDF5 file. Safe for concurrent use.
type File struct {
	r    io.ReaderAt
	size int64
	c    io.Closer
	st   *fileState
	root *Group
}

// Close releases the file (closes it when opened with Open).
func (f *File) Close() error {
	if f.c != nil {
		return f.c.Close()
	}
	return nil
}

// UserBlockSize is the offset of the superblock (0, 512, 1024, ...).
func (f *File) UserBlockSize() int64 { return int64(f.st.base) }

// SuperblockVersion is the superblock's format version (0-3).
func (f *File) SuperblockVersion() int { return f.st.sbVersion }

// Root returns the root group.
func (f *File) Root() *Group { return f.root }

// OpenGroup returns the group at an absolute path ("/", "/a/b").
func (f *File) OpenGroup(path string) (*Group, error) {
	obj, err := f.lookup(path)
	if err != nil {
		return nil, err
	}
	g, ok := obj.(*Group)
	if !ok {
		return nil, f.errf(path, "open group", fmt.Errorf("%w: not a group", ErrNotFound))
	}
	return g, nil
}

// OpenDataset returns the dataset at an absolute path ("/x", "/#refs#/a").
func (f *File) OpenDataset(path string) (*Dataset, error) {
	obj, err := f.lookup(path)
	if err != nil {
		return nil, err
	}
	d, ok := obj.(*Dataset)
	if !ok {
		return nil, f.errf(path, "open dataset", fmt.Errorf("%w: not a dataset", ErrNotFound))
	}
	return d, nil
}

// Object is a *Group or a *Dataset (other object kinds, such as committed
// datatypes, are reported as *Other; objects that cannot be read, by Walk,
// as *BadObject).
type Object interface {
	Path() string
	Attrs() ([]Attribute, error)
	Attr(name string) (*Attribute, error) // nil, nil when absent
}

// Dereference returns the object an object reference points to.
func (f *File) Dereference(ref Reference) (Object, error) { return f.dereference(ref) }

// Walk visits every object reachable from the root by hard links, depth
// first, links in name order; a group is visited before its members. Each
// object is visited once (cycles and multiple links are not followed twice).
//
// Nothing is skipped silently: an object whose metadata cannot be read (a
// damaged object header, a dataset whose dataspace, datatype, fill value or
// layout message does not parse) is visited as a *BadObject in its place,
// and a group whose members cannot be listed is visited a second time, as
// a *BadObject with the same path, after the group itself. Walk returns
// only the errors fn returns.
func (f *File) Walk(fn func(path string, obj Object) error) error { return f.walk(fn) }

// BadObject stands, in Walk, for an object that cannot be read: Err says
// why (the error names the file, the path and the offending structure).
type BadObject struct {
	f    *File
	path string
	addr uint64
	err  error
}

// Path returns the object's path.
func (b *BadObject) Path() string { return b.path }

// Err returns the reason the object cannot be read (a *FormatError).
func (b *BadObject) Err() error { return b.err }

// Error implements error: the object's Err.
func (b *BadObject) Error() string { return b.err.Error() }

// Unwrap returns Err.
func (b *BadObject) Unwrap() error { return b.err }

// Attrs lists the object's attributes when its header can be read.
func (b *BadObject) Attrs() ([]Attribute, error) { return b.f.objAttrs(b.addr, b.path) }

// Attr returns one attribute by name (nil, nil when absent) when the
// object's header can be read.
func (b *BadObject) Attr(name string) (*Attribute, error) { return b.f.objAttr(b.addr, b.path, name) }

// LinkType is the kind of a link.
type LinkType int

// Link kinds.
const (
	LinkHard     LinkType = 0
	LinkSoft     LinkType = 1
	LinkExternal LinkType = 64
)

// Link is one member of a group.
type Link struct {
	Name string
	Type LinkType
	// Target: for soft links the path; for external links "file:path".
	Target string
}

// Group is an HDF5 group.
type Group struct {
	f    *File
	path string
	addr uint64
}

// Path returns the group's absolute path.
func (g *Group) Path() string { return g.path }

// Links lists the group's links sorted by name.
func (g *Group) Links() ([]Link, error) {
	ls, err := g.linkEntries()
	if err != nil {
		return nil, err
	}
	out := make([]Link, len(ls))
	for i := range ls {
		out[i] = ls[i].Link
	}
	return out, nil
}

// Attrs lists the group's attributes.
func (g *Group) Attrs() ([]Attribute, error) { return g.f.objAttrs(g.addr, g.path) }

// Attr returns one attribute by name, or nil, nil when absent.
func (g *Group) Attr(name string) (*Attribute, error) { return g.f.objAttr(g.addr, g.path, name) }

// Other is an object that is neither group nor dataset (committed datatype).
type Other struct {
	path string
	f    *File
	addr uint64
}

// Path returns the object's path.
func (o *Other) Path() string { return o.path }

// Attrs lists the object's attributes.
func (o *Other) Attrs() ([]Attribute, error) {
	if o.f == nil {
		return nil, nil
	}
	return o.f.objAttrs(o.addr, o.path)
}

// Attr returns one attribute by name, or nil, nil when absent.
func (o *Other) Attr(name string) (*Attribute, error) {
	if o.f == nil {
		return nil, nil
	}
	return o.f.objAttr(o.addr, o.path, name)
}

// Dataset is an HDF5 dataset. Metadata methods never read the data.
type Dataset struct {
	f    *File
	path string
	addr uint64
	info *dsInfo
}

// Path returns the dataset's absolute path.
func (d *Dataset) Path() string { return d.path }

// Shape is the dataspace's dimensions in file (C, h5py) order. A scalar
// dataspace has shape []; a null dataspace has Shape() == nil and IsNull().
func (d *Dataset) Shape() []uint64 {
	if d.info.space.null {
		return nil
	}
	return append([]uint64{}, d.info.space.dims...)
}

// MaxShape is the dataspace's maximum dimensions (nil when not stored);
// unlimited dimensions are math.MaxUint64.
func (d *Dataset) MaxShape() []uint64 { return append([]uint64(nil), d.info.space.maxdim...) }

// IsNull reports a null dataspace (no elements).
func (d *Dataset) IsNull() bool { return d.info.space.null }

// Len is the number of elements (product of Shape; 1 for scalar).
func (d *Dataset) Len() uint64 {
	n, ok := d.info.space.count()
	if !ok {
		return math.MaxUint64
	}
	return n
}

// Datatype returns the element type.
func (d *Dataset) Datatype() Datatype { return d.info.dt }

// Layout returns the storage layout.
func (d *Dataset) Layout() Layout { return d.info.layout }

// ChunkIndex names the chunk index ("v1 B-tree", "single chunk", "implicit",
// "fixed array", "extensible array", "v2 B-tree"; "" unless chunked).
func (d *Dataset) ChunkIndex() string {
	if d.info.layout != LayoutChunked {
		return ""
	}
	return indexNames[d.info.index]
}

// ChunkShape returns the chunk dimensions (nil unless chunked).
func (d *Dataset) ChunkShape() []uint64 {
	if d.info.layout != LayoutChunked {
		return nil
	}
	return append([]uint64{}, d.info.chunk...)
}

// Filters returns the filter pipeline (nil when none).
func (d *Dataset) Filters() []Filter {
	if len(d.info.filters) == 0 {
		return nil
	}
	return append([]Filter{}, d.info.filters...)
}

// FillValue returns the fill value's raw bytes (nil: zero).
func (d *Dataset) FillValue() []byte { return append([]byte(nil), d.info.fill...) }

// Attrs lists the dataset's attributes.
func (d *Dataset) Attrs() ([]Attribute, error) { return d.f.objAttrs(d.addr, d.path) }

// Attr returns one attribute by name, or nil, nil when absent.
func (d *Dataset) Attr(name string) (*Attribute, error) { return d.f.objAttr(d.addr, d.path, name) }

// Read reads the whole dataset into dst, a pointer to a slice of one of
// []uint8 []int8 []uint16 []int16 []uint32 []int32 []uint64 []int64
// []float32 []float64 []string []Reference []complex64 []complex128 or
// []byte via ReadRaw. The slice is grown or allocated as needed. Numeric
// values are converted to the slice's element type (like numpy astype);
// a conversion that cannot be done (string to float) is an error.
// Elements are in C order of Shape().
func (d *Dataset) Read(ctx context.Context, dst any) error {
	if d.info.space.null {
		return d.readSlab(ctx, nil, nil, dst)
	}
	return d.readSlab(ctx, make([]uint64, len(d.info.space.dims)), d.info.space.dims, dst)
}

// ReadSlab reads the hyperslab start[i] .. start[i]+count[i]-1 per
// dimension (file order) into dst, as Read does.
func (d *Dataset) ReadSlab(ctx context.Context, start, count []uint64, dst any) error {
	return d.readSlab(ctx, start, count, dst)
}

// ReadRaw returns the dataset's elements as raw bytes in file byte order,
// C order, Datatype().Size bytes each (for compound or opaque data).
func (d *Dataset) ReadRaw(ctx context.Context) ([]byte, error) {
	var b []byte
	var start, count []uint64
	if !d.info.space.null {
		start, count = make([]uint64, len(d.info.space.dims)), d.info.space.dims
	}
	if err := d.readSlab(ctx, start, count, rawDst{&b}); err != nil {
		return nil, err
	}
	return b, nil
}

// Reference is an HDF5 object reference (the object header's address).
type Reference uint64

// Attribute is a decoded attribute.
type Attribute struct {
	Name     string
	Type     Datatype
	Shape    []uint64 // nil for null dataspace, [] for scalar
	Raw      []byte   // raw element bytes, C order (varlen data resolved below)
	Strings  []string // filled for fixed and variable-length string types
	Values   []float64
	Integers []int64
	f        *File
}

// String returns the attribute's first string (fixed or variable length),
// or "" when it has no string value. MATLAB_class is read this way.
func (a *Attribute) String() string {
	if len(a.Strings) > 0 {
		return a.Strings[0]
	}
	return ""
}

// Errors. Every error returned for malformed input wraps *FormatError.

// FormatError reports malformed or unsupported content.
type FormatError struct {
	File   string // file name, if known
	Object string // object path, if known
	What   string // what was being read ("superblock", "object header at 0x1a0")
	Err    error
}

func (e *FormatError) Error() string {
	s := "hdf5: "
	if e.File != "" {
		s += e.File + ": "
	}
	if e.Object != "" {
		s += e.Object + ": "
	}
	s += e.What
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

// ErrUnsupportedFilter is wrapped by errors for filters we cannot decode
// (a *FilterError); the message names the filter ("filter zfp (32013) is
// not built in"). RegisterFilter adds decoders.
var ErrUnsupportedFilter = errors.New("unsupported filter")

// ErrNotFound is wrapped when a path does not exist.
var ErrNotFound = errors.New("not found")

// ErrNotHDF5 is wrapped when no HDF5 signature is found.
var ErrNotHDF5 = errors.New("not an HDF5 file")

// ErrTruncatedFile is wrapped by Open and NewFile when the file is shorter
// than the end-of-file address its superblock records (libhdf5's
// "truncated file" error), e.g. after an interrupted download.
var ErrTruncatedFile = errors.New("truncated file")

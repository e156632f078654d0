// Package hdf5 is a pure-Go, memory-safe reader for HDF5 files, including
// MATLAB v7.3 .mat files (HDF5 behind a 512-byte user block).
//
// API CONTRACT (skeleton written by the lead; the hdf5 owner replaces the
// stub bodies, may add methods, but must keep these names and signatures).
package hdf5

import (
	"context"
	"errors"
	"io"
)

// ErrNotImplemented is returned by stubs that are not written yet.
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
}

// Field is one member of a compound datatype.
type Field struct {
	Name   string
	Offset int
	Type   Datatype
}

// NumpyDescr returns the numpy dtype string of a numeric type, such as
// "<u1", ">f8", "<i4"; "" when the type has no plain numpy equivalent.
func (t Datatype) NumpyDescr() string { return "" }

// String returns a short human name such as "uint8", "float64 (big-endian)",
// "compound{real float64, imag float64}".
func (t Datatype) String() string { return "" }

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
}

// Open opens the HDF5 file at path.
func Open(path string) (*File, error) { return nil, ErrNotImplemented }

// NewFile reads an HDF5 file from r, whose length is size bytes.
// The superblock is searched at 0, 512, 1024, 2048, ...
func NewFile(r io.ReaderAt, size int64) (*File, error) { return nil, ErrNotImplemented }

// Close releases the file (closes it when opened with Open).
func (f *File) Close() error { return nil }

// UserBlockSize is the offset of the superblock (0, 512, 1024, ...).
func (f *File) UserBlockSize() int64 { return 0 }

// Root returns the root group.
func (f *File) Root() *Group { return nil }

// OpenGroup returns the group at an absolute path ("/", "/a/b").
func (f *File) OpenGroup(path string) (*Group, error) { return nil, ErrNotImplemented }

// OpenDataset returns the dataset at an absolute path ("/x", "/#refs#/a").
func (f *File) OpenDataset(path string) (*Dataset, error) { return nil, ErrNotImplemented }

// Object is a *Group or a *Dataset (other object kinds, such as committed
// datatypes, are reported as *Other).
type Object interface {
	Path() string
	Attrs() ([]Attribute, error)
	Attr(name string) (*Attribute, error) // nil, nil when absent
}

// Dereference returns the object an object reference points to.
func (f *File) Dereference(ref Reference) (Object, error) { return nil, ErrNotImplemented }

// Walk visits every object reachable from the root by hard links, depth
// first, links in name order; a group is visited before its members. Each
// object is visited once (cycles and multiple links are not followed twice).
func (f *File) Walk(fn func(path string, obj Object) error) error { return ErrNotImplemented }

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
}

// Path returns the group's absolute path.
func (g *Group) Path() string { return g.path }

// Links lists the group's links sorted by name.
func (g *Group) Links() ([]Link, error) { return nil, ErrNotImplemented }

// Attrs lists the group's attributes.
func (g *Group) Attrs() ([]Attribute, error) { return nil, ErrNotImplemented }

// Attr returns one attribute by name, or nil, nil when absent.
func (g *Group) Attr(name string) (*Attribute, error) { return nil, ErrNotImplemented }

// Other is an object that is neither group nor dataset (committed datatype).
type Other struct{ path string }

// Path returns the object's path.
func (o *Other) Path() string { return o.path }

// Attrs lists the object's attributes.
func (o *Other) Attrs() ([]Attribute, error) { return nil, nil }

// Attr returns nil, nil.
func (o *Other) Attr(name string) (*Attribute, error) { return nil, nil }

// Dataset is an HDF5 dataset. Metadata methods never read the data.
type Dataset struct {
	f    *File
	path string
}

// Path returns the dataset's absolute path.
func (d *Dataset) Path() string { return d.path }

// Shape is the dataspace's dimensions in file (C, h5py) order. A scalar
// dataspace has shape []; a null dataspace has Shape() == nil and IsNull().
func (d *Dataset) Shape() []uint64 { return nil }

// IsNull reports a null dataspace (no elements).
func (d *Dataset) IsNull() bool { return false }

// Len is the number of elements (product of Shape; 1 for scalar).
func (d *Dataset) Len() uint64 { return 0 }

// Datatype returns the element type.
func (d *Dataset) Datatype() Datatype { return Datatype{} }

// Layout returns the storage layout.
func (d *Dataset) Layout() Layout { return 0 }

// ChunkShape returns the chunk dimensions (nil unless chunked).
func (d *Dataset) ChunkShape() []uint64 { return nil }

// Filters returns the filter pipeline (nil when none).
func (d *Dataset) Filters() []Filter { return nil }

// FillValue returns the fill value's raw bytes (nil: zero).
func (d *Dataset) FillValue() []byte { return nil }

// Attrs lists the dataset's attributes.
func (d *Dataset) Attrs() ([]Attribute, error) { return nil, ErrNotImplemented }

// Attr returns one attribute by name, or nil, nil when absent.
func (d *Dataset) Attr(name string) (*Attribute, error) { return nil, ErrNotImplemented }

// Read reads the whole dataset into dst, a pointer to a slice of one of
// []uint8 []int8 []uint16 []int16 []uint32 []int32 []uint64 []int64
// []float32 []float64 []string []Reference []complex64 []complex128 or
// []byte via ReadRaw. The slice is grown or allocated as needed. Numeric
// values are converted to the slice's element type (like numpy astype);
// a conversion that cannot be done (string to float) is an error.
// Elements are in C order of Shape().
func (d *Dataset) Read(ctx context.Context, dst any) error { return ErrNotImplemented }

// ReadSlab reads the hyperslab start[i] .. start[i]+count[i]-1 per
// dimension (file order) into dst, as Read does.
func (d *Dataset) ReadSlab(ctx context.Context, start, count []uint64, dst any) error {
	return ErrNotImplemented
}

// ReadRaw returns the dataset's elements as raw bytes in file byte order,
// C order, Datatype().Size bytes each (for compound or opaque data).
func (d *Dataset) ReadRaw(ctx context.Context) ([]byte, error) { return nil, ErrNotImplemented }

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

// ErrUnsupportedFilter is wrapped by errors for filters we cannot decode;
// the message names the filter ("filter 32000 (LZF) is not supported").
var ErrUnsupportedFilter = errors.New("unsupported filter")

// ErrNotFound is wrapped when a path does not exist.
var ErrNotFound = errors.New("not found")

// ErrNotHDF5 is wrapped when no HDF5 signature is found.
var ErrNotHDF5 = errors.New("not an HDF5 file")

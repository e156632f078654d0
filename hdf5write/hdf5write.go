// Package hdf5write writes minimal HDF5 files, including MATLAB v7.3 .mat
// files, that libhdf5 (h5py, MATLAB) and our own package hdf5 read.
//
// What it writes is deliberately the oldest, most widely readable subset of
// the format, the one MATLAB itself writes ("earliest" format setting):
// superblock version 0, object headers version 1, old-style groups (symbol
// table: v1 B-tree, local heap, symbol-table nodes), contiguous datasets and
// chunked datasets (layout message version 3, v1 B-tree chunk index) with an
// optional deflate (zlib) filter, scalar and simple dataspaces, and
// attributes (fixed-length ASCII strings and numeric scalars or vectors).
// With Options.MATLABHeader the file starts with a 512-byte user block that
// holds the MAT-file header, so MATLAB's load and the mat package accept it.
//
// Element types: uint8, int8, uint16, int16, uint32, int32, uint64, int64,
// float32 and float64, little-endian. Data is given as a Go slice of the
// matching type in C (row-major, h5py) order of the dataset's shape. MATLAB
// arrays are column-major, so a MATLAB array of size [a b c] is written with
// Shape {c, b, a}.
//
// Usage:
//
//	w, err := hdf5write.Create("x.mat", hdf5write.Options{MATLABHeader: true})
//	if err != nil { ... }
//	defer w.Abort() // no-op after a successful Close
//	root := w.Root()
//	err = root.WriteDataset("x", hdf5write.Dataset{
//		Shape: []uint64{2, 3}, Data: []float64{1, 2, 3, 4, 5, 6},
//		Attrs: []hdf5write.Attr{{Name: "MATLAB_class", Value: "double"}},
//	})
//	// big data, streamed: compressed in parallel, never held whole
//	ds, err := root.CreateDataset("images", hdf5write.Uint8, []uint64{n, h, w},
//		hdf5write.DatasetOptions{Chunk: []uint64{1, h, w}, Deflate: 4})
//	for i := 0; i < n; i++ { err = ds.WriteRows(image(i)) }
//	err = w.Close() // writes the metadata and publishes the file atomically
//
// Chunks are compressed on all cores (Options.Workers) with at most a few
// chunks per worker in flight, so memory stays bounded by the chunks in
// flight, not by the dataset. The file appears at its path only when Close
// succeeds (internal/atomicfile); on error nothing is left behind.
//
// Output is reproducible: the same calls in the same order, with a fixed
// Options.Created, give the same bytes whatever Options.Workers, because
// chunks take their place in the file in the order they are written, not
// in the order their compression finishes.
//
// Limits: at most 65536 members per group, chunks below 4 GiB, no
// variable-length types, references or compound types.
package hdf5write

import (
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/retinaio/retinaio/internal/atomicfile"
)

// Type is a dataset or attribute element type.
type Type int

// Element types (all little-endian).
const (
	Uint8 Type = iota + 1
	Int8
	Uint16
	Int16
	Uint32
	Int32
	Uint64
	Int64
	Float32
	Float64
)

// Size returns the element size in bytes (0 for an invalid type).
func (t Type) Size() int {
	switch t {
	case Uint8, Int8:
		return 1
	case Uint16, Int16:
		return 2
	case Uint32, Int32, Float32:
		return 4
	case Uint64, Int64, Float64:
		return 8
	}
	return 0
}

// String returns the numpy-like name ("uint8", "float64").
func (t Type) String() string {
	switch t {
	case Uint8:
		return "uint8"
	case Int8:
		return "int8"
	case Uint16:
		return "uint16"
	case Int16:
		return "int16"
	case Uint32:
		return "uint32"
	case Int32:
		return "int32"
	case Uint64:
		return "uint64"
	case Int64:
		return "int64"
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// TypeOf returns the element type of a Go slice ([]uint8 -> Uint8, ...), or
// 0 when the slice type is not supported.
func TypeOf(data any) Type {
	switch data.(type) {
	case []uint8:
		return Uint8
	case []int8:
		return Int8
	case []uint16:
		return Uint16
	case []int16:
		return Int16
	case []uint32:
		return Uint32
	case []int32:
		return Int32
	case []uint64:
		return Uint64
	case []int64:
		return Int64
	case []float32:
		return Float32
	case []float64:
		return Float64
	}
	return 0
}

// Options configure a new file.
type Options struct {
	// MATLABHeader writes a 512-byte user block with the MATLAB v7.3
	// MAT-file header in front of the HDF5 data.
	MATLABHeader bool
	// Created is the creation time written into the MAT header; the zero
	// value means time.Now(). Set it for byte-reproducible files.
	Created time.Time
	// Workers is the number of goroutines compressing chunks; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
}

// Attr is an attribute. Value is a string (written as a fixed-length ASCII
// string, null-terminated padding, scalar dataspace, as MATLAB writes
// MATLAB_class), a numeric scalar (uint8 ... float64, or int which is
// written as int64) written with a scalar dataspace, or a numeric slice
// written as a 1-D array.
type Attr struct {
	Name  string
	Value any
}

// Dataset is a whole dataset for Group.WriteDataset.
type Dataset struct {
	// Shape in C (h5py) order; nil or empty means a scalar (Data of length 1).
	Shape []uint64
	// Data is a slice ([]uint8, []float64, ...) of length prod(Shape),
	// in C order of Shape. Its Go type gives the element type.
	Data any
	// Chunk is the chunk shape (same rank as Shape); nil means contiguous.
	Chunk []uint64
	// Deflate is the zlib level 1..9 for chunked datasets; 0 means no filter.
	Deflate int
	// Attrs are the dataset's attributes.
	Attrs []Attr
}

// DatasetOptions are the storage options of Group.CreateDataset.
type DatasetOptions struct {
	// Chunk is the chunk shape (same rank as the shape); nil = contiguous.
	Chunk []uint64
	// Deflate is the zlib level 1..9 (chunked only); 0 = no compression.
	Deflate int
	// Attrs are the dataset's attributes.
	Attrs []Attr
}

// File is an HDF5 file being written. Its methods are safe for concurrent
// use, and datasets may be written from several goroutines.
type File struct {
	path    string
	af      *atomicfile.File
	base    int64 // absolute offset of the superblock
	created time.Time
	matlab  bool

	mu     sync.Mutex // guards end, err, closed
	end    int64      // absolute end of allocated space
	err    error
	closed bool

	sem chan struct{} // bounds compression jobs in flight
	wg  sync.WaitGroup
	// turn is closed when the last data block queued so far has its place in
	// the file: blocks are placed in the order they are queued, whatever the
	// order in which their compression finishes, so the file's bytes do not
	// depend on Workers or on scheduling.
	turn chan struct{}

	root *Group
}

// Create starts a new file at path (written to a temporary file in the same
// folder and renamed on Close).
func Create(path string, opts Options) (*File, error) {
	af, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("hdf5write: %w", err)
	}
	w := &File{path: path, af: af, created: opts.Created, matlab: opts.MATLABHeader}
	if w.created.IsZero() {
		w.created = time.Now()
	}
	if opts.MATLABHeader {
		w.base = 512
	}
	n := opts.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	w.sem = make(chan struct{}, 2*n)
	w.end = w.base + superblockSize
	w.root = &Group{f: w, path: "/"}
	return w, nil
}

// Root returns the root group.
func (w *File) Root() *Group { return w.root }

// Path returns the destination path.
func (w *File) Path() string { return w.path }

func (w *File) setErr(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

func (w *File) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("hdf5write: %s: file already closed", w.path)
	}
	return w.err
}

// alloc reserves n bytes at the end of the file and returns their absolute
// offset, 8-byte aligned.
func (w *File) alloc(n int64) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	off := (w.end + 7) &^ 7
	w.end = off + n
	return off
}

func (w *File) writeAt(b []byte, off int64) error {
	if _, err := w.af.WriteAt(b, off); err != nil {
		return fmt.Errorf("hdf5write: write %s: %w", w.path, err)
	}
	return nil
}

// ticket reserves the next place in the order of data allocations: wait is
// closed once every earlier ticket has allocated, and done must be called
// (exactly once) after this ticket's allocation.
func (w *File) ticket() (wait <-chan struct{}, done func()) {
	mine := make(chan struct{})
	w.mu.Lock()
	prev := w.turn
	w.turn = mine
	w.mu.Unlock()
	if prev == nil {
		prev = make(chan struct{})
		close(prev)
	}
	return prev, func() { close(mine) }
}

// rel converts an absolute offset to an HDF5 address (relative to the base).
func (w *File) rel(abs int64) uint64 { return uint64(abs - w.base) }

// Abort discards the file. It does nothing after a successful Close.
func (w *File) Abort() {
	w.wg.Wait()
	w.mu.Lock()
	closed := w.closed
	w.closed = true
	w.mu.Unlock()
	if !closed {
		w.af.Abort()
	}
}

// Close waits for pending chunk writes, writes the metadata, and publishes
// the file at its path. On error the file is discarded.
func (w *File) Close() error {
	w.wg.Wait()
	if err := w.failed(); err != nil {
		w.Abort()
		return err
	}
	err := w.finish()
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	if err != nil {
		w.af.Abort()
		return err
	}
	if err := w.af.Commit(); err != nil {
		return fmt.Errorf("hdf5write: %w", err)
	}
	return nil
}

func (w *File) finish() error {
	rootAddr, btree, heap, err := w.writeGroup(w.root)
	if err != nil {
		return err
	}
	eof := (w.end + 7) &^ 7
	if eof > w.end {
		// pad the file so the end-of-file address is its length
		if err := w.writeAt(make([]byte, eof-w.end), w.end); err != nil {
			return err
		}
		w.end = eof
	}
	// superblock version 0
	b := make([]byte, 0, superblockSize)
	b = append(b, 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n')
	b = append(b, 0, 0, 0, 0) // superblock, free-space, root STE versions, reserved
	b = append(b, 0, 8, 8, 0) // shared header version, sizeof offsets, sizeof lengths, reserved
	b = le16(b, groupLeafK)
	b = le16(b, groupInternalK)
	b = le32(b, 0) // file consistency flags
	b = le64(b, uint64(w.base))
	b = le64(b, undef) // free-space info
	b = le64(b, uint64(w.end))
	b = le64(b, undef) // driver info
	// root group symbol table entry, cache type 1 (B-tree, heap)
	b = le64(b, 0)
	b = le64(b, rootAddr)
	b = le32(b, 1)
	b = le32(b, 0)
	b = le64(b, btree)
	b = le64(b, heap)
	if err := w.writeAt(b, w.base); err != nil {
		return err
	}
	if w.matlab {
		if err := w.writeAt(matHeader(w.created), 0); err != nil {
			return err
		}
	}
	return nil
}

// matHeader returns the 512-byte MATLAB v7.3 user block.
func matHeader(t time.Time) []byte {
	ub := make([]byte, 512)
	text := "MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: " +
		t.UTC().Format("Mon Jan _2 15:04:05 2006") + " HDF5 schema 1.00 ."
	copy(ub, strings.Repeat(" ", 116))
	copy(ub, text)
	// bytes 116..123: subsystem data offset, zeros (none)
	ub[124], ub[125] = 0x00, 0x02 // version 0x0200, little-endian
	ub[126], ub[127] = 'I', 'M'
	return ub
}

// Group is a group being written.
type Group struct {
	f    *File
	path string

	mu      sync.Mutex
	members []member
	attrs   []Attr
}

type member struct {
	name string
	g    *Group
	d    *DatasetWriter
}

// Path returns the group's absolute path.
func (g *Group) Path() string { return g.path }

func (g *Group) childPath(name string) string {
	if g.path == "/" {
		return "/" + name
	}
	return g.path + "/" + name
}

func (g *Group) add(m member) error {
	if err := g.f.failed(); err != nil {
		return err
	}
	if m.name == "" || m.name == "." || strings.ContainsAny(m.name, "/\x00") {
		return fmt.Errorf("hdf5write: %s: invalid member name %q (no '/', NUL, '.' or empty names)", g.path, m.name)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, o := range g.members {
		if o.name == m.name {
			return fmt.Errorf("hdf5write: %s: %q already exists", g.path, m.name)
		}
	}
	if len(g.members) >= maxGroupMembers {
		return fmt.Errorf("hdf5write: %s: more than %d members in one group is not supported", g.path, maxGroupMembers)
	}
	g.members = append(g.members, m)
	return nil
}

// SetAttrs adds attributes to the group (MATLAB_class "struct" for a
// MATLAB struct, for example).
func (g *Group) SetAttrs(attrs ...Attr) error {
	for _, a := range attrs {
		if _, err := encodeAttr(a); err != nil {
			return fmt.Errorf("hdf5write: %s: %w", g.path, err)
		}
	}
	g.mu.Lock()
	g.attrs = append(g.attrs, attrs...)
	g.mu.Unlock()
	return nil
}

// CreateGroup adds a sub-group with optional attributes.
func (g *Group) CreateGroup(name string, attrs ...Attr) (*Group, error) {
	c := &Group{f: g.f, path: g.childPath(name)}
	if err := c.SetAttrs(attrs...); err != nil {
		return nil, err
	}
	if err := g.add(member{name: name, g: c}); err != nil {
		return nil, err
	}
	return c, nil
}

// WriteDataset writes a whole dataset from memory. Chunks are compressed in
// parallel; the call returns once the data is copied or queued.
func (g *Group) WriteDataset(name string, d Dataset) error {
	t := TypeOf(d.Data)
	if t == 0 {
		return fmt.Errorf("hdf5write: %s: unsupported data type %T", g.childPath(name), d.Data)
	}
	n := uint64(1)
	for _, s := range d.Shape {
		n *= s
	}
	if l := uint64(reflect.ValueOf(d.Data).Len()); l != n {
		return fmt.Errorf("hdf5write: %s: %d elements for shape %v (want %d)", g.childPath(name), l, d.Shape, n)
	}
	ds, err := g.CreateDataset(name, t, d.Shape, DatasetOptions{Chunk: d.Chunk, Deflate: d.Deflate, Attrs: d.Attrs})
	if err != nil {
		return err
	}
	if ds.n == 0 {
		return nil
	}
	if len(d.Shape) == 0 {
		return ds.writeScalar(d.Data)
	}
	return ds.WriteRows(d.Data)
}

// CreateDataset adds a dataset of the given element type and shape (C
// order; empty for a scalar) whose data is written afterwards with
// WriteRows or WriteChunk.
func (g *Group) CreateDataset(name string, t Type, shape []uint64, o DatasetOptions) (*DatasetWriter, error) {
	path := g.childPath(name)
	if t.Size() == 0 {
		return nil, fmt.Errorf("hdf5write: %s: invalid element type %v", path, t)
	}
	if len(shape) > 32 {
		return nil, fmt.Errorf("hdf5write: %s: rank %d exceeds 32", path, len(shape))
	}
	n := uint64(1)
	for _, s := range shape {
		if s != 0 && n > math.MaxInt64/s {
			return nil, fmt.Errorf("hdf5write: %s: shape %v too large", path, shape)
		}
		n *= s
	}
	d := &DatasetWriter{f: g.f, path: path, typ: t, shape: append([]uint64(nil), shape...), n: n,
		deflate: o.Deflate, attrs: o.Attrs}
	for _, a := range o.Attrs {
		if _, err := encodeAttr(a); err != nil {
			return nil, fmt.Errorf("hdf5write: %s: %w", path, err)
		}
	}
	if o.Deflate < 0 || o.Deflate > 9 {
		return nil, fmt.Errorf("hdf5write: %s: deflate level %d not in 0..9", path, o.Deflate)
	}
	if o.Chunk != nil {
		if len(o.Chunk) != len(shape) || len(shape) == 0 {
			return nil, fmt.Errorf("hdf5write: %s: chunk %v does not match shape %v (same rank, not scalar)", path, o.Chunk, shape)
		}
		cn := uint64(t.Size())
		for i, c := range o.Chunk {
			if c == 0 || c >= 1<<32 {
				return nil, fmt.Errorf("hdf5write: %s: chunk dimension %d is %d (must be 1..2^32-1)", path, i, c)
			}
			cn *= c
			if cn >= 1<<32 {
				return nil, fmt.Errorf("hdf5write: %s: chunk %v is 4 GiB or more", path, o.Chunk)
			}
		}
		d.chunk = append([]uint64(nil), o.Chunk...)
		d.chunkBytes = int(cn)
		d.grid = make([]uint64, len(shape))
		for i := range shape {
			d.grid[i] = (shape[i] + d.chunk[i] - 1) / d.chunk[i]
		}
		d.chunks = map[string]chunkRec{}
	} else {
		if o.Deflate != 0 {
			return nil, fmt.Errorf("hdf5write: %s: deflate needs a chunked layout (set Chunk)", path)
		}
		if n > 0 {
			wait, done := g.f.ticket()
			<-wait
			d.addr = g.f.alloc(int64(n) * int64(t.Size()))
			done()
		}
	}
	if err := g.add(member{name: name, d: d}); err != nil {
		return nil, err
	}
	return d, nil
}

// DatasetWriter streams a dataset's data into the file.
type DatasetWriter struct {
	f       *File
	path    string
	typ     Type
	shape   []uint64
	n       uint64 // elements
	deflate int
	attrs   []Attr

	// contiguous
	addr int64 // absolute; valid when n > 0 and chunk == nil

	// chunked
	chunk      []uint64
	chunkBytes int
	grid       []uint64

	mu      sync.Mutex // guards rows, pending
	rows    uint64     // rows (first dimension) written by WriteRows
	pending []byte     // partial slab of WriteRows

	cmu    sync.Mutex // guards chunks (never held while waiting for a worker)
	chunks map[string]chunkRec
}

type chunkRec struct {
	coord []uint64 // element offsets
	addr  uint64   // relative
	size  uint32
}

// Path returns the dataset's absolute path.
func (d *DatasetWriter) Path() string { return d.path }

func (d *DatasetWriter) rowElems() uint64 {
	r := uint64(1)
	for _, s := range d.shape[1:] {
		r *= s
	}
	return r
}

func (d *DatasetWriter) writeScalar(data any) error {
	b, err := encode(d.typ, data)
	if err != nil {
		return fmt.Errorf("hdf5write: %s: %w", d.path, err)
	}
	if len(b) != d.typ.Size() {
		return fmt.Errorf("hdf5write: %s: scalar needs 1 element, got %d", d.path, len(b)/d.typ.Size())
	}
	if d.chunk != nil {
		return fmt.Errorf("hdf5write: %s: a scalar cannot be chunked", d.path)
	}
	d.mu.Lock()
	d.rows = 1
	d.mu.Unlock()
	return d.f.writeAt(b, d.addr)
}

// WriteRows appends whole rows (along the first dimension) in C order: data
// is a slice of the dataset's element type whose length is a multiple of
// the product of the other dimensions. Chunks are compressed in parallel in
// the background; WriteRows blocks only when too many are in flight.
func (d *DatasetWriter) WriteRows(data any) error {
	if err := d.f.failed(); err != nil {
		return err
	}
	if len(d.shape) == 0 {
		return d.writeScalar(data)
	}
	b, err := encode(d.typ, data)
	if err != nil {
		return fmt.Errorf("hdf5write: %s: %w", d.path, err)
	}
	re := d.rowElems()
	rowBytes := re * uint64(d.typ.Size())
	if rowBytes == 0 {
		return fmt.Errorf("hdf5write: %s: shape %v has no elements to write", d.path, d.shape)
	}
	if uint64(len(b))%rowBytes != 0 {
		return fmt.Errorf("hdf5write: %s: %d elements is not a whole number of rows of %d", d.path, len(b)/d.typ.Size(), re)
	}
	nr := uint64(len(b)) / rowBytes
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.rows+nr > d.shape[0] {
		return fmt.Errorf("hdf5write: %s: writing %d rows after %d exceeds the first dimension %d", d.path, nr, d.rows, d.shape[0])
	}
	if d.chunk == nil {
		off := d.addr + int64(d.rows*rowBytes)
		d.rows += nr
		return d.f.writeAt(b, off)
	}
	slabRows := d.chunk[0]
	for len(b) > 0 {
		// fill the pending slab
		start := d.rows - uint64(len(d.pending))/rowBytes // first row of the slab
		want := min(slabRows, d.shape[0]-start)
		have := uint64(len(d.pending)) / rowBytes
		take := min(want-have, uint64(len(b))/rowBytes)
		if have == 0 && take == want {
			// whole slab available in the caller's data: no copy
			d.rows += take
			d.submitSlab(b[:take*rowBytes], start, take)
			b = b[take*rowBytes:]
			continue
		}
		d.pending = append(d.pending, b[:take*rowBytes]...)
		b = b[take*rowBytes:]
		d.rows += take
		if have+take == want {
			d.submitSlab(d.pending, start, want)
			d.pending = nil
		}
	}
	return nil
}

// submitSlab cuts a slab of rows [start, start+nrows) into chunks and
// queues them. The slab's bytes are copied into the chunks before return.
func (d *DatasetWriter) submitSlab(slab []byte, start, nrows uint64) {
	rank := len(d.shape)
	idx := make([]uint64, rank) // chunk grid index, first dim fixed
	idx[0] = start / d.chunk[0]
	for {
		buf := make([]byte, d.chunkBytes)
		// copy the chunk from the slab (slab dims: nrows x shape[1:])
		sdims := append([]uint64{nrows}, d.shape[1:]...)
		origin := make([]uint64, rank)
		ext := make([]uint64, rank)
		for i := 0; i < rank; i++ {
			o := idx[i] * d.chunk[i]
			if i == 0 {
				origin[0] = 0
				ext[0] = nrows
			} else {
				origin[i] = o
				ext[i] = min(d.chunk[i], d.shape[i]-o)
			}
		}
		copyBlock(buf, d.chunk, slab, sdims, origin, ext, d.typ.Size())
		coord := make([]uint64, rank)
		for i := range coord {
			coord[i] = idx[i] * d.chunk[i]
		}
		d.queue(coord, buf)
		// next chunk along dims 1..rank-1
		i := rank - 1
		for ; i >= 1; i-- {
			idx[i]++
			if idx[i] < d.grid[i] {
				break
			}
			idx[i] = 0
		}
		if i < 1 {
			return
		}
	}
}

// copyBlock copies the block of extent ext at origin of src (dims sdims)
// into the top-left corner of dst (dims ddims), element size es.
func copyBlock(dst []byte, ddims []uint64, src []byte, sdims, origin, ext []uint64, es int) {
	rank := len(sdims)
	for _, e := range ext {
		if e == 0 {
			return
		}
	}
	dstr := make([]uint64, rank)
	sstr := make([]uint64, rank)
	ds, ss := uint64(es), uint64(es)
	for i := rank - 1; i >= 0; i-- {
		dstr[i], sstr[i] = ds, ss
		ds *= ddims[i]
		ss *= sdims[i]
	}
	pos := make([]uint64, rank)
	inner := ext[rank-1] * uint64(es)
	for {
		var so, do uint64
		for i := 0; i < rank; i++ {
			so += (origin[i] + pos[i]) * sstr[i]
			do += pos[i] * dstr[i]
		}
		copy(dst[do:do+inner], src[so:so+inner])
		i := rank - 2
		for ; i >= 0; i-- {
			pos[i]++
			if pos[i] < ext[i] {
				break
			}
			pos[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

// WriteChunk writes one chunk given by its grid index (chunk number per
// dimension, not element offset). data holds either the full chunk
// (prod(Chunk) elements) or, for an edge chunk, just the part inside the
// dataset; both in C order. Chunks may be written in any order and from
// several goroutines; chunks never written read as zeros.
func (d *DatasetWriter) WriteChunk(index []uint64, data any) error {
	if err := d.f.failed(); err != nil {
		return err
	}
	if d.chunk == nil {
		return fmt.Errorf("hdf5write: %s: WriteChunk on a contiguous dataset", d.path)
	}
	if len(index) != len(d.shape) {
		return fmt.Errorf("hdf5write: %s: chunk index %v has rank %d, want %d", d.path, index, len(index), len(d.shape))
	}
	coord := make([]uint64, len(index))
	ext := make([]uint64, len(index))
	full := true
	for i, c := range index {
		if c >= d.grid[i] {
			return fmt.Errorf("hdf5write: %s: chunk index %v out of range (grid %v)", d.path, index, d.grid)
		}
		coord[i] = c * d.chunk[i]
		ext[i] = min(d.chunk[i], d.shape[i]-coord[i])
		if ext[i] != d.chunk[i] {
			full = false
		}
	}
	b, err := encode(d.typ, data)
	if err != nil {
		return fmt.Errorf("hdf5write: %s: %w", d.path, err)
	}
	var buf []byte
	switch {
	case len(b) == d.chunkBytes:
		buf = append([]byte(nil), b...)
	case !full && uint64(len(b)) == prod(ext)*uint64(d.typ.Size()):
		buf = make([]byte, d.chunkBytes)
		copyBlock(buf, d.chunk, b, ext, make([]uint64, len(ext)), ext, d.typ.Size())
	default:
		return fmt.Errorf("hdf5write: %s: chunk %v: got %d elements, want %d (full chunk) or %d (inside the dataset)",
			d.path, index, len(b)/d.typ.Size(), d.chunkBytes/d.typ.Size(), prod(ext))
	}
	d.cmu.Lock()
	_, dup := d.chunks[key(coord)]
	if !dup {
		d.chunks[key(coord)] = chunkRec{} // reserve
	}
	d.cmu.Unlock()
	if dup {
		return fmt.Errorf("hdf5write: %s: chunk %v written twice", d.path, index)
	}
	d.queue(coord, buf)
	return nil
}

func prod(s []uint64) uint64 {
	p := uint64(1)
	for _, v := range s {
		p *= v
	}
	return p
}

func key(coord []uint64) string {
	var sb strings.Builder
	for _, c := range coord {
		fmt.Fprintf(&sb, "%d,", c)
	}
	return sb.String()
}

// queue compresses (in a worker) and writes one chunk. Chunks are placed in
// the file in the order queue is called.
func (d *DatasetWriter) queue(coord []uint64, buf []byte) {
	w := d.f
	w.sem <- struct{}{}
	w.wg.Add(1)
	wait, done := w.ticket() // chunks take their place in the order queued
	go func() {
		defer func() { <-w.sem; w.wg.Done() }()
		out := buf
		if d.deflate > 0 {
			var err error
			out, err = deflate(buf, d.deflate)
			if err != nil {
				<-wait
				done()
				w.setErr(fmt.Errorf("hdf5write: %s: compress chunk %v: %w", d.path, coord, err))
				return
			}
		}
		<-wait
		off := w.alloc(int64(len(out)))
		done()
		if err := w.writeAt(out, off); err != nil {
			w.setErr(err)
			return
		}
		d.cmu.Lock()
		d.chunks[key(coord)] = chunkRec{coord: coord, addr: w.rel(off), size: uint32(len(out))}
		d.cmu.Unlock()
	}()
}

// sortedChunks returns the written chunks in B-tree (lexicographic) order.
func (d *DatasetWriter) sortedChunks() []chunkRec {
	recs := make([]chunkRec, 0, len(d.chunks))
	for _, r := range d.chunks {
		if r.coord != nil {
			recs = append(recs, r)
		}
	}
	sort.Slice(recs, func(i, j int) bool {
		a, b := recs[i].coord, recs[j].coord
		for k := range a {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return false
	})
	return recs
}

func (d *DatasetWriter) checkComplete() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.shape) == 0 {
		if d.rows != 1 {
			return fmt.Errorf("hdf5write: %s: scalar value never written", d.path)
		}
		return nil
	}
	if d.chunk == nil && d.n > 0 && d.rows != d.shape[0] {
		return fmt.Errorf("hdf5write: %s: %d of %d rows written; write the rest before Close", d.path, d.rows, d.shape[0])
	}
	if d.chunk != nil && d.rows > 0 && d.rows != d.shape[0] {
		return fmt.Errorf("hdf5write: %s: %d of %d rows written; write the rest before Close", d.path, d.rows, d.shape[0])
	}
	return nil
}

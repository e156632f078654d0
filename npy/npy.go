package npy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"github.com/retinaio/retinaio/internal/atomicfile"
)

// chunkBytes is the size of the encode/decode buffer used when streaming.
const chunkBytes = 256 << 10

// writePiece is the largest write the writers hand to the destination at
// once: on Linux (6.x, ext4, measured on the project's virtual machine) a
// write of tens of MB into new file pages costs several times more system
// time per byte than writes of 1 MiB.
const writePiece = 1 << 20

// Array is a whole array read into memory.
type Array struct {
	Header
	// Data is a typed slice of native Go values: []bool, []int8, []uint8,
	// []int16, []uint16, []int32, []uint32, []int64, []uint64, []float32,
	// []float64, []complex64 or []complex128, with prod(Shape) elements in
	// C order, or in Fortran order when Header.Fortran is set. Big-endian
	// files are decoded to native values; Descr keeps the file's byte order.
	Data any
}

// Len returns the number of elements in a.Data.
func (a *Array) Len() int { return sliceLen(a.Data) }

// Float32 returns the data as []float32: a.Data itself when it already is
// one, otherwise a converted copy. Complex data is an error.
func (a *Array) Float32() ([]float32, error) {
	if v, ok := a.Data.([]float32); ok {
		return v, nil
	}
	out := make([]float32, max(a.Len(), 0))
	return out, convertSlice(out, a.Data)
}

// Float64 returns the data as []float64: a.Data itself when it already is
// one, otherwise a converted copy. Complex data is an error.
func (a *Array) Float64() ([]float64, error) {
	if v, ok := a.Data.([]float64); ok {
		return v, nil
	}
	out := make([]float64, max(a.Len(), 0))
	return out, convertSlice(out, a.Data)
}

// Int64 returns the data as []int64: a.Data itself when it already is one,
// otherwise a converted copy. Only bool and integer data that fits (not
// uint64) converts; floating-point data is an error.
func (a *Array) Int64() ([]int64, error) {
	if v, ok := a.Data.([]int64); ok {
		return v, nil
	}
	out := make([]int64, max(a.Len(), 0))
	return out, convertSlice(out, a.Data)
}

// convertSlice converts src (a supported typed slice) into dst of the same
// length, following the conversions ReadInto allows.
func convertSlice(dst, src any) error {
	d, n, scalar, err := dtypeOf(src)
	if err != nil || scalar {
		return fmt.Errorf("npy: cannot convert %T", src)
	}
	m, err := checkConvert(d, dst)
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	if m != n {
		return fmt.Errorf("npy: destination has %d elements, source %d", m, n)
	}
	step := chunkBytes / d.size
	buf := make([]byte, min(n, step)*d.size)
	for i := 0; i < n; i += step {
		j := min(n, i+step)
		b := buf[:(j-i)*d.size]
		encodeLE(b, subslice(src, i, j))
		decodeInto(dst, i, b, d)
	}
	return nil
}

// Writer streams one array in .npy format: the header is written by
// NewWriter, then exactly prod(Shape)*itemsize data bytes through Write or
// WriteValues, then Close checks the count.
type Writer struct {
	w       io.Writer
	h       Header
	d       dtype
	total   int64 // data bytes expected
	written int64
	buf     []byte
	closed  bool
	onClose func() error
}

// NewWriter writes the header for h to w (format version 1.0, or 2.0 when
// the header does not fit, as numpy chooses) and returns a Writer for the
// data. The header bytes are exactly those numpy.save writes.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	return NewWriterVersion(w, h, 0)
}

// NewWriterVersion is NewWriter with a forced format version major (1, 2
// or 3; 0 chooses as numpy does).
func NewWriterVersion(w io.Writer, h Header, major int) (*Writer, error) {
	nw, hdr, err := prepareWriter(w, h, major)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(hdr); err != nil {
		return nil, fmt.Errorf("npy: writing header: %w", err)
	}
	return nw, nil
}

// prepareWriter validates h and returns the Writer and the header bytes
// without writing them.
func prepareWriter(w io.Writer, h Header, major int) (*Writer, []byte, error) {
	d, err := parseDescr(h.Descr)
	if err != nil {
		return nil, nil, fmt.Errorf("npy: %w", err)
	}
	total, err := h.DataBytes()
	if err != nil {
		return nil, nil, fmt.Errorf("npy: %w", err)
	}
	shape := append([]int{}, h.Shape...)
	hdr, err := encodeHeader(d, h.Fortran, shape, major)
	if err != nil {
		return nil, nil, fmt.Errorf("npy: %w", err)
	}
	h.Shape = shape
	return &Writer{w: w, h: h, d: d, total: total}, hdr, nil
}

// Header returns the header being written.
func (w *Writer) Header() Header { return w.h }

// Remaining returns the number of data bytes still expected.
func (w *Writer) Remaining() int64 { return w.total - w.written }

// Write writes raw element bytes, already in the byte order of
// Header().Descr. Writing more than the array holds is an error.
func (w *Writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, errors.New("npy: write after Close")
	}
	if int64(len(p)) > w.total-w.written {
		return 0, fmt.Errorf("npy: %d more bytes written than shape %s of %s holds", int64(len(p))-(w.total-w.written), shapeString(w.h.Shape), w.h.Descr)
	}
	n, err := w.w.Write(p)
	w.written += int64(n)
	return n, err
}

// WriteValues appends the elements of data, a typed slice whose element
// type has the kind and size of Header().Descr (e.g. []float32 for "<f4"
// or ">f4"; []int or []int64 for "<i8"), converting to the file's byte
// order. On a little-endian machine the values' memory is written as it
// is (no copy); otherwise they are encoded in chunks of 256 KiB, so data is
// never copied whole.
func (w *Writer) WriteValues(data any) error {
	if w.closed {
		return errors.New("npy: write after Close")
	}
	d, n, scalar, err := dtypeOf(data)
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	if scalar {
		data = scalarToSlice(data)
	}
	if d.kind != w.d.kind || d.size != w.d.size {
		return fmt.Errorf("npy: %T does not match descr %s", data, w.h.Descr)
	}
	if int64(n)*int64(d.size) > w.total-w.written {
		return fmt.Errorf("npy: %d elements written but only %d remain for shape %s", n, (w.total-w.written)/int64(d.size), shapeString(w.h.Shape))
	}
	if !w.d.big {
		if b, ok := nativeLE(data); ok {
			// The values' memory is their encoding: written (and, in an
			// .npz, checksummed) straight from it.
			for len(b) > 0 {
				n := min(len(b), writePiece)
				if _, err := w.Write(b[:n]); err != nil {
					return err
				}
				b = b[n:]
			}
			return nil
		}
	}
	step := chunkBytes / d.size
	if w.buf == nil {
		w.buf = make([]byte, min(n, step)*d.size, step*d.size)
	}
	for i := 0; i < n; i += step {
		j := min(n, i+step)
		b := w.buf[:(j-i)*d.size]
		encodeLE(b, subslice(data, i, j))
		if w.d.big {
			swapBytes(b, w.d.elemSize())
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// Close checks that all the data was written. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.written != w.total {
		err := fmt.Errorf("npy: array closed after %d of %d data bytes (shape %s, %s)", w.written, w.total, shapeString(w.h.Shape), w.h.Descr)
		if w.onClose != nil {
			w.onClose() // let the container record the failure
		}
		return err
	}
	if w.onClose != nil {
		return w.onClose()
	}
	return nil
}

// normShape checks shape against data's length. A nil shape with a slice
// means 1-D; a scalar needs a nil or empty shape.
func normShape(shape []int, data any) ([]int, dtype, any, error) {
	d, n, scalar, err := dtypeOf(data)
	if err != nil {
		return nil, d, nil, err
	}
	if scalar {
		if len(shape) != 0 {
			return nil, d, nil, fmt.Errorf("scalar %T with shape %s", data, shapeString(shape))
		}
		return []int{}, d, scalarToSlice(data), nil
	}
	if shape == nil {
		return []int{n}, d, data, nil
	}
	c, err := Header{Shape: shape}.Count()
	if err != nil {
		return nil, d, nil, err
	}
	if c != int64(n) {
		return nil, d, nil, fmt.Errorf("shape %s needs %d elements, data has %d", shapeString(shape), c, n)
	}
	return append([]int{}, shape...), d, data, nil
}

// WriteArray writes data as a .npy file: little-endian, C order, descr from
// the slice type ([]float32 -> "<f4", []uint8 -> "|u1", []int -> "<i8",
// []bool -> "|b1"). shape must multiply to len(data); nil means 1-D. A
// scalar (float64, int64, ...) with shape nil or [] writes a 0-d array. The
// output is byte-identical to numpy.save of the same array.
func WriteArray(w io.Writer, shape []int, data any) error {
	shape, d, data, err := normShape(shape, data)
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	nw, err := NewWriter(w, Header{Descr: d.String(), Shape: shape})
	if err != nil {
		return err
	}
	if err := nw.WriteValues(data); err != nil {
		return err
	}
	return nw.Close()
}

// Reader streams the data of one .npy array.
type Reader struct {
	r     io.Reader
	h     Header
	d     dtype
	major int
	count int64
	start int64 // header bytes before the data
	left  int64 // data bytes not yet read
	buf   []byte
	what  string // for error messages
}

// NewReader reads the header from r and returns a Reader positioned at the
// start of the data.
func NewReader(r io.Reader) (*Reader, error) {
	rd, err := newReader(r, sizeOf(r), "")
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	return rd, nil
}

// newReader reads the header; limit is the number of bytes available in r
// (-1 unknown). The data size is checked against limit.
func newReader(r io.Reader, limit int64, what string) (*Reader, error) {
	h, d, consumed, major, err := readHeader(r, limit)
	if err != nil {
		return nil, err
	}
	count, _ := h.Count()
	total, _ := h.DataBytes()
	if limit >= 0 && total > limit-consumed {
		return nil, fmt.Errorf("shape %s of %s needs %d data bytes but only %d remain after the header", shapeString(h.Shape), h.Descr, total, limit-consumed)
	}
	return &Reader{r: r, h: h, d: d, major: major, count: count, start: consumed, left: total, what: what}, nil
}

// sizeOf returns the number of bytes remaining in r when r can tell, else -1.
func sizeOf(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case io.Seeker:
		cur, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		end, err := v.Seek(0, io.SeekEnd)
		if err != nil {
			return -1
		}
		if _, err := v.Seek(cur, io.SeekStart); err != nil {
			return -1
		}
		if end < cur {
			return -1
		}
		return end - cur
	}
	return -1
}

// Header returns the array's header.
func (r *Reader) Header() Header { return r.h }

// Version returns the file's format major version (1, 2 or 3).
func (r *Reader) Version() int { return r.major }

// Count returns the number of elements in the array.
func (r *Reader) Count() int64 { return r.count }

// Remaining returns the number of data bytes not yet read.
func (r *Reader) Remaining() int64 { return r.left }

// Read reads raw data bytes in the file's byte order; it returns io.EOF at
// the end of the array's data.
func (r *Reader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.r.Read(p)
	r.left -= int64(n)
	if err == io.EOF && r.left > 0 {
		err = fmt.Errorf("%sdata truncated: %d bytes missing: %w", r.prefix(), r.left, io.ErrUnexpectedEOF)
	}
	return n, err
}

func (r *Reader) prefix() string {
	if r.what == "" {
		return ""
	}
	return r.what + ": "
}

// ReadValues reads the next len(dst) elements into dst, a numeric slice of
// any supported type, converting: any real type into float32/float64,
// anything into complex, bool and integers into integer types that hold
// every value (e.g. u1 -> int16, i4 -> int64, not u8 -> int64). Asking for
// more elements than remain is an error.
func (r *Reader) ReadValues(dst any) error {
	n, err := checkConvert(r.d, dst)
	if err != nil {
		return fmt.Errorf("%s%w", r.prefix(), err)
	}
	if int64(n)*int64(r.d.size) > r.left {
		return fmt.Errorf("%s%d elements requested but only %d remain", r.prefix(), n, r.left/int64(r.d.size))
	}
	if b, ok := dst.([]uint8); ok && r.d.kind == 'u' {
		_, err := io.ReadFull(r, b)
		return r.readErr(err)
	}
	step := chunkBytes / r.d.size
	if need := min(n, step) * r.d.size; cap(r.buf) < need {
		r.buf = make([]byte, need) // small reads (ReadData of a few elements) stay small
	}
	for i := 0; i < n; i += step {
		j := min(n, i+step)
		b := r.buf[:(j-i)*r.d.size]
		if _, err := io.ReadFull(r, b); err != nil {
			return r.readErr(err)
		}
		if r.d.big {
			swapBytes(b, r.d.elemSize())
		}
		decodeInto(dst, i, b, r.d)
	}
	return nil
}

func (r *Reader) readErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	if r.what != "" {
		return fmt.Errorf("%s%w", r.prefix(), err)
	}
	return err
}

// readAll reads the whole array. When trusted is false (the real amount of
// data is unknown, e.g. a deflated entry or a pipe), memory grows with the
// data actually read, so a lying header cannot force a huge allocation.
func (r *Reader) readAll(trusted bool) (*Array, error) {
	if r.d.kind == 'V' {
		return nil, fmt.Errorf("%sdtype %s (structured, float16 or long double): read its raw bytes with NPZReader.Open or NewReader", r.prefix(), r.h.Descr)
	}
	a := &Array{Header: r.h}
	total := int(r.count)
	if int64(total) != r.count {
		return nil, fmt.Errorf("%sshape %s is too large for this platform", r.prefix(), shapeString(r.h.Shape))
	}
	const firstBytes = 1 << 20
	if trusted || r.count*int64(r.d.size) <= firstBytes {
		a.Data = makeNative(r.d, total)
		if err := r.ReadValues(a.Data); err != nil {
			return nil, err
		}
		return a, nil
	}
	cur := makeNative(r.d, firstBytes/r.d.size)
	filled := 0
	for filled < total {
		l := sliceLen(cur)
		if filled == l {
			nc := makeNative(r.d, min(total, 2*l))
			reflect.Copy(reflect.ValueOf(nc), reflect.ValueOf(cur))
			cur = nc
			l = sliceLen(cur)
		}
		n := min(l-filled, 4*chunkBytes/r.d.size)
		if err := r.ReadValues(subslice(cur, filled, filled+n)); err != nil {
			return nil, err
		}
		filled += n
	}
	a.Data = cur
	return a, nil
}

// ReadHeader reads the magic string and header of a .npy stream, leaving r
// at the start of the data.
func ReadHeader(r io.Reader) (Header, error) {
	h, _, _, _, err := readHeader(r, -1)
	if err != nil {
		return Header{}, fmt.Errorf("npy: %w", err)
	}
	return h, nil
}

// ReadArray reads a whole .npy array from r. When r can tell its size (an
// *os.File, *bytes.Reader, any io.Seeker) the header is checked against it
// before allocating; otherwise memory grows with the data actually read.
func ReadArray(r io.Reader) (*Array, error) {
	limit := sizeOf(r)
	rd, err := newReader(r, limit, "")
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	a, err := rd.readAll(limit >= 0)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	return a, nil
}

// ReadData reads the data following a header read by ReadHeader into dst,
// converting as Reader.ReadValues does; len(dst) must equal prod(h.Shape).
func ReadData(r io.Reader, h Header, dst any) error {
	d, err := parseDescr(h.Descr)
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	count, err := h.Count()
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	n, err := checkConvert(d, dst)
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	if int64(n) != count {
		return fmt.Errorf("npy: destination has %d elements, shape %s has %d", n, shapeString(h.Shape), count)
	}
	rd := &Reader{r: r, h: h, d: d, count: count, left: count * int64(d.size)}
	if err := rd.ReadValues(dst); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

// ReadFile reads the .npy file at path; errors name the file.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	rd, err := newReader(bufio.NewReaderSize(f, chunkBytes), st.Size(), path)
	if err != nil {
		return nil, fmt.Errorf("npy %s: %w", path, err)
	}
	a, err := rd.readAll(true)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	return a, nil
}

// WriteFile writes data as the .npy file path, atomically (see WriteArray).
func WriteFile(path string, shape []int, data any) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	defer f.Abort()
	bw := bufio.NewWriterSize(f, chunkBytes)
	if err := WriteArray(bw, shape, data); err != nil {
		return fmt.Errorf("npy %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("npy %s: %w", path, err)
	}
	return f.Commit()
}

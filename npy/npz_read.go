package npy

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	kflate "github.com/klauspost/compress/flate"
)

// NPZReader reads the .npy entries of an .npz archive (stored or deflated,
// zip64 included). Its methods are safe for concurrent use.
type NPZReader struct {
	r      io.ReaderAt
	zr     *zip.Reader
	f      *os.File
	label  string
	size   int64
	names  []string
	byName map[string]*zip.File
}

// OpenNPZ opens the .npz file at path. Close releases it.
func OpenNPZ(path string) (*NPZReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("npz: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("npz: %w", err)
	}
	z, err := newNPZReader(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	z.f = f
	return z, nil
}

// NewNPZReader reads an .npz archive of size bytes from r.
func NewNPZReader(r io.ReaderAt, size int64) (*NPZReader, error) {
	return newNPZReader(r, size, "npz")
}

func newNPZReader(r io.ReaderAt, size int64, label string) (*NPZReader, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("npz %s: not a readable zip archive: %w (an .npz file is a zip of .npy files)", label, err)
	}
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return kflate.NewReader(r) })
	z := &NPZReader{r: r, zr: zr, label: label, size: size, byName: map[string]*zip.File{}}
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".npy") {
			continue
		}
		n := strings.TrimSuffix(f.Name, ".npy")
		if _, dup := z.byName[n]; !dup {
			z.names = append(z.names, n)
		}
		z.byName[n] = f // the last one wins, as in Python's zipfile
	}
	return z, nil
}

// Close closes the file opened by OpenNPZ; it does nothing for NewNPZReader.
func (z *NPZReader) Close() error {
	if z.f != nil {
		return z.f.Close()
	}
	return nil
}

// Names returns the array names (entry names without ".npy") in zip order.
// Entries not ending in ".npy" are not listed.
func (z *NPZReader) Names() []string { return append([]string(nil), z.names...) }

// Has reports whether the archive holds the array name.
func (z *NPZReader) Has(name string) bool { _, ok := z.byName[name]; return ok }

// entryReader is an open entry.
type entryReader struct {
	*Reader
	rc      io.ReadCloser
	trusted bool // the data size was checked against real bytes in the file
}

// Open opens the array name for streaming: the returned Reader gives the
// header and reads the data in pieces (ReadValues, Read). Close the
// returned io.Closer when done; when all data was read, Close verifies the
// entry's CRC.
func (z *NPZReader) Open(name string) (*Reader, io.Closer, error) {
	e, err := z.open(name)
	if err != nil {
		return nil, nil, err
	}
	return e.Reader, &entryCloser{e: e, z: z, name: name}, nil
}

type entryCloser struct {
	e    *entryReader
	z    *NPZReader
	name string
}

func (c *entryCloser) Close() error {
	var err error
	if c.e.left == 0 {
		err = c.z.finish(c.e, c.name)
	}
	if e2 := c.e.rc.Close(); err == nil && e2 != nil {
		err = e2
	}
	return err
}

func (z *NPZReader) entryLabel(name string) string {
	return fmt.Sprintf("npz %s: entry %q", z.label, name)
}

func (z *NPZReader) open(name string) (*entryReader, error) {
	f, ok := z.byName[name]
	if !ok {
		return nil, fmt.Errorf("npz %s: no array %q (the archive has %s)", z.label, name, strings.Join(quoteAll(z.names), ", "))
	}
	what := z.entryLabel(name)
	if f.UncompressedSize64 > 1<<62 || f.CompressedSize64 > uint64(z.size) {
		return nil, fmt.Errorf("%s: sizes in the zip directory (%d compressed, %d uncompressed) do not fit the %d-byte file", what, f.CompressedSize64, f.UncompressedSize64, z.size)
	}
	trusted := false
	switch f.Method {
	case zip.Store:
		if f.CompressedSize64 != f.UncompressedSize64 {
			return nil, fmt.Errorf("%s: stored entry with compressed size %d != uncompressed size %d", what, f.CompressedSize64, f.UncompressedSize64)
		}
		off, err := f.DataOffset()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if off < 0 || uint64(off)+f.CompressedSize64 > uint64(z.size) {
			return nil, fmt.Errorf("%s: entry data (%d bytes at offset %d) runs past the end of the %d-byte file", what, f.CompressedSize64, off, z.size)
		}
		trusted = true
	case zip.Deflate:
		// deflate expands at most 1032:1
		if f.UncompressedSize64 > f.CompressedSize64*1032+1024 {
			return nil, fmt.Errorf("%s: deflated entry claims %d bytes from %d compressed bytes, more than deflate can produce: the archive is corrupt", what, f.UncompressedSize64, f.CompressedSize64)
		}
	default:
		return nil, fmt.Errorf("%s: unsupported zip compression method %d (only stored and deflated entries are supported)", what, f.Method)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	rd, err := newReader(rc, int64(f.UncompressedSize64), what)
	if err != nil {
		rc.Close()
		if strings.HasPrefix(err.Error(), what) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return &entryReader{Reader: rd, rc: rc, trusted: trusted}, nil
}

// finish drains what follows the data (numpy ignores trailing bytes) so
// that archive/zip verifies the CRC.
func (z *NPZReader) finish(e *entryReader, name string) error {
	_, err := io.Copy(io.Discard, e.rc)
	if err != nil {
		if errors.Is(err, zip.ErrChecksum) {
			return fmt.Errorf("%s: CRC-32 mismatch: the entry is corrupt", z.entryLabel(name))
		}
		return fmt.Errorf("%s: %w", z.entryLabel(name), err)
	}
	return nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	if len(out) > 20 {
		out = append(out[:20], "...")
	}
	return out
}

// ErrDeflated is wrapped by EntryReaderAt for a deflated entry, whose data
// has no fixed place in the archive: stream it with Open instead.
var ErrDeflated = errors.New("the entry is deflated (no random access)")

// EntryReaderAt gives random access to the data of the stored
// (uncompressed) array name, as np.load(mmap_mode=...) does: element i, in
// the file's byte order (Header.Descr), is at byte dataOffset +
// i*itemsize of the returned io.ReaderAt, which is the archive itself
// (valid until Close). The header and the data's extent are checked
// against the entry and the archive as for Read; the CRC cannot be, since
// the data is not read. A deflated entry gives an error wrapping
// ErrDeflated.
func (z *NPZReader) EntryReaderAt(name string) (r io.ReaderAt, h Header, dataOffset int64, err error) {
	e, err := z.open(name)
	if err != nil {
		return nil, Header{}, 0, err
	}
	e.rc.Close()
	f := z.byName[name]
	if f.Method != zip.Store {
		return nil, e.h, 0, fmt.Errorf("%s: %w; read it with Open", z.entryLabel(name), ErrDeflated)
	}
	off, err := f.DataOffset() // open checked that the entry lies in the file
	if err != nil {
		return nil, e.h, 0, fmt.Errorf("%s: %w", z.entryLabel(name), err)
	}
	return z.r, e.h, off + e.start, nil
}

// Header returns the header of the array name without reading its data.
func (z *NPZReader) Header(name string) (Header, error) {
	e, err := z.open(name)
	if err != nil {
		return Header{}, err
	}
	e.rc.Close()
	return e.h, nil
}

// Read reads the whole array name. Memory is allocated after checking the
// header against the entry's size (and, for deflated entries, grows with
// the data actually decompressed).
func (z *NPZReader) Read(name string) (*Array, error) {
	e, err := z.open(name)
	if err != nil {
		return nil, err
	}
	defer e.rc.Close()
	a, err := e.readAll(e.trusted)
	if err != nil {
		return nil, err
	}
	if err := z.finish(e, name); err != nil {
		return nil, err
	}
	return a, nil
}

// ReadInto reads the array name into dst, a caller slice of exactly
// prod(shape) elements of any numeric type, converting as Reader.ReadValues
// does (e.g. "|u1" or ">f8" into []float32). The data is streamed in
// 256 KiB pieces; only dst holds the whole array.
func (z *NPZReader) ReadInto(name string, dst any) (Header, error) {
	e, err := z.open(name)
	if err != nil {
		return Header{}, err
	}
	defer e.rc.Close()
	n, err := checkConvert(e.d, dst)
	if err != nil {
		return e.h, fmt.Errorf("%s: %w", z.entryLabel(name), err)
	}
	if int64(n) != e.count {
		return e.h, fmt.Errorf("%s: destination has %d elements but shape %s has %d", z.entryLabel(name), n, shapeString(e.h.Shape), e.count)
	}
	if err := e.ReadValues(dst); err != nil {
		return e.h, err
	}
	return e.h, z.finish(e, name)
}

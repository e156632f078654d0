package render

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
)

// maxHeaderLen bounds the .npy header we are willing to read.
const maxHeaderLen = 1 << 16

// NPYHeader is the parsed header of one .npy member of an .npz archive.
type NPYHeader struct {
	Descr   string // numpy dtype string such as "<f4"
	Fortran bool   // fortran_order
	Shape   []int
}

// Len returns the number of elements described by the header's shape.
func (h NPYHeader) Len() int {
	n := 1
	for _, d := range h.Shape {
		n *= d
	}
	return n
}

// elemSize returns the byte size of supported dtypes and 0 for others.
func elemSize(descr string) int {
	switch descr {
	case "<f4", "<i4", "<u4":
		return 4
	case "<f8", "<i8", "<u8":
		return 8
	case "<i2", "<u2":
		return 2
	case "|u1", "|i1", "<u1", "|b1":
		return 1
	}
	return 0
}

// ParseNPYHeader parses the start of a .npy stream (magic, version, header
// dictionary) and returns the header and the total header length in bytes
// (where the array data starts).
func ParseNPYHeader(b []byte) (NPYHeader, int, error) {
	var h NPYHeader
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return h, 0, errors.New("not a .npy stream (magic \\x93NUMPY missing)")
	}
	major := b[6]
	var hl, start int
	switch major {
	case 1:
		hl = int(binary.LittleEndian.Uint16(b[8:10]))
		start = 10
	case 2, 3:
		if len(b) < 12 {
			return h, 0, errors.New("truncated .npy header")
		}
		v := binary.LittleEndian.Uint32(b[8:12])
		if v > maxHeaderLen {
			return h, 0, fmt.Errorf(".npy header length %d is larger than %d bytes", v, maxHeaderLen)
		}
		hl = int(v)
		start = 12
	default:
		return h, 0, fmt.Errorf("unsupported .npy format version %d", major)
	}
	if start+hl > len(b) {
		return h, 0, fmt.Errorf("truncated .npy header: needs %d bytes, have %d", start+hl, len(b))
	}
	dict := string(b[start : start+hl])
	var err error
	if h.Descr, err = dictString(dict, "descr"); err != nil {
		return h, 0, err
	}
	fo, err := dictRaw(dict, "fortran_order")
	if err != nil {
		return h, 0, err
	}
	switch {
	case strings.HasPrefix(fo, "True"):
		h.Fortran = true
	case strings.HasPrefix(fo, "False"):
	default:
		return h, 0, fmt.Errorf("bad fortran_order value %q in .npy header", fo)
	}
	sh, err := dictRaw(dict, "shape")
	if err != nil {
		return h, 0, err
	}
	if !strings.HasPrefix(sh, "(") {
		return h, 0, fmt.Errorf("bad shape %q in .npy header", sh)
	}
	end := strings.IndexByte(sh, ')')
	if end < 0 {
		return h, 0, fmt.Errorf("bad shape %q in .npy header", sh)
	}
	total := int64(1)
	h.Shape = []int{}
	for _, f := range strings.Split(sh[1:end], ",") {
		f = strings.TrimSpace(f)
		f = strings.TrimSuffix(f, "L")
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(f)
		if err != nil || d < 0 || d > math.MaxInt32 {
			return h, 0, fmt.Errorf("bad dimension %q in .npy shape %q", f, sh[:end+1])
		}
		total *= int64(d)
		if total > 1<<40 {
			return h, 0, fmt.Errorf(".npy shape %q is implausibly large", sh[:end+1])
		}
		h.Shape = append(h.Shape, d)
	}
	return h, start + hl, nil
}

// dictRaw returns the text after "'key':" in a numpy header dictionary.
func dictRaw(dict, key string) (string, error) {
	for _, q := range []string{"'", "\""} {
		i := strings.Index(dict, q+key+q)
		if i < 0 {
			continue
		}
		rest := dict[i+len(key)+2:]
		rest = strings.TrimLeft(rest, " ")
		if !strings.HasPrefix(rest, ":") {
			return "", fmt.Errorf("bad .npy header near %q", key)
		}
		return strings.TrimLeft(rest[1:], " "), nil
	}
	return "", fmt.Errorf(".npy header has no %q", key)
}

func dictString(dict, key string) (string, error) {
	r, err := dictRaw(dict, key)
	if err != nil {
		return "", err
	}
	if len(r) < 2 || (r[0] != '\'' && r[0] != '"') {
		return "", fmt.Errorf("bad %s value in .npy header", key)
	}
	end := strings.IndexByte(r[1:], r[0])
	if end < 0 {
		return "", fmt.Errorf("bad %s value in .npy header", key)
	}
	return r[1 : 1+end], nil
}

// member is one array of an .npz archive, readable at any element offset.
type member struct {
	name   string
	zf     *zip.File
	hdr    NPYHeader
	esize  int
	src    io.ReaderAt // file (stored members) or spill file (compressed)
	off    int64       // byte offset of element 0 within src
	once   sync.Once
	err    error
	spill  *os.File
	parent *npzFile
}

// npzFile is an .npz archive opened for lazy, random-access reads.
type npzFile struct {
	path    string
	f       *os.File
	size    int64
	members map[string]*member
	names   []string
}

func openNPZ(path string) (*npzFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: not a readable .npz (zip) file: %v", path, err)
	}
	z := &npzFile{path: path, f: f, size: st.Size(), members: map[string]*member{}}
	for _, zf := range zr.File {
		if !strings.HasSuffix(zf.Name, ".npy") {
			continue
		}
		name := strings.TrimSuffix(zf.Name, ".npy")
		m := &member{name: name, zf: zf, parent: z}
		if err := m.readHeader(); err != nil {
			z.close()
			return nil, fmt.Errorf("%s: array %q: %v", path, name, err)
		}
		z.members[name] = m
		z.names = append(z.names, name)
	}
	return z, nil
}

func (z *npzFile) close() error {
	for _, m := range z.members {
		if m.spill != nil {
			m.spill.Close()
			os.Remove(m.spill.Name())
		}
	}
	return z.f.Close()
}

func (m *member) readHeader() error {
	rc, err := m.zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	buf := make([]byte, 12)
	if _, err := io.ReadFull(rc, buf); err != nil {
		return fmt.Errorf("reading .npy header: %v", err)
	}
	var hl int
	if buf[6] == 1 {
		hl = 10 + int(binary.LittleEndian.Uint16(buf[8:10]))
	} else {
		hl = 12 + int(binary.LittleEndian.Uint32(buf[8:12]))
	}
	if hl > maxHeaderLen || hl < 12 {
		hl = 12
	}
	full := make([]byte, hl)
	copy(full, buf)
	if hl > 12 {
		if _, err := io.ReadFull(rc, full[12:]); err != nil {
			return fmt.Errorf("reading .npy header: %v", err)
		}
	}
	h, n, err := ParseNPYHeader(full)
	if err != nil {
		return err
	}
	m.hdr = h
	m.esize = elemSize(h.Descr)
	if m.esize == 0 {
		return fmt.Errorf("unsupported dtype %q (want little-endian float or integer)", h.Descr)
	}
	if h.Fortran && len(h.Shape) > 1 {
		return errors.New("Fortran-ordered arrays are not supported; write the array in C order")
	}
	need := uint64(n) + uint64(h.Len())*uint64(m.esize)
	if m.zf.UncompressedSize64 < need {
		return fmt.Errorf("truncated: shape %v of %s needs %d bytes, the member holds %d", h.Shape, h.Descr, need, m.zf.UncompressedSize64)
	}
	m.off = int64(n)
	// Sizes come from the archive's directory: bound them by the file so
	// that later allocations are bounded by what the file can hold.
	switch m.zf.Method {
	case zip.Store:
		do, err := m.zf.DataOffset()
		if err != nil {
			return err
		}
		if do < 0 || uint64(do)+m.zf.UncompressedSize64 > uint64(m.parent.size) {
			return fmt.Errorf("member claims %d bytes at offset %d, past the end of the file (%d bytes)", m.zf.UncompressedSize64, do, m.parent.size)
		}
	case zip.Deflate:
		// deflate expands at most about 1032:1
		if m.zf.UncompressedSize64 > 1032*m.zf.CompressedSize64+(1<<20) || m.zf.CompressedSize64 > uint64(m.parent.size) {
			return fmt.Errorf("member claims %d bytes from %d compressed bytes: corrupt archive", m.zf.UncompressedSize64, m.zf.CompressedSize64)
		}
	default:
		return fmt.Errorf("unsupported zip compression method %d (want stored or deflate)", m.zf.Method)
	}
	return nil
}

// prepare makes the member's data randomly accessible: stored members are
// read in place; compressed members are decompressed once into a temporary
// file (memory stays bounded).
func (m *member) prepare() error {
	m.once.Do(func() {
		if m.zf.Method == zip.Store {
			do, err := m.zf.DataOffset()
			if err != nil {
				m.err = err
				return
			}
			if do+int64(m.zf.UncompressedSize64) > m.parent.size {
				m.err = fmt.Errorf("member extends past the end of the file (%d bytes)", m.parent.size)
				return
			}
			m.src = m.parent.f
			m.off += do
			return
		}
		tmp, err := os.CreateTemp("", "retinaio-npz-*.bin")
		if err != nil {
			m.err = err
			return
		}
		rc, err := m.zf.Open()
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			m.err = err
			return
		}
		var n int64
		n, err = io.Copy(tmp, io.LimitReader(rc, int64(m.zf.UncompressedSize64)+1))
		rc.Close()
		if err == nil && uint64(n) != m.zf.UncompressedSize64 {
			err = fmt.Errorf("member decompresses to %d bytes, the archive says %d", n, m.zf.UncompressedSize64)
		}
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			m.err = fmt.Errorf("decompressing: %v", err)
			return
		}
		m.spill = tmp
		m.src = tmp
	})
	return m.err
}

// readFloat64 reads count elements starting at element index start,
// converted to float64, into dst.
func (m *member) readFloat64(start, count int, dst []float64) error {
	raw, err := m.readRaw(start, count)
	if err != nil {
		return err
	}
	switch m.hdr.Descr {
	case "<f8":
		for i := range count {
			dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	case "<f4":
		for i := range count {
			dst[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])))
		}
	default:
		decode(m.hdr.Descr, raw, count, func(i int, v float64) { dst[i] = v })
	}
	return nil
}

// readFloat32 reads count elements starting at element start as float32.
func (m *member) readFloat32(start, count int, dst []float32) error {
	raw, err := m.readRaw(start, count)
	if err != nil {
		return err
	}
	if m.hdr.Descr == "<f4" {
		for i := range count {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return nil
	}
	decode(m.hdr.Descr, raw, count, func(i int, v float64) { dst[i] = float32(v) })
	return nil
}

func (m *member) readRaw(start, count int) ([]byte, error) {
	if start < 0 || count < 0 || start+count > m.hdr.Len() {
		return nil, fmt.Errorf("%s: array %q: elements %d..%d out of range (length %d)", m.parent.path, m.name, start, start+count, m.hdr.Len())
	}
	if err := m.prepare(); err != nil {
		return nil, fmt.Errorf("%s: array %q: %v", m.parent.path, m.name, err)
	}
	raw := make([]byte, count*m.esize)
	if _, err := m.src.ReadAt(raw, m.off+int64(start)*int64(m.esize)); err != nil {
		return nil, fmt.Errorf("%s: array %q: %v", m.parent.path, m.name, err)
	}
	return raw, nil
}

func decode(descr string, raw []byte, n int, set func(int, float64)) {
	le := binary.LittleEndian
	for i := range n {
		var v float64
		switch descr {
		case "<f4":
			v = float64(math.Float32frombits(le.Uint32(raw[4*i:])))
		case "<f8":
			v = math.Float64frombits(le.Uint64(raw[8*i:]))
		case "<i4":
			v = float64(int32(le.Uint32(raw[4*i:])))
		case "<u4":
			v = float64(le.Uint32(raw[4*i:]))
		case "<i8":
			v = float64(int64(le.Uint64(raw[8*i:])))
		case "<u8":
			v = float64(le.Uint64(raw[8*i:]))
		case "<i2":
			v = float64(int16(le.Uint16(raw[2*i:])))
		case "<u2":
			v = float64(le.Uint16(raw[2*i:]))
		case "|i1":
			v = float64(int8(raw[i]))
		default:
			v = float64(raw[i])
		}
		set(i, v)
	}
}

package render

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/retinaio/retinaio/internal/staletemp"
	"github.com/retinaio/retinaio/npy"
)

// member is one array of an .npz archive, readable at any element offset.
type member struct {
	name   string
	hdr    npy.Header
	n      int         // elements
	esize  int         // bytes per element
	src    io.ReaderAt // the archive (stored members) or the spill file (deflated)
	off    int64       // byte offset of element 0 within src
	once   sync.Once   // prepares src for a deflated member
	err    error
	spill  *os.File
	parent *npzFile
}

// npzFile is an .npz archive opened for lazy, random-access reads with
// package npy: stored members are read in place, deflated ones are
// decompressed once, on first use, into a temporary file.
type npzFile struct {
	path    string
	z       *npy.NPZReader
	members map[string]*member
	names   []string
}

func openNPZ(path string) (*npzFile, error) {
	z, err := npy.OpenNPZ(path)
	if err != nil {
		return nil, err
	}
	f := &npzFile{path: path, z: z, members: map[string]*member{}}
	for _, name := range z.Names() {
		m, err := f.member(name)
		if err != nil {
			f.close()
			return nil, fmt.Errorf("%s: array %q: %v", path, name, err)
		}
		f.members[name] = m
		f.names = append(f.names, name)
	}
	return f, nil
}

// member checks the header of the array name: a real (not complex) numeric
// dtype, C order (or one dimension), the data within the entry.
func (f *npzFile) member(name string) (*member, error) {
	m := &member{name: name, parent: f}
	r, h, off, err := f.z.EntryReaderAt(name)
	switch {
	case errors.Is(err, npy.ErrDeflated):
		m.off = 0 // of the spill file, made by prepare
	case err != nil:
		return nil, err
	default:
		m.src, m.off = r, off
	}
	m.hdr = h
	if strings.HasPrefix(strings.TrimLeft(h.Descr, "<>|="), "c") {
		return nil, fmt.Errorf("unsupported dtype %q (want a real float or integer type)", h.Descr)
	}
	if h.Fortran && len(h.Shape) > 1 {
		return nil, errors.New("arrays in Fortran order are not supported; write the array in C order")
	}
	if m.esize, err = h.ItemSize(); err != nil {
		return nil, err
	}
	n, err := h.Count()
	if err != nil {
		return nil, err
	}
	if m.n = int(n); int64(m.n) != n {
		return nil, fmt.Errorf("shape %v is too large for this platform", h.Shape)
	}
	return m, nil
}

func (f *npzFile) close() error {
	for _, m := range f.members {
		if m.spill != nil {
			m.spill.Close()
			os.Remove(m.spill.Name())
		}
	}
	return f.z.Close()
}

// SpillPrefix starts the names of the temporary files that hold deflated
// members ("retinaio-npz-<pid>-<random>.bin" in os.TempDir()).
const SpillPrefix = "retinaio-npz-"

// createSpill creates a spill file in os.TempDir(), first removing the ones
// a killed process left there (staletemp: owner pid gone, untouched for
// staletemp.MinAge). On Unix the new file is unlinked at once (it lives
// while open), so a kill leaves nothing behind.
func createSpill() (*os.File, error) {
	dir := os.TempDir()
	staletemp.Clean(dir, SpillPrefix)
	tmp, err := os.CreateTemp(dir, staletemp.Pattern(SpillPrefix)+".bin")
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" {
		os.Remove(tmp.Name())
	}
	return tmp, nil
}

// prepare makes a deflated member's data randomly accessible by
// decompressing it once into a temporary file (memory stays bounded);
// package npy checks the sizes and the entry's CRC on the way.
func (m *member) prepare() error {
	m.once.Do(func() {
		if m.src != nil {
			return
		}
		tmp, err := createSpill()
		if err != nil {
			m.err = err
			return
		}
		rd, c, err := m.parent.z.Open(m.name)
		if err == nil {
			var n int64
			n, err = io.Copy(tmp, rd)
			if e2 := c.Close(); err == nil {
				err = e2
			}
			if want := int64(m.n) * int64(m.esize); err == nil && n != want {
				err = fmt.Errorf("member decompresses to %d data bytes, its shape needs %d", n, want)
			}
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
	return m.read(start, count, dst[:count])
}

// readFloat32 reads count elements starting at element start as float32.
func (m *member) readFloat32(start, count int, dst []float32) error {
	return m.read(start, count, dst[:count])
}

// read decodes elements [start, start+len(dst)) into dst (a []float32 or
// []float64 of count elements) with npy's conversions.
func (m *member) read(start, count int, dst any) error {
	if start < 0 || count < 0 || start+count > m.n {
		return fmt.Errorf("%s: array %q: elements %d..%d out of range (length %d)", m.parent.path, m.name, start, start+count, m.n)
	}
	if err := m.prepare(); err != nil {
		return fmt.Errorf("%s: array %q: %v", m.parent.path, m.name, err)
	}
	sec := io.NewSectionReader(m.src, m.off+int64(start)*int64(m.esize), int64(count)*int64(m.esize))
	if err := npy.ReadData(sec, npy.Header{Descr: m.hdr.Descr, Shape: []int{count}}, dst); err != nil {
		return fmt.Errorf("%s: array %q: %v", m.parent.path, m.name, err)
	}
	return nil
}

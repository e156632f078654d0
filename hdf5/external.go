package hdf5

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// extSegment is one slot of the External Data Files message: size bytes
// of raw data at offset in the file name.
type extSegment struct {
	name         string
	offset, size uint64
}

// maxExternalSlots bounds the slots of one External Data Files message.
const maxExternalSlots = 1 << 16

// parseExternal decodes the External Data Files message (IV.A.2.h):
// version 1, 3 reserved bytes, allocated and used slot counts (2 bytes
// each), the local heap holding the file names, then per used slot the
// name's heap offset, the offset in the file and the size (lengths). The
// dataset's raw data is the concatenation of the slots.
func (f *File) parseExternal(data []byte) ([]extSegment, error) {
	c := f.cursor(data)
	if v := c.u8(); v != 1 {
		return nil, fmt.Errorf("version %d", v)
	}
	c.skip(3)
	c.u16() // allocated slots
	used := int(c.u16())
	heapAddr := c.addr()
	if c.err != nil {
		return nil, c.err
	}
	if used > maxExternalSlots || used*3*f.st.lsize > c.remaining() {
		return nil, fmt.Errorf("%d slots in a %d-byte message", used, len(data))
	}
	heap, err := f.localHeap(heapAddr)
	if err != nil {
		return nil, err
	}
	segs := make([]extSegment, 0, used)
	for i := 0; i < used; i++ {
		nameOff := c.length()
		off := c.length()
		size := c.length()
		if c.err != nil {
			return nil, c.err
		}
		name, err := heap.str(nameOff)
		if err != nil {
			return nil, fmt.Errorf("slot %d: %w", i, err)
		}
		segs = append(segs, extSegment{name, off, size})
	}
	return segs, nil
}

// readExternal reads n bytes at offset off of the data stored in external
// files. The files are opened in the file's folder (OpenOptions.Dir)
// through os.Root, so a name cannot leave that folder (no "..", no
// absolute path, no symbolic link out of it).
func (d *Dataset) readExternal(off, n uint64) ([]byte, error) {
	dir := d.f.st.dir
	if dir == "" {
		return nil, errors.New("the raw data is in external files, and the folder to find them in is unknown (open the file by name, or set OpenOptions.Dir)")
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("external data files: %w", err)
	}
	defer root.Close()
	out := make([]byte, 0, n)
	var pos uint64
	for _, s := range d.info.ext {
		if n == 0 {
			break
		}
		end, ok := addCheck(pos, s.size)
		if !ok {
			return nil, errors.New("external data segments overflow")
		}
		if off < end {
			skip := off - pos
			k := min(s.size-skip, n)
			name := filepath.FromSlash(s.name)
			fh, err := root.Open(name)
			if err != nil {
				return nil, fmt.Errorf("external data file %q (next to the HDF5 file, in %s): %w", s.name, dir, err)
			}
			at, ok := addCheck(s.offset, skip)
			if !ok || at > 1<<62 {
				fh.Close()
				return nil, fmt.Errorf("external data file %q: offset %d", s.name, s.offset)
			}
			buf := make([]byte, k)
			m, err := fh.ReadAt(buf, int64(at))
			fh.Close()
			if uint64(m) < k {
				if err == nil || errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				return nil, fmt.Errorf("external data file %q: %d bytes at offset %d: %w", s.name, k, at, err)
			}
			out = append(out, buf...)
			off += k
			n -= k
		}
		pos = end
	}
	if n > 0 {
		return nil, fmt.Errorf("external data files hold %d bytes, the dataset needs %d more", pos, n)
	}
	return out, nil
}

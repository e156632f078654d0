package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"strings"
	"unicode/utf8"

	kflate "github.com/klauspost/compress/flate"

	"github.com/retinaio/retinaio/internal/atomicfile"
)

// NPZOptions configures an NPZWriter. The zero value writes stored
// (uncompressed) entries, like numpy.savez.
type NPZOptions struct {
	// Compress deflates the entries, like numpy.savez_compressed. Float
	// movies barely compress, so the default is stored.
	Compress bool
	// Level is the deflate level 1 (fastest) to 9 (smallest) used when
	// Compress is set; 0 means 6, zlib's default, which numpy uses.
	Level int
	// Zip64 writes zip64 records for every entry and the archive even when
	// nothing needs them (entries and offsets are always written with zip64
	// records when they exceed, or may exceed, 4 GiB).
	Zip64 bool
	// Direct makes CreateNPZ write the file bypassing the system's page
	// cache where it can (atomicfile.File.DirectWriter), for a large archive
	// written once and not read back soon, such as a stimulus cache. The
	// archive is then written strictly in order: each entry is followed by
	// a data descriptor, and regions (CreateRegion) are refused.
	Direct bool
}

const (
	zipLocalSig      = 0x04034b50
	zipCentralSig    = 0x02014b50
	zipDescriptorSig = 0x08074b50
	zipEnd64Sig      = 0x06064b50
	zipEnd64LocSig   = 0x07064b50
	zipEndSig        = 0x06054b50
	u32max           = 0xFFFFFFFF
	u16max           = 0xFFFF
	dosDate1980      = 1<<5 | 1 // 1980-01-01
)

type zipEntry struct {
	name         string
	flags        uint16
	method       uint16
	crc          uint32
	csize, usize uint64
	offset       uint64
	zip64        bool
}

// NPZWriter writes an .npz archive (a zip file of .npy entries), one entry
// at a time, streaming: no entry is ever held whole in memory. Entries
// whose size exceeds (or, compressed, may exceed) 4 GiB get zip64 records.
// When the destination can seek (a file), local headers are patched with
// the CRC and sizes after each entry, as Python's zipfile does; otherwise
// each entry is followed by a data descriptor (zip64 when needed).
//
// An NPZWriter is not safe for concurrent use.
type NPZWriter struct {
	opt     NPZOptions
	under   io.Writer
	bw      *bufio.Writer
	ws      io.WriteSeeker // nil when the destination cannot seek
	base    int64          // seek offset of the archive's start
	pos     uint64         // bytes written so far
	af      *atomicfile.File
	path    string
	names   map[string]bool
	ents    []zipEntry
	cur     *entryState
	err     error // sticky
	closed  bool
	aborted bool
	fw      *kflate.Writer
	regions []*Region
	hinted  uint64                   // bytes before this offset were handed to StartWriteback
	dw      *atomicfile.DirectWriter // CreateNPZ's writer with NPZOptions.Direct
}

type entryState struct {
	ent       zipEntry
	dataStart uint64
	crc       hash.Hash32
	fw        *kflate.Writer
	w         *Writer
	expectU   uint64
	done      bool
}

// CreateNPZ creates the .npz file at path atomically: entries go to a
// temporary file in the same folder, Close commits it, Abort discards it.
func CreateNPZ(path string, opt NPZOptions) (*NPZWriter, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("npz: %w", err)
	}
	var z *NPZWriter
	if opt.Direct {
		dw := f.DirectWriter()
		z = NewNPZWriter(dw, opt) // not an io.Seeker: data descriptors
		z.dw = dw
	} else {
		z = NewNPZWriter(f, opt)
	}
	z.af = f
	z.path = path
	return z, nil
}

// NewNPZWriter returns a writer of an .npz archive to w. Close finishes
// the archive but does not close w.
func NewNPZWriter(w io.Writer, opt NPZOptions) *NPZWriter {
	z := &NPZWriter{opt: opt, under: w, names: map[string]bool{}}
	if ws, ok := w.(io.WriteSeeker); ok {
		if pos, err := ws.Seek(0, io.SeekCurrent); err == nil {
			z.ws, z.base = ws, pos
		}
	}
	z.bw = bufio.NewWriterSize(&countWriter{w: w, z: z}, 1<<20)
	if opt.Level < 0 || opt.Level > 9 {
		z.err = fmt.Errorf("npz: deflate level %d out of range 0..9", opt.Level)
	}
	return z
}

type countWriter struct {
	w io.Writer
	z *NPZWriter
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.z.pos += uint64(n)
	c.z.hint(false)
	return n, err
}

// writebackStep is how many bytes an NPZWriter made by CreateNPZ writes
// before it asks the system to start writing them to disk (see
// atomicfile.File.StartWriteback), so that Close's fsync finds little
// left to do.
const writebackStep = 64 << 20

// hint starts the writeback of the bytes written since the last hint, once
// there are writebackStep of them (or any, with all: at the end of each
// entry).
func (z *NPZWriter) hint(all bool) {
	if z.af == nil || z.dw != nil || z.pos <= z.hinted || (!all && z.pos-z.hinted < writebackStep) {
		return
	}
	z.af.StartWriteback(z.base+int64(z.hinted), int64(z.pos-z.hinted))
	z.hinted = z.pos
}

func (z *NPZWriter) where() string {
	if z.path != "" {
		return z.path
	}
	return "npz"
}

// offset returns the archive offset of the next byte to be written.
func (z *NPZWriter) offset() uint64 { return z.pos + uint64(z.bw.Buffered()) }

// Add writes data (a typed slice, or a scalar with shape nil or []) as the
// entry name+".npy", little-endian, C order, with the shape given (nil
// with a slice means 1-D).
func (z *NPZWriter) Add(name string, shape []int, data any) error {
	shape, d, data, err := normShape(shape, data)
	if err != nil {
		return fmt.Errorf("npz %s: entry %q: %w", z.where(), name, err)
	}
	w, err := z.Create(name, Header{Descr: d.String(), Shape: shape})
	if err != nil {
		return err
	}
	if err := w.WriteValues(data); err != nil {
		z.fail(err)
		return fmt.Errorf("npz %s: entry %q: %w", z.where(), name, err)
	}
	return w.Close()
}

// AddRaw writes the entry name+".npy" with header h and the element bytes
// read from raw, already in h.Descr's byte order and h's order (C or
// Fortran). raw must hold exactly prod(h.Shape)*itemsize bytes (checked:
// fewer is an error, and so is any byte more).
func (z *NPZWriter) AddRaw(name string, h Header, raw io.Reader) error {
	w, err := z.Create(name, h)
	if err != nil {
		return err
	}
	var n int64
	if z.dw != nil && !z.opt.Compress {
		n, err = z.fillDirect(w, io.LimitReader(raw, w.Remaining()))
	} else {
		// Pieces of 1 MiB: large enough that the archive's buffer passes
		// them straight through and that readers of files make few calls.
		n, err = io.CopyBuffer(w, io.LimitReader(raw, w.Remaining()), make([]byte, min(1<<20, max(w.Remaining(), 1))))
	}
	if err != nil {
		z.fail(err)
		return fmt.Errorf("npz %s: entry %q: reading raw data: %w", z.where(), name, err)
	}
	if w.Remaining() > 0 {
		err := fmt.Errorf("npz %s: entry %q: raw data ended after %d of %d bytes (shape %s, %s)", z.where(), name, n, n+w.Remaining(), shapeString(h.Shape), h.Descr)
		z.fail(err)
		return err
	}
	var one [1]byte
	if k, _ := io.ReadFull(raw, one[:]); k > 0 {
		err := fmt.Errorf("npz %s: entry %q: raw data is longer than the %d bytes of shape %s, %s", z.where(), name, n, shapeString(h.Shape), h.Descr)
		z.fail(err)
		return err
	}
	return w.Close()
}

// fillDirect reads the data of the stored entry w from r straight into
// the direct writer's aligned buffers (the reader's bytes are copied once,
// not through a buffer of ours and again into the aligned one), keeping
// the entry's CRC and the counts as w.Write would.
func (z *NPZWriter) fillDirect(w *Writer, r io.Reader) (int64, error) {
	if err := z.bw.Flush(); err != nil { // the bytes before, in order
		return 0, err
	}
	e := z.cur
	n, err := z.dw.Fill(r, func(p []byte) { e.crc.Write(p) })
	z.pos += uint64(n)
	w.written += n
	return n, err
}

// fail makes the archive unusable after a failed entry.
func (z *NPZWriter) fail(err error) {
	if z.err == nil {
		z.err = err
	}
}

// Create starts the entry name+".npy" with header h and returns a Writer
// for its data (Write for raw bytes in h.Descr's byte order, WriteValues
// for typed slices). Close the returned Writer before the next entry; it
// fails unless exactly prod(h.Shape)*itemsize bytes were written.
func (z *NPZWriter) Create(name string, h Header) (*Writer, error) {
	return z.createVersion(name, h, 0)
}

func (z *NPZWriter) createVersion(name string, h Header, major int) (*Writer, error) {
	if z.err != nil {
		return nil, fmt.Errorf("npz %s: archive unusable after an earlier error: %w", z.where(), z.err)
	}
	if z.closed {
		return nil, fmt.Errorf("npz %s: Create after Close", z.where())
	}
	if z.cur != nil && !z.cur.done {
		return nil, fmt.Errorf("npz %s: entry %q started before the previous entry %q was closed", z.where(), name, z.cur.ent.name)
	}
	if name == "" || strings.ContainsRune(name, 0) || !utf8.ValidString(name) || len(name) > 60000 {
		return nil, fmt.Errorf("npz %s: invalid entry name %q", z.where(), name)
	}
	full := name + ".npy"
	if z.names[full] {
		return nil, fmt.Errorf("npz %s: entry %q added twice", z.where(), name)
	}
	w, hdr, err := prepareWriter(nil, h, major)
	if err != nil {
		return nil, fmt.Errorf("npz %s: entry %q: %w", z.where(), name, err)
	}
	usize := uint64(len(hdr)) + uint64(w.total)
	e := &entryState{expectU: usize, crc: crc32.NewIEEE()}
	e.ent = zipEntry{name: full, usize: usize, offset: z.offset()}
	if z.opt.Compress {
		e.ent.method = 8
	}
	// zip64 when the entry exceeds 4 GiB or might once compressed (deflate
	// can grow incompressible data slightly: same margin as Python).
	e.ent.zip64 = z.opt.Zip64 || usize >= u32max || (z.opt.Compress && usize+usize/20 >= u32max)
	if !isASCII(full) {
		e.ent.flags |= 1 << 11
	}
	if z.ws == nil {
		e.ent.flags |= 1 << 3 // sizes and CRC in a data descriptor
	}
	z.names[full] = true
	if err := z.writeLocal(&e.ent); err != nil {
		z.fail(err)
		return nil, err
	}
	e.dataStart = z.offset()
	var sink io.Writer = z.bw
	if z.opt.Compress {
		lvl := z.opt.Level
		if lvl == 0 {
			lvl = 6
		}
		if z.fw == nil {
			z.fw, err = kflate.NewWriter(z.bw, lvl)
			if err != nil {
				z.fail(err)
				return nil, err
			}
		} else {
			z.fw.Reset(z.bw)
		}
		e.fw = z.fw
		sink = z.fw
	}
	w.w = io.MultiWriter(e.crc, sink)
	if _, err := w.w.Write(hdr); err != nil {
		z.fail(err)
		return nil, fmt.Errorf("npz %s: entry %q: %w", z.where(), name, err)
	}
	w.onClose = func() error { return z.finishEntry(e) }
	e.w = w
	z.cur = e
	return w, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func versionNeeded(e *zipEntry) uint16 {
	switch {
	case e.zip64:
		return 45
	case e.method == 8:
		return 20
	}
	return 10
}

func (z *NPZWriter) writeLocal(e *zipEntry) error {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, zipLocalSig)
	b = binary.LittleEndian.AppendUint16(b, versionNeeded(e))
	b = binary.LittleEndian.AppendUint16(b, e.flags)
	b = binary.LittleEndian.AppendUint16(b, e.method)
	b = binary.LittleEndian.AppendUint16(b, 0) // time 00:00:00
	b = binary.LittleEndian.AppendUint16(b, dosDate1980)
	b = binary.LittleEndian.AppendUint32(b, 0) // crc, patched or in descriptor
	var cs, us uint32
	if e.zip64 {
		cs, us = u32max, u32max
	} else if z.ws != nil {
		us = uint32(e.usize)
		if e.method == 0 {
			cs = us
		}
	}
	b = binary.LittleEndian.AppendUint32(b, cs)
	b = binary.LittleEndian.AppendUint32(b, us)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(e.name)))
	extra := 0
	if e.zip64 {
		extra = 20
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(extra))
	b = append(b, e.name...)
	if e.zip64 {
		// Local zip64 extra: both sizes (patched later when seekable).
		var u, c uint64
		if z.ws != nil {
			u = e.usize
			if e.method == 0 {
				c = u
			}
		}
		b = binary.LittleEndian.AppendUint16(b, 1)
		b = binary.LittleEndian.AppendUint16(b, 16)
		b = binary.LittleEndian.AppendUint64(b, u)
		b = binary.LittleEndian.AppendUint64(b, c)
	}
	if _, err := z.bw.Write(b); err != nil {
		return fmt.Errorf("npz %s: writing entry %q: %w", z.where(), e.name, err)
	}
	return nil
}

func (z *NPZWriter) finishEntry(e *entryState) error {
	e.done = true
	name := strings.TrimSuffix(e.ent.name, ".npy")
	if e.w.written != e.w.total {
		err := fmt.Errorf("npz %s: entry %q incomplete: %d of %d data bytes written", z.where(), name, e.w.written, e.w.total)
		z.fail(err)
		return err
	}
	if e.fw != nil {
		if err := e.fw.Close(); err != nil {
			z.fail(err)
			return fmt.Errorf("npz %s: entry %q: %w", z.where(), name, err)
		}
	}
	e.ent.crc = e.crc.Sum32()
	e.ent.csize = z.offset() - e.dataStart
	if !e.ent.zip64 && e.ent.csize >= u32max {
		err := fmt.Errorf("npz %s: entry %q: compressed size %d needs zip64 but the local header was written without it", z.where(), name, e.ent.csize)
		z.fail(err)
		return err
	}
	var err error
	if z.ws != nil {
		err = z.patchLocal(&e.ent)
	} else {
		err = z.writeDescriptor(&e.ent)
	}
	if err != nil {
		z.fail(err)
		return fmt.Errorf("npz %s: entry %q: %w", z.where(), name, err)
	}
	z.ents = append(z.ents, e.ent)
	z.hint(true) // an entry is done: its bytes may go to disk
	return nil
}

func (z *NPZWriter) writeDescriptor(e *zipEntry) error {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, zipDescriptorSig)
	b = binary.LittleEndian.AppendUint32(b, e.crc)
	if e.zip64 {
		b = binary.LittleEndian.AppendUint64(b, e.csize)
		b = binary.LittleEndian.AppendUint64(b, e.usize)
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(e.csize))
		b = binary.LittleEndian.AppendUint32(b, uint32(e.usize))
	}
	_, err := z.bw.Write(b)
	return err
}

func (z *NPZWriter) patchLocal(e *zipEntry) error {
	if err := z.bw.Flush(); err != nil {
		return err
	}
	end := z.pos
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, e.crc)
	if e.zip64 {
		b = binary.LittleEndian.AppendUint32(b, u32max)
		b = binary.LittleEndian.AppendUint32(b, u32max)
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(e.csize))
		b = binary.LittleEndian.AppendUint32(b, uint32(e.usize))
	}
	if err := z.writeAt(b, e.offset+14); err != nil {
		return err
	}
	if e.zip64 {
		var x []byte
		x = binary.LittleEndian.AppendUint64(x, e.usize)
		x = binary.LittleEndian.AppendUint64(x, e.csize)
		if err := z.writeAt(x, e.offset+30+uint64(len(e.name))+4); err != nil {
			return err
		}
	}
	if _, err := z.ws.Seek(z.base+int64(end), io.SeekStart); err != nil {
		return err
	}
	return nil
}

func (z *NPZWriter) writeAt(b []byte, off uint64) error {
	if _, err := z.ws.Seek(z.base+int64(off), io.SeekStart); err != nil {
		return err
	}
	_, err := z.under.Write(b)
	return err
}

// Close finishes the archive (central directory and end records) and, for
// a writer made by CreateNPZ, commits the file. An unclosed entry or an
// earlier error makes Close fail (and CreateNPZ's file is discarded).
func (z *NPZWriter) Close() error {
	if z.closed {
		if z.aborted {
			return fmt.Errorf("npz %s: Close after Abort", z.where())
		}
		return nil
	}
	if z.err == nil && z.cur != nil && !z.cur.done {
		z.err = fmt.Errorf("npz %s: entry %q was not closed", z.where(), strings.TrimSuffix(z.cur.ent.name, ".npy"))
	}
	for _, r := range z.regions {
		if z.err != nil {
			break
		}
		if crc, err := r.finished(); err != nil {
			z.err = err
		} else {
			z.ents[r.idx].crc = crc
		}
	}
	if z.err != nil {
		z.closed = true
		if z.af != nil {
			z.af.Abort()
		}
		return z.err
	}
	z.closed = true
	err := z.writeCentral()
	if err == nil {
		err = z.bw.Flush()
	}
	if err == nil && z.dw != nil {
		err = z.dw.Flush()
	}
	if err != nil {
		err = fmt.Errorf("npz %s: finishing archive: %w", z.where(), err)
		if z.af != nil {
			z.af.Abort()
		}
		return err
	}
	if z.af != nil {
		if err := z.af.Commit(); err != nil {
			return fmt.Errorf("npz: %w", err)
		}
	}
	return nil
}

// Abort discards the archive: for CreateNPZ the temporary file is removed;
// for NewNPZWriter the writer is only marked unusable (the bytes already
// written to w stay there). Abort after Close does nothing.
func (z *NPZWriter) Abort() {
	if z.closed {
		return
	}
	z.closed = true
	z.aborted = true
	if z.err == nil {
		z.err = errors.New("aborted")
	}
	if z.af != nil {
		z.af.Abort()
	}
}

func (z *NPZWriter) writeCentral() error {
	cdStart := z.offset()
	for i := range z.ents {
		e := &z.ents[i]
		var extra []byte
		us, cs, off := uint32(e.usize), uint32(e.csize), uint32(e.offset)
		if e.zip64 || e.usize >= u32max {
			us = u32max
			extra = binary.LittleEndian.AppendUint64(extra, e.usize)
		}
		if e.zip64 || e.csize >= u32max {
			cs = u32max
			extra = binary.LittleEndian.AppendUint64(extra, e.csize)
		}
		if e.zip64 || e.offset >= u32max || z.opt.Zip64 {
			off = u32max
			extra = binary.LittleEndian.AppendUint64(extra, e.offset)
		}
		need := versionNeeded(e)
		if len(extra) > 0 {
			need = 45
		}
		var b []byte
		b = binary.LittleEndian.AppendUint32(b, zipCentralSig)
		b = binary.LittleEndian.AppendUint16(b, 3<<8|need) // made by Unix
		b = binary.LittleEndian.AppendUint16(b, need)
		b = binary.LittleEndian.AppendUint16(b, e.flags)
		b = binary.LittleEndian.AppendUint16(b, e.method)
		b = binary.LittleEndian.AppendUint16(b, 0)
		b = binary.LittleEndian.AppendUint16(b, dosDate1980)
		b = binary.LittleEndian.AppendUint32(b, e.crc)
		b = binary.LittleEndian.AppendUint32(b, cs)
		b = binary.LittleEndian.AppendUint32(b, us)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(e.name)))
		xl := 0
		if len(extra) > 0 {
			xl = 4 + len(extra)
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(xl))
		b = binary.LittleEndian.AppendUint16(b, 0)         // comment
		b = binary.LittleEndian.AppendUint16(b, 0)         // disk
		b = binary.LittleEndian.AppendUint16(b, 0)         // internal attributes
		b = binary.LittleEndian.AppendUint32(b, 0o644<<16) // -rw-r--r--
		b = binary.LittleEndian.AppendUint32(b, off)
		b = append(b, e.name...)
		if len(extra) > 0 {
			b = binary.LittleEndian.AppendUint16(b, 1)
			b = binary.LittleEndian.AppendUint16(b, uint16(len(extra)))
			b = append(b, extra...)
		}
		if _, err := z.bw.Write(b); err != nil {
			return err
		}
	}
	cdEnd := z.offset()
	cdSize := cdEnd - cdStart
	n := uint64(len(z.ents))
	var b []byte
	if z.opt.Zip64 || n >= u16max || cdSize >= u32max || cdStart >= u32max {
		b = binary.LittleEndian.AppendUint32(b, zipEnd64Sig)
		b = binary.LittleEndian.AppendUint64(b, 44)
		b = binary.LittleEndian.AppendUint16(b, 3<<8|45)
		b = binary.LittleEndian.AppendUint16(b, 45)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint64(b, n)
		b = binary.LittleEndian.AppendUint64(b, n)
		b = binary.LittleEndian.AppendUint64(b, cdSize)
		b = binary.LittleEndian.AppendUint64(b, cdStart)
		b = binary.LittleEndian.AppendUint32(b, zipEnd64LocSig)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint64(b, cdEnd)
		b = binary.LittleEndian.AppendUint32(b, 1)
		n, cdSize, cdStart = u16max, u32max, u32max
	}
	b = binary.LittleEndian.AppendUint32(b, zipEndSig)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(min(n, u16max)))
	b = binary.LittleEndian.AppendUint16(b, uint16(min(n, u16max)))
	b = binary.LittleEndian.AppendUint32(b, uint32(min(cdSize, u32max)))
	b = binary.LittleEndian.AppendUint32(b, uint32(min(cdStart, u32max)))
	b = binary.LittleEndian.AppendUint16(b, 0)
	_, err := z.bw.Write(b)
	return err
}

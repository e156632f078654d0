package npy

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"sync"
)

// Region is a stored entry of an NPZWriter whose data is written in place,
// at any time before the archive's Close, while the entries after it are
// added: CreateRegion reserves its bytes in the file. A pipeline that needs
// an array more than once (a movie normalised with statistics over all its
// values) fills the region with WriteAt, reads it back with ReadAt (the
// file's pages are in the system's cache), then writes the final content
// over it, in order from the start, with WriteFinal; the entry's CRC is
// computed over the final bytes only. Close of the NPZWriter fails unless
// every region received all its final bytes.
//
// The methods of a Region may be called while other goroutines use the
// NPZWriter (a region is written with positioned writes that do not move
// the archive's sequential position), and concurrently with each other.
type Region struct {
	z      *NPZWriter
	at     readerWriterAt
	name   string
	d      dtype
	idx    int   // of the entry in z.ents
	local  int64 // file offset of the entry's local header
	start  int64 // file offset of the data
	size   int64 // data bytes
	mu     sync.Mutex
	crc    uint32 // of the header and the final bytes so far
	final  int64  // final bytes written
	hinted int64  // final bytes handed to StartWriteback
}

type readerWriterAt interface {
	io.ReaderAt
	io.WriterAt
}

// CreateRegion starts the stored entry name+".npy" with header h, writes
// its local header and .npy header, and reserves its prod(h.Shape)*itemsize
// data bytes, which the returned Region fills; the next entry starts after
// them. The destination must be a file (an io.WriteSeeker that is also an
// io.ReaderAt and io.WriterAt, such as CreateNPZ's), and the archive stored
// (NPZOptions.Compress unset).
func (z *NPZWriter) CreateRegion(name string, h Header) (*Region, error) {
	at, ok := z.under.(readerWriterAt)
	if !ok || z.ws == nil {
		return nil, fmt.Errorf("npz %s: entry %q: a region needs a file to write in place (the destination is %T)", z.where(), name, z.under)
	}
	if z.opt.Compress {
		return nil, fmt.Errorf("npz %s: entry %q: a region cannot be written in place in a compressed archive", z.where(), name)
	}
	w, err := z.Create(name, h)
	if err != nil {
		return nil, err
	}
	e := z.cur
	// The .npy header went through e.crc and the buffer; the data bytes
	// are the region's.
	e.done = true
	if err := z.bw.Flush(); err != nil {
		z.fail(err)
		return nil, fmt.Errorf("npz %s: entry %q: %w", z.where(), name, err)
	}
	// What precedes the region is final: its writeback may start; the
	// region's own bytes are handed over by WriteFinal.
	z.hint(true)
	r := &Region{z: z, at: at, name: name, d: w.d, idx: len(z.ents), local: z.base + int64(e.ent.offset),
		start: z.base + int64(z.pos), size: w.total, crc: e.crc.Sum32()}
	if _, err := z.ws.Seek(w.total, io.SeekCurrent); err != nil {
		z.fail(err)
		return nil, fmt.Errorf("npz %s: entry %q: reserving %d bytes: %w", z.where(), name, w.total, err)
	}
	z.pos += uint64(w.total)
	z.hinted = z.pos
	w.closed = true
	e.ent.csize = e.ent.usize
	z.ents = append(z.ents, e.ent)
	z.regions = append(z.regions, r)
	if r.size == 0 { // complete as it is: no WriteFinal will record the CRC
		if err := r.recordCRC(); err != nil {
			z.fail(err)
			return nil, err
		}
	}
	return r, nil
}

// recordCRC writes the entry's CRC, complete, into its local header.
func (r *Region) recordCRC() error {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], r.crc)
	if _, err := r.at.WriteAt(b[:], r.local+14); err != nil {
		return fmt.Errorf("npz %s: entry %q: %w", r.z.where(), r.name, err)
	}
	return nil
}

// Size returns the number of data bytes of the region.
func (r *Region) Size() int64 { return r.size }

// Name returns the region's array name.
func (r *Region) Name() string { return r.name }

func (r *Region) check(op string, n int, off int64) error {
	if off < 0 || int64(n) > r.size-off {
		return fmt.Errorf("npz %s: entry %q: %s of %d bytes at %d outside its %d data bytes", r.z.where(), r.name, op, n, off, r.size)
	}
	return nil
}

// WriteAt writes p at data offset off of the region, a provisional value
// that ReadAt returns and WriteFinal replaces; the bytes already written by
// WriteFinal cannot be changed.
func (r *Region) WriteAt(p []byte, off int64) (int, error) {
	if err := r.check("write", len(p), off); err != nil {
		return 0, err
	}
	r.mu.Lock()
	final := r.final
	r.mu.Unlock()
	if off < final {
		return 0, fmt.Errorf("npz %s: entry %q: write at %d over final bytes (%d written)", r.z.where(), r.name, off, final)
	}
	n, err := writeAtPieces(r.at, p, r.start+off)
	if err != nil {
		err = fmt.Errorf("npz %s: entry %q: %w", r.z.where(), r.name, err)
	}
	return n, err
}

// writeAtPieces writes p at off in pieces of at most writePiece bytes.
func writeAtPieces(w io.WriterAt, p []byte, off int64) (int, error) {
	done := 0
	for done < len(p) {
		n, err := w.WriteAt(p[done:min(len(p), done+writePiece)], off+int64(done))
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// ReadAt reads the region's bytes at data offset off, as last written.
func (r *Region) ReadAt(p []byte, off int64) (int, error) {
	if err := r.check("read", len(p), off); err != nil {
		return 0, err
	}
	n, err := r.at.ReadAt(p, r.start+off)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("npz %s: entry %q: %w", r.z.where(), r.name, err)
	}
	return n, err
}

// Final returns the number of final bytes written.
func (r *Region) Final() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.final
}

// WriteFinal writes the next final bytes of the region, in order from its
// start (in the byte order of the header's descr). When the last byte is
// written the entry's CRC is recorded in its local header.
func (r *Region) WriteFinal(p []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.check("final write", len(p), r.final); err != nil {
		return err
	}
	if _, err := writeAtPieces(r.at, p, r.start+r.final); err != nil {
		return fmt.Errorf("npz %s: entry %q: %w", r.z.where(), r.name, err)
	}
	r.crc = crc32.Update(r.crc, crc32.IEEETable, p)
	r.final += int64(len(p))
	if r.z.af != nil && (r.final-r.hinted >= writebackStep || r.final == r.size) {
		r.z.af.StartWriteback(r.start+r.hinted, r.final-r.hinted)
		r.hinted = r.final
	}
	if r.final == r.size {
		return r.recordCRC()
	}
	return nil
}

// WriteFinalValues is WriteFinal for the elements of data, a typed slice
// whose element type has the kind and size of the header's descr (as
// Writer.WriteValues takes), converted to its byte order: on a
// little-endian machine, little-endian values are written from their
// memory without a copy.
func (r *Region) WriteFinalValues(data any) error {
	d, n, scalar, err := dtypeOf(data)
	if err != nil || scalar {
		return fmt.Errorf("npz %s: entry %q: cannot write %T", r.z.where(), r.name, data)
	}
	if d.kind != r.d.kind || d.size != r.d.size {
		return fmt.Errorf("npz %s: entry %q: %T does not match descr %s", r.z.where(), r.name, data, r.d)
	}
	if !r.d.big {
		if b, ok := nativeLE(data); ok {
			return r.WriteFinal(b)
		}
	}
	step := chunkBytes / d.size
	buf := make([]byte, min(n, step)*d.size)
	for i := 0; i < n; i += step {
		j := min(n, i+step)
		b := buf[:(j-i)*d.size]
		encodeLE(b, subslice(data, i, j))
		if r.d.big {
			swapBytes(b, r.d.elemSize())
		}
		if err := r.WriteFinal(b); err != nil {
			return err
		}
	}
	return nil
}

// finished returns the entry's CRC once all its final bytes are written.
func (r *Region) finished() (uint32, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.final != r.size {
		return 0, fmt.Errorf("npz %s: entry %q incomplete: %d of %d data bytes written", r.z.where(), strings.TrimSuffix(r.name, ".npy"), r.final, r.size)
	}
	return r.crc, nil
}

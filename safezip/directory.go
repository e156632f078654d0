package safezip

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
)

// The central directory is checked before archive/zip parses it: the
// declared entry count (end of central directory record, or its zip64
// version) and a count of the headers actually present, walked without
// allocating, from every offset archive/zip may start at. archive/zip
// itself reads headers until it meets a bad one and compares only the low
// 16 bits of the count, so a directory declaring 16,960 entries may hold
// 1,000,000; the walk stops at the limit and refuses it.

// Sizes and signatures from the ZIP APPNOTE (4.3.12 - 4.3.16).
const (
	sigDirHeader    = 0x02014b50
	sigDirEnd       = 0x06054b50
	sigDir64Loc     = 0x07064b50
	sigDir64End     = 0x06064b50
	lenDirHeader    = 46
	lenDirEnd       = 22
	lenDir64Loc     = 20
	lenDir64End     = 56
	dirEndSearch1   = 1024
	dirEndSearchAll = 65 * 1024
)

var errNoDirEnd = errors.New("no end of central directory record")

// dirEnd is what readDirEnd found.
type dirEnd struct {
	records uint64  // declared number of entries
	size    uint64  // declared size of the central directory
	starts  []int64 // offsets archive/zip may start reading headers at
}

// readDirEnd locates the end of central directory record as archive/zip
// does (last 1 KiB, then last 65 KiB; zip64 locator) and returns the
// declared counts and the candidate start offsets of the directory.
func readDirEnd(r io.ReaderAt, size int64) (dirEnd, error) {
	var buf []byte
	var endOff int64 = -1
	for i, n := range []int64{dirEndSearch1, dirEndSearchAll} {
		n = min(n, size)
		buf = make([]byte, n)
		if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
			return dirEnd{}, err
		}
		if p := findDirEnd(buf); p >= 0 {
			buf = buf[p:]
			endOff = size - n + int64(p)
			break
		}
		if i == 1 || n == size {
			return dirEnd{}, errNoDirEnd
		}
	}
	le := binary.LittleEndian
	d := dirEnd{records: uint64(le.Uint16(buf[10:])), size: uint64(le.Uint32(buf[12:]))}
	offset := uint64(le.Uint32(buf[16:]))
	if d.records == 0xffff || d.size == 0xffff || offset == 0xffffffff {
		if p, ok := readDir64(r, endOff, &d, &offset); ok {
			endOff = p
		}
	}
	const maxInt64 = 1<<63 - 1
	if d.size > maxInt64 || offset > maxInt64 {
		return dirEnd{}, errors.New("central directory size or offset out of range")
	}
	base := endOff - int64(d.size) - int64(offset)
	for _, b := range []int64{base, 0} {
		if o := b + int64(offset); o >= 0 && o < size {
			d.starts = append(d.starts, o)
		}
		if base <= 0 {
			break
		}
	}
	if len(d.starts) == 0 {
		return dirEnd{}, errors.New("central directory offset outside the file")
	}
	return d, nil
}

// findDirEnd mirrors archive/zip's findSignatureInBlock.
func findDirEnd(b []byte) int {
	for i := len(b) - lenDirEnd; i >= 0; i-- {
		if binary.LittleEndian.Uint32(b[i:]) == sigDirEnd {
			n := int(binary.LittleEndian.Uint16(b[i+lenDirEnd-2:]))
			if n+lenDirEnd+i > len(b) {
				return -1
			}
			return i
		}
	}
	return -1
}

// readDir64 reads the zip64 locator before endOff and the zip64 end record
// it points to, updating d and offset; ok is false when there is none.
func readDir64(r io.ReaderAt, endOff int64, d *dirEnd, offset *uint64) (int64, bool) {
	loc := endOff - lenDir64Loc
	if loc < 0 {
		return 0, false
	}
	var b [lenDir64End]byte
	if _, err := r.ReadAt(b[:lenDir64Loc], loc); err != nil {
		return 0, false
	}
	le := binary.LittleEndian
	if le.Uint32(b[0:]) != sigDir64Loc || le.Uint32(b[4:]) != 0 || le.Uint32(b[16:]) != 1 {
		return 0, false
	}
	p := le.Uint64(b[8:])
	if p > 1<<62 {
		return 0, false
	}
	if _, err := r.ReadAt(b[:], int64(p)); err != nil || le.Uint32(b[0:]) != sigDir64End {
		return 0, false
	}
	d.records = le.Uint64(b[32:])
	d.size = le.Uint64(b[40:])
	*offset = le.Uint64(b[48:])
	return int64(p), true
}

// countHeaders counts the central directory headers present from start,
// stopping after limit+1. It allocates nothing per header.
func countHeaders(r io.ReaderAt, size, start int64, limit int) int {
	br := bufio.NewReaderSize(io.NewSectionReader(r, start, size-start), 64<<10)
	var h [lenDirHeader]byte
	n := 0
	for n <= limit {
		if _, err := io.ReadFull(br, h[:]); err != nil {
			break
		}
		le := binary.LittleEndian
		if le.Uint32(h[0:]) != sigDirHeader {
			break
		}
		skip := int64(le.Uint16(h[28:])) + int64(le.Uint16(h[30:])) + int64(le.Uint16(h[32:]))
		if _, err := br.Discard(int(skip)); err != nil {
			break
		}
		n++
	}
	return n
}

// checkDirectory refuses an archive whose central directory declares or
// holds more than maxEntries entries, before archive/zip parses it.
func checkDirectory(r io.ReaderAt, size int64, maxEntries int) (declared uint64, present int, err error) {
	d, err := readDirEnd(r, size)
	if err != nil {
		return 0, 0, err
	}
	if d.records > uint64(maxEntries) {
		return d.records, 0, nil
	}
	for _, s := range d.starts {
		present = max(present, countHeaders(r, size, s, maxEntries))
	}
	return d.records, present, nil
}

package karamanlis

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// checkTruncated compares a file's size with the end-of-file address its
// HDF5 superblock records, as libhdf5 does when opening ("truncated file"),
// so that a partly downloaded .mat is reported as such even when the data
// read happens to lie before the cut. Files whose superblock cannot be
// found or parsed are left to the HDF5 reader.
func checkTruncated(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return checkTruncatedAt(path, f, st.Size())
}

// checkTruncatedAt is checkTruncated on a reader of size bytes.
func checkTruncatedAt(path string, f io.ReaderAt, size int64) error {
	sig := []byte("\x89HDF\r\n\x1a\n")
	buf := make([]byte, 64)
	for off := int64(0); off+int64(len(buf)) <= size && off <= 1<<20; off = max(512, off*2) {
		if _, err := f.ReadAt(buf, off); err != nil {
			return nil
		}
		if !bytes.Equal(buf[:8], sig) {
			continue
		}
		var osz, at int
		switch buf[8] {
		case 0:
			osz, at = int(buf[13]), 24
		case 1:
			osz, at = int(buf[13]), 28
		case 2, 3:
			osz, at = int(buf[9]), 12
		default:
			return nil
		}
		if osz != 8 && osz != 4 {
			return nil
		}
		at += 2 * osz // base address, then free-space (v0/1) or extension (v2/3) address
		if at+osz > len(buf) {
			return nil
		}
		var eof uint64
		if osz == 8 {
			eof = binary.LittleEndian.Uint64(buf[at:])
		} else {
			eof = uint64(binary.LittleEndian.Uint32(buf[at:]))
		}
		if eof != ^uint64(0) && eof > uint64(size) {
			return &InputError{File: path, Problem: fmt.Sprintf("is truncated: it has %d bytes but its HDF5 superblock says %d", size, eof),
				Hint: "the download or copy was interrupted; fetch the file again"}
		}
		return nil
	}
	return nil
}

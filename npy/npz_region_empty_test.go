package npy

import (
	"archive/zip"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmptyRegionLocalCRC: a region of no data bytes, which never gets a
// WriteFinal call (a movie of no frames), still has its CRC in its local
// header (unzip -t checks it), equal to the central directory's and to
// the CRC of the entry's bytes.
func TestEmptyRegionLocalCRC(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.npz")
	z, err := CreateNPZ(path, NPZOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := z.CreateRegion("movie", Header{Descr: "<f4", Shape: []int{1, 0, 4, 4}}); err != nil {
		t.Fatal(err)
	}
	if err := z.Add("after", nil, []int16{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	local := binary.LittleEndian.Uint32(b[14:]) // the first entry's local header
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f := zr.File[0]
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if sum := crc32.ChecksumIEEE(data); local != sum || f.CRC32 != sum {
		t.Errorf("CRC: local header %08x, central %08x, of the entry's %d bytes %08x", local, f.CRC32, len(data), sum)
	}
}

// TestRegionErrorsNameEntry: a failing write or read of a region's bytes
// (here: the archive aborted, its file closed) names the archive and the
// entry, not only the temporary file.
func TestRegionErrorsNameEntry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.npz")
	z, err := CreateNPZ(path, NPZOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := z.CreateRegion("movie", Header{Descr: "<f4", Shape: []int{2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	z.Abort()
	_, werr := r.WriteAt(make([]byte, 8), 0)
	_, rerr := r.ReadAt(make([]byte, 8), 0)
	for _, err := range []error{werr, rerr} {
		if err == nil || !strings.Contains(err.Error(), `entry "movie`) || !strings.Contains(err.Error(), "e.npz") {
			t.Errorf("error %v, want one naming e.npz and the entry", err)
		}
	}
}

package hdf5

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// signature is the HDF5 format signature (II.A Disk Format: Level 0A -
// Format Signature and Superblock), searched at offset 0, 512, 1024, ...
var signature = []byte("\x89HDF\r\n\x1a\n")

// Superblock sizes (II.A).
const (
	// versions 0 and 1: signature, superblock version, free-space,
	// root group symbol table entry and shared header message format
	// versions, reserved, size of offsets, size of lengths, reserved,
	// group leaf and internal node K (2 each), file consistency flags
	// (4); version 1 adds the indexed storage internal node K (2) and 2
	// reserved bytes; then 4 addresses (base, free-space info, end of
	// file, driver information block) and the root group symbol table
	// entry (III.C)
	sbV0Fixed  = 8 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 2 + 2 + 4
	sbV1Extra  = 2 + 2
	sbV0V1Addr = 4
	// versions 2 and 3: signature, version, size of offsets, size of
	// lengths, file consistency flags; then 4 addresses (base,
	// superblock extension, end of file, root group object header) and
	// the checksum
	sbV2Fixed = 8 + 1 + 1 + 1 + 1
	sbV2Addr  = 4
)

// fileState is the parsed, shared state of an open file.
type fileState struct {
	name      string
	opts      OpenOptions
	dir       string // folder of external raw-data and virtual-dataset source files ("" = none)
	base      uint64 // absolute offset of the superblock = base address
	sbVersion int
	osize     int
	lsize     int
	rootAddr  uint64
	extAddr   uint64       // superblock extension object header (undef: none)
	image     []imageEntry // metadata cache image entries by address (mdci.go)
	vdsDepth  int          // virtual-dataset source files opened to get here (vds.go)
	vdsBusy   sync.Map     // uint64 -> true: virtual datasets being resolved or read

	sohmOnce sync.Once
	sohm     []sohmIndex
	sohmErr  error

	ohCache sync.Map // uint64 -> *objHeader
	ghMu    sync.Mutex
	ghCache map[uint64]*globalHeap
	ghBytes uint64
	dsCache sync.Map // uint64 -> *dsInfo

	refOnce  sync.Once
	refPaths map[uint64]string
	refErr   error
}

// OpenOptions are per-file reading options.
type OpenOptions struct {
	// ReadLimit caps the bytes one Read or ReadSlab may allocate for its
	// destination. Zero means automatic: 64 x the file size, at least
	// 1 GiB and at most 1 TiB. A corrupted or hostile file can declare a
	// huge, mostly unwritten dataset in a few bytes; the cap turns that
	// into an error instead of an out-of-memory crash. Raise it to read
	// larger datasets whole, or read them in hyperslabs with ReadSlab.
	ReadLimit int64
	// Dir is the folder in which external raw-data files and the source
	// files of virtual datasets are looked up (names are resolved
	// relative to it and may not leave it). Empty means the folder of the
	// HDF5 file when its name is known (Open, or NewFile on an *os.File);
	// otherwise such datasets cannot be read.
	Dir string
}

// Open opens the HDF5 file at path. Like libhdf5 it refuses a file shorter
// than the end-of-file address in its superblock (an error wrapping
// ErrTruncatedFile).
func Open(path string) (*File, error) { return OpenWithOptions(path, OpenOptions{}) }

// OpenWithOptions is Open with per-file options.
func OpenWithOptions(path string, o OpenOptions) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	if o.Dir == "" {
		o.Dir = filepath.Dir(path)
	}
	f, err := newFile(fh, st.Size(), filepath.Base(path), o)
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.c = fh
	return f, nil
}

// NewFile reads an HDF5 file from r, whose length is size bytes.
// The superblock is searched at 0, 512, 1024, 2048, ... As with Open, size
// must reach the superblock's end-of-file address (else ErrTruncatedFile).
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	return NewFileWithOptions(r, size, OpenOptions{})
}

// NewFileWithOptions is NewFile with per-file options. When r has a
// Name method (an *os.File) and o.Dir is empty, external files are looked
// up next to that file.
func NewFileWithOptions(r io.ReaderAt, size int64, o OpenOptions) (*File, error) {
	name := ""
	if n, ok := r.(interface{ Name() string }); ok {
		name = filepath.Base(n.Name())
		if o.Dir == "" && n.Name() != "" {
			o.Dir = filepath.Dir(n.Name())
		}
	}
	return newFile(r, size, name, o)
}

func newFile(r io.ReaderAt, size int64, name string, o OpenOptions) (*File, error) {
	f := &File{r: r, size: size, st: &fileState{name: name, opts: o, dir: o.Dir, extAddr: undef, ghCache: map[uint64]*globalHeap{}}}
	if size < 0 {
		return nil, f.errf("", "file size", fmt.Errorf("negative size %d", size))
	}
	base, found, err := findSignature(r, size)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, f.errf("", "superblock", fmt.Errorf("%w: %s", ErrNotHDF5, sniffFormat(r, size)))
	}
	f.st.base = base
	if err := f.readSuperblock(); err != nil {
		return nil, err
	}
	if err := f.loadCacheImage(); err != nil {
		return nil, f.errf("", "superblock extension", err)
	}
	f.root = &Group{f: f, path: "/", addr: f.st.rootAddr}
	return f, nil
}

// findSignature searches the format signature at 0, 512, 1024, 2048, ...
// (II.A) and returns its offset, the base address.
func findSignature(r io.ReaderAt, size int64) (uint64, bool, error) {
	var sig [8]byte // len(signature)
	for off := int64(0); off+int64(len(sig)) <= size; {
		if _, err := r.ReadAt(sig[:], off); err != nil && !errors.Is(err, io.EOF) {
			return 0, false, err
		}
		if bytes.Equal(sig[:], signature) {
			return uint64(off), true, nil
		}
		if off == 0 {
			off = 512
		} else {
			off *= 2
		}
	}
	return 0, false, nil
}

// errf builds a *FormatError.
func (f *File) errf(obj, what string, err error) error {
	var fe *FormatError
	if errors.As(err, &fe) {
		if fe.Object == "" && obj != "" {
			cp := *fe
			cp.Object = obj
			return &cp
		}
		return err
	}
	name := ""
	if f != nil && f.st != nil {
		name = f.st.name
	}
	return &FormatError{File: name, Object: obj, What: what, Err: err}
}

// readAbs reads n bytes at an absolute offset, checking bounds.
func (f *File) readAbs(off, n uint64) ([]byte, error) {
	end, ok := addCheck(off, n)
	if !ok || end > uint64(f.size) {
		return nil, fmt.Errorf("%w: %d bytes at offset %d exceed the file size %d", errTruncated, n, off, f.size)
	}
	b := make([]byte, n)
	if n == 0 {
		return b, nil
	}
	m, err := f.r.ReadAt(b, int64(off))
	if m == len(b) {
		return b, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}

// absAddr converts a file address (relative to the base) to an absolute
// offset, checking that n bytes there are inside the file.
func (f *File) absAddr(addr, n uint64) (uint64, error) {
	if addr == undef {
		return 0, errors.New("undefined address")
	}
	abs, ok := addCheck(addr, f.st.base)
	if !ok {
		return 0, fmt.Errorf("address 0x%x overflows", addr)
	}
	end, ok := addCheck(abs, n)
	if !ok || end > uint64(f.size) {
		return 0, fmt.Errorf("%w: %d bytes at address 0x%x exceed the file size %d", errTruncated, n, addr, f.size)
	}
	return abs, nil
}

// readAt reads n bytes at file address addr (relative to the base address).
func (f *File) readAt(addr, n uint64) ([]byte, error) {
	if b, ok := f.st.fromImage(addr, n, false); ok {
		return b, nil
	}
	abs, err := f.absAddr(addr, n)
	if err != nil {
		return nil, err
	}
	return f.readAbs(abs, n)
}

// readBlock reads the n-byte metadata block at file address addr whose
// last four bytes are its lookup3 checksum and, when sig is not empty,
// whose first four bytes are the signature sig (such a block is at least 8
// bytes). Errors name the block as "<what> at 0x<addr>".
func (f *File) readBlock(what string, addr, n uint64, sig string) ([]byte, error) {
	b, err := f.readAt(addr, n)
	if err != nil {
		return nil, fmt.Errorf("%s at 0x%x: %w", what, addr, err)
	}
	if sig != "" && (len(b) < len(sig)+4 || string(b[:len(sig)]) != sig) {
		return nil, fmt.Errorf("%s at 0x%x: bad signature", what, addr)
	}
	if err := verifyChecksum(b); err != nil {
		return nil, fmt.Errorf("%s at 0x%x: %w", what, addr, err)
	}
	return b, nil
}

// readInto reads n bytes at file address addr into buf (reallocated when
// too small) and returns the filled slice.
func (f *File) readInto(addr, n uint64, buf []byte) ([]byte, error) {
	abs, err := f.absAddr(addr, n)
	if err != nil {
		return nil, err
	}
	if uint64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	m, err := f.r.ReadAt(buf, int64(abs))
	if uint64(m) == n {
		return buf, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}

// readAtMost reads up to n bytes at addr (fewer near the end of file).
func (f *File) readAtMost(addr, n uint64) ([]byte, error) {
	if b, ok := f.st.fromImage(addr, n, true); ok {
		return b, nil
	}
	abs, err := f.absAddr(addr, 0)
	if err != nil {
		return nil, err
	}
	if rem := uint64(f.size) - abs; n > rem {
		n = rem
	}
	return f.readAbs(abs, n)
}

func (f *File) cursor(b []byte) *cursor { return newCursor(b, f.st.osize, f.st.lsize) }

func validSize(n int) bool { return n == 2 || n == 4 || n == 8 }

// readSuperblock reads the superblock (II.A: versions 0-3) at the base
// address and checks the file's size against its end-of-file address.
func (f *File) readSuperblock() error {
	st := f.st
	b, err := f.readAbs(st.base, uint64(len(signature))+1)
	if err != nil {
		return f.errf("", "superblock", err)
	}
	st.sbVersion = int(b[len(signature)])
	var storedBase, storedEOF uint64
	switch st.sbVersion {
	case 0, 1:
		storedBase, storedEOF, err = f.superblockV0V1()
	case 2, 3:
		storedBase, storedEOF, err = f.superblockV2V3()
	default:
		err = fmt.Errorf("unsupported superblock version %d", st.sbVersion)
	}
	if errors.Is(err, errChecksum) {
		return f.errf("", "superblock checksum", err)
	}
	if err != nil {
		return f.errf("", "superblock", err)
	}
	if st.rootAddr == undef {
		return f.errf("", "superblock", errors.New("undefined root group address"))
	}
	return f.checkEOF(storedBase, storedEOF)
}

// sizesFrom reads the size of offsets and of lengths and checks them.
func (f *File) sizesFrom(c *cursor) error {
	f.st.osize = int(c.u8())
	f.st.lsize = int(c.u8())
	if c.err == nil && (!validSize(f.st.osize) || !validSize(f.st.lsize)) {
		return fmt.Errorf("invalid size of offsets %d or lengths %d", f.st.osize, f.st.lsize)
	}
	c.osize, c.lsize = f.st.osize, f.st.lsize
	return nil
}

// superblockV0V1 reads a version 0 or 1 superblock; the root group is
// the object header address of its root group symbol table entry.
func (f *File) superblockV0V1() (storedBase, storedEOF uint64, err error) {
	st := f.st
	maxLen := uint64(sbV0Fixed + sbV1Extra + (sbV0V1Addr+2)*8 + symEntryFixed)
	hb, err := f.readAtMost(0, maxLen)
	if err != nil {
		return 0, 0, err
	}
	c := newCursor(hb, 8, 8)
	c.skip(len(signature) + 1)
	c.skip(4) // free space, root group stab, reserved, shared header versions
	if err := f.sizesFrom(c); err != nil {
		return 0, 0, err
	}
	c.skip(1)
	c.u16() // group leaf node K
	c.u16() // group internal node K
	c.u32() // file consistency flags
	if st.sbVersion == 1 {
		c.skip(sbV1Extra) // indexed storage internal node K, reserved
	}
	storedBase = c.addr() // the signature's offset is the base; see checkEOF
	c.addr()              // free space
	storedEOF = c.addr()
	c.addr() // driver info
	// root group symbol table entry
	c.length() // link name offset (size of lengths: libhdf5's H5G__ent_decode)
	st.rootAddr = c.addr()
	return storedBase, storedEOF, c.err
}

// superblockV2V3 reads a version 2 or 3 superblock, checksummed.
func (f *File) superblockV2V3() (storedBase, storedEOF uint64, err error) {
	st := f.st
	hb, err := f.readAtMost(0, sbV2Fixed+sbV2Addr*8+checksumLen)
	if err != nil {
		return 0, 0, err
	}
	c := newCursor(hb, 8, 8)
	c.skip(len(signature) + 1)
	if err := f.sizesFrom(c); err != nil {
		return 0, 0, err
	}
	c.u8() // file consistency flags
	storedBase = c.addr()
	st.extAddr = c.addr() // superblock extension (II.C)
	storedEOF = c.addr()
	st.rootAddr = c.addr()
	end := c.off
	c.u32()
	if c.err != nil {
		return 0, 0, c.err
	}
	if err := verifyChecksum(hb[:end+checksumLen]); err != nil {
		return 0, 0, err // wraps errChecksum
	}
	return storedBase, storedEOF, nil
}

// checkEOF compares the file size with the end-of-file address stored in
// the superblock, as libhdf5 does when it opens a file (H5F__super_read).
// The stored EOF counts from the stored base address; when the superblock
// is found elsewhere (a user block added or removed afterwards) the end
// moves with it. All arithmetic wraps like libhdf5's haddr_t, so an
// undefined or nonsensical EOF address is reported as truncation too.
func (f *File) checkEOF(storedBase, storedEOF uint64) error {
	end := storedEOF - (storedBase - f.st.base)
	if uint64(f.size) >= end {
		return nil
	}
	return f.errf("", "superblock", fmt.Errorf("%w: eof = %d, base address = %d, stored eof = %d: the file has %d bytes but its superblock says it ends at byte %d (an interrupted download or copy?); fetch or copy it again",
		ErrTruncatedFile, uint64(f.size)-f.st.base, f.st.base, end, f.size, end))
}

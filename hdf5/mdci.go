package hdf5

import (
	"errors"
	"fmt"
	"sort"
)

// msgCacheImage is the metadata cache image message (type 0x18) that
// libhdf5 1.10.1+ puts in the superblock extension (II.C) of a file closed
// with a cache image (H5O_MSG_MDCI, H5Omdci.c): version 0, the address
// (size of offsets) and the length (size of lengths) of the image block.
const msgCacheImage = 0x18

// maxImageEntries bounds the entries of a cache image (each takes at least
// one header of 20+ bytes, so the image length bounds them too).
const maxImageEntries = 1 << 20

// imageEntry is one metadata block carried in the cache image: its on-disk
// bytes for file address addr.
type imageEntry struct {
	addr uint64
	b    []byte
}

// loadCacheImage reads the metadata cache image when the superblock
// extension names one. A file closed with the cache image feature
// (H5Pset_mdc_image_config) keeps part of its metadata (object headers,
// B-tree nodes, heaps) only in that image block: the normal locations are
// allocated but never written until libhdf5 opens the file read-write
// again. libhdf5 loads the image into its cache at open and serves those
// addresses from it; so do we. The block format is libhdf5's (H5Cimage.c,
// version 0): "MDCI", version, flags, image data length (size of lengths),
// entry count (4), the entries, and a lookup3 checksum of everything
// before it; each entry: type, flags, ring, age (1 byte each), flush
// dependency child count, dirty child count, parent count (2 each), LRU
// rank (4), address (size of offsets), length (size of lengths), the
// parents' addresses, then the entry's bytes.
func (f *File) loadCacheImage() error {
	st := f.st
	if st.extAddr == undef {
		return nil
	}
	h, err := f.objectHeader(st.extAddr)
	if err != nil {
		// the extension is read lazily for other messages; an unreadable
		// extension surfaces there, as before
		return nil
	}
	m := h.find(msgCacheImage)
	if m == nil {
		return nil
	}
	c := f.cursor(m.data)
	if v := c.u8(); c.err == nil && v != 0 {
		return fmt.Errorf("metadata cache image message version %d", v)
	}
	addr, n := c.addr(), c.length()
	if c.err != nil {
		return fmt.Errorf("metadata cache image message: %w", c.err)
	}
	if addr == undef || n == 0 {
		return nil
	}
	// libhdf5 1.10 opens files whose image block is unreadable (the
	// corpus's cve_2020_10812.h5 declares 256 MiB past the end of file)
	// and reads their objects from the normal locations; so do we: an
	// object kept only in such an image then fails to parse where it is
	// used, with its address
	b, err := f.readAt(addr, n)
	if err != nil {
		return nil
	}
	ents, err := parseCacheImage(b, st.osize, st.lsize)
	if err != nil {
		return nil
	}
	st.image = ents
	return nil
}

// parseCacheImage decodes a metadata cache image block (see loadCacheImage)
// into its entries, sorted by address; overlapping entries are an error.
func parseCacheImage(b []byte, osize, lsize int) ([]imageEntry, error) {
	if len(b) < 4+1+1+lsize+4+4 || string(b[:4]) != "MDCI" {
		return nil, errors.New("bad signature")
	}
	if err := verifyChecksum(b); err != nil {
		return nil, err
	}
	c := newCursor(b[:len(b)-4], osize, lsize)
	c.skip(4)
	if v := c.u8(); v != 0 {
		return nil, fmt.Errorf("version %d", v)
	}
	if fl := c.u8(); fl&1 != 0 {
		return nil, errors.New("adaptive resize status is not supported (neither does libhdf5)")
	}
	if dl := c.length(); dl != uint64(len(b)) {
		return nil, fmt.Errorf("image data length %d, block length %d", dl, len(b))
	}
	count := c.u32()
	if count == 0 || count > maxImageEntries || uint64(count) > uint64(c.remaining()) {
		return nil, fmt.Errorf("%d entries in %d bytes", count, c.remaining())
	}
	ents := make([]imageEntry, 0, count)
	for i := uint32(0); i < count; i++ {
		c.skip(4) // type, flags, ring, age
		c.u16()   // flush dependency children
		c.u16()   // dirty children
		np := int(c.u16())
		c.u32() // LRU rank
		a := c.addr()
		n := c.length()
		c.skip(np * osize)
		if c.err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, c.err)
		}
		if a == undef || n == 0 || n > uint64(c.remaining()) {
			return nil, fmt.Errorf("entry %d: %d bytes at 0x%x in %d remaining", i, n, a, c.remaining())
		}
		if _, ok := addCheck(a, n); !ok {
			return nil, fmt.Errorf("entry %d: address 0x%x + %d overflows", i, a, n)
		}
		ents = append(ents, imageEntry{addr: a, b: c.bytes(int(n))})
	}
	if c.remaining() != 0 {
		return nil, fmt.Errorf("%d bytes after the last entry", c.remaining())
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].addr < ents[j].addr })
	for i := 1; i < len(ents); i++ {
		if ents[i].addr < ents[i-1].addr+uint64(len(ents[i-1].b)) {
			return nil, fmt.Errorf("entries at 0x%x and 0x%x overlap", ents[i-1].addr, ents[i].addr)
		}
	}
	return ents, nil
}

// fromImage returns a copy of up to n bytes at address addr from the cache
// image entry holding addr (exactly n when !atMost). ok is false when no
// entry holds the range.
func (st *fileState) fromImage(addr, n uint64, atMost bool) ([]byte, bool) {
	if len(st.image) == 0 {
		return nil, false
	}
	i := sort.Search(len(st.image), func(i int) bool { return st.image[i].addr > addr }) - 1
	if i < 0 {
		return nil, false
	}
	e := st.image[i]
	off := addr - e.addr
	if off >= uint64(len(e.b)) {
		return nil, false
	}
	rest := uint64(len(e.b)) - off
	if n > rest {
		if !atMost {
			return nil, false
		}
		n = rest
	}
	return append([]byte(nil), e.b[off:off+n]...), true
}

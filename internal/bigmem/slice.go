package bigmem

import "unsafe"

// View returns the memory of s's elements as bytes (nil for an empty
// slice), without a copy: for writing and reading numeric arrays as their
// in-memory encoding, and for the huge-page advice.
func View[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(z)))
}

// LittleEndian reports whether this machine stores numbers little-endian,
// so that View gives their little-endian encoding (the .npy and cache
// files' byte order).
var LittleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

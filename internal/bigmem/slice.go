package bigmem

import "unsafe"

// sliceBytes views a numeric slice's memory as bytes (for the advice only).
func sliceBytes[T float32 | float64 | byte](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(z)))
}

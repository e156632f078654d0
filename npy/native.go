package npy

import "unsafe"

// hostLittleEndian reports whether this machine stores numbers
// little-endian, as the arrays the writers produce are.
var hostLittleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// nativeLE returns the memory of data (a supported typed slice) as bytes
// when that memory already is the little-endian encoding encodeLE would
// produce (a little-endian machine; not []bool, whose encoding is checked
// value by value, nor []int and []uint where they are not 8 bytes wide),
// so that writers send it without a copy. ok is false otherwise.
func nativeLE(data any) (b []byte, ok bool) {
	if !hostLittleEndian {
		return nil, false
	}
	switch v := data.(type) {
	case []int8:
		return view(v), true
	case []uint8:
		return v, true
	case []int16:
		return view(v), true
	case []uint16:
		return view(v), true
	case []int32:
		return view(v), true
	case []uint32:
		return view(v), true
	case []int64:
		return view(v), true
	case []uint64:
		return view(v), true
	case []int:
		return view(v), unsafe.Sizeof(int(0)) == 8
	case []uint:
		return view(v), unsafe.Sizeof(uint(0)) == 8
	case []float32:
		return view(v), true
	case []float64:
		return view(v), true
	case []complex64:
		return view(v), true
	case []complex128:
		return view(v), true
	}
	return nil, false
}

// view returns the bytes of v's elements in memory.
func view[T any](v []T) []byte {
	if len(v) == 0 {
		return []byte{}
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*int(unsafe.Sizeof(z)))
}

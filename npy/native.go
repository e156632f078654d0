package npy

import (
	"unsafe"

	"github.com/retinaio/retinaio/internal/bigmem"
)

// nativeLE returns the memory of data (a supported typed slice) as bytes
// when that memory already is the little-endian encoding encodeLE would
// produce (a little-endian machine; not []bool, whose encoding is checked
// value by value, nor []int and []uint where they are not 8 bytes wide),
// so that writers send it without a copy. ok is false otherwise.
func nativeLE(data any) (b []byte, ok bool) {
	if !bigmem.LittleEndian {
		return nil, false
	}
	switch v := data.(type) {
	case []int8:
		return bigmem.View(v), true
	case []uint8:
		return v, true
	case []int16:
		return bigmem.View(v), true
	case []uint16:
		return bigmem.View(v), true
	case []int32:
		return bigmem.View(v), true
	case []uint32:
		return bigmem.View(v), true
	case []int64:
		return bigmem.View(v), true
	case []uint64:
		return bigmem.View(v), true
	case []int:
		return bigmem.View(v), unsafe.Sizeof(int(0)) == 8
	case []uint:
		return bigmem.View(v), unsafe.Sizeof(uint(0)) == 8
	case []float32:
		return bigmem.View(v), true
	case []float64:
		return bigmem.View(v), true
	case []complex64:
		return bigmem.View(v), true
	case []complex128:
		return bigmem.View(v), true
	}
	return nil, false
}

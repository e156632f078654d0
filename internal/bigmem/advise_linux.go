//go:build linux

package bigmem

import (
	"syscall"
	"unsafe"
)

const hugePage = 2 << 20

// madvHugepage is MADV_HUGEPAGE.
const madvHugepage = 14

// adviseHuge asks for huge pages on the 2 MiB-aligned interior of b. Errors
// (no THP support, a kernel without the flag) are ignored: it is advice.
func adviseHuge(b []byte) {
	if len(b) < hugePage {
		return
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start := (p + hugePage - 1) &^ (hugePage - 1)
	end := (p + uintptr(len(b))) &^ (hugePage - 1)
	if end <= start {
		return
	}
	syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvHugepage)
}

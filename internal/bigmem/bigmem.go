// Package bigmem allocates the large arrays of the pipeline (image
// ensembles, movies, response matrices) so that the kernel backs them with
// transparent huge pages where it can.
//
// Touching fresh memory costs a page fault per 4 KiB page; on virtual
// machines each fault is expensive (measured here: about 4 ms per MB, more
// than the work done on the data). Asking for huge pages (madvise
// MADV_HUGEPAGE on Linux, before the first touch) cuts the faults 512-fold.
// The advice changes nothing else: the memory is an ordinary Go slice,
// zeroed, garbage collected as usual; where the advice is not available the
// functions are plain make.
package bigmem

// threshold is the size below which huge pages are not worth asking for.
const threshold = 4 << 20

// Float32s returns a zeroed []float32 of length n.
func Float32s(n int) []float32 {
	s := make([]float32, n)
	if n*4 >= threshold {
		adviseHuge(View(s))
	}
	return s
}

// Float64s returns a zeroed []float64 of length n.
func Float64s(n int) []float64 {
	s := make([]float64, n)
	if n*8 >= threshold {
		adviseHuge(View(s))
	}
	return s
}

// Bytes returns a zeroed []byte of length n.
func Bytes(n int) []byte {
	s := make([]byte, n)
	if n >= threshold {
		adviseHuge(View(s))
	}
	return s
}

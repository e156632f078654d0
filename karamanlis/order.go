package karamanlis

// fortranToC reorders data stored in Fortran (column-major) order for shape
// into C (row-major) order.
func fortranToC[T any](data []T, shape []int) []T {
	if len(shape) < 2 {
		return data
	}
	out := make([]T, len(data))
	n := len(shape)
	idx := make([]int, n)
	// Walk the C order; the Fortran offset has strides 1, d0, d0*d1, ...
	fstride := make([]int, n)
	s := 1
	for i := 0; i < n; i++ {
		fstride[i] = s
		s *= shape[i]
	}
	for c := range out {
		off := 0
		for i := 0; i < n; i++ {
			off += idx[i] * fstride[i]
		}
		out[c] = data[off]
		for i := n - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return out
}

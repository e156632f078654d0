package karamanlis

import (
	"runtime"
	"sync"
	"sync/atomic"
)

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

// transposeScaled writes dst[c*dstStride + r] = src[r*cols + c] / div for a
// rows x cols matrix src, in tiles so that both sides stay in cache (a plain
// double loop strides a whole row of dst per element). It returns the
// positions (r, c) of NaN values, at most maxNaN of them, and their count.
func transposeScaled(dst []float64, dstStride int, src []float64, rows, cols int, div float64, maxNaN int) (nan [][2]int, count int) {
	const tile = 32
	for r0 := 0; r0 < rows; r0 += tile {
		r1 := min(r0+tile, rows)
		for c0 := 0; c0 < cols; c0 += tile {
			c1 := min(c0+tile, cols)
			for r := r0; r < r1; r++ {
				row := src[r*cols : (r+1)*cols]
				for c := c0; c < c1; c++ {
					v := row[c]
					if v != v {
						if len(nan) < maxNaN {
							nan = append(nan, [2]int{r, c})
						}
						count++
					}
					dst[c*dstStride+r] = v / div
				}
			}
		}
	}
	return nan, count
}

// parallelFor runs fn(0..n-1) on GOMAXPROCS goroutines.
func parallelFor(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

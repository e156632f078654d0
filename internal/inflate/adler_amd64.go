//go:build amd64 && !purego

package inflate

import "github.com/retinaio/retinaio/internal/cpufeat"

// adlerAsm selects the AVX2 kernel of adler32Sum (adler_amd64.s) when the
// CPU and the operating system support AVX2; tests turn it off to check
// the pure-Go code.
var adlerAsm = cpufeat.AVX2

// adlerChunk is the largest number of bytes adler32Vec hands to
// adler32Blocks at once; the kernel's 32-bit lanes cannot overflow below
// about 2.8 MB (see adler_amd64.s).
const adlerChunk = 1 << 20

// adler32Blocks returns the byte sum and the weighted sum of the n bytes
// at p, n a positive multiple of 64 and at most adlerChunk:
//
//	sum  = p[0] + p[1] + ... + p[n-1]
//	wsum = n*p[0] + (n-1)*p[1] + ... + 1*p[n-1]
//
// so that the Adler-32 sums (s1, s2) become (s1 + sum, s2 + n*s1 + wsum)
// before reduction. It needs AVX2.
//
//go:noescape
func adler32Blocks(p *byte, n int) (sum, wsum uint64)

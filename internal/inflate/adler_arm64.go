//go:build arm64 && !purego

package inflate

// adlerAsm selects the NEON kernel of adler32Sum (adler_arm64.s; NEON is
// part of every ARMv8-A CPU); tests turn it off to check the pure-Go code.
var adlerAsm = true

// adlerChunk is the largest number of bytes adler32Vec hands to
// adler32Blocks at once: the kernel's 16-bit column sums hold at most 257
// bytes of 255 each (see adler_arm64.s).
const adlerChunk = 16 << 10

// adler32Blocks returns the byte sum and the weighted sum of the n bytes
// at p, n a positive multiple of 64 and at most adlerChunk:
//
//	sum  = p[0] + p[1] + ... + p[n-1]
//	wsum = n*p[0] + (n-1)*p[1] + ... + 1*p[n-1]
//
// so that the Adler-32 sums (s1, s2) become (s1 + sum, s2 + n*s1 + wsum)
// before reduction.
//
//go:noescape
func adler32Blocks(p *byte, n int) (sum, wsum uint64)

//go:build (amd64 || arm64) && !purego

package inflate

// adler32Vec continues an Adler-32 checksum whose two sums (each < 65521)
// are s1 and s2 over the whole 64-byte blocks at the start of p, with the
// assembly kernel adler32Blocks (at most adlerChunk bytes per call, then
// a reduction modulo 65521), and returns the two sums and the rest of
// p (fewer than 64 bytes).
func adler32Vec(s1, s2 uint32, p []byte) (uint32, uint32, []byte) {
	a, b := uint64(s1), uint64(s2)
	for len(p) >= 64 {
		n := min(len(p)&^63, adlerChunk)
		sum, wsum := adler32Blocks(&p[0], n)
		// n <= 1 MiB: b + n*a < 2^37 and wsum < 255*n*(n+1)/2 < 2^48
		b = (b + uint64(n)*a + wsum) % adlerMod
		a = (a + sum) % adlerMod
		p = p[n:]
	}
	return uint32(a), uint32(b), p
}

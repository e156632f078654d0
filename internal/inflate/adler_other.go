//go:build !(amd64 || arm64) || purego

package inflate

// adlerAsm is false: this build has no Adler-32 kernel.
var adlerAsm = false

// adler32Vec is never called when adlerAsm is false; it returns its
// arguments unchanged.
func adler32Vec(s1, s2 uint32, p []byte) (uint32, uint32, []byte) {
	return s1, s2, p
}

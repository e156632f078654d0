//go:build !unix

package hub

// Open flags: not available on this platform (the Lstat checks remain).
const (
	oNoFollow = 0
	oNonblock = 0
)

//go:build !(linux || darwin || freebsd)

package safezip

// diskFree cannot tell on this platform: the free-space check is skipped
// (the size limits still apply).
func diskFree(dir string) int64 { return -1 }

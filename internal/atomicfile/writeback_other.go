//go:build !(linux && (amd64 || arm64 || riscv64 || loong64 || s390x))

package atomicfile

import "os"

// startWriteback does nothing where sync_file_range is not available (or
// takes its 64-bit arguments otherwise): Commit's fsync does all the work.
func startWriteback(f *os.File, off, n int64) error { return nil }

// writebackSupported reports that startWriteback calls the system.
const writebackSupported = false

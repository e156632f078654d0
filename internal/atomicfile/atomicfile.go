// Package atomicfile writes files atomically: data goes to a temporary file
// in the destination's folder, is fsynced, and is renamed over the
// destination only when complete. Readers see either the old file or the
// whole new one, never a partial write; two writers of the same path each
// produce a whole file (the last rename wins).
//
// Temporary files are named ".<name>.tmp-<pid>-<random>"; Create removes
// the temporaries of the same destination left by a killed process (owner
// pid gone, untouched for staletemp.MinAge), so a kill -9 leaves at most
// one stale temporary per destination until the next write.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/retinaio/retinaio/internal/staletemp"
)

// TempPrefix returns the name prefix of path's temporary files.
func TempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// File is a temporary file that becomes Path on Commit.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts writing path. Call Commit to publish it, or Abort (safe to
// defer after Commit) to remove the temporary file.
func Create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	staletemp.Clean(dir, TempPrefix(base))
	f, err := os.CreateTemp(dir, staletemp.Pattern(TempPrefix(base)))
	if err != nil {
		return nil, fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	return &File{File: f, path: path}, nil
}

// Path returns the destination path.
func (f *File) Path() string { return f.path }

// Commit fsyncs, closes and renames the temporary file to the destination,
// then fsyncs the folder so the rename survives a crash.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("atomicfile: %s already committed or aborted", f.path)
	}
	f.done = true
	tmp := f.File.Name()
	if err := f.File.Sync(); err != nil {
		f.File.Close()
		os.Remove(tmp)
		return fmt.Errorf("sync %s: %w", f.path, err)
	}
	if err := f.File.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("close %s: %w", f.path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, f.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename to %s: %w", f.path, err)
	}
	if d, err := os.Open(filepath.Dir(f.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// StartWriteback asks the system to start writing bytes [off, off+n) of
// the file to disk now, without waiting, so that Commit's fsync finds less
// left to write: call it on ranges that are written for the last time (a
// range written again after it is written out twice). It is a hint: on
// Linux it is sync_file_range(SYNC_FILE_RANGE_WRITE), elsewhere (and on
// any error) it does nothing.
func (f *File) StartWriteback(off, n int64) {
	if f.done || n <= 0 || off < 0 {
		return
	}
	startWriteback(f.File, off, n)
}

// Abort discards the temporary file. It does nothing after Commit.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.File.Name())
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

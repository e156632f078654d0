// Package filelock provides an inter-process exclusive lock on a path,
// released automatically when its holder dies (kill -9 included).
//
// On Unix it is an advisory flock(2) on the lock file: the kernel drops the
// lock when the holder's file descriptor is closed, so there is no stale
// lock to detect and nobody ever removes a lock held by another process.
// The holder removes the lock file while still holding it; a waiter that
// obtains a lock on a file that was removed meanwhile (its inode is no
// longer the one at the path) drops it and tries again, so two waiters can
// never both believe they hold the lock. Elsewhere a create-exclusive lock
// file whose holder refreshes its time is used, taken over when it has not
// been refreshed for StaleAfter.
package filelock

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Poll is how often Lock retries a busy lock.
var Poll = 100 * time.Millisecond

// StaleAfter is, on platforms without flock, the age of an unrefreshed lock
// file after which it is taken over.
var StaleAfter = 2 * time.Minute

// Lock takes the exclusive lock at path (created if needed), waiting while
// another holder has it or until ctx ends. onWait, if not nil, is called
// once when Lock has to wait. The returned function releases the lock; it
// must be called exactly once.
func Lock(ctx context.Context, path string, onWait func()) (unlock func(), err error) {
	waited := false
	for {
		unlock, busy, err := tryLock(path)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !busy {
			return unlock, nil
		}
		if !waited && onWait != nil {
			onWait()
		}
		waited = true
		t := time.NewTimer(Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting for %s: %w", path, ctx.Err())
		case <-t.C:
		}
	}
}

// TryLock takes the lock at path if it is free; ok is false when another
// holder has it.
func TryLock(path string) (unlock func(), ok bool, err error) {
	unlock, busy, err := tryLock(path)
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", path, err)
	}
	return unlock, !busy, nil
}

// sameFile reports whether the open file f is still the file at path.
func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Lstat(path)
	return err == nil && os.SameFile(a, b)
}

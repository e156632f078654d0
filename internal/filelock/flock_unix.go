//go:build unix

package filelock

import (
	"errors"
	"os"
	"syscall"
)

func tryLock(path string) (unlock func(), busy bool, err error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
		if err != nil {
			return nil, false, err
		}
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			f.Close()
			if err == nil {
				err = errors.New("not a regular file")
			}
			return nil, false, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
				return nil, true, nil
			}
			return nil, false, err
		}
		if !sameFile(f, path) {
			// The previous holder removed it after we opened it: our lock
			// is on an orphan inode. Try again on the current file.
			f.Close()
			continue
		}
		return func() {
			os.Remove(path) // while still holding it: see sameFile
			f.Close()       // releases the flock
		}, false, nil
	}
}

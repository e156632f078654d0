//go:build !unix

package filelock

import (
	"errors"
	"os"
	"time"
)

func tryLock(path string) (unlock func(), busy bool, err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		if st, serr := os.Stat(path); serr == nil && time.Since(st.ModTime()) > StaleAfter {
			os.Remove(path)
		}
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	f.Close()
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(StaleAfter / 4)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				os.Chtimes(path, now, now)
			}
		}
	}()
	return func() { close(stop); os.Remove(path) }, false, nil
}

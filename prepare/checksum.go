package prepare

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// checksums hashes a session's source files in the background, beside the
// loading.
type checksums struct {
	cancel context.CancelFunc
	done   chan struct{}
	// Set when done is closed:
	sums map[string]string // base name -> SHA-256
	secs float64
	err  error
}

// startChecksums starts hashing files (nothing when skip is set).
func startChecksums(ctx context.Context, files []string, skip bool) *checksums {
	ctx, cancel := context.WithCancel(ctx)
	c := &checksums{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		if skip {
			return
		}
		t := time.Now()
		c.sums = map[string]string{}
		for _, f := range files {
			h, err := SHA256File(ctx, f)
			if err != nil {
				c.err = err
				return
			}
			c.sums[filepath.Base(f)] = h
		}
		c.secs = time.Since(t).Seconds()
	}()
	return c
}

// wait waits for the hashes and returns their error.
func (c *checksums) wait() error {
	<-c.done
	return c.err
}

// stop cancels the hashing and waits for it to end.
func (c *checksums) stop() {
	c.cancel()
	<-c.done
}

// SHA256File returns the hex SHA-256 of a file, streaming it; it stops
// when ctx is cancelled.
func SHA256File(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", path, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

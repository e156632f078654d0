package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func jitter(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return rand.Int64N(n)
}

// Download fetches file into dest (a file path), unless dest already exists
// with the listed size. Data goes to dest+".part" and is renamed to dest only
// after its size and sha256 (when the listing has one) match; a wrong
// checksum removes the partial file and returns an error wrapping
// ErrChecksum. An existing .part file is resumed with a Range request. The
// lock file dest+".lock" makes a second process (or goroutine) wait and then
// find the finished file instead of downloading it again.
func (c *Client) Download(ctx context.Context, file RemoteFile, dest string) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return diskFull(err, dest)
	}
	if complete(dest, file.Size) {
		return nil
	}
	if c.Offline {
		return fmt.Errorf("%s: %w: not in the cache (%s)", file.Path, ErrOffline, dest)
	}
	unlock, err := c.lock(ctx, dest)
	if err != nil {
		return err
	}
	defer unlock()
	// Someone else may have finished while we waited for the lock.
	if complete(dest, file.Size) {
		return nil
	}
	return c.fetch(ctx, file, dest)
}

// complete reports whether p exists with the expected size (size < 0: any).
// Files are only ever renamed into place after verification, so size is
// enough to recognise a finished download.
func complete(p string, size int64) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && (size < 0 || st.Size() == size)
}

func (c *Client) fetch(ctx context.Context, file RemoteFile, dest string) error {
	part := dest + ".part"
	u := c.FileURL(file.Path)
	hc := c.httpClient()
	h := sha256.New()
	var have int64

	// Resume: hash what is already there.
	if f, err := os.Open(part); err == nil {
		n, err := io.Copy(h, f)
		f.Close()
		if err != nil || (file.Size >= 0 && n > file.Size) {
			os.Remove(part)
			h.Reset()
		} else {
			have = n
		}
	}
	total := file.Size
	for attempt := 0; ; attempt++ {
		if file.Size >= 0 && have == file.Size {
			break
		}
		before := have
		done, retry, ra, haveRA, err := c.fetchOnce(ctx, hc, u, file, part, h, &have, &total)
		if err == nil && done {
			break
		}
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return fmt.Errorf("download %s: %w", file.Path, ctx.Err())
		}
		if !retry {
			return err
		}
		if have > before {
			// Progress was made: a dropped connection, not a dead server.
			// Resume at once and start counting failures again.
			c.logf("%v; resuming", err)
			attempt = -1
			continue
		}
		if attempt+1 >= c.retries() {
			return err
		}
		c.logf("%v; retrying (have %d bytes)", err, have)
		if err := c.sleep(ctx, attempt, ra, haveRA); err != nil {
			return fmt.Errorf("download %s: %w", file.Path, err)
		}
	}
	if total >= 0 && have != total {
		os.Remove(part)
		os.Remove(part + ".etag")
		return fmt.Errorf("download %s: got %d bytes, expected %d (%w)", file.Path, have, total, ErrChecksum)
	}
	if file.SHA256 != "" {
		if got := hex.EncodeToString(h.Sum(nil)); got != strings.ToLower(file.SHA256) {
			os.Remove(part)
			os.Remove(part + ".etag")
			return fmt.Errorf("download %s: sha256 %s, the listing says %s (%w); the partial file was removed, try again", file.Path, got, file.SHA256, ErrChecksum)
		}
	}
	if err := os.Rename(part, dest); err != nil {
		return diskFull(fmt.Errorf("download %s: %w", file.Path, err), dest)
	}
	os.Remove(part + ".etag")
	if d, err := os.Open(filepath.Dir(dest)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// fetchOnce makes one GET (ranged when have > 0) and appends to part.
// It returns done when the body ended normally.
func (c *Client) fetchOnce(ctx context.Context, hc *http.Client, u string, file RemoteFile, part string, h hash.Hash, have, total *int64) (done, retry bool, ra time.Duration, haveRA bool, err error) {
	req, err := c.newRequest(ctx, u)
	if err != nil {
		return false, false, 0, false, err
	}
	if *have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", *have))
		// Resume only if the remote file is still the one we started with.
		if et, err := os.ReadFile(part + ".etag"); err == nil && len(et) > 0 && len(et) < 512 {
			req.Header.Set("If-Range", strings.TrimSpace(string(et)))
		}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false, true, 0, false, fmt.Errorf("download %s: %w", file.Path, err)
	}
	defer resp.Body.Close()
	flags := os.O_WRONLY | os.O_CREATE
	switch resp.StatusCode {
	case http.StatusOK:
		// Full body: the server ignored Range (or we asked for none).
		if *have > 0 {
			c.logf("%s: server ignored the Range request; starting over", file.Path)
		}
		*have = 0
		h.Reset()
		flags |= os.O_TRUNC
		if resp.ContentLength >= 0 {
			if file.Size >= 0 && resp.ContentLength != file.Size {
				return false, false, 0, false, fmt.Errorf("download %s: server sends %d bytes, the listing says %d (%w)", file.Path, resp.ContentLength, file.Size, ErrChecksum)
			}
			*total = resp.ContentLength
		}
		if et := resp.Header.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
			os.WriteFile(part+".etag", []byte(et), 0o644)
		} else {
			os.Remove(part + ".etag")
		}
	case http.StatusPartialContent:
		start, end, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != *have {
			// Unusable: start over.
			os.Remove(part)
			*have = 0
			h.Reset()
			return false, true, 0, false, fmt.Errorf("download %s: unexpected Content-Range %q", file.Path, resp.Header.Get("Content-Range"))
		}
		_ = end
		if size >= 0 {
			if file.Size >= 0 && size != file.Size {
				return false, false, 0, false, fmt.Errorf("download %s: server has %d bytes, the listing says %d (%w)", file.Path, size, file.Size, ErrChecksum)
			}
			*total = size
		}
		flags |= os.O_APPEND
	case http.StatusRequestedRangeNotSatisfiable:
		// The partial file is as long as, or longer than, the remote file.
		os.Remove(part)
		*have = 0
		h.Reset()
		return false, true, 0, false, fmt.Errorf("download %s: range not satisfiable; restarting", file.Path)
	default:
		ra, haveRA = retryAfter(resp.Header.Get("Retry-After"))
		return false, retryable(resp.StatusCode), ra, haveRA, c.statusError(resp, "download "+file.Path)
	}
	f, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return false, false, 0, false, diskFull(fmt.Errorf("download %s: %w", file.Path, err), part)
	}
	limit := int64(-1)
	if *total >= 0 {
		limit = *total - *have
	}
	n, werr, rerr := copyBody(f, h, resp.Body, limit, c.Progress)
	*have += n
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return false, false, 0, false, diskFull(fmt.Errorf("download %s: write: %w", file.Path, werr), part)
	}
	if rerr != nil {
		return false, true, 0, false, fmt.Errorf("download %s: connection lost after %d bytes: %w", file.Path, *have, rerr)
	}
	if *total >= 0 && *have < *total {
		return false, true, 0, false, fmt.Errorf("download %s: body ended at %d of %d bytes", file.Path, *have, *total)
	}
	return true, false, 0, false, nil
}

// copyBody copies at most limit bytes (limit < 0: all) from r to w and h,
// separating write errors from read errors. Extra bytes beyond limit are an
// error.
func copyBody(w io.Writer, h hash.Hash, r io.Reader, limit int64, progress func(int64)) (n int64, werr, rerr error) {
	buf := make([]byte, 256<<10)
	for {
		want := len(buf)
		if limit >= 0 && int64(want) > limit-n+1 {
			want = int(limit - n + 1) // one extra byte detects an overlong body
		}
		m, err := r.Read(buf[:want])
		if limit >= 0 && n+int64(m) > limit {
			m = int(limit - n)
			if m > 0 {
				w.Write(buf[:m])
				h.Write(buf[:m])
				n += int64(m)
			}
			return n, nil, errors.New("server sent more bytes than announced")
		}
		if m > 0 {
			if _, e := w.Write(buf[:m]); e != nil {
				return n, e, nil
			}
			h.Write(buf[:m])
			n += int64(m)
			if progress != nil {
				progress(int64(m))
			}
		}
		if err == io.EOF {
			return n, nil, nil
		}
		if err != nil {
			return n, nil, err
		}
	}
}

// parseContentRange parses "bytes START-END/SIZE" (SIZE may be "*": -1).
func parseContentRange(s string) (start, end, size int64, ok bool) {
	s = strings.TrimSpace(s)
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	rng, sz, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, 0, false
	}
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, 0, false
	}
	var err error
	if start, err = strconv.ParseInt(a, 10, 64); err != nil {
		return 0, 0, 0, false
	}
	if end, err = strconv.ParseInt(b, 10, 64); err != nil || end < start {
		return 0, 0, 0, false
	}
	size = -1
	if sz != "*" {
		if size, err = strconv.ParseInt(sz, 10, 64); err != nil || size <= end {
			return 0, 0, 0, false
		}
	}
	return start, end, size, true
}

// lock takes dest+".lock", waiting while another live holder has it. The
// lock file holds "pid host unix-time"; its holder refreshes its time every
// StaleLock/4, and a lock not refreshed for StaleLock (or whose pid is dead
// on this host) is taken over.
func (c *Client) lock(ctx context.Context, dest string) (func(), error) {
	lp := dest + ".lock"
	stale := c.StaleLock
	if stale <= 0 {
		stale = 2 * time.Minute
	}
	poll := c.LockPoll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	host, _ := os.Hostname()
	waited := false
	for {
		f, err := os.OpenFile(lp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			fmt.Fprintf(f, "%d %s %d\n", os.Getpid(), host, time.Now().Unix())
			f.Close()
			stop := make(chan struct{})
			go func() {
				t := time.NewTicker(stale / 4)
				defer t.Stop()
				for {
					select {
					case <-stop:
						return
					case now := <-t.C:
						os.Chtimes(lp, now, now)
					}
				}
			}()
			return func() { close(stop); os.Remove(lp) }, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, diskFull(fmt.Errorf("lock %s: %w", lp, err), lp)
		}
		if lockStale(lp, host, stale) {
			c.logf("%s: removing a stale lock", lp)
			os.Remove(lp)
			continue
		}
		if !waited {
			c.logf("%s: another retinaio process is downloading it; waiting", filepath.Base(dest))
			waited = true
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %s: %w", lp, ctx.Err())
		case <-time.After(poll):
		}
	}
}

func lockStale(lp, host string, stale time.Duration) bool {
	st, err := os.Stat(lp)
	if err != nil {
		return false // gone: retry
	}
	if time.Since(st.ModTime()) > stale {
		return true
	}
	b, err := os.ReadFile(lp)
	if err != nil {
		return false
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 || fields[1] != host {
		return false
	}
	pid, err := strconv.Atoi(fields[0])
	if err != nil || pid <= 0 {
		return false
	}
	return !processAlive(pid)
}

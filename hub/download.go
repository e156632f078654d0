package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

	"github.com/retinaio/retinaio/internal/atomicfile"
	"github.com/retinaio/retinaio/internal/filelock"
)

func jitter(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return rand.Int64N(n)
}

// PartMaxAge is the age after which a FetchAll removes a ".part" file of a
// download that is not among the files it fetches (an abandoned download;
// the .part files of the files it fetches are resumed instead).
var PartMaxAge = 7 * 24 * time.Hour

// MaxStalls is the number of stalled attempts (see Client.StallTimeout)
// after which a download gives up, keeping its .part file: with the
// defaults a trickling server is abandoned after about 3 minutes.
var MaxStalls = 3

// afterStep is a test hook called after steps of a download.
var afterStep = func(step string) {}

// Download fetches file into dest (a file path), unless dest already holds
// it (see Has). Data goes to dest+".part" and is renamed to dest only after
// its size and sha256 (when the listing has one) match; then the record
// beside it (RecordPath) notes the source, the endpoint and the sha256. A
// wrong checksum removes the partial file and returns an error wrapping
// ErrChecksum. An existing .part file is resumed with a Range request. An
// flock on dest+".lock" makes a second process (or goroutine) wait and then
// find the finished file instead of downloading it again.
func (c *Client) Download(ctx context.Context, file RemoteFile, dest string) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return diskFull(err, dest)
	}
	if c.Has(dest, file) {
		removeDeadLock(dest + ".lock")
		return nil
	}
	if c.Offline {
		return fmt.Errorf("%s: %w: not in the cache (%s)", q(file.Path), ErrOffline, q(dest))
	}
	unlock, err := filelock.Lock(ctx, dest+".lock", func() {
		c.logf("%s: another retinaio process is downloading it; waiting", q(filepath.Base(dest)))
	})
	if err != nil {
		return diskFull(err, dest)
	}
	defer unlock()
	// Someone else may have finished while we waited for the lock.
	if c.Has(dest, file) {
		return nil
	}
	return c.fetch(ctx, file, dest)
}

// removeDeadLock removes a lock file left by a killed holder (the lock
// itself died with it), unless someone holds it now.
func removeDeadLock(p string) {
	if _, err := os.Lstat(p); err != nil {
		return
	}
	if unlock, ok, err := filelock.TryLock(p); err == nil && ok {
		unlock()
	}
}

// FileRecord is what retinaio knows about a downloaded file, stored as
// JSON beside it (RecordPath).
type FileRecord struct {
	Path     string `json:"path"`     // repository path
	URL      string `json:"url"`      // address it was downloaded from ("" when found in place and verified by hash)
	Endpoint string `json:"endpoint"` // the endpoint whose listing it matches
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`   // computed from the bytes
	MtimeNs  int64  `json:"mtime_ns"` // the file's modification time when verified
	Verified string `json:"verified"` // RFC 3339 time of the verification
}

// RecordPath returns where the record of the file at dest is kept:
// ".<name>.source.json" in the same folder.
func RecordPath(dest string) string {
	return filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+".source.json")
}

// ReadRecord returns the record of the file at dest (for a manifest: the
// real source of a cached zip).
func ReadRecord(dest string) (FileRecord, error) {
	var r FileRecord
	b, err := os.ReadFile(RecordPath(dest))
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", q(RecordPath(dest)), err)
	}
	return r, nil
}

func writeRecord(dest string, r FileRecord) error {
	st, err := os.Stat(dest)
	if err != nil {
		return err
	}
	r.Size, r.MtimeNs = st.Size(), st.ModTime().UnixNano()
	r.Verified = time.Now().UTC().Format(time.RFC3339)
	b, _ := json.MarshalIndent(r, "", "  ")
	return atomicfile.WriteFile(RecordPath(dest), append(b, '\n'))
}

// Has reports whether dest holds file as served by this client's
// endpoint. It is a regular file of the listed size and either its record
// says it came from this endpoint with the listed sha256 and the file has
// the recorded size and modification time, or, failing that, hashing it
// gives the listed sha256 (then the record is written). A file of the
// right size but other bytes (zero-filled, from another host) is not
// accepted; a file without a listed sha256 (GIN) needs a matching record.
func (c *Client) Has(dest string, file RemoteFile) bool {
	st, err := os.Stat(dest)
	if err != nil || !st.Mode().IsRegular() || (file.Size >= 0 && st.Size() != file.Size) {
		return false
	}
	want := strings.ToLower(file.SHA256)
	r, rerr := ReadRecord(dest)
	if rerr == nil && r.Endpoint == c.endpoint() &&
		r.Size == st.Size() && r.MtimeNs == st.ModTime().UnixNano() && (want == "" || r.SHA256 == want) {
		return true
	}
	if want == "" {
		return false
	}
	sum, err := fileSHA256(dest)
	if err != nil || sum != want {
		if err == nil {
			c.logf("%s: present but its sha256 differs from the listing; downloading it again", q(dest))
		}
		return false
	}
	// The bytes are the listed ones; keep the URL they came from if the
	// old record still describes these bytes.
	url := ""
	if rerr == nil && r.SHA256 == sum {
		url = r.URL
	}
	if err := writeRecord(dest, FileRecord{Path: file.Path, URL: url, Endpoint: c.endpoint(), SHA256: sum}); err != nil {
		c.logf("%s: cannot write its record: %v", q(dest), err)
	}
	return true
}

func (c *Client) fetch(ctx context.Context, file RemoteFile, dest string) error {
	part := dest + ".part"
	u := c.FileURL(file.Path)
	hc := c.httpClient()
	h := sha256.New()
	var have int64

	// Only a regular file is resumed (a planted link or FIFO is removed).
	if st, err := os.Lstat(part); err == nil && !st.Mode().IsRegular() {
		c.logf("%s is not a regular file; removing it", q(part))
		if err := os.Remove(part); err != nil {
			return fmt.Errorf("download %s: %s is not a regular file: %w", q(file.Path), q(part), err)
		}
	}
	// Resume: hash what is already there.
	if f, err := openRegular(part); err == nil {
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
	stalls := 0
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
			return fmt.Errorf("download %s: %w", q(file.Path), ctx.Err())
		}
		if !retry {
			return err
		}
		if have > before && !errors.Is(err, ErrStalled) {
			// Progress was made: a dropped connection, not a dead server.
			// Resume at once and start counting failures again.
			c.logf("%v; resuming", err)
			attempt = -1
			continue
		}
		if errors.Is(err, ErrStalled) {
			stalls++
		}
		if attempt+1 >= c.retries() || stalls >= MaxStalls {
			if errors.Is(err, ErrStalled) {
				return fmt.Errorf("%w; %d of %d bytes kept in %s: run again to resume", err, have, total, q(part))
			}
			return err
		}
		c.logf("%v; retrying (have %d bytes)", err, have)
		if err := c.sleep(ctx, attempt, ra, haveRA); err != nil {
			return fmt.Errorf("download %s: %w", q(file.Path), err)
		}
	}
	if total >= 0 && have != total {
		os.Remove(part)
		os.Remove(part + ".etag")
		return fmt.Errorf("download %s: got %d bytes, expected %d (%w)", q(file.Path), have, total, ErrChecksum)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if file.SHA256 != "" {
		if sum != strings.ToLower(file.SHA256) {
			os.Remove(part)
			os.Remove(part + ".etag")
			return fmt.Errorf("download %s: sha256 %s, the listing says %s (%w); the partial file was removed, try again", q(file.Path), sum, q(file.SHA256), ErrChecksum)
		}
	}
	if err := os.Rename(part, dest); err != nil {
		return diskFull(fmt.Errorf("download %s: %w", q(file.Path), err), dest)
	}
	os.Remove(part + ".etag")
	if d, err := os.Open(filepath.Dir(dest)); err == nil {
		d.Sync()
		d.Close()
	}
	afterStep("renamed")
	if err := writeRecord(dest, FileRecord{Path: file.Path, URL: u, Endpoint: c.endpoint(), SHA256: sum}); err != nil {
		return diskFull(fmt.Errorf("download %s: record: %w", q(file.Path), err), dest)
	}
	return nil
}

// openRegular opens p for reading only if it is a regular file (a FIFO
// would block the open forever).
func openRegular(p string) (*os.File, error) {
	st, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", q(p))
	}
	f, err := os.OpenFile(p, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil, err
	}
	if st2, err := f.Stat(); err != nil || !os.SameFile(st, st2) {
		f.Close()
		return nil, fmt.Errorf("%s changed while opening", q(p))
	}
	return f, nil
}

// cleanParts removes the .part files (and their .etag) in dir older than
// PartMaxAge that are not in keep and whose lock is free.
func (c *Client) cleanParts(dir string, keep map[string]bool) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".part") || keep[strings.TrimSuffix(name, ".part")] {
			continue
		}
		p := filepath.Join(dir, name)
		st, err := os.Lstat(p)
		if err != nil || time.Since(st.ModTime()) < PartMaxAge {
			continue
		}
		dest := strings.TrimSuffix(p, ".part")
		unlock, ok, err := filelock.TryLock(dest + ".lock")
		if err != nil || !ok {
			continue
		}
		if os.Remove(p) == nil {
			c.logf("removed the abandoned partial download %s", q(p))
		}
		os.Remove(p + ".etag")
		unlock()
	}
}

// fetchOnce makes one GET (ranged when have > 0) and appends to part.
// It returns done when the body ended normally.
func (c *Client) fetchOnce(ctx context.Context, hc *http.Client, u string, file RemoteFile, part string, h hash.Hash, have, total *int64) (done, retry bool, ra time.Duration, haveRA bool, err error) {
	rctx, add, stop := c.stallWatch(ctx)
	defer stop()
	req, err := c.newRequest(rctx, u)
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
		retry, err := c.netError(rctx, "download "+q(file.Path), err)
		return false, retry, 0, false, err
	}
	defer resp.Body.Close()
	flags := os.O_WRONLY | os.O_CREATE
	switch resp.StatusCode {
	case http.StatusOK:
		// Full body: the server ignored Range (or we asked for none).
		if *have > 0 {
			c.logf("%s: server ignored the Range request; starting over", q(file.Path))
		}
		*have = 0
		h.Reset()
		flags |= os.O_TRUNC
		if resp.ContentLength >= 0 {
			if file.Size >= 0 && resp.ContentLength != file.Size {
				return false, false, 0, false, fmt.Errorf("download %s: server sends %d bytes, the listing says %d (%w)", q(file.Path), resp.ContentLength, file.Size, ErrChecksum)
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
			return false, true, 0, false, fmt.Errorf("download %s: unexpected Content-Range %q", q(file.Path), resp.Header.Get("Content-Range"))
		}
		_ = end
		if size >= 0 {
			if file.Size >= 0 && size != file.Size {
				return false, false, 0, false, fmt.Errorf("download %s: server has %d bytes, the listing says %d (%w)", q(file.Path), size, file.Size, ErrChecksum)
			}
			*total = size
		}
		flags |= os.O_APPEND
	case http.StatusRequestedRangeNotSatisfiable:
		// The partial file is as long as, or longer than, the remote file.
		os.Remove(part)
		*have = 0
		h.Reset()
		return false, true, 0, false, fmt.Errorf("download %s: range not satisfiable; restarting", q(file.Path))
	default:
		ra, haveRA = retryAfter(resp.Header.Get("Retry-After"))
		return false, retryable(resp.StatusCode), ra, haveRA, c.statusError(resp, "download "+q(file.Path))
	}
	f, err := os.OpenFile(part, flags|oNoFollow, 0o644)
	if err != nil {
		return false, false, 0, false, diskFull(fmt.Errorf("download %s: %w", q(file.Path), err), part)
	}
	limit := int64(-1)
	if *total >= 0 {
		limit = *total - *have
	}
	n, werr, rerr := copyBody(f, h, countingReader{resp.Body, add}, limit, c.Progress)
	*have += n
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return false, false, 0, false, diskFull(fmt.Errorf("download %s: write: %w", q(file.Path), werr), part)
	}
	if rerr != nil {
		if cause := context.Cause(rctx); cause != nil && errors.Is(cause, ErrStalled) {
			return false, true, 0, false, fmt.Errorf("download %s: %w after %d bytes", q(file.Path), cause, *have)
		}
		return false, true, 0, false, fmt.Errorf("download %s: connection lost after %d bytes: %w", q(file.Path), *have, rerr)
	}
	if *total >= 0 && *have < *total {
		return false, true, 0, false, fmt.Errorf("download %s: body ended at %d of %d bytes", q(file.Path), *have, *total)
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

// Package hub downloads the Karamanlis et al. 2024 session zips from the
// Hugging Face mirror (dataset open-retina/open-retina, folder
// gollisch_lab/karamanlis_2024/sessions) or from the original G-Node GIN
// repository, into an offline-first cache.
//
// It speaks the Hub's plain HTTP API: the listing is
// GET {endpoint}/api/datasets/{repo}/tree/{revision}/{path}?recursive=true
// (paginated with a Link rel="next" header) and a file is
// GET {endpoint}/datasets/{repo}/resolve/{revision}/{path}, which usually
// redirects to a CDN on another host. The usual environment variables apply:
// HF_ENDPOINT (default https://huggingface.co), HF_TOKEN (sent as
// "Authorization: Bearer" only to the configured endpoint, that is to the
// scheme and host of HF_ENDPOINT or of the default: never to the host of a
// data-root URL that is not the endpoint, never to a CDN after a redirect)
// and HF_HUB_OFFLINE=1 (no network at all).
//
// Downloads are written to "<dest>.part" and renamed into place only after
// their size and sha256 (the listing's lfs.oid) match; a record beside the
// file (".<name>.source.json", see FileRecord) keeps the source URL, the
// endpoint and the verified sha256, so that a file is only reused for the
// endpoint that served it and a file changed in place (same size, other
// bytes) is hashed again instead of trusted. A dropped connection or a
// killed process resumes with a Range request; a download that receives
// fewer than StallBytes in StallTimeout (an idle or trickling server) is
// aborted and can be resumed later; 429 and 5xx answers are retried with
// exponential backoff, jitter and Retry-After, while DNS failures and other
// errors that a retry cannot fix fail at once; an flock on "<dest>.lock"
// makes concurrent processes wait for each other instead of downloading a
// file twice, and is released by the kernel if its holder dies.
//
// Every name that comes from a server is escaped (package safetext) in
// messages.
//
// Resolve turns a mirror URL, as openretina accepts it, into a local folder
// of session zips; when every needed zip is already cached it makes no
// request at all.
package hub

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/retinaio/retinaio/internal/safetext"
)

// q escapes an untrusted name for a message.
func q(s string) string { return safetext.Escape(s) }

// Defaults for the Karamanlis et al. 2024 mirror.
const (
	DefaultEndpoint = "https://huggingface.co"
	DefaultRepo     = "open-retina/open-retina"
	DefaultRevision = "main"
	SessionsPath    = "gollisch_lab/karamanlis_2024/sessions"
	// MirrorURL is the sessions folder's web address, accepted as a data root.
	MirrorURL = "https://huggingface.co/datasets/open-retina/open-retina/tree/main/gollisch_lab/karamanlis_2024/sessions"
)

// G-Node GIN: the original publication of the data, doi 10.12751/g-node.ejk8kx
// (repository named in the authors' subunit_grid_model README).
const (
	GINEndpoint = "https://gin.g-node.org"
	GINRepo     = "gollischlab/Karamanlis_Gollisch_2023_RGC_spiketrains_natural_movies_and_subunit_models"
	GINBranch   = "master"
)

// Source selects the server protocol.
const (
	SourceHF  = "hf"
	SourceGIN = "gin"
)

// ErrOffline is wrapped by errors caused by HF_HUB_OFFLINE=1 (Client.Offline)
// when something is missing from the cache.
var ErrOffline = errors.New("offline mode (HF_HUB_OFFLINE=1)")

// ErrAuth is wrapped by errors for HTTP 401 and 403.
var ErrAuth = errors.New("access denied")

// ErrNotFound is wrapped by errors for HTTP 404.
var ErrNotFound = errors.New("not found")

// ErrChecksum is wrapped by errors for a downloaded file whose size or
// sha256 differs from the listing.
var ErrChecksum = errors.New("checksum mismatch")

// ErrStalled is wrapped by errors for a transfer that received fewer than
// StallBytes in StallTimeout; the partial file is kept for a later resume.
var ErrStalled = errors.New("transfer stalled")

// ErrUnreachable is wrapped by errors for network failures that a retry
// cannot fix (DNS lookup failed, network unreachable, certificate refused):
// they fail at once instead of being retried.
var ErrUnreachable = errors.New("server unreachable")

// Stall defaults (see Client.StallTimeout).
const (
	DefaultStallTimeout       = 60 * time.Second
	DefaultStallBytes   int64 = 16 << 10
)

// RemoteFile is one file of the remote listing.
type RemoteFile struct {
	Path   string `json:"path"`   // path inside the repository
	Size   int64  `json:"size"`   // bytes; -1 when unknown (GIN)
	SHA256 string `json:"sha256"` // hex lfs.oid; "" when not stored in LFS
	OID    string `json:"oid"`    // git object id
}

// Name returns the file name (the last path element).
func (f RemoteFile) Name() string { return path.Base(f.Path) }

// Client talks to the Hub (or GIN). The zero value works with defaults; use
// FromEnv to honour HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE.
type Client struct {
	Source   string       // SourceHF (default) or SourceGIN
	Endpoint string       // default DefaultEndpoint (GINEndpoint for gin)
	Repo     string       // default DefaultRepo (GINRepo for gin)
	Revision string       // default DefaultRevision (GINBranch for gin)
	Path     string       // folder listed by List; default SessionsPath ("" for gin)
	Token    string       // sent as Bearer token only to the endpoint (same scheme and host)
	HTTP     *http.Client // default: a client with a 30 s header timeout
	Offline  bool         // no network: every request fails with ErrOffline

	// Retries is the number of consecutive failed attempts tolerated per
	// request (attempts that made progress reset the count, except stalled
	// ones). Default 8.
	Retries int
	// Backoff is the first retry delay (doubled each time, with jitter,
	// capped by MaxBackoff). Defaults 1 s and 60 s.
	Backoff, MaxBackoff time.Duration
	// Progress, if set, receives the number of bytes received as they
	// arrive (for a progress bar). It may be called from several goroutines.
	Progress func(n int64)
	// Logf, if set, receives one line per retry or notable event. It may
	// be called from several goroutines (FetchAll's downloads).
	Logf func(format string, args ...any)
	// StallTimeout and StallBytes: a request (listing or download) that
	// receives fewer than StallBytes bytes in any StallTimeout window,
	// headers included, is aborted with ErrStalled. Defaults 60 s and
	// 16 KiB (a server sending 1 byte every 2 s is cut after 60 s). A
	// stalled download counts as a failed attempt even if some bytes came,
	// and gives up after MaxStalls stalled attempts, so a trickling server
	// cannot keep a download alive forever; the .part file stays and a
	// later run resumes it.
	StallTimeout time.Duration
	StallBytes   int64

	sleepHook func(time.Duration) // tests: record backoff delays instead of sleeping
}

// FromEnv returns a Hugging Face client configured from HF_ENDPOINT,
// HF_TOKEN (or HUGGING_FACE_HUB_TOKEN) and HF_HUB_OFFLINE.
func FromEnv() *Client {
	c := &Client{Endpoint: os.Getenv("HF_ENDPOINT"), Token: os.Getenv("HF_TOKEN")}
	if c.Token == "" {
		c.Token = os.Getenv("HUGGING_FACE_HUB_TOKEN")
	}
	c.Offline = envTrue(os.Getenv("HF_HUB_OFFLINE"))
	return c
}

func envTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func (c *Client) source() string {
	if c.Source == "" {
		return SourceHF
	}
	return c.Source
}

func (c *Client) endpoint() string {
	e := c.Endpoint
	if e == "" {
		if c.source() == SourceGIN {
			e = GINEndpoint
		} else {
			e = DefaultEndpoint
		}
	}
	return strings.TrimRight(e, "/")
}

func (c *Client) repo() string {
	if c.Repo != "" {
		return c.Repo
	}
	if c.source() == SourceGIN {
		return GINRepo
	}
	return DefaultRepo
}

func (c *Client) revision() string {
	if c.Revision != "" {
		return c.Revision
	}
	if c.source() == SourceGIN {
		return GINBranch
	}
	return DefaultRevision
}

func (c *Client) path() string {
	if c.Path == "" && c.source() == SourceHF {
		return SessionsPath
	}
	return strings.Trim(c.Path, "/")
}

func (c *Client) retries() int {
	if c.Retries > 0 {
		return c.Retries
	}
	return 8
}

func (c *Client) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

func (c *Client) httpClient() *http.Client {
	base := c.HTTP
	if base == nil {
		base = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ResponseHeaderTimeout: 30 * time.Second,
			TLSHandshakeTimeout:   15 * time.Second,
			IdleConnTimeout:       60 * time.Second,
		}}
	}
	hc := *base
	ep := c.endpoint()
	prev := base.CheckRedirect
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		// Never send the token anywhere but the hub itself (the CDN gets a
		// signed URL instead).
		if !sameOrigin(req.URL.String(), ep) {
			req.Header.Del("Authorization")
		}
		if prev != nil {
			return prev(req, via)
		}
		return nil
	}
	return &hc
}

func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Host
}

// origin returns "scheme://host" (lower case, default ports removed).
func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	scheme, host := strings.ToLower(p.Scheme), strings.ToLower(p.Host)
	if h, port, err := net.SplitHostPort(host); err == nil && ((scheme == "https" && port == "443") || (scheme == "http" && port == "80")) {
		host = h
	}
	return scheme + "://" + host
}

// sameOrigin reports whether a and b have the same scheme and host.
func sameOrigin(a, b string) bool {
	oa := origin(a)
	return oa != "" && oa == origin(b)
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// FileURL returns the download address of a repository path.
func (c *Client) FileURL(p string) string {
	if c.source() == SourceGIN {
		return fmt.Sprintf("%s/%s/raw/%s/%s", c.endpoint(), c.repo(), url.PathEscape(c.revision()), escapePath(p))
	}
	return fmt.Sprintf("%s/datasets/%s/resolve/%s/%s", c.endpoint(), c.repo(), url.PathEscape(c.revision()), escapePath(p))
}

func (c *Client) treeURL() string {
	u := fmt.Sprintf("%s/api/datasets/%s/tree/%s", c.endpoint(), c.repo(), url.PathEscape(c.revision()))
	if p := c.path(); p != "" {
		u += "/" + escapePath(p)
	}
	return u + "?recursive=true"
}

func (c *Client) newRequest(ctx context.Context, u string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "retinaio (+https://github.com/retinaio/retinaio)")
	if c.Token != "" && sameOrigin(u, c.endpoint()) {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return req, nil
}

// statusError turns a non-success answer into a clear error.
func (c *Client) statusError(resp *http.Response, what string) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	if msg != "" {
		msg = ": " + q(msg)
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		hint := "set HF_TOKEN to a Hugging Face access token that can read " + c.repo()
		if c.Token != "" {
			hint = "the token in HF_TOKEN was refused; check that it is valid and can read " + c.repo()
		}
		if c.source() == SourceGIN {
			hint = "the GIN repository refused access"
		}
		return fmt.Errorf("%s: HTTP %d (%w)%s; %s", what, resp.StatusCode, ErrAuth, msg, hint)
	case http.StatusNotFound:
		return fmt.Errorf("%s: HTTP 404 (%w)%s; check the name, the repository %s and the revision %s", what, ErrNotFound, msg, q(c.repo()), q(c.revision()))
	}
	return fmt.Errorf("%s: HTTP %d%s", what, resp.StatusCode, msg)
}

// retryable reports whether a status code is worth retrying.
func retryable(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500
}

// retryAfter parses a Retry-After header (seconds or an HTTP date).
func retryAfter(h string) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(h, 10, 64); err == nil && s >= 0 {
		return time.Duration(min(s, 86400)) * time.Second, true // at most a day
	}
	if n, err := strconv.ParseUint(h, 10, 64); err == nil && n > 0 { // beyond int64
		return 86400 * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		d := time.Until(t)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// sleep waits for the backoff of attempt (0-based), or for hint when the
// server gave one, or until ctx ends.
func (c *Client) sleep(ctx context.Context, attempt int, hint time.Duration, haveHint bool) error {
	base, maxB := c.Backoff, c.MaxBackoff
	if base <= 0 {
		base = time.Second
	}
	if maxB <= 0 {
		maxB = 60 * time.Second
	}
	d := base << min(attempt, 20)
	if d > maxB || d <= 0 {
		d = maxB
	}
	// Full jitter in [d/2, d].
	d = d/2 + time.Duration(jitter(int64(d/2)+1))
	if haveHint {
		d = hint
		if lim := 10 * maxB; d > lim {
			d = lim
		}
	}
	if c.sleepHook != nil {
		c.sleepHook(d)
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// stallWatch runs a request under a context that is cancelled with
// ErrStalled when fewer than StallBytes arrive in a StallTimeout window.
// Count received bytes with add; call stop when done.
func (c *Client) stallWatch(parent context.Context) (ctx context.Context, add func(int), stop func()) {
	window, minBytes := c.StallTimeout, c.StallBytes
	if window <= 0 {
		window = DefaultStallTimeout
	}
	if minBytes <= 0 {
		minBytes = DefaultStallBytes
	}
	ctx, cancel := context.WithCancelCause(parent)
	var n atomic.Int64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(window)
		defer t.Stop()
		last := int64(0)
		for {
			select {
			case <-done:
				return
			case <-t.C:
				cur := n.Load()
				if cur-last < minBytes {
					cancel(fmt.Errorf("%w: fewer than %d bytes in %v", ErrStalled, minBytes, window))
					return
				}
				last = cur
			}
		}
	}()
	return ctx, func(k int) { n.Add(int64(k)) }, func() { close(done); cancel(nil) }
}

// netError classifies a failed request: a stall (the cause of ctx), a
// failure a retry cannot fix (DNS, unreachable network, TLS certificate:
// retry false, wrapping ErrUnreachable with advice), or anything else
// (retry true).
func (c *Client) netError(ctx context.Context, what string, err error) (retry bool, out error) {
	if cause := context.Cause(ctx); cause != nil && errors.Is(cause, ErrStalled) {
		return true, fmt.Errorf("%s: %w", what, cause)
	}
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch {
	case errors.As(err, &dns):
		return false, fmt.Errorf("%s: %w: cannot resolve %s (%v); check the network connection, or set HF_HUB_OFFLINE=1 to use only what is cached", what, ErrUnreachable, q(dns.Name), err)
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return false, fmt.Errorf("%s: %w: %v; check the network connection, or set HF_HUB_OFFLINE=1 to use only what is cached", what, ErrUnreachable, err)
	case errors.As(err, &cert), errors.As(err, &unknownCA), errors.As(err, &hostname):
		return false, fmt.Errorf("%s: %w: TLS certificate refused: %v", what, ErrUnreachable, err)
	}
	return true, fmt.Errorf("%s: %w", what, err)
}

// List returns the files below the client's folder (Path) at its revision,
// following pagination. For GIN, whose listing API is not used, it returns
// an error asking for explicit session names.
func (c *Client) List(ctx context.Context) ([]RemoteFile, error) {
	if c.Offline {
		return nil, fmt.Errorf("list %s/%s: %w: the listing needs the network", q(c.repo()), q(c.path()), ErrOffline)
	}
	if c.source() == SourceGIN {
		return nil, fmt.Errorf("list %s: listing the GIN repository is not supported; name the sessions (--session NAME)", q(c.repo()))
	}
	hc := c.httpClient()
	next := c.treeURL()
	var out []RemoteFile
	for page := 0; next != ""; page++ {
		if page > 10000 {
			return nil, fmt.Errorf("list %s: more than 10000 pages", q(c.repo()))
		}
		var items []treeItem
		var link string
		err := c.withRetries(ctx, "list "+q(next), func() (bool, time.Duration, bool, error) {
			rctx, add, stop := c.stallWatch(ctx)
			defer stop()
			req, err := c.newRequest(rctx, next)
			if err != nil {
				return false, 0, false, err
			}
			resp, err := hc.Do(req)
			if err != nil {
				retry, err := c.netError(rctx, "list "+q(c.repo()+"/"+c.path()), err)
				return retry, 0, false, err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				ra, ok := retryAfter(resp.Header.Get("Retry-After"))
				return retryable(resp.StatusCode), ra, ok, c.statusError(resp, "list "+q(c.repo()+"/"+c.path()))
			}
			items = nil
			dec := json.NewDecoder(countingReader{io.LimitReader(resp.Body, 256<<20), add})
			if err := dec.Decode(&items); err != nil {
				retry, err := c.netError(rctx, "list "+q(c.repo()), fmt.Errorf("bad JSON from %s: %w", q(next), err))
				return retry, 0, false, err
			}
			link = resp.Header.Get("Link")
			return false, 0, false, nil
		})
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if it.Type != "file" {
				continue
			}
			f := RemoteFile{Path: it.Path, Size: it.Size, OID: it.OID}
			if it.LFS != nil {
				f.SHA256 = strings.ToLower(it.LFS.OID)
				if it.LFS.Size > 0 {
					f.Size = it.LFS.Size
				}
			}
			out = append(out, f)
		}
		if next, err = nextLink(link, next); err != nil {
			return nil, fmt.Errorf("list %s: page %d: %w", q(c.repo()), page+1, err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// countingReader reports the bytes read to add.
type countingReader struct {
	r   io.Reader
	add func(int)
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.add(n)
	return n, err
}

type treeItem struct {
	Type string `json:"type"`
	OID  string `json:"oid"`
	Size int64  `json:"size"`
	Path string `json:"path"`
	LFS  *struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	} `json:"lfs"`
}

// nextLink extracts the rel="next" target of a Link header, resolved
// against the current URL ("" on the last page). A next link that does not
// parse is an error: the listing would otherwise end early, as if complete.
func nextLink(h, cur string) (string, error) {
	for _, part := range strings.Split(h, ",") {
		seg := strings.Split(part, ";")
		if len(seg) < 2 {
			continue
		}
		target := strings.Trim(strings.TrimSpace(seg[0]), "<>")
		isNext := false
		for _, p := range seg[1:] {
			p = strings.ReplaceAll(strings.TrimSpace(p), " ", "")
			if p == `rel="next"` || p == "rel=next" {
				isNext = true
			}
		}
		if !isNext {
			continue
		}
		base, err := url.Parse(cur)
		if err != nil {
			return "", err
		}
		ref, err := url.Parse(target)
		if err != nil {
			return "", fmt.Errorf("the server's Link header names an unusable next page: %w", err)
		}
		return base.ResolveReference(ref).String(), nil
	}
	return "", nil
}

// withRetries runs op until it succeeds, fails permanently or runs out of
// attempts. op returns (retry, retryAfter, haveRetryAfter, err).
func (c *Client) withRetries(ctx context.Context, what string, op func() (bool, time.Duration, bool, error)) error {
	for attempt := 0; ; attempt++ {
		retry, ra, haveRA, err := op()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		if !retry || attempt+1 >= c.retries() {
			return err
		}
		c.logf("%v; retrying", err)
		if err := c.sleep(ctx, attempt, ra, haveRA); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}

// diskFull rewrites ENOSPC into an actionable message.
func diskFull(err error, p string) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("disk full while writing %s: free some space or choose another folder (--dest, RETINAIO_CACHE): %w", q(p), err)
	}
	return err
}

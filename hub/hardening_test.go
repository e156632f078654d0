package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retinaio/retinaio/internal/hubtest"
)

// fakeHost is a minimal Hub-like server on loopback that serves one folder
// listing and its files, and records every Authorization header it gets.
type fakeHost struct {
	srv   *httptest.Server
	files map[string][]byte // repository path -> content
	mu    sync.Mutex
	auth  []string
	// slow, when set, sends bodies one chunk of that many bytes every
	// slowEvery (ignored for Range requests when fastResume).
	slow       int
	slowEvery  time.Duration
	fastResume bool
	ranges     []string
	names      []string // listing names override (hostile names)
}

func newFakeHost(t *testing.T, files map[string][]byte) *fakeHost {
	f := &fakeHost{files: files}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// set changes the host's behaviour under its lock (requests may come from
// another process, so nothing else orders the write before the handler's
// read).
func (f *fakeHost) set(change func(f *fakeHost)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

func (f *fakeHost) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if a := r.Header.Get("Authorization"); a != "" {
		f.auth = append(f.auth, a)
	}
	f.ranges = append(f.ranges, r.Header.Get("Range"))
	slow, every, fast, names := f.slow, f.slowEvery, f.fastResume, f.names
	f.mu.Unlock()
	if strings.HasPrefix(r.URL.Path, "/api/datasets/o/r/tree/main/") {
		var items []map[string]any
		for p, b := range f.files {
			s := sha256.Sum256(b)
			items = append(items, map[string]any{"type": "file", "path": p, "size": len(b), "oid": "x", "lfs": map[string]any{"oid": hex.EncodeToString(s[:]), "size": len(b)}})
		}
		for _, n := range names {
			items = append(items, map[string]any{"type": "file", "path": n, "size": 1})
		}
		json.NewEncoder(w).Encode(items)
		return
	}
	p, ok := strings.CutPrefix(r.URL.Path, "/datasets/o/r/resolve/main/")
	b, have := f.files[p]
	if !ok || !have {
		http.NotFound(w, r)
		return
	}
	if slow == 0 || (fast && r.Header.Get("Range") != "") {
		http.ServeContent(w, r, "x.zip", time.Time{}, bytes.NewReader(b))
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	for i := 0; i < len(b); i += slow {
		if _, err := w.Write(b[i:min(i+slow, len(b))]); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(every):
		}
	}
}

func (f *fakeHost) root() string { return f.srv.URL + "/datasets/o/r/tree/main/s" }

func (f *fakeHost) authHeaders() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.auth...)
}

func fastClient() *Client {
	return &Client{Retries: 3, sleepHook: func(time.Duration) {}}
}

// TestTokenOnlyToConfiguredEndpoint: with HF_TOKEN set, a data-root URL
// naming another host gets no token (listing, resolve, file requests);
// the configured endpoint does get it.
func TestTokenOnlyToConfiguredEndpoint(t *testing.T) {
	evil := newFakeHost(t, map[string][]byte{"s/20210115_mouse_a.zip": payload(1, 5000)})
	base := fastClient()
	base.Token = "hf_secret"
	cache := t.TempDir()
	if _, err := Resolve(context.Background(), evil.root(), ResolveOptions{CacheDir: cache, Client: base}); err != nil {
		t.Fatal(err)
	}
	if a := evil.authHeaders(); len(a) != 0 {
		t.Fatalf("token sent to a host that is not the endpoint: %v", a)
	}
	// The same server configured as the endpoint (HF_ENDPOINT) gets it.
	base.Endpoint = evil.srv.URL
	if _, err := Resolve(context.Background(), evil.root(), ResolveOptions{CacheDir: t.TempDir(), Client: base}); err != nil {
		t.Fatal(err)
	}
	if a := evil.authHeaders(); len(a) == 0 || a[0] != "Bearer hf_secret" {
		t.Fatalf("configured endpoint got %v", a)
	}
	// The official URL with HF_ENDPOINT pointing at a mirror: the token
	// goes to the mirror (the configured endpoint), never to the CDN it
	// redirects to (hubtest's resolve redirects to another host).
	h, _ := standardHub(t)
	h.Token = "hf_secret"
	c := testClient(h, nil)
	c.Token = "hf_secret"
	if _, err := Resolve(context.Background(), MirrorURL, ResolveOptions{Species: "marmoset", CacheDir: t.TempDir(), Client: c}); err != nil {
		t.Fatal(err)
	}
	if a := h.AuthAtCDN(); len(a) != 0 {
		t.Fatalf("token sent to the CDN: %v", a)
	}
}

// TestCacheKeepsHostsApart: zips fetched from one host are not used for a
// data root on another endpoint; each file's record names its real source.
func TestCacheKeepsHostsApart(t *testing.T) {
	name := "s/20210115_mouse_a.zip"
	evil := newFakeHost(t, map[string][]byte{name: []byte("evil bytes")})
	good := newFakeHost(t, map[string][]byte{name: []byte("the real session zip")})
	cache := t.TempDir()
	dirEvil, err := Resolve(context.Background(), evil.root(), ResolveOptions{CacheDir: cache, Client: fastClient()})
	if err != nil {
		t.Fatal(err)
	}
	base := fastClient()
	base.Endpoint = good.srv.URL // the configured endpoint
	dirGood, err := Resolve(context.Background(), good.root(), ResolveOptions{CacheDir: cache, Client: base})
	if err != nil {
		t.Fatal(err)
	}
	if dirGood == dirEvil {
		t.Fatalf("both hosts share %s", dirGood)
	}
	dest := filepath.Join(dirGood, "20210115_mouse_a.zip")
	if b, _ := os.ReadFile(dest); string(b) != "the real session zip" {
		t.Fatalf("got %q", b)
	}
	rec, err := ReadRecord(dest)
	if err != nil || !strings.HasPrefix(rec.URL, good.srv.URL+"/") || rec.Endpoint != good.srv.URL {
		t.Fatalf("record %+v %v", rec, err)
	}
	// An older retinaio shared one folder between hosts: files of another
	// host there, with a listing of unknown origin, are checked against a
	// fresh listing and replaced.
	os.WriteFile(dest, []byte("evil bytes"), 0o644)
	os.Remove(RecordPath(dest))
	legacy, _ := json.Marshal([]RemoteFile{{Path: name, Size: 10}})
	os.WriteFile(filepath.Join(dirGood, ListingFile), legacy, 0o644)
	if _, err := Resolve(context.Background(), good.root(), ResolveOptions{CacheDir: cache, Client: base}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dest); string(b) != "the real session zip" {
		t.Fatalf("legacy file from another host reused: %q", b)
	}
}

// TestPresentFileVerified: a file of the right size but other bytes
// (zero-filled) is not taken as cached; a right file without a record is
// hashed once and recorded, without a transfer.
func TestPresentFileVerified(t *testing.T) {
	h, want := standardHub(t)
	name := "20210803_252MEA_mouse_left_half_dorsal"
	c := testClient(h, nil)
	files, _ := c.List(context.Background())
	sel, _ := Select(files, SessionsPath, "", []string{name})
	dest := filepath.Join(t.TempDir(), name+".zip")
	os.WriteFile(dest, make([]byte, len(want[name])), 0o644)
	if err := c.Download(context.Background(), sel[0], dest); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dest); !bytes.Equal(b, want[name]) {
		t.Fatal("zero-filled file counted as cached")
	}
	if n := h.Transfers(sess + name + ".zip"); n != 1 {
		t.Fatalf("%d transfers", n)
	}
	// Zeroed in place after a verified download (size kept): seen.
	time.Sleep(10 * time.Millisecond)
	os.WriteFile(dest, make([]byte, len(want[name])), 0o644)
	if len(c.Missing(sel, filepath.Dir(dest))) != 1 {
		t.Fatal("zeroed file counted as present")
	}
	// The right bytes without a record: hashed, recorded, no transfer.
	os.WriteFile(dest, want[name], 0o644)
	os.Remove(RecordPath(dest))
	if !c.Has(dest, sel[0]) {
		t.Fatal("right bytes not accepted")
	}
	if _, err := ReadRecord(dest); err != nil {
		t.Fatal("no record written:", err)
	}
	if n := h.Transfers(sess + name + ".zip"); n != 1 {
		t.Fatalf("%d transfers", n)
	}
}

// TestStalledDownloadAborted: a server that sends 1 byte every 20 ms is
// cut after StallTimeout (here 300 ms, 1 KiB minimum), the partial file is
// kept, and a later run resumes it with a Range request.
func TestStalledDownloadAborted(t *testing.T) {
	data := payload(7, 100_000)
	fh := newFakeHost(t, map[string][]byte{"s/20210115_mouse_a.zip": data})
	fh.set(func(f *fakeHost) { f.slow, f.slowEvery = 1, 20*time.Millisecond })
	c := fastClient()
	c.Endpoint = fh.srv.URL
	c.Repo, c.Path = "o/r", "s"
	c.StallTimeout, c.StallBytes = 300*time.Millisecond, 1024
	c.Retries = 2
	sum := sha256.Sum256(data)
	f := RemoteFile{Path: "s/20210115_mouse_a.zip", Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	dest := filepath.Join(t.TempDir(), "a.zip")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	err := c.Download(ctx, f, dest)
	el := time.Since(start)
	if !errors.Is(err, ErrStalled) {
		t.Fatalf("err %v after %v, want ErrStalled", err, el)
	}
	if el > 3*time.Second {
		t.Fatalf("took %v", el)
	}
	st, err := os.Stat(dest + ".part")
	if err != nil || st.Size() == 0 {
		t.Fatalf(".part not kept: %v", err)
	}
	t.Logf("stalled download aborted after %v with %d bytes kept", el, st.Size())
	fh.set(func(f *fakeHost) { f.fastResume = true })
	if err := c.Download(context.Background(), f, dest); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dest); !bytes.Equal(b, data) {
		t.Fatal("resumed content differs")
	}
	fh.mu.Lock()
	last := fh.ranges[len(fh.ranges)-1]
	fh.mu.Unlock()
	if last != fmt.Sprintf("bytes=%d-", st.Size()) {
		t.Fatalf("resume range %q, kept %d", last, st.Size())
	}
}

// TestDNSFailureFailsFast: a lookup failure is not retried (8 attempts
// with backoff took 82 s), and the message suggests HF_HUB_OFFLINE=1.
func TestDNSFailureFailsFast(t *testing.T) {
	c := &Client{Endpoint: "https://huggingface.co", Retries: 8, Backoff: 2 * time.Second}
	c.HTTP = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "huggingface.co", IsNotFound: true}}
	}}}
	start := time.Now()
	_, err := c.List(context.Background())
	if el := time.Since(start); el > time.Second {
		t.Fatalf("list took %v", el)
	}
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "HF_HUB_OFFLINE=1") {
		t.Fatalf("list: %v", err)
	}
	start = time.Now()
	err = c.Download(context.Background(), RemoteFile{Path: "s/a.zip", Size: 3}, filepath.Join(t.TempDir(), "a.zip"))
	if el := time.Since(start); el > time.Second || !errors.Is(err, ErrUnreachable) {
		t.Fatalf("download: %v after %v", err, el)
	}
}

// TestHostileListingNames: names with control sequences are escaped in
// messages, and names that are not plain file names are not sessions.
func TestHostileListingNames(t *testing.T) {
	fh := newFakeHost(t, map[string][]byte{"s/20210115_mouse_a.zip": []byte("z")})
	fh.set(func(f *fakeHost) {
		f.names = []string{"s/\x1b[2J\x1b]0;owned\a_mouse.zip", `s/..\..\x_mouse.zip`, "s/.hidden_mouse.zip"}
	})
	c := fastClient()
	c.Endpoint, c.Repo, c.Path = fh.srv.URL, "o/r", "s"
	files, err := c.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sel, _ := Select(files, "s", "mouse", nil)
	if len(sel) != 2 {
		t.Fatalf("selected %v", sel)
	}
	_, err = Select(files, "s", "", []string{"nope"})
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\a") || !strings.Contains(err.Error(), `\x1b[2J`) {
		t.Fatalf("message %q", err)
	}
}

// TestAbandonedPartsCleaned: an old .part of a file no longer fetched is
// removed; a fresh one and the .part of a fetched file are kept/resumed.
func TestAbandonedPartsCleaned(t *testing.T) {
	h, want := standardHub(t)
	name := "20220301_60MEA_marmoset_left_s1"
	c := testClient(h, nil)
	files, _ := c.List(context.Background())
	sel, _ := Select(files, SessionsPath, "", []string{name})
	dir := t.TempDir()
	old := time.Now().Add(-30 * 24 * time.Hour)
	for _, n := range []string{"gone.zip.part", "fresh.zip.part", name + ".zip.part"} {
		os.WriteFile(filepath.Join(dir, n), want[name][:10], 0o644)
		if n != "fresh.zip.part" {
			os.Chtimes(filepath.Join(dir, n), old, old)
		}
	}
	if err := c.FetchAll(context.Background(), sel, dir, 1, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gone.zip.part")); err == nil {
		t.Error("abandoned .part kept")
	}
	if _, err := os.Stat(filepath.Join(dir, "fresh.zip.part")); err != nil {
		t.Error("fresh .part removed")
	}
	if rs := h.Ranges(); rs[len(rs)-1] != "bytes=10-" {
		t.Errorf("old .part of a fetched file not resumed: %v", rs)
	}
}

func init() {
	if at := os.Getenv("HUB_KILL_AT"); at != "" {
		afterStep = func(step string) {
			if step == at {
				os.WriteFile(os.Getenv("HUB_DEST")+".ready", nil, 0o644)
				time.Sleep(time.Minute)
			}
		}
	}
}

// TestKilledDownload: a child process downloading from a slow server is
// killed with SIGKILL mid-body, and right after renaming the file into
// place (before its record is written); a rerun resumes or verifies, the
// dead child's lock is free at once, and the result is right.
func TestKilledDownload(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("kill -9")
	}
	if u := os.Getenv("HUB_URL"); u != "" {
		size, _ := strconv.ParseInt(os.Getenv("HUB_SIZE"), 10, 64)
		c := &Client{Endpoint: u, Repo: "o/r", Path: "s", Retries: 2}
		c.Download(context.Background(), RemoteFile{Path: "s/20210115_mouse_a.zip", Size: size, SHA256: os.Getenv("HUB_SHA")}, os.Getenv("HUB_DEST"))
		os.Exit(0)
	}
	data := payload(11, 1<<20)
	sum := sha256.Sum256(data)
	f := RemoteFile{Path: "s/20210115_mouse_a.zip", Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	for _, at := range []string{"mid-body", "renamed"} {
		t.Run(at, func(t *testing.T) {
			fh := newFakeHost(t, map[string][]byte{f.Path: data})
			fh.set(func(f *fakeHost) { f.slow, f.slowEvery, f.fastResume = 16<<10, 10*time.Millisecond, true })
			dest := filepath.Join(t.TempDir(), "a.zip")
			cmd := exec.Command(os.Args[0], "-test.run=^TestKilledDownload$")
			cmd.Env = append(os.Environ(), "HUB_URL="+fh.srv.URL, "HUB_DEST="+dest, "HUB_SHA="+f.SHA256, "HUB_SIZE="+strconv.Itoa(len(data)))
			if at == "renamed" {
				cmd.Env = append(cmd.Env, "HUB_KILL_AT=renamed")
				fh.set(func(f *fakeHost) { f.slow = 0 })
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for i := 0; ; i++ {
				if at == "mid-body" {
					if st, err := os.Stat(dest + ".part"); err == nil && st.Size() > 100<<10 {
						break
					}
				} else if _, err := os.Stat(dest + ".ready"); err == nil {
					break
				}
				if i > 2000 {
					cmd.Process.Kill()
					t.Fatal("child did not reach", at)
				}
				time.Sleep(5 * time.Millisecond)
			}
			cmd.Process.Kill()
			cmd.Wait()
			os.Remove(dest + ".ready")
			fh.mu.Lock()
			nreq := len(fh.ranges)
			fh.mu.Unlock()
			c := &Client{Endpoint: fh.srv.URL, Repo: "o/r", Path: "s", Retries: 2}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			if err := c.Download(ctx, f, dest); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(dest); !bytes.Equal(b, data) {
				t.Fatal("content differs")
			}
			fh.mu.Lock()
			reqs := fh.ranges[nreq:]
			fh.mu.Unlock()
			switch at {
			case "mid-body":
				if len(reqs) != 1 || !strings.HasPrefix(reqs[0], "bytes=") || reqs[0] == "bytes=0-" {
					t.Fatalf("rerun requests %q: not a resume", reqs)
				}
			case "renamed":
				if len(reqs) != 0 {
					t.Fatalf("rerun made %d requests for a complete file", len(reqs))
				}
			}
			if _, err := ReadRecord(dest); err != nil {
				t.Fatal("no record after rerun:", err)
			}
			t.Logf("%s: rerun took %v, requests %q", at, time.Since(start), reqs)
			for _, x := range []string{".part", ".lock", ".part.etag"} {
				if _, err := os.Stat(dest + x); err == nil {
					t.Errorf("%s left", x)
				}
			}
		})
	}
}

var _ = hubtest.SHA256

// TestSymlinkInCacheRefused: a symbolic link planted inside a shared cache
// (between the cache root and the download folder) is refused and nothing
// is written where it points.
func TestSymlinkInCacheRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks")
	}
	fh := newFakeHost(t, map[string][]byte{"s/20210115_mouse_a.zip": []byte("zip")})
	cache, victim := t.TempDir(), t.TempDir()
	c := fastClient()
	loc, _ := ParseURL(fh.root())
	dir := ClientFor(c, loc).LocalDir(cache)
	// CACHE/hf@HOST/datasets/o/r/main -> victim
	os.MkdirAll(filepath.Dir(filepath.Dir(dir)), 0o755)
	if err := os.Symlink(victim, filepath.Dir(dir)); err != nil {
		t.Fatal(err)
	}
	if _, err := Resolve(context.Background(), fh.root(), ResolveOptions{CacheDir: cache, Client: c}); err == nil {
		t.Fatal("download through a planted link accepted")
	}
	if ents, _ := os.ReadDir(victim); len(ents) != 0 {
		t.Fatalf("wrote into the link's target: %v", ents)
	}
}

package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retinaio/retinaio/internal/hubtest"
)

const sess = SessionsPath + "/"

func payload(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// standardHub has three mouse sessions, two marmoset ones and a README.
func standardHub(t *testing.T) (*hubtest.Server, map[string][]byte) {
	h := hubtest.New(t)
	want := map[string][]byte{
		"20210115_252MEA_mouse_left_half_ventral":  payload(1, 300_000),
		"20210803_252MEA_mouse_left_half_dorsal":   payload(2, 70_001),
		"20211103_252MEA_mouse_right_half_ventral": payload(3, 5),
		"20220208_60MEA_marmoset_right_n1":         payload(4, 120_000),
		"20220301_60MEA_marmoset_left_s1":          payload(5, 1000),
	}
	for n, b := range want {
		h.Add(sess+n+".zip", b)
	}
	h.Add("gollisch_lab/karamanlis_2024/README.md", []byte("readme"))
	h.Add(sess+"extra/notes.txt", []byte("not a session"))
	return h, want
}

// TestListBadNextLink: a next page whose link does not parse fails the
// listing; it used to end the listing there, as if the first page were all.
func TestListBadNextLink(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") != "" {
			fmt.Fprint(w, `[{"type":"file","oid":"b","size":1,"path":"s/b.zip"}]`)
			return
		}
		w.Header().Set("Link", `<`+"http://[::1]:namedport/x?cursor=1"+`>; rel="next"`)
		fmt.Fprint(w, `[{"type":"file","oid":"a","size":1,"path":"s/a.zip"}]`)
	}))
	defer srv.Close()
	c := &Client{Endpoint: srv.URL, Retries: 1, sleepHook: func(time.Duration) {}}
	files, err := c.List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "next page") {
		t.Fatalf("List = %v, %v; want an error naming the unusable next page", files, err)
	}
}

func TestListPaginated(t *testing.T) {
	h, want := standardHub(t)
	files, err := testClient(h, nil).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Path)
		if strings.HasSuffix(f.Path, ".zip") {
			b := want[SessionName(f, SessionsPath)]
			if f.Size != int64(len(b)) || f.SHA256 != hubtest.SHA256(b) {
				t.Errorf("%s: size %d sha %s", f.Path, f.Size, f.SHA256)
			}
		}
	}
	if len(files) != 6 { // 5 zips + extra/notes.txt, directories skipped
		t.Fatalf("listing %v", got)
	}
	if hubReqs, _ := h.Counts(); hubReqs < 4 {
		t.Errorf("pagination not followed: %d requests", hubReqs)
	}
	sel, err := Select(files, SessionsPath, "mouse", nil)
	if err != nil || len(sel) != 3 {
		t.Fatalf("select mouse: %v %v", sel, err)
	}
	if _, err := Select(files, SessionsPath, "", []string{"nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
}

func TestDownloadRedirectResumeRetries(t *testing.T) {
	h, want := standardHub(t)
	name := "20210115_252MEA_mouse_left_half_ventral"
	p := sess + name + ".zip"
	// Dropped mid-body, then 500, then 429 with Retry-After, then a server
	// that ignores Range (full body again), which is dropped too, then fine.
	h.Fault(p, "drop", "500", "429", "ignore-range", "drop")
	var delays []time.Duration
	c := testClient(h, &delays)
	c.Token = "hf_secret"
	files, err := c.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var f RemoteFile
	for _, x := range files {
		if x.Path == p {
			f = x
		}
	}
	var got int64
	var mu sync.Mutex
	c.Progress = func(n int64) { mu.Lock(); got += n; mu.Unlock() }
	dest := filepath.Join(t.TempDir(), name+".zip")
	if err := c.Download(context.Background(), f, dest); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dest)
	if !bytes.Equal(b, want[name]) {
		t.Fatal("downloaded bytes differ")
	}
	if len(h.AuthAtCDN()) != 0 {
		t.Errorf("token leaked to the CDN: %v", h.AuthAtCDN())
	}
	// The 429 asked for 7 s: that delay must be among the waits.
	found := false
	for _, d := range delays {
		if d == 7*time.Second {
			found = true
		}
	}
	if !found {
		t.Errorf("Retry-After not honoured: delays %v", delays)
	}
	// After the first drop the client resumed with a Range request.
	hasRange := false
	for _, r := range h.Ranges() {
		if strings.HasPrefix(r, "bytes=") && r != "bytes=0-" {
			hasRange = true
		}
	}
	if !hasRange {
		t.Errorf("no Range request: %v", h.Ranges())
	}
	for _, x := range []string{".part", ".lock", ".part.etag"} {
		if _, err := os.Stat(dest + x); err == nil {
			t.Errorf("%s left behind", x)
		}
	}
	if got < int64(len(b)) {
		t.Errorf("progress saw %d bytes", got)
	}
	// A second call is a no-op.
	_, cdn := h.Counts()
	if err := c.Download(context.Background(), f, dest); err != nil {
		t.Fatal(err)
	}
	if _, cdn2 := h.Counts(); cdn2 != cdn {
		t.Error("complete file downloaded again")
	}
}

func TestResumeAfterKilledProcess(t *testing.T) {
	h, want := standardHub(t)
	name := "20220208_60MEA_marmoset_right_n1"
	c := testClient(h, nil)
	files, _ := c.List(context.Background())
	sel, _ := Select(files, SessionsPath, "", []string{name})
	dir := t.TempDir()
	dest := filepath.Join(dir, name+".zip")
	// A previous process died after 50000 bytes.
	os.WriteFile(dest+".part", want[name][:50000], 0o644)
	if err := c.Download(context.Background(), sel[0], dest); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dest); !bytes.Equal(b, want[name]) {
		t.Fatal("resumed file differs")
	}
	if rs := h.Ranges(); rs[len(rs)-1] != "bytes=50000-" {
		r := rs[len(rs)-1]
		t.Errorf("range %q", r)
	}
	if n := h.Transfers(sess + name + ".zip"); n != 1 {
		t.Errorf("%d transfers", n)
	}
}

func TestWrongChecksum(t *testing.T) {
	h, _ := standardHub(t)
	name := "20210803_252MEA_mouse_left_half_dorsal"
	h.BadSHA[sess+name+".zip"] = true
	c := testClient(h, nil)
	files, _ := c.List(context.Background())
	sel, _ := Select(files, SessionsPath, "", []string{name})
	dir := t.TempDir()
	err := c.Download(context.Background(), sel[0], filepath.Join(dir, name+".zip"))
	if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("err %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left: %v", ents)
	}
}

func TestHTTPErrors(t *testing.T) {
	h, _ := standardHub(t)
	name := "20220301_60MEA_marmoset_left_s1"
	p := sess + name + ".zip"
	h.Private[p] = true
	h.Token = "hf_right"
	c := testClient(h, nil)
	files, _ := c.List(context.Background())
	sel, _ := Select(files, SessionsPath, "", []string{name})
	dir := t.TempDir()
	err := c.Download(context.Background(), sel[0], filepath.Join(dir, "a.zip"))
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "HF_TOKEN") || !strings.Contains(err.Error(), "401") {
		t.Errorf("401: %v", err)
	}
	c.Token = "hf_right"
	if err := c.Download(context.Background(), sel[0], filepath.Join(dir, "a.zip")); err != nil {
		t.Errorf("with token: %v", err)
	}
	err = c.Download(context.Background(), RemoteFile{Path: sess + "nope.zip", Size: 3}, filepath.Join(dir, "b.zip"))
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nope.zip") {
		t.Errorf("404: %v", err)
	}
	// 500 forever: gives up after Retries attempts.
	h.Fault(p, "500", "500", "500")
	c.Retries = 3
	err = c.Download(context.Background(), sel[0], filepath.Join(dir, "c.zip"))
	if err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("500: %v", err)
	}
	// A server that hangs: the context deadline ends the wait.
	h.Fault(p, "hang")
	c.Retries = 1
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = c.Download(ctx, sel[0], filepath.Join(dir, "d.zip"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang: %v", err)
	}
	// Wrong repository for the listing.
	c2 := testClient(h, nil)
	c2.Path = "nowhere"
	if _, err := c2.List(context.Background()); !errors.Is(err, ErrNotFound) {
		t.Errorf("list 404: %v", err)
	}
}

func TestConcurrentDownloadsOneTransfer(t *testing.T) {
	h, want := standardHub(t)
	name := "20210115_252MEA_mouse_left_half_ventral"
	files, _ := testClient(h, nil).List(context.Background())
	sel, _ := Select(files, SessionsPath, "", []string{name})
	dest := filepath.Join(t.TempDir(), name+".zip")
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = testClient(h, nil).Download(context.Background(), sel[0], dest)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := h.Transfers(sess + name + ".zip"); n != 1 {
		t.Errorf("%d transfers, want 1", n)
	}
	if b, _ := os.ReadFile(dest); !bytes.Equal(b, want[name]) {
		t.Error("content differs")
	}
}

func TestStaleLock(t *testing.T) {
	h, _ := standardHub(t)
	name := "20220301_60MEA_marmoset_left_s1"
	files, _ := testClient(h, nil).List(context.Background())
	sel, _ := Select(files, SessionsPath, "", []string{name})
	dest := filepath.Join(t.TempDir(), name+".zip")
	// A lock file left by a dead process of an older retinaio (PID/time
	// format): with flock, nobody holds it, so it does not block.
	os.WriteFile(dest+".lock", []byte("999999 otherhost 0\n"), 0o644)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(dest+".lock", old, old)
	c := testClient(h, nil)
	if err := c.Download(context.Background(), sel[0], dest); err != nil {
		t.Fatal(err)
	}
}

func TestResolveOfflineFirst(t *testing.T) {
	h, want := standardHub(t)
	h.DropAll = true // every first connection of every file dies halfway
	cache := t.TempDir()
	t.Setenv("OPENRETINA_CACHE_DIRECTORY", "")
	c := testClient(h, nil)
	root := MirrorURL // huggingface.co URL + the client's endpoint (HF_ENDPOINT)
	dir, err := Resolve(context.Background(), root, ResolveOptions{Species: "mouse", CacheDir: cache, Client: c, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".zip") {
			got = append(got, strings.TrimSuffix(e.Name(), ".zip"))
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			if !bytes.Equal(b, want[strings.TrimSuffix(e.Name(), ".zip")]) {
				t.Errorf("%s differs", e.Name())
			}
		}
	}
	sort.Strings(got)
	if strings.Join(got, ",") != "20210115_252MEA_mouse_left_half_ventral,20210803_252MEA_mouse_left_half_dorsal,20211103_252MEA_mouse_right_half_ventral" {
		t.Fatalf("cached %v", got)
	}
	// A test server is not the default endpoint: its files live in a
	// folder named after its host.
	if !strings.HasPrefix(dir, filepath.Join(cache, "hf@http-"+strings.ReplaceAll(strings.TrimPrefix(h.URL(), "http://"), ":", "_"), "datasets", "open-retina", "open-retina", "main")) {
		t.Errorf("dir %s", dir)
	}

	// Everything cached: no request at all, online or offline, server up or down.
	hub0, cdn0 := h.Counts()
	if _, err := Resolve(context.Background(), root, ResolveOptions{Species: "mouse", CacheDir: cache, Client: c}); err != nil {
		t.Fatal(err)
	}
	if hub1, cdn1 := h.Counts(); hub1 != hub0 || cdn1 != cdn0 {
		t.Errorf("cached resolve made %d+%d requests", hub1-hub0, cdn1-cdn0)
	}
	h.Close()
	if _, err := Resolve(context.Background(), root, ResolveOptions{Species: "mouse", CacheDir: cache, Client: c}); err != nil {
		t.Fatalf("server down: %v", err)
	}
	off := *c
	off.Offline = true
	if _, err := Resolve(context.Background(), root, ResolveOptions{Species: "mouse", Sessions: []string{"20210803_252MEA_mouse_left_half_dorsal"}, CacheDir: cache, Client: &off}); err != nil {
		t.Fatalf("offline: %v", err)
	}
	// Offline with a missing file: a clear error naming it.
	os.Remove(filepath.Join(dir, "20210803_252MEA_mouse_left_half_dorsal.zip"))
	_, err = Resolve(context.Background(), root, ResolveOptions{Species: "mouse", CacheDir: cache, Client: &off})
	if !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), "20210803_252MEA_mouse_left_half_dorsal.zip") {
		t.Errorf("offline missing: %v", err)
	}
	// Marmoset sessions were never listed as cached: offline says so.
	_, err = Resolve(context.Background(), root, ResolveOptions{Species: "marmoset", CacheDir: cache, Client: &off})
	if !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), "marmoset_right_n1") {
		t.Errorf("offline marmoset: %v", err)
	}
	// Offline with no listing at all.
	_, err = Resolve(context.Background(), root, ResolveOptions{CacheDir: t.TempDir(), Client: &off})
	if !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), "retinaio fetch") {
		t.Errorf("offline no listing: %v", err)
	}
}

func TestReuseOpenretina(t *testing.T) {
	h, want := standardHub(t)
	name := "20220208_60MEA_marmoset_right_n1"
	or := t.TempDir()
	os.MkdirAll(filepath.Join(or, "sessions"), 0o755)
	os.WriteFile(filepath.Join(or, "sessions", name+".zip"), want[name], 0o644)
	// A corrupt openretina copy is not reused.
	bad := "20220301_60MEA_marmoset_left_s1"
	os.WriteFile(filepath.Join(or, "sessions", bad+".zip"), bytes.Repeat([]byte{'x'}, len(want[bad])), 0o644)
	t.Setenv("OPENRETINA_CACHE_DIRECTORY", or)
	cache := t.TempDir()
	dir, err := Resolve(context.Background(), MirrorURL, ResolveOptions{Species: "marmoset", CacheDir: cache, Client: testClient(h, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if h.Transfers(sess+name+".zip") != 0 || h.Transfers(sess+bad+".zip") != 1 {
		t.Errorf("transfers %d %d", h.Transfers(sess+name+".zip"), h.Transfers(sess+bad+".zip"))
	}
	for _, n := range []string{name, bad} {
		if b, _ := os.ReadFile(filepath.Join(dir, n+".zip")); !bytes.Equal(b, want[n]) {
			t.Errorf("%s differs", n)
		}
	}
	// openretina's files are untouched.
	if b, _ := os.ReadFile(filepath.Join(or, "sessions", name+".zip")); !bytes.Equal(b, want[name]) {
		t.Error("openretina file changed")
	}
}

func TestParseURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{MirrorURL, "hf https://huggingface.co open-retina/open-retina main gollisch_lab/karamanlis_2024/sessions"},
		{"https://huggingface.co/datasets/open-retina/open-retina/tree/v1.0/gollisch_lab/karamanlis_2024/sessions/", "hf https://huggingface.co open-retina/open-retina v1.0 gollisch_lab/karamanlis_2024/sessions"},
		{"https://huggingface.co/datasets/o/r", "hf https://huggingface.co o/r main "},
		{"hf://datasets/o/r@dev/a/b", "hf  o/r dev a/b"},
		{"http://127.0.0.1:8080/datasets/o/r/tree/main/x", "hf http://127.0.0.1:8080 o/r main x"},
		{"https://gin.g-node.org/gollischlab/Repo/src/master/sessions", "gin https://gin.g-node.org gollischlab/Repo master sessions"},
	}
	for _, tc := range cases {
		l, err := ParseURL(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := fmt.Sprintf("%s %s %s %s %s", l.Source, l.Endpoint, l.Repo, l.Revision, l.Path); got != tc.want {
			t.Errorf("%s: got %q want %q", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"https://example.com/x", "hf://o", "https://huggingface.co/datasets/o/r/weird/x"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if !IsRemote(MirrorURL) || IsRemote("/data/sessions") || IsRemote("C:\\data") {
		t.Error("IsRemote")
	}
	// HF_ENDPOINT wins over huggingface.co in the URL; other hosts are kept.
	l, _ := ParseURL(MirrorURL)
	if c := ClientFor(&Client{Endpoint: "http://mirror"}, l); c.endpoint() != "http://mirror" {
		t.Errorf("endpoint %s", c.endpoint())
	}
	l, _ = ParseURL("http://127.0.0.1:9/datasets/o/r/tree/main/x")
	if c := ClientFor(&Client{Endpoint: "http://mirror"}, l); c.endpoint() != "http://127.0.0.1:9" {
		t.Errorf("endpoint %s", c.endpoint())
	}
}

func TestContentRangeAndRetryAfter(t *testing.T) {
	if s, e, n, ok := parseContentRange("bytes 10-19/20"); !ok || s != 10 || e != 19 || n != 20 {
		t.Error("parse")
	}
	for _, bad := range []string{"", "bytes 5-3/10", "bytes 0-9/5", "items 0-1/2", "bytes x-1/2"} {
		if _, _, _, ok := parseContentRange(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if d, ok := retryAfter("12"); !ok || d != 12*time.Second {
		t.Error("seconds")
	}
	if _, ok := retryAfter("soon"); ok {
		t.Error("garbage accepted")
	}
	if n, err := nextLink(`<https://h/x?cursor=2>; rel="next", <https://h/x>; rel="prev"`, "https://h/x"); n != "https://h/x?cursor=2" || err != nil {
		t.Error("nextLink", n, err)
	}
}

// testClient returns a client for the fake hub with instant backoff; the
// delays the client asks for are recorded in *delays.
func testClient(h *hubtest.Server, delays *[]time.Duration) *Client {
	var mu sync.Mutex
	return &Client{Endpoint: h.URL(), Retries: 4,
		sleepHook: func(d time.Duration) {
			if delays != nil {
				mu.Lock()
				*delays = append(*delays, d)
				mu.Unlock()
			}
		}}
}

func TestGINRawDownload(t *testing.T) {
	data := payload(9, 12345)
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		if r.Header.Get("Authorization") != "" {
			t.Errorf("token sent to GIN")
		}
		if r.URL.Path != "/gollischlab/Repo/raw/master/sessions/20220301_60MEA_marmoset_left_s1.zip" {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "x.zip", time.Time{}, bytes.NewReader(data))
	}))
	defer srv.Close()
	root := srv.URL + "/gollischlab/Repo/src/master/sessions"
	c := &Client{Retries: 2, sleepHook: func(time.Duration) {}}
	cache := t.TempDir()
	dir, err := Resolve(context.Background(), root, ResolveOptions{Sessions: []string{"20220301_60MEA_marmoset_left_s1"}, CacheDir: cache, Client: c})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "20220301_60MEA_marmoset_left_s1.zip")); !bytes.Equal(b, data) {
		t.Fatal("content differs")
	}
	if _, err := Resolve(context.Background(), root, ResolveOptions{CacheDir: cache, Client: c}); err == nil || !strings.Contains(err.Error(), "--session") {
		t.Errorf("gin without sessions: %v", err)
	}
	_, err = Resolve(context.Background(), root, ResolveOptions{Sessions: []string{"nope"}, CacheDir: cache, Client: c})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("gin 404: %v", err)
	}
}

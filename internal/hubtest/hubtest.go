// Package hubtest is an in-process stand-in for the Hugging Face Hub, for
// tests of code that downloads through package hub (for example 'retinaio
// prepare <mirror URL>' against HF_ENDPOINT=Server.URL()).
//
// It implements the tree API (paginated with Link headers, lfs.oid sha256
// for .zip files) and the resolve endpoint, which redirects (302) to a "CDN"
// on another host that serves Range requests and ETags. Faults can be
// queued per file ("drop" cuts the connection halfway, "500", "503", "429"
// with Retry-After: 7, "hang", "ignore-range"), and DropFirst cuts the first
// connection of every file halfway.
package hubtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Server is the fake Hub. Set its exported fields before the first
// request; the handlers read them without locking.
type Server struct {
	Repo     string            // dataset repository, default open-retina/open-retina
	Rev      string            // revision served, default main
	Files    map[string][]byte // repository path -> content
	BadSHA   map[string]bool   // paths whose listing advertises a wrong sha256
	Private  map[string]bool   // paths that need "Authorization: Bearer " + Token
	Token    string
	PageSize int // tree entries per page, default 2
	// DropFirst cuts the first full-body response of every file halfway
	// (later requests, ranged or not, succeed).
	DropFirst bool
	// DropAll cuts every full-body (non-Range) response halfway, so only a
	// client that resumes with Range can finish.
	DropAll bool

	Hub, CDN *httptest.Server

	mu         sync.Mutex
	hubReqs    int
	cdnReqs    int
	transfers  map[string]int // CDN responses that sent body bytes
	faults     map[string][]string
	dropped    map[string]bool
	authAtCDN  []string
	lastRanges []string
}

// New starts a fake Hub (and its CDN) that is closed when the test ends.
func New(t testing.TB) *Server {
	h := NewServer()
	t.Cleanup(h.Close)
	return h
}

// NewServer starts a fake Hub (and its CDN); call Close when done.
func NewServer() *Server {
	h := &Server{Repo: "open-retina/open-retina", Rev: "main", Files: map[string][]byte{},
		BadSHA: map[string]bool{}, Private: map[string]bool{}, PageSize: 2,
		transfers: map[string]int{}, faults: map[string][]string{}, dropped: map[string]bool{}}
	h.CDN = httptest.NewServer(http.HandlerFunc(h.serveCDN))
	h.Hub = httptest.NewServer(http.HandlerFunc(h.serveHub))
	return h
}

// URL is the Hub's address, for HF_ENDPOINT or Client.Endpoint.
func (h *Server) URL() string { return h.Hub.URL }

// Close stops both servers (a stopped server refuses connections).
func (h *Server) Close() { h.Hub.Close(); h.CDN.Close() }

// Add publishes a file at a repository path.
func (h *Server) Add(p string, data []byte) { h.Files[p] = data }

// Fault queues faults for the next CDN requests of path p.
func (h *Server) Fault(p string, f ...string) {
	h.mu.Lock()
	h.faults[p] = append(h.faults[p], f...)
	h.mu.Unlock()
}

// Counts returns the number of requests the Hub and the CDN received.
func (h *Server) Counts() (hub, cdn int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hubReqs, h.cdnReqs
}

// Transfers returns how many CDN responses for path p carried data.
func (h *Server) Transfers(p string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.transfers[p]
}

// AuthAtCDN returns the Authorization headers the CDN received (should be
// none).
func (h *Server) AuthAtCDN() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.authAtCDN...)
}

// Ranges returns the Range headers of every CDN request, in order.
func (h *Server) Ranges() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.lastRanges...)
}

// SHA256 returns the hex sha256 of b.
func SHA256(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func (h *Server) serveHub(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.hubReqs++
	h.mu.Unlock()
	treePrefix := "/api/datasets/" + h.Repo + "/tree/" + h.Rev
	resolvePrefix := "/datasets/" + h.Repo + "/resolve/" + h.Rev + "/"
	switch {
	case strings.HasPrefix(r.URL.Path, treePrefix):
		dir := strings.Trim(strings.TrimPrefix(r.URL.Path, treePrefix), "/")
		if r.URL.Query().Get("recursive") != "true" {
			http.Error(w, "want recursive", http.StatusBadRequest)
			return
		}
		type lfs struct {
			OID  string `json:"oid"`
			Size int64  `json:"size"`
		}
		type item struct {
			Type string `json:"type"`
			OID  string `json:"oid"`
			Size int64  `json:"size"`
			Path string `json:"path"`
			LFS  *lfs   `json:"lfs,omitempty"`
		}
		var items []item
		dirs := map[string]bool{}
		var paths []string
		for p := range h.Files {
			if strings.HasPrefix(p, dir+"/") {
				paths = append(paths, p)
			}
		}
		sort.Strings(paths)
		for _, p := range paths {
			if d := p[:strings.LastIndex(p, "/")]; d != dir && !dirs[d] {
				dirs[d] = true
				items = append(items, item{Type: "directory", Path: d, OID: "tree"})
			}
			b := h.Files[p]
			s := SHA256(b)
			if h.BadSHA[p] {
				s = SHA256(append([]byte("x"), b...))
			}
			it := item{Type: "file", OID: "blob" + s[:8], Size: 134, Path: p}
			if strings.HasSuffix(p, ".zip") {
				it.LFS = &lfs{OID: s, Size: int64(len(b))}
			} else {
				it.Size = int64(len(b))
			}
			items = append(items, it)
		}
		if len(paths) == 0 {
			http.Error(w, `{"error":"Entry not found"}`, 404)
			return
		}
		start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		end := min(start+h.PageSize, len(items))
		if end < len(items) {
			q := r.URL.Query()
			q.Set("cursor", strconv.Itoa(end))
			w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next"`, h.Hub.URL, r.URL.Path, q.Encode()))
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(items[start:end])
	case strings.HasPrefix(r.URL.Path, resolvePrefix):
		p := strings.TrimPrefix(r.URL.Path, resolvePrefix)
		if _, ok := h.Files[p]; !ok {
			http.Error(w, "Entry not found", http.StatusNotFound)
			return
		}
		if h.Private[p] && r.Header.Get("Authorization") != "Bearer "+h.Token {
			http.Error(w, "Invalid credentials", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, h.CDN.URL+"/blob/"+p+"?X-Amz-Signature=abc", http.StatusFound)
	default:
		http.Error(w, "no route", http.StatusNotFound)
	}
}

func (h *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/blob/")
	h.mu.Lock()
	h.cdnReqs++
	if a := r.Header.Get("Authorization"); a != "" {
		h.authAtCDN = append(h.authAtCDN, a)
	}
	h.lastRanges = append(h.lastRanges, r.Header.Get("Range"))
	var f string
	if q := h.faults[p]; len(q) > 0 {
		f, h.faults[p] = q[0], q[1:]
	}
	dropAll := h.DropAll
	dropFirst := h.DropFirst && !h.dropped[p]
	h.mu.Unlock()
	data, ok := h.Files[p]
	if !ok {
		http.Error(w, "NoSuchKey", http.StatusNotFound)
		return
	}
	switch f {
	case "500":
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case "503":
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	case "429":
		w.Header().Set("Retry-After", "7")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	case "hang":
		<-r.Context().Done()
		return
	}
	etag := `"` + SHA256(data)[:16] + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Accept-Ranges", "bytes")
	body, status := data, 200
	if rg := r.Header.Get("Range"); rg != "" && f != "ignore-range" {
		from, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"), 10, 64)
		if err != nil || from >= int64(len(data)) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(data)))
			w.WriteHeader(416)
			return
		}
		if ir := r.Header.Get("If-Range"); ir != "" && ir != etag {
			from = 0
		} else {
			body, status = data[from:], 206
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, len(data)-1, len(data)))
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	h.mu.Lock()
	h.transfers[p]++
	h.mu.Unlock()
	if f == "drop" || (status == 200 && (dropAll || dropFirst)) {
		h.mu.Lock()
		h.dropped[p] = true
		h.mu.Unlock()
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the connection is cut mid-body
	}
	w.Write(body)
}

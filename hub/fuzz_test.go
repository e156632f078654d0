package hub

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds the URL, Link, Content-Range, Retry-After and listing
// parsers arbitrary text: they must not panic, and accepted values must be
// consistent.
func FuzzParse(f *testing.F) {
	f.Add(MirrorURL)
	f.Add("hf://datasets/o/r@dev/a/b")
	f.Add("https://gin.g-node.org/gollischlab/Repo/src/branch/master/sessions")
	f.Add(`<https://h/x?cursor=2>; rel="next", <https://h/x>; rel="prev"`)
	f.Add("bytes 10-19/20")
	f.Add("bytes 0-0/*")
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add(`[{"type":"file","oid":"a","size":3,"path":"x/y.zip","lfs":{"oid":"ab","size":9}}]`)
	f.Fuzz(func(t *testing.T, s string) {
		if loc, err := ParseURL(s); err == nil {
			if loc.Repo == "" || (loc.Source != SourceHF && loc.Source != SourceGIN) {
				t.Fatalf("%q: accepted %+v", s, loc)
			}
			c := ClientFor(&Client{}, loc)
			_ = c.LocalDir("/cache")
			_ = c.FileURL("a/b.zip")
		}
		_ = IsRemote(s)
		_, _ = nextLink(s, "https://h/x")
		if st, e, n, ok := parseContentRange(s); ok && (st < 0 || e < st || (n >= 0 && n <= e)) {
			t.Fatalf("%q: inconsistent range %d-%d/%d", s, st, e, n)
		}
		if d, ok := retryAfter(s); ok && d < 0 {
			t.Fatalf("%q: negative delay", s)
		}
		var items []treeItem
		if json.Unmarshal([]byte(s), &items) == nil {
			for _, it := range items {
				_ = SessionName(RemoteFile{Path: it.Path, Size: it.Size}, SessionsPath)
			}
		}
	})
}

// FuzzListing feeds saved listings (current and older format) and source
// records: no panic, and every accepted session name is a plain file name
// that stays in its folder.
func FuzzListing(f *testing.F) {
	f.Add(`{"endpoint":"https://huggingface.co","files":[{"path":"s/a_mouse.zip","size":3,"sha256":"ab"}]}`)
	f.Add(`[{"path":"s/..\\x.zip","size":1},{"path":"s/.zip"},{"path":"s/\u001b[2J.zip"}]`)
	f.Add(`{"path":"s/a.zip","url":"https://h/x","endpoint":"https://h","size":1,"sha256":"x","mtime_ns":1}`)
	f.Fuzz(func(t *testing.T, s string) {
		files, _, err := parseListing([]byte(s))
		if err == nil {
			for _, fl := range files {
				n := SessionName(fl, "s")
				if n == "" {
					continue
				}
				name := n + ".zip"
				if filepath.Base(name) != name || strings.ContainsAny(name, `/\:`) || strings.HasPrefix(name, ".") {
					t.Fatalf("unsafe session file name %q", name)
				}
			}
		}
		var r FileRecord
		_ = json.Unmarshal([]byte(s), &r)
		c := &Client{Endpoint: s}
		if rel, err := filepath.Rel("/cache", c.LocalDir("/cache")); err != nil || !filepath.IsLocal(rel) {
			t.Fatalf("endpoint %q: LocalDir %s leaves the cache", s, c.LocalDir("/cache"))
		}
	})
}

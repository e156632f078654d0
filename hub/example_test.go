package hub_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/retinaio/retinaio/hub"
)

func Example() {
	// A stand-in for https://huggingface.co holding two session zips: the
	// tree listing (with each zip's LFS sha256) and the resolve route.
	files := map[string][]byte{
		"20210115_252MEA_mouse_left_half_ventral.zip": []byte("mouse session"),
		"20220301_60MEA_marmoset_left_s1.zip":         []byte("marmoset session"),
	}
	repo := "/datasets/" + hub.DefaultRepo
	tree := "/api" + repo + "/tree/" + hub.DefaultRevision + "/" + hub.SessionsPath
	resolve := repo + "/resolve/" + hub.DefaultRevision + "/" + hub.SessionsPath + "/"
	type lfs struct {
		OID  string `json:"oid"`
		Size int    `json:"size"`
	}
	type item struct {
		Type string `json:"type"`
		Path string `json:"path"`
		Size int    `json:"size"`
		LFS  lfs    `json:"lfs"`
	}
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch {
		case r.URL.Path == tree:
			var items []item
			for _, name := range []string{"20210115_252MEA_mouse_left_half_ventral.zip", "20220301_60MEA_marmoset_left_s1.zip"} {
				sum := sha256.Sum256(files[name])
				items = append(items, item{Type: "file", Path: hub.SessionsPath + "/" + name, Size: 134,
					LFS: lfs{OID: hex.EncodeToString(sum[:]), Size: len(files[name])}})
			}
			json.NewEncoder(w).Encode(items)
		case strings.HasPrefix(r.URL.Path, resolve) && files[strings.TrimPrefix(r.URL.Path, resolve)] != nil:
			w.Write(files[strings.TrimPrefix(r.URL.Path, resolve)])
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	cache, _ := os.MkdirTemp("", "hub-example")
	defer os.RemoveAll(cache)
	client := &hub.Client{Endpoint: srv.URL} // as with HF_ENDPOINT
	opts := hub.ResolveOptions{Species: "mouse", CacheDir: cache, Client: client}

	// The mirror URL openretina accepts as a data root.
	fmt.Println(hub.IsRemote(hub.MirrorURL))
	dir, err := hub.Resolve(context.Background(), hub.MirrorURL, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	zips, _ := filepath.Glob(filepath.Join(dir, "*.zip"))
	for _, z := range zips {
		fmt.Println(filepath.Base(z))
	}

	// Everything cached: the second call makes no request, even offline.
	before := requests.Load()
	client.Offline = true
	_, err = hub.Resolve(context.Background(), hub.MirrorURL, opts)
	fmt.Println(err, requests.Load()-before)
	// Output:
	// true
	// 20210115_252MEA_mouse_left_half_ventral.zip
	// <nil> 0
}

package hub_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/hub"
	"github.com/retinaio/retinaio/internal/hubtest"
)

// TestResolveThenOffline resolves the mirror URL against a stand-in hub,
// then resolves it again offline: the cached zip answers without a request.
func TestResolveThenOffline(t *testing.T) {
	var out strings.Builder
	fmt := fmtTo{&out}
	// A stand-in for https://huggingface.co with two sessions.
	s := hubtest.NewServer()
	defer s.Close()
	s.Add(hub.SessionsPath+"/20210115_252MEA_mouse_left_half_ventral.zip", []byte("mouse session"))
	s.Add(hub.SessionsPath+"/20220301_60MEA_marmoset_left_s1.zip", []byte("marmoset session"))

	cache, _ := os.MkdirTemp("", "hub-example")
	defer os.RemoveAll(cache)
	client := &hub.Client{Endpoint: s.URL()} // as with HF_ENDPOINT
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
	before, _ := s.Counts()
	client.Offline = true
	_, err = hub.Resolve(context.Background(), hub.MirrorURL, opts)
	after, _ := s.Counts()
	fmt.Println(err, after-before)
	want := "true\n20210115_252MEA_mouse_left_half_ventral.zip\n<nil> 0\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// fmtTo lets the flow print as an example would, into a buffer.
type fmtTo struct{ w *strings.Builder }

func (f fmtTo) Println(a ...any) { fmt.Fprintln(f.w, a...) }

package viewer_test

import (
	"fmt"
	"io"
	"net/http/httptest"

	"github.com/retinaio/retinaio/internal/viewer"
)

func ExampleNew() {
	srv, err := viewer.New(viewer.Options{Path: "../render/testdata/20990101_synth_mouse_a.npz"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	fmt.Println(srv.Sessions())
	// one test frame as uint8 grey levels, fetched as the page does
	ts := httptest.NewServer(viewer.LoopbackHostOnly(srv))
	defer ts.Close()
	r, err := ts.Client().Get(ts.URL + "/api/s/20990101_synth_mouse_a/frame/test/3")
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	fmt.Println(r.StatusCode, r.Header.Get("X-Shape"), len(b), "bytes")
	// Output:
	// [20990101_synth_mouse_a]
	// 200 12,16 192 bytes
}

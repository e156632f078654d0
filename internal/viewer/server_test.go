package viewer

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/internal/testutil"
)

func get(t *testing.T, h http.Handler, url string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func f32s(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

type expectedJSON struct {
	TF, H, W, N, K, Lag int
	NormMean            float64   `json:"norm_mean"`
	NormStd             float64   `json:"norm_std"`
	VarRatioFull        []float64 `json:"var_ratio_full"`
	VarRatioPred        []float64 `json:"var_ratio_pred"`
	FEVE                []float64 `json:"feve"`
	Corr                []float64 `json:"corr"`
}

func loadExpected(t *testing.T) expectedJSON {
	b, err := os.ReadFile("../render/testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e expectedJSON
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestPageAndStatic(t *testing.T) {
	srv := newTestServer(t, false, false)
	w := get(t, srv, "/")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "retinaio view") || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("index: %d %q", w.Code, w.Header())
	}
	// no external URLs in the page or its assets
	for _, f := range []string{"/", "/static/app.js", "/static/style.css"} {
		w := get(t, srv, f)
		if w.Code != 200 {
			t.Fatalf("%s: %d", f, w.Code)
		}
		if strings.Contains(w.Body.String(), "http://") || strings.Contains(w.Body.String(), "https://") || strings.Contains(w.Body.String(), "//cdn") {
			t.Errorf("%s references an external URL", f)
		}
		et := w.Header().Get("ETag")
		if et == "" {
			t.Errorf("%s: no ETag", f)
		}
		if w2 := get(t, srv, f, "If-None-Match", et); w2.Code != http.StatusNotModified {
			t.Errorf("%s: If-None-Match gave %d", f, w2.Code)
		}
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	for _, bad := range []string{"/static/nope.js", "/static/..%2fserver.go", "/static/%2e%2e%2fserver.go", "/nope", "/static/", "/../server.go", "/api/s/x/../../server.go"} {
		w := get(t, srv, bad)
		if w.Code < 300 || w.Code >= 500 || strings.Contains(w.Body.String(), "package viewer") {
			t.Errorf("%s: %d %q", bad, w.Code, w.Body.String())
		}
	}
	req := httptest.NewRequest("POST", "/api/sessions", nil)
	rw := httptest.NewRecorder()
	srv.ServeHTTP(rw, req)
	if rw.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rw.Code)
	}
}

func TestSessionsAndInfo(t *testing.T) {
	srv := newTestServer(t, true, true)
	w := get(t, srv, "/api/sessions")
	var list []SessionInfo
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || w.Code != 200 {
		t.Fatalf("%d %v %s", w.Code, err, w.Body)
	}
	if len(list) != 2 || list[0].Name != sessionA || list[1].Name != sessionB {
		t.Fatalf("sessions %+v", list)
	}
	a, b := list[0], list[1]
	if a.Species != "mouse" || a.FrameRate != 75 || b.Species != "marmoset" || b.FrameRate != 85 {
		t.Errorf("species/rate %+v %+v", a, b)
	}
	if a.Cells != 4 || a.TrainFrames != 60 || a.TestFrames != 40 || a.Repeats != 5 || a.H != 12 || a.W != 16 {
		t.Errorf("shapes %+v", a)
	}
	if !a.HasSource || a.TrainImages != 2 || a.Blocks != 3 || b.HasSource || !a.HasPred || a.PredLag != 5 || b.HasPred {
		t.Errorf("source/pred %+v %+v", a, b)
	}
	w = get(t, srv, "/api/s/"+sessionB+"/info")
	var in SessionInfo
	if err := json.Unmarshal(w.Body.Bytes(), &in); err != nil || in.Name != sessionB || len(in.Arrays) != 7 {
		t.Errorf("info %d %+v %v", w.Code, in, err)
	}
	for _, bad := range []string{"/api/s/nope/info", "/api/s/..%2F..%2Fetc%2Fpasswd/info", "/api/s/%2e%2e/info", "/api/s/" + sessionA + ".npz/info", "/api/s//info"} {
		if w := get(t, srv, bad); w.Code < 300 || w.Code >= 500 || w.Code == 304 {
			t.Errorf("%s: %d", bad, w.Code)
		}
	}
}

func TestFrames(t *testing.T) {
	srv := newTestServer(t, false, false)
	e := loadExpected(t)
	for _, c := range []struct {
		split string
		k     int
	}{{"test", 0}, {"test", 39}, {"train", 17}} {
		base := "/api/s/" + sessionB + "/frame/" + c.split + "/" + itoa(c.k)
		w := get(t, srv, base)
		if w.Code != 200 || w.Body.Len() != e.H*e.W || w.Header().Get("X-Shape") != "12,16" || w.Header().Get("X-Dtype") != "uint8" {
			t.Fatalf("%s: %d len %d %v", base, w.Code, w.Body.Len(), w.Header())
		}
		u8 := w.Body.Bytes()
		w = get(t, srv, base+"?fmt=f32")
		f := f32s(w.Body.Bytes())
		if len(f) != e.H*e.W {
			t.Fatalf("f32 len %d", len(f))
		}
		for y := range e.H {
			for x := range e.W {
				raw := rawValue(c.k, y, x, c.split == "test")
				want := (float32(raw) - float32(e.NormMean)) / float32(e.NormStd)
				if f[y*e.W+x] != want || float64(u8[y*e.W+x]) != raw {
					t.Fatalf("%s (%d,%d): f32 %v u8 %v, want %v / %v", base, y, x, f[y*e.W+x], u8[y*e.W+x], want, raw)
				}
			}
		}
	}
	base := "/api/s/" + sessionA + "/frame/test/3"
	w := get(t, srv, base)
	et := w.Header().Get("ETag")
	if et == "" || w.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("headers %v", w.Header())
	}
	if w2 := get(t, srv, base, "If-None-Match", et); w2.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", w2.Code)
	}
	// versioned URLs are immutable
	var in SessionInfo
	json.Unmarshal(get(t, srv, "/api/s/"+sessionA+"/info").Body.Bytes(), &in)
	if w := get(t, srv, base+"?v="+in.Version); !strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("versioned Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	// Range
	w3 := get(t, srv, base, "Range", "bytes=16-31")
	if w3.Code != http.StatusPartialContent || w3.Body.Len() != 16 || w3.Body.String() != w.Body.String()[16:32] {
		t.Errorf("range: %d %d", w3.Code, w3.Body.Len())
	}
	// chunk
	w = get(t, srv, "/api/s/"+sessionA+"/frames/test?from=2&to=7")
	if w.Code != 200 || w.Body.Len() != 5*e.H*e.W || w.Header().Get("X-Shape") != "5,12,16" {
		t.Fatalf("chunk %d %d %v", w.Code, w.Body.Len(), w.Header())
	}
	if got := w.Body.Bytes()[3*e.H*e.W+e.W+2]; float64(got) != rawValue(5, 1, 2, true) {
		t.Errorf("chunk pixel %d", got)
	}
	for url, code := range map[string]int{
		"/api/s/" + sessionA + "/frame/test/40":             404,
		"/api/s/" + sessionA + "/frame/test/-1":             404,
		"/api/s/" + sessionA + "/frame/test/x":              400,
		"/api/s/" + sessionA + "/frame/test/1e3":            400,
		"/api/s/" + sessionA + "/frame/bogus/1":             400,
		"/api/s/" + sessionA + "/frame/val/1":               404, // no stim_val in a prepare output
		"/api/s/" + sessionA + "/frame/test/1?fmt=png":      400,
		"/api/s/nope/frame/test/1":                          404,
		"/api/s/" + sessionA + "/frames/test?from=0&to=41":  404,
		"/api/s/" + sessionA + "/frames/test?from=5&to=5":   404,
		"/api/s/" + sessionA + "/frames/test?from=a&to=5":   400,
		"/api/s/" + sessionA + "/frames/train?from=0&to=60": 200,
	} {
		if w := get(t, srv, url); w.Code != code {
			t.Errorf("%s: %d, want %d (%s)", url, w.Code, code, w.Body)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestCellsEndpoints(t *testing.T) {
	srv := newTestServer(t, true, false)
	e := loadExpected(t)
	w := get(t, srv, "/api/s/"+sessionA+"/raster/2")
	if w.Code != 200 || w.Header().Get("X-Shape") != "5,40" {
		t.Fatalf("raster %d %v", w.Code, w.Header())
	}
	r := f32s(w.Body.Bytes())
	avg := f32s(get(t, srv, "/api/s/"+sessionA+"/avg/test/2").Body.Bytes())
	if len(avg) != e.TF {
		t.Fatalf("avg len %d", len(avg))
	}
	for ti := range e.TF {
		s := 0.0
		for k := range e.K {
			s += float64(r[k*e.TF+ti])
			if r[k*e.TF+ti] != float32(math.Round(float64(r[k*e.TF+ti]))) {
				t.Fatalf("raster value %v is not a count", r[k*e.TF+ti])
			}
		}
		if math.Abs(s/float64(e.K)-float64(avg[ti])) > 1e-6 {
			t.Fatalf("raster mean %v != avg %v at %d", s/float64(e.K), avg[ti], ti)
		}
	}
	if w := get(t, srv, "/api/s/"+sessionA+"/avg/train/0"); w.Code != 200 || w.Header().Get("X-Shape") != "60" {
		t.Errorf("train avg %d %v", w.Code, w.Header())
	}
	p := f32s(get(t, srv, "/api/s/"+sessionA+"/pred/1").Body.Bytes())
	if len(p) != e.TF || !math.IsNaN(float64(p[e.Lag-1])) || math.IsNaN(float64(p[e.Lag])) {
		t.Errorf("pred len %d lag values %v %v", len(p), p[e.Lag-1], p[e.Lag])
	}
	if w := get(t, srv, "/api/s/"+sessionB+"/pred/1"); w.Code != 404 {
		t.Errorf("pred of a session without prediction: %d", w.Code)
	}
	for _, u := range []string{"/raster/4", "/raster/-1", "/avg/test/9", "/pred/4"} {
		if w := get(t, srv, "/api/s/"+sessionA+u); w.Code != 404 {
			t.Errorf("%s: %d", u, w.Code)
		}
	}
	if w := get(t, srv, "/api/s/"+sessionA+"/raster/one"); w.Code != 400 {
		t.Errorf("raster/one: %d", w.Code)
	}
	// the cell table against numpy (gen_session.py)
	var tab CellTable
	w = get(t, srv, "/api/s/"+sessionA+"/cells")
	if err := json.Unmarshal(w.Body.Bytes(), &tab); err != nil || len(tab.Cells) != e.N || !tab.HasPred || tab.PredLag != e.Lag {
		t.Fatalf("cells %d %v %+v", w.Code, err, tab)
	}
	for n, c := range tab.Cells {
		if c.Index != n || math.Abs(c.VarRatio-e.VarRatioPred[n]) > 1e-9 || c.FEVE == nil || math.Abs(*c.FEVE-e.FEVE[n]) > 1e-9 || math.Abs(*c.Corr-e.Corr[n]) > 1e-9 {
			t.Errorf("cell %d: %+v (feve %v corr %v), want vr %v feve %v corr %v", n, c, *c.FEVE, *c.Corr, e.VarRatioPred[n], e.FEVE[n], e.Corr[n])
		}
	}
	tab = CellTable{}
	json.Unmarshal(get(t, srv, "/api/s/"+sessionB+"/cells").Body.Bytes(), &tab)
	if tab.HasPred || tab.Cells[0].FEVE != nil || math.Abs(tab.Cells[0].VarRatio-e.VarRatioFull[0]) > 1e-9 {
		t.Errorf("session B cells %+v", tab)
	}
}

func TestSourceEndpoints(t *testing.T) {
	srv := newTestServer(t, false, true)
	w := get(t, srv, "/api/s/"+sessionA+"/fix/test")
	if w.Code != 200 || w.Header().Get("X-Shape") != "40,3" {
		t.Fatalf("fix %d %v", w.Code, w.Header())
	}
	b := w.Body.Bytes()
	for k := range 40 {
		f := fakeFix(k)
		for c := range 3 {
			if int32(binary.LittleEndian.Uint32(b[12*k+4*c:])) != f[c] {
				t.Fatalf("fix %d", k)
			}
		}
	}
	w = get(t, srv, "/api/s/"+sessionA+"/image/test/2")
	if w.Code != 200 || w.Header().Get("X-Shape") != "40,50" || w.Body.Bytes()[3*50+7] != fakePixel(2, 3, 7) {
		t.Fatalf("image %d %v", w.Code, w.Header())
	}
	for u, code := range map[string]int{
		"/api/s/" + sessionA + "/image/test/0":      404,
		"/api/s/" + sessionA + "/image/test/3":      404,
		"/api/s/" + sessionA + "/image/test/x":      400,
		"/api/s/" + sessionA + "/image/what/1":      400,
		"/api/s/" + sessionB + "/image/test/1":      404,
		"/api/s/" + sessionB + "/fix/test":          404,
		"/api/s/" + sessionA + "/fix/../../etc":     307, // cleaned and redirected inside the API
		"/api/s/" + sessionA + "/fix/..%2f..%2fetc": 400,
	} {
		if w := get(t, srv, u); w.Code != code {
			t.Errorf("%s: %d want %d", u, w.Code, code)
		}
	}
}

func TestSemanticsDiff(t *testing.T) {
	// hand-worked: gaze x=380 puts image column 0 at screen column 20
	// (c + x - 400 = 0); openretina paints column 19 with the last column.
	for _, c := range []struct{ x, y, row, col int }{
		{380, 290, 9, 19},  // top-left corner inside the screen
		{400, 300, -1, -1}, // image (1,1) at the centre... column 0 at screen 0: agree
		{401, 301, -1, -1}, // image starts left/above the screen: agree
		{399, 299, 0, 0},   // image starts at screen row/col 1: the port paints row/col 0
		{1, 1, 298, 398},   // image starts at the screen centre
		{-399, -299, 598, 798},
		{-400, -300, 599, 799}, // image starts past the screen: only the port paints
		{-401, -301, -1, -1},
	} {
		r, col := SemanticsDiff(c.x, c.y, 100, 100)
		if r != c.row || col != c.col {
			t.Errorf("SemanticsDiff(%d, %d) = %d, %d; want %d, %d", c.x, c.y, r, col, c.row, c.col)
		}
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(Options{Path: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "retinaio prepare") {
		t.Errorf("empty folder: %v", err)
	}
	if _, err := New(Options{Path: fixturePred}); err == nil {
		t.Error("prediction file opened as a session")
	}
	d := prepDir(t)
	testutil.CopyFile(t, fixturePred, filepath.Join(d, "pred.npz"))
	var warned []string
	srv, err := New(Options{Path: d, Logf: func(f string, a ...any) { warned = append(warned, f) }})
	if err != nil || len(srv.Sessions()) != 2 || len(warned) != 1 {
		t.Errorf("folder with a non-session npz: %v %v %v", err, srv, warned)
	}
	srv.Close()
	// prediction of the wrong shape: session B has 4 cells too, but pass
	// the session file itself (no pred_test)
	if _, err := New(Options{Path: fixtureA, Pred: fixtureB}); err == nil || !strings.Contains(err.Error(), "pred_test") {
		t.Errorf("pred without pred_test: %v", err)
	}
	// several sessions, a prediction file named after none of them
	if _, err := New(Options{Path: d, Pred: fixturePred}); err == nil || !strings.Contains(err.Error(), "which session") {
		t.Errorf("ambiguous pred: %v", err)
	}
	srv, err = New(Options{Path: fixtureA, Pred: fixturePred})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
}

func TestListenChecks(t *testing.T) {
	for addr, lb := range map[string]bool{"127.0.0.1:8080": true, "localhost:0": true, "[::1]:80": true, ":8080": false, "0.0.0.0:1": false, "10.0.0.1:80": false, "nonsense": false} {
		if IsLoopback(addr) != lb {
			t.Errorf("IsLoopback(%q) = %v", addr, !lb)
		}
	}
	if _, err := CheckAddr("0.0.0.0:80", false); err == nil {
		t.Error("non-loopback accepted without --allow-remote")
	}
	if w, err := CheckAddr("0.0.0.0:80", true); err != nil || w == "" {
		t.Errorf("allow-remote: %q %v", w, err)
	}
	if w, err := CheckAddr("127.0.0.1:0", false); err != nil || w != "" {
		t.Errorf("loopback: %q %v", w, err)
	}
	if _, err := CheckAddr("8080", false); err == nil {
		t.Error("bad address accepted")
	}
	srv := newTestServer(t, false, false)
	h := LoopbackHostOnly(srv)
	for host, code := range map[string]int{"127.0.0.1:8080": 200, "localhost": 200, "[::1]:9": 200, "evil.example": 403, "evil.example:8080": 403, "10.1.1.1": 403} {
		req := httptest.NewRequest("GET", "/api/sessions", nil)
		req.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != code {
			t.Errorf("Host %s: %d, want %d", host, w.Code, code)
		}
	}
}

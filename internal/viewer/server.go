// Package viewer serves a local, self-contained web page for looking at
// prepared retina recordings: the prepared train/test movies frame by frame,
// the full-resolution source image with the 600x800 screen window and the
// gaze point (when the session's .mat file is available), the difference
// between openretina's and MATLAB's fixation semantics, each cell's test
// raster and trial-averaged rate with a moving time cursor, an optional
// model prediction, and a sortable cell table.
//
// The page is plain HTML, JavaScript and canvas embedded in the binary; it
// makes no request outside the server. Data are fetched lazily from JSON and
// binary endpoints (see Handler), read from the .npz files on demand, so
// the server's memory stays bounded whatever the session size.
package viewer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/retinaio/retinaio/internal/render"
	"github.com/retinaio/retinaio/prepared"
)

//go:embed static
var staticFS embed.FS

// Options configure a Server.
type Options struct {
	// Path is a prepared session file (.npz) or a folder of them (the
	// output of 'retinaio prepare').
	Path string
	// Pred is an optional prediction file (.npz with pred_test (N, T')) or a
	// folder of <session>.npz prediction files.
	Pred string
	// Sources optionally opens the full-resolution stimulus of a session
	// (nil: none). It is called once per session, lazily.
	Sources func(session string) (Source, error)
	// Logf, when set, receives warnings (skipped files, missing sources),
	// possibly from several goroutines (the HTTP handlers).
	Logf func(format string, a ...any)
	// MaxInflight bounds the API requests served at once (default
	// DefaultMaxInflight); MemoryBudget bounds the working memory they
	// reserve (default DefaultMemoryBudget); a request waits at most
	// QueueWait (default DefaultQueueWait) for both, else it is answered
	// 503 with Retry-After.
	MaxInflight  int
	MemoryBudget int64
	QueueWait    time.Duration
	// StallTimeout (default StallTimeout) cuts a frames answer whose
	// client takes no bytes for that long.
	StallTimeout time.Duration
}

// Server serves the viewer. Create it with New; it is an http.Handler.
type Server struct {
	opts     Options
	sessions map[string]*session
	names    []string
	mux      *http.ServeMux
	static   map[string]staticFile
	budget   *budget
	streams  atomic.Int64 // frames answers being written
}

type staticFile struct {
	data  []byte
	etag  string
	ctype string
}

type session struct {
	s       *render.Session
	version string // file size + mtime: part of every ETag
	pred    *render.Arrays
	predLag int

	once  sync.Once
	stats []CellStats
	err   error

	srcOnce sync.Once
	src     Source
	srcErr  error
	getSrc  func() (Source, error)
}

// MaxChunkFrames bounds the frames returned by one /frames request.
const MaxChunkFrames = 512

// New opens the sessions under opts.Path (files that are not prepared
// sessions are skipped with a warning).
func New(opts Options) (*Server, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.MaxInflight <= 0 {
		opts.MaxInflight = DefaultMaxInflight
	}
	if opts.MemoryBudget <= 0 {
		opts.MemoryBudget = DefaultMemoryBudget
	}
	if opts.QueueWait <= 0 {
		opts.QueueWait = DefaultQueueWait
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = StallTimeout
	}
	st, err := os.Stat(opts.Path)
	if err != nil {
		return nil, err
	}
	var files []string
	if st.IsDir() {
		ents, err := os.ReadDir(opts.Path)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".npz") {
				continue
			}
			p := filepath.Join(opts.Path, e.Name())
			// Only regular files (links followed) are opened: a FIFO
			// would block the start forever.
			if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
				opts.Logf("skipping %s: not a regular file", p)
				continue
			}
			files = append(files, p)
		}
	} else {
		files = []string{opts.Path}
	}
	srv := &Server{opts: opts, sessions: map[string]*session{}, budget: newBudget(opts.MaxInflight, opts.MemoryBudget)}
	for _, f := range files {
		s, err := render.Open(f)
		if err != nil {
			if !st.IsDir() {
				return nil, err
			}
			opts.Logf("skipping %s: %v", f, err)
			continue
		}
		fi, err := os.Stat(f)
		if err != nil {
			s.Close()
			return nil, err
		}
		ss := &session{s: s, version: fmt.Sprintf("%x-%x", fi.Size(), fi.ModTime().UnixNano())}
		srv.sessions[s.Name] = ss
		srv.names = append(srv.names, s.Name)
	}
	if len(srv.names) == 0 {
		srv.Close()
		return nil, fmt.Errorf("%s: no prepared session (.npz with stim_train/stim_test) found; run 'retinaio prepare ROOT --out DIR' and view DIR", opts.Path)
	}
	sort.Strings(srv.names)
	if opts.Pred != "" {
		if err := srv.attachPred(opts.Pred); err != nil {
			srv.Close()
			return nil, err
		}
	}
	for name, ss := range srv.sessions {
		name := name
		ss.getSrc = func() (Source, error) {
			if opts.Sources == nil {
				return nil, nil
			}
			return opts.Sources(name)
		}
	}
	if err := srv.loadStatic(); err != nil {
		srv.Close()
		return nil, err
	}
	srv.routes()
	return srv, nil
}

func (srv *Server) attachPred(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	pick := map[string]string{}
	if st.IsDir() {
		for _, n := range srv.names {
			p := filepath.Join(path, n+".npz")
			if _, err := os.Stat(p); err == nil {
				pick[n] = p
			}
		}
	} else if len(srv.names) == 1 {
		pick[srv.names[0]] = path
	} else {
		for _, n := range srv.names {
			if strings.Contains(filepath.Base(path), n) {
				pick[n] = path
			}
		}
	}
	if len(pick) == 0 {
		return fmt.Errorf("--pred %s: cannot tell which session it belongs to; with several sessions, name the file after the session or pass a folder of <session>.npz", path)
	}
	for n, p := range pick {
		ss := srv.sessions[n]
		a, err := render.OpenArrays(p)
		if err != nil {
			return err
		}
		sh := a.Shape(prepared.KeyPredTest)
		if len(sh) != 2 {
			a.Close()
			return fmt.Errorf("%s: want a pred_test array of shape (N, T'); found arrays without it or of shape %v", p, sh)
		}
		if sh[0] != ss.s.Cells || sh[1] > ss.s.TestFrames || sh[1] < 2 {
			a.Close()
			return fmt.Errorf("%s: pred_test has shape %v but session %s has %d cells and %d test frames", p, sh, n, ss.s.Cells, ss.s.TestFrames)
		}
		ss.pred = a
		ss.predLag = ss.s.TestFrames - sh[1]
	}
	return nil
}

func (srv *Server) loadStatic() error {
	srv.static = map[string]staticFile{}
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		h := sha256.Sum256(b)
		ct := "application/octet-stream"
		switch filepath.Ext(p) {
		case ".html":
			ct = "text/html; charset=utf-8"
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".png":
			ct = "image/png"
		}
		srv.static[strings.TrimPrefix(p, "static/")] = staticFile{b, `"` + hex.EncodeToString(h[:8]) + `"`, ct}
		return nil
	})
}

// Close closes every session file.
func (srv *Server) Close() error {
	for _, ss := range srv.sessions {
		ss.s.Close()
		if ss.pred != nil {
			ss.pred.Close()
		}
		if ss.src != nil {
			ss.src.Close()
		}
	}
	return nil
}

// Sessions lists the session names, sorted.
func (srv *Server) Sessions() []string { return append([]string(nil), srv.names...) }

// ServeHTTP serves the page and the API.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'")
	srv.mux.ServeHTTP(w, r)
}

// routes: every endpoint is GET (HEAD too) and read-only.
//
//	/                                   the page
//	/static/{file}                      page assets
//	/api/sessions                       JSON list of sessions
//	/api/s/{name}/info                  JSON details of one session
//	/api/s/{name}/frame/{split}/{k}     one frame: ?fmt=u8 (default) or f32, row major
//	/api/s/{name}/frames/{split}        frames ?from=A&to=B (at most MaxChunkFrames), concatenated
//	/api/s/{name}/raster/{n}            cell n's test repeats, float32 (K, T)
//	/api/s/{name}/avg/{split}/{n}       cell n's response (test: trial average), float32 (T,)
//	/api/s/{name}/pred/{n}              cell n's prediction, float32 (Tf,), NaN before the lag
//	/api/s/{name}/cells                 JSON cell table (reliability, FEVE, correlation)
//	/api/s/{name}/fix/{split}           fixations, int32 (T, 3): image (1-based), x, y
//	/api/s/{name}/image/{split}/{idx}   source image idx (1-based), uint8 (rows, cols)
//
// Binary responses carry X-Shape (comma separated) and X-Dtype headers.
func (srv *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { srv.serveStatic(w, r, "index.html") })
	m.HandleFunc("GET /static/{file}", func(w http.ResponseWriter, r *http.Request) { srv.serveStatic(w, r, r.PathValue("file")) })
	m.HandleFunc("GET /api/sessions", func(w http.ResponseWriter, r *http.Request) {
		srv.limited(fixedWeight, func(w http.ResponseWriter, r *http.Request, _ *session) { srv.handleSessions(w, r) })(w, r, nil)
	})
	m.HandleFunc("GET /api/s/{name}/info", srv.withSession(srv.handleInfo))
	m.HandleFunc("GET /api/s/{name}/frame/{split}/{k}", srv.withSessionWeight(nil, srv.handleFrame))
	m.HandleFunc("GET /api/s/{name}/frames/{split}", srv.withSessionWeight(nil, srv.handleFrames))
	m.HandleFunc("GET /api/s/{name}/raster/{n}", srv.withSession(srv.handleRaster))
	m.HandleFunc("GET /api/s/{name}/avg/{split}/{n}", srv.withSession(srv.handleAvg))
	m.HandleFunc("GET /api/s/{name}/pred/{n}", srv.withSession(srv.handlePred))
	m.HandleFunc("GET /api/s/{name}/cells", srv.withSession(srv.handleCells))
	m.HandleFunc("GET /api/s/{name}/fix/{split}", srv.withSession(srv.handleFix))
	m.HandleFunc("GET /api/s/{name}/image/{split}/{idx}", srv.withSession(srv.handleImage))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			httpError(w, http.StatusMethodNotAllowed, "only GET is served")
			return
		}
		httpError(w, http.StatusNotFound, "no such page or endpoint: "+r.URL.Path)
	})
	srv.mux = m
}

func (srv *Server) serveStatic(w http.ResponseWriter, r *http.Request, name string) {
	f, ok := srv.static[name]
	if !ok {
		httpError(w, http.StatusNotFound, "no such file")
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", f.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}

type apiError struct {
	Error string `json:"error"`
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(apiError{msg})
}

type sessionHandler func(w http.ResponseWriter, r *http.Request, ss *session)

func (srv *Server) withSession(h sessionHandler) http.HandlerFunc {
	return srv.withSessionWeight(fixedWeight, h)
}

// withSessionWeight is withSession with the request's reservation of the
// memory budget (see limited).
func (srv *Server) withSessionWeight(weight func(*http.Request, *session) int64, h sessionHandler) http.HandlerFunc {
	if weight != nil {
		h = srv.limited(weight, h)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		ss, ok := srv.sessions[name] // a map lookup: names never become paths
		if !ok {
			httpError(w, http.StatusNotFound, fmt.Sprintf("unknown session %q", name))
			return
		}
		h(w, r, ss)
	}
}

func (ss *session) source() (Source, error) {
	ss.srcOnce.Do(func() {
		ss.src, ss.srcErr = ss.getSrc()
	})
	return ss.src, ss.srcErr
}

// SessionInfo is the JSON description of a session.
type SessionInfo struct {
	Name        string   `json:"name"`
	Species     string   `json:"species"`
	FrameRate   float64  `json:"frame_rate"`
	Cells       int      `json:"cells"`
	TrainFrames int      `json:"train_frames"`
	TestFrames  int      `json:"test_frames"`
	Repeats     int      `json:"repeats"`
	H           int      `json:"h"`
	W           int      `json:"w"`
	HasNorm     bool     `json:"has_norm"`
	NormMean    float64  `json:"norm_mean"`
	NormStd     float64  `json:"norm_std"`
	Version     string   `json:"version"`
	Arrays      []string `json:"arrays,omitempty"`
	HasPred     bool     `json:"has_pred"`
	PredLag     int      `json:"pred_lag"`
	// Source (full-resolution stimulus) details, when found.
	HasSource   bool   `json:"has_source"`
	SourceError string `json:"source_error,omitempty"`
	Blocks      int    `json:"blocks,omitempty"`
	TrainImages int    `json:"train_images,omitempty"`
	TestImages  int    `json:"test_images,omitempty"`
	ImageRows   int    `json:"image_rows,omitempty"`
	ImageCols   int    `json:"image_cols,omitempty"`
	ScreenRows  int    `json:"screen_rows"`
	ScreenCols  int    `json:"screen_cols"`
}

func (ss *session) info(withSource bool, ctx context.Context) SessionInfo {
	s := ss.s
	in := SessionInfo{Name: s.Name, Species: s.Species, FrameRate: s.FrameRate, Cells: s.Cells,
		TrainFrames: s.TrainFrames, TestFrames: s.TestFrames, Repeats: s.Trials, H: s.H, W: s.W,
		HasNorm: s.HasNorm, NormMean: s.NormMean, NormStd: s.NormStd, Version: ss.version,
		HasPred: ss.pred != nil, PredLag: ss.predLag, ScreenRows: ScreenRows, ScreenCols: ScreenCols}
	if !withSource {
		return in
	}
	in.Arrays = s.Arrays()
	src, err := ss.source()
	if err != nil {
		in.SourceError = err.Error()
	}
	if src == nil {
		return in
	}
	n, rows, cols, err := src.Images(ctx, render.Train)
	if err != nil {
		in.SourceError = err.Error()
		return in
	}
	nt, _, _, err := src.Images(ctx, render.Test)
	if err != nil {
		in.SourceError = err.Error()
		return in
	}
	in.HasSource, in.TrainImages, in.TestImages, in.ImageRows, in.ImageCols = true, n, nt, rows, cols
	if b, _, err := src.Blocks(ctx); err == nil {
		in.Blocks = b
	}
	return in
}

func (srv *Server) handleSessions(w http.ResponseWriter, r *http.Request) {
	list := make([]SessionInfo, 0, len(srv.names))
	for _, n := range srv.names {
		list = append(list, srv.sessions[n].info(true, r.Context()))
	}
	writeJSON(w, r, list)
}

func (srv *Server) handleInfo(w http.ResponseWriter, r *http.Request, ss *session) {
	writeJSON(w, r, ss.info(true, r.Context()))
}

func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	h := sha256.Sum256(b)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", `"`+hex.EncodeToString(h[:8])+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

// writeBinary serves computed bytes with an ETag tied to the session file's
// identity, long-lived caching when the URL carries ?v=<version>, and Range
// support (http.ServeContent).
func writeBinary(w http.ResponseWriter, r *http.Request, ss *session, key string, dtype string, shape []int, body any) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Dtype", dtype)
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	w.Header().Set("X-Shape", strings.Join(parts, ","))
	w.Header().Set("Access-Control-Expose-Headers", "X-Shape, X-Dtype")
	w.Header().Set("ETag", `"`+ss.version+"-"+key+`"`)
	if r.URL.Query().Get("v") == ss.version {
		w.Header().Set("Cache-Control", "private, max-age=86400, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	var rs io.ReadSeeker
	switch b := body.(type) {
	case []byte:
		rs = bytes.NewReader(b)
	case io.ReadSeeker:
		rs = b
	}
	http.ServeContent(w, r, "", time.Time{}, rs)
}

func parseSplit(w http.ResponseWriter, r *http.Request) (render.Split, bool) {
	sp, err := render.ParseSplit(r.PathValue("split"))
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return "", false
	}
	return sp, true
}

// parseIndex parses a 0-based index below n.
func parseIndex(w http.ResponseWriter, what, s string, n int) (int, bool) {
	k, err := strconv.Atoi(s)
	if err != nil {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("%s %q is not an integer", what, s))
		return 0, false
	}
	if k < 0 || k >= n {
		httpError(w, http.StatusNotFound, fmt.Sprintf("%s %d out of range 0..%d", what, k, n-1))
		return 0, false
	}
	return k, true
}

func parseFmt(w http.ResponseWriter, r *http.Request) (string, bool) {
	f := r.URL.Query().Get("fmt")
	switch f {
	case "", "u8":
		return "u8", true
	case "f32":
		return "f32", true
	}
	httpError(w, http.StatusBadRequest, fmt.Sprintf("fmt %q: use u8 or f32", f))
	return "", false
}

func (srv *Server) handleFrame(w http.ResponseWriter, r *http.Request, ss *session) {
	sp, ok := parseSplit(w, r)
	if !ok {
		return
	}
	k, ok := parseIndex(w, "frame", r.PathValue("k"), ss.s.Frames(sp))
	if !ok {
		return
	}
	format, ok := parseFmt(w, r)
	if !ok {
		return
	}
	srv.writeFrames(w, r, ss, sp, k, k+1, format, fmt.Sprintf("frame-%s-%d-%s", sp, k, format), []int{ss.s.H, ss.s.W})
}

func (srv *Server) handleFrames(w http.ResponseWriter, r *http.Request, ss *session) {
	sp, ok := parseSplit(w, r)
	if !ok {
		return
	}
	n := ss.s.Frames(sp)
	q := r.URL.Query()
	from, err1 := strconv.Atoi(q.Get("from"))
	to, err2 := strconv.Atoi(q.Get("to"))
	if err1 != nil || err2 != nil {
		httpError(w, http.StatusBadRequest, "from and to must be integers")
		return
	}
	if from < 0 || to > n || from >= to {
		httpError(w, http.StatusNotFound, fmt.Sprintf("frames %d:%d outside 0:%d", from, to, n))
		return
	}
	if to-from > MaxChunkFrames {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("at most %d frames per request", MaxChunkFrames))
		return
	}
	format, ok := parseFmt(w, r)
	if !ok {
		return
	}
	srv.writeFrames(w, r, ss, sp, from, to, format, fmt.Sprintf("frames-%s-%d-%d-%s", sp, from, to, format), []int{to - from, ss.s.H, ss.s.W})
}

// writeFrames answers with frames [from, to) of split sp in format ("u8"
// or "f32") as a binary array named name of the given shape, streamed
// frame by frame (frameReader).
func (srv *Server) writeFrames(w http.ResponseWriter, r *http.Request, ss *session, sp render.Split, from, to int, format, name string, shape []int) {
	srv.streams.Add(1)
	defer srv.streams.Add(-1)
	fr := newFrameReader(ss.s, sp, from, to, format == "f32")
	fr.b = srv.budget
	// The first frame waits at most QueueWait for the budget (503 when
	// busy); errors come before the status line.
	ctx, cancel := context.WithTimeout(r.Context(), srv.opts.QueueWait)
	fr.ctx = ctx
	err := fr.load(0)
	cancel()
	if errors.Is(err, errBusy) {
		w.Header().Set("Retry-After", "1")
		httpError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	fr.ctx = r.Context()
	dt := "uint8"
	if format == "f32" {
		dt = "float32"
	}
	sw := &stallWriter{ResponseWriter: w, rc: http.NewResponseController(w), timeout: srv.opts.StallTimeout}
	writeBinary(sw, r, ss, name, dt, shape, fr)
}

func f32bytes(rows ...[]float64) []byte {
	n := 0
	for _, r := range rows {
		n += len(r)
	}
	b := make([]byte, 0, 4*n)
	for _, r := range rows {
		for _, v := range r {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v)))
		}
	}
	return b
}

func (srv *Server) cell(w http.ResponseWriter, r *http.Request, ss *session) (int, bool) {
	if ss.s.Cells == 0 {
		httpError(w, http.StatusNotFound, "this session has no responses")
		return 0, false
	}
	return parseIndex(w, "cell", r.PathValue("n"), ss.s.Cells)
}

func (srv *Server) handleRaster(w http.ResponseWriter, r *http.Request, ss *session) {
	n, ok := srv.cell(w, r, ss)
	if !ok {
		return
	}
	if ss.s.Trials == 0 {
		httpError(w, http.StatusNotFound, "no resp_test_by_trial in this session")
		return
	}
	tr, err := ss.s.CellTrials(n)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeBinary(w, r, ss, fmt.Sprintf("raster-%d", n), "float32", []int{len(tr), ss.s.TestFrames}, f32bytes(tr...))
}

func (srv *Server) handleAvg(w http.ResponseWriter, r *http.Request, ss *session) {
	sp, ok := parseSplit(w, r)
	if !ok {
		return
	}
	n, ok := srv.cell(w, r, ss)
	if !ok {
		return
	}
	v, err := ss.s.CellResponse(sp, n)
	if err != nil {
		httpError(w, http.StatusNotFound, err.Error())
		return
	}
	writeBinary(w, r, ss, fmt.Sprintf("avg-%s-%d", sp, n), "float32", []int{len(v)}, f32bytes(v))
}

func (srv *Server) handlePred(w http.ResponseWriter, r *http.Request, ss *session) {
	if ss.pred == nil {
		httpError(w, http.StatusNotFound, "no prediction loaded (start the viewer with --pred PRED.npz)")
		return
	}
	n, ok := srv.cell(w, r, ss)
	if !ok {
		return
	}
	p, err := ss.pred.ReadRow(prepared.KeyPredTest, n)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	full := make([]float64, ss.s.TestFrames)
	for t := range full {
		if t < ss.predLag {
			full[t] = math.NaN()
		} else {
			full[t] = p[t-ss.predLag]
		}
	}
	writeBinary(w, r, ss, fmt.Sprintf("pred-%d", n), "float32", []int{len(full)}, f32bytes(full))
}

// CellTable is the JSON of /cells.
type CellTable struct {
	Cells   []CellStats `json:"cells"`
	HasPred bool        `json:"has_pred"`
	PredLag int         `json:"pred_lag"`
	// Source says where the numbers come from.
	Source string `json:"source"`
}

func (srv *Server) handleCells(w http.ResponseWriter, r *http.Request, ss *session) {
	ss.once.Do(func() {
		var pred [][]float64
		if ss.pred != nil {
			for n := range ss.s.Cells {
				p, err := ss.pred.ReadRow(prepared.KeyPredTest, n)
				if err != nil {
					ss.err = err
					return
				}
				pred = append(pred, p)
			}
		}
		ss.stats, ss.err = ComputeCellStats(ss.s, pred)
	})
	if ss.err != nil {
		httpError(w, http.StatusInternalServerError, ss.err.Error())
		return
	}
	writeJSON(w, r, CellTable{Cells: ss.stats, HasPred: ss.pred != nil, PredLag: ss.predLag,
		Source: "openretina's formulas (var ratio, FEVE, correlation to the trial average), computed with package metrics"})
}

var errNoSource = errors.New("no source .mat for this session (start the viewer with --data ROOT)")

// splitSource parses the request's split and returns it with the session's
// source .mat reader; when ok is false it has answered the request itself
// (400 for a bad split, 404 when the session has no source).
func splitSource(w http.ResponseWriter, r *http.Request, ss *session) (sp render.Split, src Source, ok bool) {
	if sp, ok = parseSplit(w, r); !ok {
		return "", nil, false
	}
	src, err := ss.source()
	if err == nil && src == nil {
		err = errNoSource
	}
	if err != nil {
		httpError(w, http.StatusNotFound, err.Error())
		return "", nil, false
	}
	return sp, src, true
}

func (srv *Server) handleFix(w http.ResponseWriter, r *http.Request, ss *session) {
	sp, src, ok := splitSource(w, r, ss)
	if !ok {
		return
	}
	fx, err := src.Fixations(r.Context(), sp)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	b := make([]byte, 0, 12*len(fx))
	for _, f := range fx {
		for _, v := range f {
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		}
	}
	writeBinary(w, r, ss, "fix-"+string(sp), "int32", []int{len(fx), 3}, b)
}

func (srv *Server) handleImage(w http.ResponseWriter, r *http.Request, ss *session) {
	sp, src, ok := splitSource(w, r, ss)
	if !ok {
		return
	}
	n, _, _, err := src.Images(r.Context(), sp)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	idx, err := strconv.Atoi(r.PathValue("idx"))
	if err != nil {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("image %q is not an integer", r.PathValue("idx")))
		return
	}
	if idx < 1 || idx > n {
		httpError(w, http.StatusNotFound, fmt.Sprintf("image %d out of range 1..%d (image indices are 1-based, as in the fixations)", idx, n))
		return
	}
	rows, cols, pix, err := src.Image(r.Context(), sp, idx)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeBinary(w, r, ss, fmt.Sprintf("image-%s-%d", sp, idx), "uint8", []int{rows, cols}, pix)
}

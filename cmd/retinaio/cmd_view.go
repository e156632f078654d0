package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/retinaio/retinaio/internal/safetext"

	"github.com/retinaio/retinaio/hub"
	"github.com/retinaio/retinaio/internal/viewer"
	"github.com/retinaio/retinaio/internal/viewer/matsource"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/prepare"
	"github.com/retinaio/retinaio/prepared"
)

func init() {
	register(&command{
		name:    "view",
		summary: "look at prepared sessions in a local web page (movie, source, responses)",
		usage: `retinaio view PATH [--addr 127.0.0.1:8080] [--open] [--pred PRED.npz] [--data ROOT] [--allow-remote]

Serves a self-contained page (no external requests, works offline) for a
'retinaio prepare' output folder, one prepared SESSION.npz, or raw data (a
data root, a session folder or zip: its sessions are prepared first with the
default settings into the cache folder, which takes seconds, and the data
root is used for the source images): the train and
test movies frame by frame, each cell's test raster and trial-averaged rate
with a moving time cursor, a sortable cell table (reliability, and FEVE and
correlation with --pred), and, when the sessions' fixationmovie_data.mat
files are found (--data ROOT, or the manifest's source paths), the
full-resolution source image with the 600x800 screen window, the gaze point
and the rows/columns where openretina's and MATLAB's semantics differ.

The server binds to loopback only; any other --addr needs --allow-remote.`,
		run: runView,
	})
}

func runView(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["view"]
	fs := newFlagSet(c, stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free port)")
	open := fs.Bool("open", false, "open the page in the default browser")
	pred := fs.String("pred", "", "prediction file (.npz with pred_test (N, T')) or a folder of <session>.npz")
	data := fs.String("data", "", "data root with the session folders (for source images and fixations)")
	remote := fs.Bool("allow-remote", false, "allow a non-loopback --addr")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "one PATH (a prepare output folder, a SESSION.npz, or raw data)"); err != nil {
		return err
	}
	warn, err := viewer.CheckAddr(*addr, *remote)
	if err != nil {
		return err
	}
	if warn != "" {
		fmt.Fprintln(stderr, safetext.Message(warn)) // names --addr
	}
	root, dataRoot, err := viewRoot(ctx, pos[0], *data, stderr)
	if err != nil {
		return err
	}
	srv, err := viewer.New(viewer.Options{
		Path:    root,
		Pred:    *pred,
		Logf:    messageLogger(stderr, "retinaio view: "),
		Sources: matSources(dataRoot, manifestSources(root)),
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	return serve(ctx, srv, *addr, *open, stdout, stderr)
}

// matSources finds a session's fixationmovie_data.mat below the data root,
// else where the manifest says it came from, and opens it as the viewer's
// source; (nil, nil) when there is none.
func matSources(dataRoot string, manifest map[string]string) func(string) (viewer.Source, error) {
	return func(name string) (viewer.Source, error) {
		p := viewer.FindMatSource(dataRoot, name)
		if p == "" {
			p = manifest[name]
		}
		if p == "" {
			return nil, nil
		}
		return matsource.Open(p)
	}
}

// serve serves the viewer on addr until ctx ends (loopback addresses only
// answer requests for a loopback host name).
func serve(ctx context.Context, srv *viewer.Server, addr string, open bool, stdout, stderr io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	var h http.Handler = srv
	if viewer.IsLoopback(addr) {
		h = viewer.LoopbackHostOnly(srv)
	}
	hs := viewer.NewHTTPServer(h)
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(stdout, "retinaio view: %d session(s) at %s (Ctrl-C to stop)\n", len(srv.Sessions()), url)
	if open {
		openBrowser(url, stderr)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
		return nil
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

// manifestSources maps session names to the .mat paths recorded in a
// prepare output's manifest.json, when it has any (format-agnostic: any
// string ending in fixationmovie_data.mat whose path names the session).
func manifestSources(root string) map[string]string {
	out := map[string]string{}
	dir, only := root, ""
	if st, err := os.Stat(root); err != nil {
		return out
	} else if !st.IsDir() {
		// One prepared SESSION.npz: its folder's manifest.
		dir, only = filepath.Dir(root), strings.TrimSuffix(filepath.Base(root), ".npz")
	}
	// Read leniently (any JSON with sessions and their stimulus sources).
	b, err := os.ReadFile(filepath.Join(dir, prepared.ManifestName))
	if err != nil {
		return out
	}
	var man prepared.Manifest
	if json.Unmarshal(b, &man) != nil {
		return out
	}
	for _, s := range man.Sessions {
		if only != "" && s.Name != only {
			continue
		}
		if p := sourceMat(s.StimulusSource, dir); p != "" {
			out[s.Name] = p
		}
	}
	return out
}

// sourceMat turns a manifest's stimulus source into the .mat holding the
// images: the .mat itself, or the one a stimulus cache (.npz) sits next to
// (karamanlis.DataFileOfCache). "" when it cannot be found.
func sourceMat(src, dir string) string {
	if src == "" {
		return ""
	}
	if !filepath.IsAbs(src) {
		src = filepath.Join(dir, src)
	}
	if strings.HasSuffix(src, ".npz") {
		if src = karamanlis.DataFileOfCache(src); src == "" {
			return ""
		}
	}
	if !strings.HasSuffix(src, karamanlis.DataFileName(karamanlis.FixationMovie)) {
		return ""
	}
	if _, err := os.Stat(src); err != nil {
		return ""
	}
	return src
}

func openBrowser(url string, stderr io.Writer) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "retinaio view: cannot open a browser (%v); open %s yourself\n", err, url)
		return
	}
	go cmd.Wait()
}

// viewRoot returns the folder (or .npz) to serve and the data root for
// source images. A path holding raw sessions rather than prepared files is
// prepared first (default settings, openretina semantics, stimulus caches
// reused) into <cache>/view/<hash of the path>.
func viewRoot(ctx context.Context, path, data string, stderr io.Writer) (string, string, error) {
	if strings.HasSuffix(path, ".npz") || hasPrepared(path) {
		return path, data, nil
	}
	sessions := rawSessions(path)
	if len(sessions) == 0 {
		return path, data, nil // the viewer explains what it needs
	}
	cache, err := hub.CacheDir()
	if err != nil {
		return "", "", err
	}
	abs, _ := filepath.Abs(path)
	sum := sha256.Sum256([]byte(abs))
	out := filepath.Join(cache, "view", hex.EncodeToString(sum[:8]))
	if !prepare.UpToDate(out, sessions) {
		if err := prepareForView(ctx, path, out, sessions, stderr); err != nil {
			return "", "", err
		}
	}
	if data == "" {
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			data = path
			if len(sessions) == 1 && filepath.Clean(sessions[0].Path) == filepath.Clean(path) {
				data = filepath.Dir(path)
			}
		}
	}
	return out, data, nil
}

// rawSessions lists the mouse and marmoset sessions below path (or path
// itself when it is one session).
func rawSessions(path string) []karamanlis.Session {
	var sessions []karamanlis.Session
	seen := map[string]bool{}
	for _, sp := range []karamanlis.Species{karamanlis.Mouse, karamanlis.Marmoset} {
		ss, err := karamanlis.FindSessions(path, sp)
		if err != nil {
			continue
		}
		for _, s := range ss {
			if !seen[s.Path] {
				seen[s.Path] = true
				sessions = append(sessions, s)
			}
		}
	}
	return sessions
}

// prepareForView prepares sessions with the default settings into out.
// Nothing is written into the data root: no stimulus caches next to the
// .mat files, only the prepared files in out.
func prepareForView(ctx context.Context, path, out string, sessions []karamanlis.Session, stderr io.Writer) error {
	fmt.Fprintf(stderr, "retinaio view: preparing %d session(s) of %s into %s ...\n", len(sessions), safetext.Escape(path), safetext.Escape(out))
	so := karamanlis.DefaultStimulusOptions()
	so.DisableCache = true
	say := lockedLines(stderr) // sessions warn from their own goroutines
	opt := prepare.Options{Stimulus: so, OutDir: out, Sessions: sessions, NoChecksums: true,
		Warn: func(session, msg string) {
			say(fmt.Sprintf("warning: %s: %s", safetext.Escape(session), safetext.Message(msg)))
		}}
	man, err := prepare.Run(ctx, path, opt)
	if err != nil && man == nil {
		return err
	}
	if man != nil && man.Failed > 0 {
		fmt.Fprintf(stderr, "retinaio view: %d session(s) failed to prepare (see %s)\n", man.Failed, safetext.Escape(filepath.Join(out, prepared.ManifestName)))
	}
	return nil
}

// hasPrepared reports whether dir holds a prepare manifest or .npz files.
func hasPrepared(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, prepared.ManifestName)); err == nil {
		return true
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.npz"))
	for _, p := range m {
		if !karamanlis.IsStimulusCache(p) {
			return true
		}
	}
	return false
}

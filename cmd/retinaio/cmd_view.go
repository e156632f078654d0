package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/retinaio/retinaio/hub"
	"github.com/retinaio/retinaio/karamanlis"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/retinaio/retinaio/internal/viewer"
	"github.com/retinaio/retinaio/internal/viewer/matsource"
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
	if len(pos) != 1 {
		return errUsage
	}
	warn, err := viewer.CheckAddr(*addr, *remote)
	if err != nil {
		return err
	}
	if warn != "" {
		fmt.Fprintln(stderr, warn)
	}
	root, dataRoot, err := viewRoot(ctx, pos[0], *data, stderr)
	if err != nil {
		return err
	}
	data = &dataRoot
	manifest := manifestSources(root)
	srv, err := viewer.New(viewer.Options{
		Path: root,
		Pred: *pred,
		Logf: func(f string, a ...any) { fmt.Fprintf(stderr, "retinaio view: "+f+"\n", a...) },
		Sources: func(name string) (viewer.Source, error) {
			p := viewer.FindMatSource(*data, name)
			if p == "" {
				p = manifest[name]
			}
			if p == "" {
				return nil, nil
			}
			return matsource.Open(p)
		},
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var h http.Handler = srv
	if viewer.IsLoopback(*addr) {
		h = viewer.LoopbackHostOnly(srv)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(stdout, "retinaio view: %d session(s) at %s (Ctrl-C to stop)\n", len(srv.Sessions()), url)
	if *open {
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
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return out
	}
	var man karamanlis.Manifest
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
// (openretina's <stim>_data_extracted_stimuli_<h>_<w>.npz or ours,
// <stim>_data_retinaio_...npz). "" when it cannot be found.
func sourceMat(src, dir string) string {
	if src == "" {
		return ""
	}
	if !filepath.IsAbs(src) {
		src = filepath.Join(dir, src)
	}
	if strings.HasSuffix(src, ".npz") {
		base := filepath.Base(src)
		i := strings.Index(base, "_data_")
		if i < 0 {
			return ""
		}
		src = filepath.Join(filepath.Dir(src), base[:i]+"_data.mat")
	}
	if !strings.HasSuffix(src, "fixationmovie_data.mat") {
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
	var sessions []karamanlis.Session
	seen := map[string]bool{}
	for _, sp := range []string{"mouse", "marmoset"} {
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
	if !preparedAll(out, sessions) {
		fmt.Fprintf(stderr, "retinaio view: preparing %d session(s) of %s into %s ...\n", len(sessions), path, out)
		// Nothing is written into the data root: no stimulus caches next to
		// the .mat files, only the prepared files in the cache folder.
		so := karamanlis.DefaultStimulusOptions()
		so.DisableCache = true
		opt := karamanlis.PrepareOptions{Stimulus: so, OutDir: out,
			Sessions: sessions, NoChecksums: true, ToolVersion: version,
			Warn: func(session, msg string) { fmt.Fprintf(stderr, "warning: %s: %s\n", session, msg) }}
		man, err := karamanlis.Prepare(ctx, path, opt)
		if err != nil && man == nil {
			return "", "", err
		}
		if man != nil && man.Failed > 0 {
			fmt.Fprintf(stderr, "retinaio view: %d session(s) failed to prepare (see %s)\n", man.Failed, filepath.Join(out, karamanlis.ManifestName))
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

// hasPrepared reports whether dir holds a prepare manifest or .npz files.
func hasPrepared(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, karamanlis.ManifestName)); err == nil {
		return true
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.npz"))
	for _, p := range m {
		if !strings.Contains(filepath.Base(p), "_data_") { // not a stimulus cache
			return true
		}
	}
	return false
}

// preparedAll reports whether out holds a manifest in which every session
// was prepared, newer than each session's source.
func preparedAll(out string, sessions []karamanlis.Session) bool {
	b, err := os.ReadFile(filepath.Join(out, karamanlis.ManifestName))
	if err != nil {
		return false
	}
	st, err := os.Stat(filepath.Join(out, karamanlis.ManifestName))
	if err != nil {
		return false
	}
	var man karamanlis.Manifest
	if json.Unmarshal(b, &man) != nil {
		return false
	}
	ok := map[string]bool{}
	for _, s := range man.Sessions {
		ok[s.Name] = s.Status == karamanlis.StatusOK
	}
	for _, s := range sessions {
		if !ok[s.Name] {
			return false
		}
		if fi, err := os.Stat(s.Path); err != nil || fi.ModTime().After(st.ModTime()) {
			return false
		}
	}
	return true
}

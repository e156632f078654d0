package main

import (
	"context"
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

	"github.com/retinaio/retinaio/viewer"
	"github.com/retinaio/retinaio/viewer/matsource"
)

func init() {
	register(&command{
		name:    "view",
		summary: "look at prepared sessions in a local web page (movie, source, responses)",
		usage: `retinaio view PATH [--addr 127.0.0.1:8080] [--open] [--pred PRED.npz] [--data ROOT] [--allow-remote]

Serves a self-contained page (no external requests, works offline) for a
'retinaio prepare' output folder or one prepared SESSION.npz: the train and
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
	root := pos[0]
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
	st, err := os.Stat(root)
	if err != nil || !st.IsDir() {
		return out
	}
	b, err := os.ReadFile(filepath.Join(root, "manifest.json"))
	if err != nil {
		return out
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return out
	}
	var paths []string
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			for _, e := range t {
				walk(e)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		case string:
			if strings.HasSuffix(t, "fixationmovie_data.mat") {
				paths = append(paths, t)
			}
		}
	}
	walk(v)
	ents, _ := os.ReadDir(root)
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".npz")
		if name == e.Name() {
			continue
		}
		for _, p := range paths {
			if strings.Contains(filepath.ToSlash(p), "/"+name+"/") {
				if !filepath.IsAbs(p) {
					p = filepath.Join(root, p)
				}
				if _, err := os.Stat(p); err == nil {
					out[name] = p
				}
			}
		}
	}
	return out
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

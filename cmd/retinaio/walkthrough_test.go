package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/retinaio/retinaio/npy"
	"github.com/retinaio/retinaio/synth"
)

// TestReadmeWalkthrough runs README's walk-through on the demo's own data:
// demo -> split (default settings) -> eval -> render -> view.
func TestReadmeWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir := t.TempDir()
	ctx := context.Background()
	demo := filepath.Join(dir, "retinaio-demo")

	code, out, errs := runCLI(ctx, "demo", demo)
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	if strings.Contains(out, "Synthesising") || !strings.Contains(errs, "Synthesising") {
		t.Errorf("demo: progress should be on stderr, the summary on stdout:\nstdout %s\nstderr %s", out, errs)
	}
	outs, _ := filepath.Glob(filepath.Join(demo, "out", "*.npz"))
	if len(outs) != 1 {
		t.Fatalf("demo outputs: %v", outs)
	}
	session := outs[0]
	if !strings.Contains(out, "retinaio split "+session) {
		t.Errorf("demo does not print the next step (split):\n%s", out)
	}

	// The default split (75-frame clips, 20 validation clips) accepts the demo.
	split := filepath.Join(dir, "split.npz")
	code, out, errs = runCLI(ctx, "split", session, "--out", split, "--json")
	var sj struct {
		ValClipIdx []int `json:"val_clip_idx"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &sj) != nil || len(sj.ValClipIdx) != 20 {
		t.Fatalf("split with the defaults: exit %d\n%s\n%s", code, out, errs)
	}

	// A prediction of the test responses, (N, Tf).
	p := synth.Profiles["small"]
	pred := make([]float32, p.Cells*p.Tf)
	for i := range pred {
		pred[i] = float32(1 + math.Sin(float64(i)*0.37))
	}
	predPath := filepath.Join(dir, "pred.npy")
	if err := npy.WriteFile(predPath, []int{p.Cells, p.Tf}, pred); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI(ctx, "eval", "--pred", predPath, "--data", split, "--json")
	var ej struct {
		Neurons []json.RawMessage `json:"neurons"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &ej) != nil || len(ej.Neurons) != p.Cells {
		t.Fatalf("eval: exit %d\n%s\n%s", code, out, errs)
	}

	for _, args := range [][]string{
		{"render", session, "--frames", "0:20", "--cell", "3", "--scale", "2", "--out", filepath.Join(dir, "movie.gif")},
		{"render", session, "--raster", "--cell", "3", "--out", filepath.Join(dir, "raster.png")},
		{"render", split, "--split", "val", "--frames", "0:30", "--out", filepath.Join(dir, "val.png")},
	} {
		code, out, errs = runCLI(ctx, args...)
		if code != 0 || !strings.HasPrefix(out, "wrote ") {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errs)
		}
		if st, err := os.Stat(args[len(args)-1]); err != nil || st.Size() == 0 {
			t.Errorf("%v: no output: %v", args, err)
		}
	}

	// view: start on a free loopback port, fetch the page and one data
	// endpoint, stop.
	vctx, stop := context.WithCancel(ctx)
	defer stop()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var verr strings.Builder
	go func() {
		code := runMain(vctx, []string{"view", filepath.Join(demo, "out"), "--addr", "127.0.0.1:0"}, pw, &verr)
		pw.Close()
		done <- code
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("view printed no address: %v (%s)", err, verr.String())
	}
	go io.Copy(io.Discard, pr)
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("view: no URL in %q", line)
	}
	url := strings.Fields(line[i:])[0]
	name := strings.TrimSuffix(filepath.Base(session), ".npz")
	cl := &http.Client{Timeout: 10 * time.Second}
	for _, path := range []string{"", "api/sessions", "api/s/" + name + "/frame/test/0", "api/s/" + name + "/info"} {
		resp, err := cl.Get(url + path)
		if err != nil {
			t.Fatalf("GET /%s: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(b) == 0 {
			t.Errorf("GET /%s: %s, %d bytes", path, resp.Status, len(b))
		}
		if path == "api/sessions" && !strings.Contains(string(b), name) {
			t.Errorf("GET /api/sessions does not list %s: %.300s", name, b)
		}
	}
	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("view stopped with exit %d: %s", code, verr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("view did not stop")
	}
}

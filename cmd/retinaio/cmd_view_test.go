package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/retinaio/retinaio/internal/browsertest"
)

func TestViewFlags(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"view", "x", "--addr", "0.0.0.0:0"},
		{"view", "x", "--addr", ":8080"},
		{"view", "x", "--addr", "192.168.1.2:8080"},
	} {
		var out, errb strings.Builder
		if code := runMain(ctx, args, &out, &errb); code == 0 || !strings.Contains(errb.String(), "--allow-remote") {
			t.Errorf("%v: exit %d, %q", args, code, errb.String())
		}
	}
	var out, errb strings.Builder
	if code := runMain(ctx, []string{"view"}, &out, &errb); code != 2 {
		t.Errorf("no PATH: exit %d", code)
	}
	// allowed remote prints a warning before failing on the missing path
	errb.Reset()
	runMain(ctx, []string{"view", filepath.Join(t.TempDir(), "missing"), "--addr", "0.0.0.0:0", "--allow-remote"}, &out, &errb)
	if !strings.Contains(errb.String(), "WARNING") {
		t.Errorf("no warning: %q", errb.String())
	}
}

func TestManifestSources(t *testing.T) {
	d := t.TempDir()
	mat := filepath.Join(d, "data", "20990101_x_mouse", "fixationmovie_data.mat")
	os.MkdirAll(filepath.Dir(mat), 0o755)
	os.WriteFile(mat, []byte("x"), 0o644)
	os.WriteFile(filepath.Join(d, "20990101_x_mouse.npz"), nil, 0o644)
	os.WriteFile(filepath.Join(d, "manifest.json"), []byte(fmt.Sprintf(
		`{"sessions": [{"name": "20990101_x_mouse", "stimulus_source": %q}, {"stimulus_source": "/nowhere/other/fixationmovie_data.mat"}]}`, mat)), 0o644)
	m := manifestSources(d)
	if len(m) != 1 || m["20990101_x_mouse"] != mat {
		t.Errorf("manifestSources = %v", m)
	}
	if len(manifestSources(filepath.Join(d, "nope"))) != 0 {
		t.Error("missing folder")
	}
}

// TestViewScreenshot runs 'retinaio view' on a prepared folder and saves a
// screenshot of the page: set RETINAIO_VIEW_DIR (a 'retinaio prepare'
// output) and RETINAIO_SCREENSHOT (the PNG to write). It makes the README
// screenshot:
//
//	retinaio synth /tmp/rv/data --profile medium --sessions 1
//	retinaio prepare /tmp/rv/data --out /tmp/rv/prep
//	RETINAIO_VIEW_DIR=/tmp/rv/prep RETINAIO_SCREENSHOT=$PWD/docs/img/viewer.png \
//	    go test -run TestViewScreenshot ./cmd/retinaio
func TestViewScreenshot(t *testing.T) {
	dir, shot := os.Getenv("RETINAIO_VIEW_DIR"), os.Getenv("RETINAIO_SCREENSHOT")
	if dir == "" || shot == "" || testing.Short() {
		t.Skip("set RETINAIO_VIEW_DIR and RETINAIO_SCREENSHOT to make the README screenshot")
	}
	exe := browsertest.FindBrowser()
	if exe == "" {
		t.Skip("no Chromium/Chrome found (apt-get install chromium)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runView(ctx, []string{dir, "--addr", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	i := strings.Index(line, "http://")
	url := strings.Fields(line[i:])[0]
	bctx, bcancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer bcancel()
	b, err := browsertest.Start(bctx, exe, t.TempDir(), 1400, 1150)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c := b.Ctx
	poll := func(js string) {
		if _, err := chromedp.Run(c, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(90*time.Second))); err != nil {
			t.Fatalf("%s: %v %v", js, err, b.Errors())
		}
	}
	if err := chromedp.Do(c, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	poll(`window.retinaio && window.retinaio.ready && window.retinaio.cells !== null && window.retinaio.drawn === 0`)
	// the most reliable cell, a frame where the semantics differ if any
	if _, err := chromedp.Run(c, chromedp.Evaluate[bool](`(() => {
		const S = window.retinaio; let best = 0;
		for (const c of S.cells) if (c.var_ratio > S.cells[best].var_ratio) best = c.index;
		S.selectCell(best);
		return true })()`)); err != nil {
		t.Fatal(err)
	}
	poll(`window.retinaio.rasterRows > 0`)
	if _, err := chromedp.Run(c, chromedp.Evaluate[bool](`(() => { window.retinaio.showFrame(120); return true })()`)); err != nil {
		t.Fatal(err)
	}
	poll(`window.retinaio.drawn === 120 && document.getElementById('fix-label').textContent.length > 0`)
	if _, err := chromedp.Run(c, chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if errs := b.Errors(); len(errs) > 0 {
		t.Errorf("page errors: %q", errs)
	}
	for _, r := range b.Requests() {
		if !strings.HasPrefix(r, url) && !strings.HasPrefix(r, "data:") {
			t.Errorf("request left the server: %s", r)
		}
	}
	cancel()
	<-done
}

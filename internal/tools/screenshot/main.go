// Command screenshot makes the README's picture of the viewer
// (docs/img/viewer.png): it builds retinaio, runs 'retinaio view' on a
// prepared folder, opens the page in headless Chromium, selects the most
// reliable cell, shows frame 120 and saves a full-page screenshot. It fails
// if the page logs an error or requests anything outside the local server.
//
// The README's picture was made from the repository root with:
//
//	go run ./cmd/retinaio synth /tmp/rv/data --profile medium --sessions 1
//	go run ./cmd/retinaio prepare /tmp/rv/data --out /tmp/rv/prep
//	go run ./internal/tools/screenshot -view /tmp/rv/prep -out docs/img/viewer.png
//
// It needs Chromium or Chrome (apt-get install chromium; or set
// RETINAIO_CHROME to the executable).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/retinaio/retinaio/internal/browsertest"
)

func main() {
	view := flag.String("view", "", "what 'retinaio view' serves: a 'retinaio prepare' output folder (required)")
	out := flag.String("out", "", "PNG file to write (required)")
	bin := flag.String("retinaio", "", "retinaio executable to run (default: build ./cmd/retinaio)")
	width := flag.Int("width", 1400, "browser window width")
	height := flag.Int("height", 1150, "browser window height")
	frame := flag.Int("frame", 120, "movie frame to show")
	flag.Parse()
	if *view == "" || *out == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*view, *out, *bin, *width, *height, *frame); err != nil {
		fmt.Fprintln(os.Stderr, "screenshot:", err)
		os.Exit(1)
	}
}

func run(view, out, bin string, width, height, frame int) error {
	exe := browsertest.FindBrowser()
	if exe == "" {
		return errors.New("no Chromium/Chrome found (apt-get install chromium, or set RETINAIO_CHROME)")
	}
	tmp, err := os.MkdirTemp("", "retinaio-screenshot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "retinaio")
		build := exec.Command("go", "build", "-o", bin, "github.com/retinaio/retinaio/cmd/retinaio")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building retinaio: %w", err)
		}
	}

	srv := exec.Command(bin, "view", view, "--addr", "127.0.0.1:0")
	srv.Stderr = os.Stderr
	stdout, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		srv.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			srv.Process.Kill()
			<-done
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return fmt.Errorf("retinaio view printed no address: %w", err)
	}
	go io.Copy(io.Discard, stdout)
	i := strings.Index(line, "http://")
	if i < 0 {
		return fmt.Errorf("no address in retinaio view's output %q", line)
	}
	url := strings.Fields(line[i:])[0]

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b, err := browsertest.Start(ctx, exe, filepath.Join(tmp, "profile"), width, height)
	if err != nil {
		return err
	}
	defer b.Close()
	c := b.Ctx
	poll := func(js string) error {
		if _, err := chromedp.Run(c, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(90*time.Second))); err != nil {
			return fmt.Errorf("waiting for %s: %v (page errors %q)", js, err, b.Errors())
		}
		return nil
	}
	eval := func(js string) error {
		_, err := chromedp.Run(c, chromedp.Evaluate[bool](js))
		return err
	}
	if err := chromedp.Do(c, chromedp.Navigate(url)); err != nil {
		return err
	}
	if err := poll(`window.retinaio && window.retinaio.ready && window.retinaio.cells !== null && window.retinaio.drawn === 0`); err != nil {
		return err
	}
	// The most reliable cell.
	if err := eval(`(() => {
		const S = window.retinaio; let best = 0;
		for (const c of S.cells) if (c.var_ratio > S.cells[best].var_ratio) best = c.index;
		S.selectCell(best);
		return true })()`); err != nil {
		return err
	}
	if err := poll(`window.retinaio.rasterRows > 0`); err != nil {
		return err
	}
	if err := eval(fmt.Sprintf(`(() => { window.retinaio.showFrame(%d); return true })()`, frame)); err != nil {
		return err
	}
	if err := poll(fmt.Sprintf(`window.retinaio.drawn === %d && document.getElementById('fix-label').textContent.length > 0`, frame)); err != nil {
		return err
	}
	if _, err := chromedp.Run(c, chromedp.Sleep(300*time.Millisecond)); err != nil {
		return err
	}
	png, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		return err
	}
	if errs := b.Errors(); len(errs) > 0 {
		return fmt.Errorf("page errors: %q", errs)
	}
	for _, r := range b.Requests() {
		if !strings.HasPrefix(r, url) && !strings.HasPrefix(r, "data:") {
			return fmt.Errorf("the page requested %s, outside the local server", r)
		}
	}
	return os.WriteFile(out, png, 0o644)
}

package viewer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/retinaio/retinaio/internal/browsertest"
)

// TestBrowser drives the page in headless Chromium: play, scrub and check
// the canvas against the frame's values, pick a cell and check the raster's
// rows, sort the table, switch semantics and check the screen pixels, take
// a screenshot; no console errors and no request outside loopback.
// Set RETINAIO_SCREENSHOT=FILE.png to keep the screenshot.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped under -short")
	}
	exe := browsertest.FindBrowser()
	if exe == "" {
		t.Skip("no Chromium/Chrome found: install Debian's chromium (apt-get install chromium) or set RETINAIO_CHROME to run the end-to-end test")
	}
	srv := newTestServer(t, true, true)
	ts := httptest.NewServer(LoopbackHostOnly(srv))
	defer ts.Close()
	// a guard against a hung browser, not a timing assertion
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b, err := browsertest.Start(ctx, exe, t.TempDir(), 1400, 1100)
	if err != nil {
		t.Skipf("cannot start %s: %v", exe, err)
	}
	defer b.Close()
	c := b.Ctx
	eval := func(js string, out any) {
		t.Helper()
		raw, err := chromedp.Run(c, chromedp.Evaluate[[]byte](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				t.Fatalf("%s: %v (%s)", js, err, raw)
			}
		}
	}
	wait := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(c, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
			t.Fatalf("waiting for %s: %v (page errors %v)", js, err, b.Errors())
		}
	}
	if err := chromedp.Do(c, chromedp.Navigate(ts.URL+"/#"+sessionA)); err != nil {
		t.Fatal(err)
	}
	wait(`window.retinaio && window.retinaio.ready && window.retinaio.drawn === 0 && window.retinaio.cells !== null`)

	// play at 0.1x speed (40 frames take 5 s), then pause with the button
	eval(`(() => { const s = document.getElementById('speed'); s.value = '0.1'; s.dispatchEvent(new Event('change')); return window.retinaio.speed })()`, nil)
	if err := chromedp.Do(c, chromedp.Click(chromedp.CSS("#play"))); err != nil {
		t.Fatal(err)
	}
	wait(`window.retinaio.frame >= 3`)
	eval(`(() => { if (window.retinaio.playing) document.getElementById('play').click(); return true })()`, nil)
	var playing bool
	eval(`window.retinaio.playing`, &playing)
	if playing {
		t.Error("still playing after pause")
	}
	var btn string
	eval(`document.getElementById('play').textContent`, &btn)
	if btn != "play" {
		t.Errorf("play button says %q after pause", btn)
	}

	// scrub to frame 15 and check the movie canvas pixel by pixel
	const k = 15
	eval(fmt.Sprintf(`(() => { const s = document.getElementById('scrub'); s.value = %d; s.dispatchEvent(new Event('input')); return true })()`, k), nil)
	wait(fmt.Sprintf(`window.retinaio.drawn === %d`, k))
	var px []int
	eval(`Array.from(document.getElementById('movie').getContext('2d').getImageData(0, 0, 16, 12).data)`, &px)
	if len(px) != 4*12*16 {
		t.Fatalf("canvas has %d values", len(px))
	}
	for y := range 12 {
		for x := range 16 {
			want := rawValue(k, y, x, true)
			i := 4 * (y*16 + x)
			if float64(px[i]) != want || px[i+1] != px[i] || px[i+2] != px[i] || px[i+3] != 255 {
				t.Fatalf("canvas (%d,%d) = %v, want grey %v", y, x, px[i:i+4], want)
			}
		}
	}
	var label string
	eval(`document.getElementById('frame-label').textContent`, &label)
	if !strings.Contains(label, "frame 15 / 39") {
		t.Errorf("frame label %q", label)
	}

	// pick cell 2 in the table: the raster has one row per repeat (5)
	if err := chromedp.Do(c, chromedp.Click(chromedp.CSS(`#cells tbody tr[data-index="2"]`))); err != nil {
		t.Fatal(err)
	}
	wait(`window.retinaio.cell === 2 && window.retinaio.rasterRows === 5`)
	var rows struct {
		Rows, RowHeight, Height int
		Ink                     []bool
	}
	eval(`(() => { const c = document.getElementById('raster'), rh = Number(c.dataset.rowHeight);
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, ink = [];
		for (let r = 0; r < Number(c.dataset.rows); r++) {
			let any = false;
			for (let y = r * rh; y < (r + 1) * rh; y++) for (let x = 0; x < c.width; x++) {
				const i = 4 * (y * c.width + x); if (d[i] < 60 && d[i + 1] < 60 && d[i + 2] < 60) any = true; }
			ink.push(any); }
		return {Rows: Number(c.dataset.rows), RowHeight: rh, Height: c.height, Ink: ink}; })()`, &rows)
	if rows.Rows != 5 || rows.Height != 5*rows.RowHeight || len(rows.Ink) != 5 {
		t.Errorf("raster %+v", rows)
	}
	for i, ink := range rows.Ink {
		if !ink {
			t.Errorf("raster row %d has no spikes drawn", i)
		}
	}
	var metrics string
	eval(`document.getElementById('cell-metrics').textContent`, &metrics)
	if !strings.Contains(metrics, "FEVE") {
		t.Errorf("cell metrics %q", metrics)
	}

	// sort by FEVE (descending first): the top row is the best cell
	if err := chromedp.Do(c, chromedp.Click(chromedp.CSS(`#cells th[data-key="feve"]`))); err != nil {
		t.Fatal(err)
	}
	var order []int
	eval(`Array.from(document.querySelectorAll('#cells tbody tr')).map(r => Number(r.dataset.index))`, &order)
	e := loadExpected(t)
	for i := 1; i < len(order); i++ {
		if e.FEVE[order[i-1]] < e.FEVE[order[i]] {
			t.Errorf("FEVE order %v", order)
		}
	}

	// semantics: frame 15 is fixation (image 2, x 380, y 290): the image's
	// top-left corner is inside the screen, so openretina paints screen row
	// 9 and column 19 with the image's last row/column and MATLAB does not.
	wait(`document.getElementById('sem-label').textContent.includes('screen row 9 and screen column 19')`)
	screenPx := func(r, col int) int {
		var v int
		eval(fmt.Sprintf(`document.getElementById('screen').getContext('2d').getImageData(%d, %d, 1, 1).data[0]`, col, r), &v)
		return v
	}
	// screen (9, 30) shows image column 30+380-400 = 10
	if got, want := screenPx(9, 30), int(fakePixel(2, fakeRows-1, 10)); got != want {
		t.Errorf("openretina screen (9,30) = %d, want the last image row's %d", got, want)
	}
	if got, want := screenPx(20, 30), int(fakePixel(2, 10, 10)); got != want {
		t.Errorf("screen (20,30) = %d, want %d", got, want)
	}
	eval(`(() => { const s = document.getElementById('semantics'); s.value = 'matlab'; s.dispatchEvent(new Event('change')); return true })()`, nil)
	wait(`document.getElementById('sem-label').textContent.includes('showing matlab')`)
	if got := screenPx(9, 30); got != 0 {
		t.Errorf("matlab screen (9,30) = %d, want 0 (blank)", got)
	}
	if got, want := screenPx(20, 30), int(fakePixel(2, 10, 10)); got != want {
		t.Errorf("matlab screen (20,30) = %d, want %d", got, want)
	}

	// the training movie: frame 0 of stim_train on the canvas
	eval(`(() => { const s = document.getElementById('split'); s.value = 'train'; s.dispatchEvent(new Event('change')); return true })()`, nil)
	wait(`window.retinaio.split === 'train' && window.retinaio.drawn === 0`)
	eval(`Array.from(document.getElementById('movie').getContext('2d').getImageData(0, 0, 16, 12).data)`, &px)
	for y := range 12 {
		for x := range 16 {
			if want := rawValue(0, y, x, false); float64(px[4*(y*16+x)]) != want {
				t.Fatalf("train canvas (%d,%d) = %d, want %v", y, x, px[4*(y*16+x)], want)
			}
		}
	}
	eval(`(() => { const s = document.getElementById('split'); s.value = 'test'; s.dispatchEvent(new Event('change')); return true })()`, nil)
	wait(`window.retinaio.split === 'test' && window.retinaio.drawn === 0 && window.retinaio.rasterRows === 5`)

	shot, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if img.Bounds().Dx() < 800 || img.Bounds().Dy() < 600 {
		t.Errorf("screenshot %v", img.Bounds())
	}
	if p := os.Getenv("RETINAIO_SCREENSHOT"); p != "" {
		os.WriteFile(p, shot, 0o644)
	}

	var pageErrs []string
	eval(`window.retinaio.errors`, &pageErrs)
	if errs := append(b.Errors(), pageErrs...); len(errs) > 0 {
		t.Errorf("page errors: %q", errs)
	}
	reqs := b.Requests()
	if len(reqs) < 5 {
		t.Errorf("only %d requests recorded", len(reqs))
	}
	for _, r := range reqs {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "data" && u.Hostname() != "127.0.0.1") {
			t.Errorf("request left loopback: %s", r)
		}
	}
}

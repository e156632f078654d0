// Package browsertest drives a headless Chromium for the viewer's
// end-to-end tests and the README screenshot (with chromedp). It records
// console errors, uncaught exceptions, browser-log errors and every request
// URL the page makes.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// FindBrowser returns a Chromium or Chrome executable: $RETINAIO_CHROME, or
// the first of chromium, chromium-browser, google-chrome, google-chrome-stable
// on PATH; "" when none is found.
func FindBrowser() string {
	if p := os.Getenv("RETINAIO_CHROME"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one headless browser with one tab.
type Browser struct {
	// Ctx is the chromedp context of the tab.
	Ctx context.Context

	cancels  []context.CancelFunc
	mu       sync.Mutex
	errors   []string
	requests []string
}

// Start launches exe headless with a fresh profile in userDataDir, no
// background networking, and a width x height window.
func Start(parent context.Context, exe, userDataDir string, width, height int) (*Browser, error) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(userDataDir),
		chromedp.WindowSize(width, height),
	}
	b := &Browser{}
	actx, c1 := chromedp.NewExecAllocator(parent, opts...)
	ctx, c2 := chromedp.NewContext(actx, chromedp.WithListener(b.listen))
	b.Ctx, b.cancels = ctx, []context.CancelFunc{c2, c1}
	if err := chromedp.Do(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("starting %s: %v", exe, err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		b.Close()
		return nil, err
	}
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func (b *Browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			s := "console." + string(e.Type) + ":"
			for _, a := range e.Args {
				if a.Value != nil {
					s += " " + string(a.Value)
				} else {
					s += " " + a.Description
				}
			}
			b.errors = append(b.errors, s)
		}
	case *runtime.EventExceptionThrown:
		s := "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			s += " " + e.ExceptionDetails.Exception.Description
		}
		b.errors = append(b.errors, s)
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			b.errors = append(b.errors, "log: "+e.Entry.Text+" "+e.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, e.Request.URL)
	}
}

// Errors returns the console errors, exceptions and browser-log errors seen
// so far.
func (b *Browser) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// Requests returns every URL the page requested so far.
func (b *Browser) Requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// Close stops the browser.
func (b *Browser) Close() {
	for _, c := range b.cancels {
		c()
	}
}

package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestMessageLoggerConcurrent logs from several goroutines into a
// bytes.Buffer (not safe for concurrent use), as FetchAll's downloads do:
// every line arrives whole and escaped (go test -race reports the race
// without the logger's lock).
func TestMessageLoggerConcurrent(t *testing.T) {
	var buf bytes.Buffer
	logf := messageLogger(&buf, "retinaio test: ")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				logf("goroutine %d message %d \x1b[31m", g, i)
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 1600 {
		t.Fatalf("%d lines, want 1600", len(lines))
	}
	seen := map[string]bool{}
	for _, l := range lines {
		var g, i int
		if _, err := fmt.Sscanf(l, "retinaio test: goroutine %d message %d", &g, &i); err != nil || strings.ContainsRune(l, 0x1b) {
			t.Fatalf("line %q", l)
		}
		seen[l] = true
	}
	if len(seen) != 1600 {
		t.Errorf("%d distinct lines, want 1600", len(seen))
	}
}

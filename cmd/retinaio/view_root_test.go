package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/retinaio/retinaio/viewer"
)

// TestViewRawDataRoot: view on a raw data root prepares its sessions (both
// species, folders and zips) into the cache and serves them.
func TestViewRawDataRoot(t *testing.T) {
	root := klGoldenRoot(t)
	t.Setenv("RETINAIO_CACHE", t.TempDir())
	var stderr bytes.Buffer
	out, data, err := viewRoot(context.Background(), root, "", &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if out == root || data != root {
		t.Fatalf("viewRoot = %q, %q; want a prepared folder and data root %q", out, data, root)
	}
	var names []string
	for _, g := range klGoldenSessions {
		if _, err := os.Stat(filepath.Join(out, g.name+".npz")); err != nil {
			t.Errorf("session %s not prepared: %v\n%s", g.name, err, stderr.String())
		}
		names = append(names, g.name)
	}
	srv, err := viewer.New(viewer.Options{Path: out})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	got := srv.Sessions()
	slices.Sort(got)
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Fatalf("viewer sessions %v, want %v", got, names)
	}
	// A prepared folder is served as it is.
	if o, _, err := viewRoot(context.Background(), out, "", &stderr); err != nil || o != out {
		t.Fatalf("prepared folder: %q, %v", o, err)
	}
}

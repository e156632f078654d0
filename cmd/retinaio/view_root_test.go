package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/retinaio/retinaio/internal/viewer"
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
	// Nothing was written into the data root (no stimulus caches).
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && filepath.Ext(p) == ".npz" {
			t.Errorf("view wrote %s into the data root", p)
		}
		return nil
	})
	// Every session's source .mat is found, the zipped one included (its
	// unpacked copy in the cache), and for one prepared .npz too.
	src := manifestSources(out)
	for _, g := range klGoldenSessions {
		if p := src[g.name]; filepath.Base(p) != "fixationmovie_data.mat" {
			t.Errorf("session %s: source %q", g.name, p)
		}
	}
	one := filepath.Join(out, klGoldenSessions[1].name+".npz")
	if s := manifestSources(one); len(s) != 1 || s[klGoldenSessions[1].name] == "" {
		t.Errorf("sources of a single .npz: %v", s)
	}
	// A second view reuses the preparation.
	stderr.Reset()
	if o, _, err := viewRoot(context.Background(), root, "", &stderr); err != nil || o != out || stderr.Len() != 0 {
		t.Fatalf("second view: %q, %v, %q", o, err, stderr.String())
	}
	// A prepared folder is served as it is.
	if o, _, err := viewRoot(context.Background(), out, "", &stderr); err != nil || o != out {
		t.Fatalf("prepared folder: %q, %v", o, err)
	}
}

// TestSourceMat: a manifest's stimulus source may be a stimulus cache; the
// .mat next to it holds the images.
func TestSourceMat(t *testing.T) {
	dir := t.TempDir()
	mat := filepath.Join(dir, "fixationmovie_data.mat")
	if err := os.WriteFile(mat, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]string{
		mat: mat,
		filepath.Join(dir, "fixationmovie_data_extracted_stimuli_60_80.npz"): mat,
		filepath.Join(dir, "fixationmovie_data_retinaio_matlab_60_80.npz"):   mat,
		"fixationmovie_data.mat": mat,
		filepath.Join(dir, "frozencheckerflicker_data_extracted_stimuli_60_80.npz"): "",
		filepath.Join(t.TempDir(), "fixationmovie_data.mat"):                        "",
		"": "",
	} {
		if got := sourceMat(src, dir); got != want {
			t.Errorf("sourceMat(%q) = %q, want %q", src, got, want)
		}
	}
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

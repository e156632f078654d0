package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMergeManifestCommand prepares two tiny sessions separately, as two
// shards would, and merges their manifests.
func TestMergeManifestCommand(t *testing.T) {
	dir, _, sessions := synthTiny(t, 2)
	ctx := context.Background()
	var out, errb bytes.Buffer
	var mans []string
	for i, s := range sessions {
		o := filepath.Join(dir, "out"+string(rune('A'+i)))
		args := []string{"prepare", s, "--out", o, "--cache-dir", filepath.Join(dir, "cache"), "--no-cache"}
		if code := runMain(ctx, args, &out, &errb); code != 0 {
			t.Fatalf("prepare: %d %s", code, errb.String())
		}
		mans = append(mans, filepath.Join(o, "manifest.json"))
	}
	merged := filepath.Join(dir, "merged.json")
	out.Reset()
	errb.Reset()
	if code := runMain(ctx, append([]string{"merge-manifest", merged}, mans...), &out, &errb); code != 0 {
		t.Fatalf("merge: %d %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "2 sessions (2 ok, 0 skipped, 0 failed)") {
		t.Errorf("summary %q", out.String())
	}
	var m struct {
		Sessions []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"sessions"`
		OK         int `json:"ok"`
		MergedFrom []struct {
			File string `json:"file"`
		} `json:"merged_from"`
	}
	b, err := os.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Sessions) != 2 || m.OK != 2 || len(m.MergedFrom) != 2 ||
		m.Sessions[0].Name != filepath.Base(sessions[0]) || m.Sessions[1].Name != filepath.Base(sessions[1]) {
		t.Errorf("merged %+v", m)
	}

	// a shard made by another version, in a file whose name holds a
	// terminal escape: the warning names it escaped
	mb, err := os.ReadFile(mans[1])
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(mb, &raw); err != nil {
		t.Fatal(err)
	}
	raw["version"] = "0.0.1-other"
	mb, _ = json.Marshal(raw)
	odd := filepath.Join(dir, "shard\x1b[2J.json")
	if err := os.WriteFile(odd, mb, 0o644); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := runMain(ctx, []string{"merge-manifest", filepath.Join(dir, "versions.json"), mans[0], odd}, &out, &errb); code != 0 ||
		!strings.Contains(errb.String(), "different retinaio versions") || strings.ContainsRune(errb.String(), 0x1b) ||
		!strings.Contains(errb.String(), `shard\x1b[2J.json`) {
		t.Errorf("versions: exit %d %q", code, errb.String())
	}

	// the output named last by mistake: a prepare manifest as OUT is left
	// byte for byte, and so is any other file that is not a merge's output
	before, err := os.ReadFile(mans[0])
	if err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := runMain(ctx, []string{"merge-manifest", mans[0], mans[1]}, &out, &errb); code != 2 ||
		!strings.Contains(errb.String(), "is not a merged manifest") {
		t.Errorf("prepare manifest as OUT: exit %d %s", code, errb.String())
	}
	if after, _ := os.ReadFile(mans[0]); !bytes.Equal(after, before) {
		t.Error("merge-manifest replaced a prepare manifest named as its output")
	}
	other := filepath.Join(dir, "notes.json")
	if err := os.WriteFile(other, []byte(`{"merged_from": null}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := runMain(ctx, []string{"merge-manifest", other, mans[1]}, &out, &errb); code != 2 {
		t.Errorf("other file as OUT: exit %d", code)
	}
	// an earlier merge's output is replaced
	errb.Reset()
	if code := runMain(ctx, append([]string{"merge-manifest", merged}, mans...), &out, &errb); code != 0 {
		t.Errorf("merging again into %s: exit %d %s", merged, code, errb.String())
	}

	// the same shard twice: duplicate sessions
	errb.Reset()
	if code := runMain(ctx, []string{"merge-manifest", filepath.Join(dir, "dup.json"), mans[0], mans[0]}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "is in both") {
		t.Errorf("duplicate: exit %d %s", code, errb.String())
	}
	// other settings: a conflict
	o := filepath.Join(dir, "outC")
	if code := runMain(ctx, []string{"prepare", sessions[0], "--out", o, "--size", "30x40", "--no-cache",
		"--cache-dir", filepath.Join(dir, "cache")}, &out, &errb); code != 0 {
		t.Fatalf("prepare: %s", errb.String())
	}
	errb.Reset()
	code := runMain(ctx, []string{"merge-manifest", filepath.Join(dir, "bad.json"), mans[1], filepath.Join(o, "manifest.json")}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "setting height is 60") {
		t.Errorf("conflict: exit %d %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.json")); !os.IsNotExist(err) {
		t.Errorf("a failed merge wrote its output: %v", err)
	}
	// usage and output == input
	if code := runMain(ctx, []string{"merge-manifest", merged}, &out, &errb); code != 2 {
		t.Errorf("one argument: exit %d", code)
	}
	errb.Reset()
	if code := runMain(ctx, []string{"merge-manifest", mans[0], mans[0], mans[1]}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "also an input") {
		t.Errorf("out is input: exit %d %s", code, errb.String())
	}
}

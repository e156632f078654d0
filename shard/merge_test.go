package shard

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/prepared"
)

func manifest(shardSpec string, sessions ...string) []byte {
	m := map[string]any{
		"tool": "retinaio", "version": "0.1.0", "created": "2026-11-25T00:00:00Z", "root": "/data", "out_dir": "/out",
		"settings": map[string]any{"species": "mouse", "stim_type": "fixationmovie", "height": 60, "width": 80,
			"normalize": true, "fr_normalisation": 1.0, "semantics": "openretina", "screen_height": 600,
			"screen_width": 800, "use_openretina_cache": true, "compress": false, "jobs": 1},
		"wall_seconds": 2.5,
	}
	if shardSpec != "" {
		m["shard"] = shardSpec
	}
	var ss []map[string]any
	ok := 0
	for _, s := range sessions {
		st := "ok"
		if strings.HasPrefix(s, "bad") {
			st = "failed"
		} else {
			ok++
		}
		ss = append(ss, map[string]any{"name": s, "source": "/data/" + s, "status": st})
	}
	m["sessions"] = ss
	m["ok"] = ok
	b, _ := json.Marshal(m)
	return b
}

func part(t *testing.T, file string, data []byte) Part {
	t.Helper()
	p, err := DecodePart(file, data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMerge(t *testing.T) {
	a := part(t, "a.json", manifest("0/2", "s3", "s1"))
	b := part(t, "b.json", manifest("1/2", "s2", "bad4"))
	b.Manifest.Settings.Jobs = 4
	b.Manifest.WallSeconds = 7
	m, warns, err := Merge([]Part{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	var got []string
	for _, s := range m.Sessions {
		got = append(got, s.Name)
	}
	if strings.Join(got, ",") != "bad4,s1,s2,s3" {
		t.Errorf("sessions %v", got)
	}
	if m.OK != 3 || m.Failed != 1 || m.Skipped != 0 || m.Settings.Jobs != 4 || m.WallSeconds != 7 {
		t.Errorf("counts ok %d failed %d jobs %d wall %v", m.OK, m.Failed, m.Settings.Jobs, m.WallSeconds)
	}
	if len(m.MergedFrom) != 2 || m.MergedFrom[1].Shard != "1/2" || m.MergedFrom[0].Sessions != 2 {
		t.Errorf("merged_from %+v", m.MergedFrom)
	}
	// the output reads back as a manifest and merges again
	dir := t.TempDir()
	out := filepath.Join(dir, "merged.json")
	if err := m.Write(out); err != nil {
		t.Fatal(err)
	}
	back, err := ReadPart(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Manifest.Sessions) != 4 || back.Manifest.Root != "/data" {
		t.Errorf("read back %+v", back.Manifest)
	}
}

func TestMergeConflicts(t *testing.T) {
	a := part(t, "a.json", manifest("", "s1"))
	b := part(t, "b.json", manifest("", "s2"))
	b.Manifest.Settings.Semantics = "matlab"
	_, _, err := Merge([]Part{a, b})
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "semantics is openretina in a.json but matlab in b.json") {
		t.Errorf("settings conflict: %v", err)
	}
	c := part(t, "c.json", manifest("", "s1", "s9"))
	_, _, err = Merge([]Part{a, c})
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "session s1 is in both a.json and c.json") {
		t.Errorf("duplicate: %v", err)
	}
	d := part(t, "d.json", manifest("", "s1", "s1"))
	if _, _, err = Merge([]Part{d}); err == nil || !strings.Contains(err.Error(), "listed twice in d.json") {
		t.Errorf("duplicate within: %v", err)
	}
	if _, _, err = Merge(nil); err == nil {
		t.Error("no inputs accepted")
	}
}

func TestMergeWarnings(t *testing.T) {
	a := part(t, "a.json", manifest("0/3", "s1"))
	b := part(t, "b.json", manifest("2/3", "s2"))
	b.Manifest.Version = "0.2.0"
	_, warns, err := Merge([]Part{a, b})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(warns, "\n")
	if !strings.Contains(all, "missing") || !strings.Contains(all, "1/3") || !strings.Contains(all, "different retinaio versions") {
		t.Errorf("warnings %q", all)
	}
	c := part(t, "c.json", manifest("1/4", "s3"))
	_, warns, _ = Merge([]Part{a, c})
	if len(warns) != 1 || !strings.Contains(warns[0], "different N") {
		t.Errorf("warnings %q", warns)
	}
}

func TestReadPartErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadPart(dir); err == nil || !strings.Contains(err.Error(), "folder") {
		t.Errorf("folder: %v", err)
	}
	p := filepath.Join(dir, "x.json")
	os.WriteFile(p, []byte(`{"tool":"other"}`), 0o644)
	if _, err := ReadPart(p); err == nil || !strings.Contains(err.Error(), "not a retinaio manifest") {
		t.Errorf("other tool: %v", err)
	}
	os.WriteFile(p, []byte(`{"tool":`), 0o644)
	if _, err := ReadPart(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("truncated: %v", err)
	}
	os.WriteFile(p, manifest("", "s1"), 0o644)
	if pt, err := ReadPart(p); err != nil || pt.Manifest.Sessions[0].Status != prepared.StatusOK {
		t.Errorf("good: %v", err)
	}
}

func FuzzDecodePart(f *testing.F) {
	f.Add(manifest("0/2", "s1", "s2"))
	f.Add(manifest("", "bad"))
	f.Add([]byte(`{"tool":"retinaio","sessions":[{"name":""}]}`))
	f.Add([]byte(`{"tool":"retinaio","shard":"9/2"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePart("f.json", data)
		if err != nil {
			return
		}
		m, _, err := Merge([]Part{p, p})
		if err == nil && len(p.Manifest.Sessions) > 0 {
			t.Fatalf("merging a part with itself succeeded: %d sessions", len(m.Sessions))
		}
	})
}

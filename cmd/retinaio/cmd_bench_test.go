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

func TestBenchCommandInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesises and prepares a session")
	}
	dir := t.TempDir()
	prof := filepath.Join(dir, "cpu.pprof")
	var out, errb bytes.Buffer
	code := runMain(context.Background(), []string{"bench", "--profile", "tiny", "--json", "--tmp", dir,
		"--cpuprofile", prof, "--", "--no-checksums"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Profile string `json:"profile"`
		Mode    string `json:"mode"`
		Frames  int    `json:"frames"`
		Phases  []struct {
			Name string `json:"name"`
		} `json:"phases"`
		PeakRSS int64 `json:"peak_rss_bytes"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	// tiny: 2 blocks x 40 frames + 30 test frames
	if rep.Profile != "tiny" || rep.Mode != "in-process" || rep.Frames != 110 || rep.PeakRSS <= 0 {
		t.Errorf("report %+v", rep)
	}
	for _, p := range rep.Phases {
		if strings.HasPrefix(p.Name, "sha256") {
			t.Errorf("--no-checksums not passed on: %v", rep.Phases)
		}
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Errorf("cpu profile: %v", err)
	}
}

func TestBenchCommandErrors(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runMain(context.Background(), []string{"bench", "--profile", "huge"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "unknown profile") {
		t.Errorf("exit %d %s", code, errb.String())
	}
	if code := runMain(context.Background(), []string{"bench", "a", "b"}, &out, &errb); code != 2 {
		t.Errorf("two paths: exit %d", code)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/retinaio/retinaio/internal/sysmem"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/prepare"
	"github.com/retinaio/retinaio/shard"
)

type shardManifest struct {
	Shard    string `json:"shard"`
	OK       int    `json:"ok"`
	Sessions []struct {
		Name    string             `json:"name"`
		Status  string             `json:"status"`
		Timings map[string]float64 `json:"seconds"`
	} `json:"sessions"`
}

func readShardManifest(t *testing.T, path string) shardManifest {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m shardManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPrepareShards prepares three sessions as two shards, checks that the
// shards are disjoint and cover the sessions as shard.Of assigns them (Of
// is checked against a Python reference in package shard), and merges them.
func TestPrepareShards(t *testing.T) {
	dir, data, paths := synthTiny(t, 3)
	ctx := context.Background()
	var out, errb bytes.Buffer
	var all []string
	for _, p := range paths {
		all = append(all, filepath.Base(p))
	}
	var got, mans []string
	for i := 0; i < 2; i++ {
		spec := string(rune('0'+i)) + "/2"
		o := filepath.Join(dir, "shard-"+string(rune('0'+i)))
		errb.Reset()
		args := []string{"prepare", data, "--shard", spec, "--out", o, "--no-cache",
			"--cache-dir", filepath.Join(dir, "cache"), "--jobs", "2", "--max-memory", "100M"}
		if code := runMain(ctx, args, &out, &errb); code != 0 {
			t.Fatalf("prepare shard %d: %d %s", i, code, errb.String())
		}
		m := readShardManifest(t, filepath.Join(o, "manifest.json"))
		if m.Shard != spec {
			t.Errorf("manifest shard %q, want %q", m.Shard, spec)
		}
		for _, s := range m.Sessions {
			if s.Status != "ok" || shard.Of(s.Name, 2) != i {
				t.Errorf("shard %d has %s (%s), which belongs to shard %d", i, s.Name, s.Status, shard.Of(s.Name, 2))
			}
			got = append(got, s.Name)
		}
		mans = append(mans, filepath.Join(o, "manifest.json"))
	}
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(all, " ") {
		t.Errorf("shards cover %v, want %v", got, all)
	}
	errb.Reset()
	if code := runMain(ctx, append([]string{"merge-manifest", filepath.Join(dir, "all.json")}, mans...), &out, &errb); code != 0 || errb.Len() != 0 {
		t.Fatalf("merge: %d %s", code, errb.String())
	}
	if m := readShardManifest(t, filepath.Join(dir, "all.json")); m.OK != 3 || len(m.Sessions) != 3 {
		t.Errorf("merged ok %d of %d", m.OK, len(m.Sessions))
	}

	for _, bad := range [][]string{{"--shard", "2/2"}, {"--shard", "x"}, {"--max-memory", "10M"}, {"--max-memory", "lots"}} {
		errb.Reset()
		args := append([]string{"prepare", data, "--out", filepath.Join(dir, "bad"), "--no-cache"}, bad...)
		if code := runMain(ctx, args, &out, &errb); code != 2 || !strings.Contains(errb.String(), bad[0]) {
			t.Errorf("%v: exit %d %s", bad, code, errb.String())
		}
	}
}

// TestPreparePhaseTimings checks that prepare's manifest carries the
// phase timings retinaio bench reports.
func TestPreparePhaseTimings(t *testing.T) {
	dir, _, _ := synthTiny(t, 1)
	ctx := context.Background()
	var out, errb bytes.Buffer
	o := filepath.Join(dir, "out")
	if code := runMain(ctx, []string{"prepare", filepath.Join(dir, "data"), "--out", o, "--cache-dir", filepath.Join(dir, "cache")}, &out, &errb); code != 0 {
		t.Fatalf("prepare: %s", errb.String())
	}
	m := readShardManifest(t, filepath.Join(o, "manifest.json"))
	if m.Shard != "" || len(m.Sessions) != 1 {
		t.Fatalf("manifest %+v", m)
	}
	for _, k := range []string{"read", "render", "cache_write", "stimuli", "write"} {
		if _, ok := m.Sessions[0].Timings[k]; !ok {
			t.Errorf("no %q timing in %v", k, m.Sessions[0].Timings)
		}
	}
}

// TestPrepareAdmitBudget runs three sessions with --jobs 3 under a budget
// that holds one session's estimate: they must run one at a time.
func TestPrepareAdmitBudget(t *testing.T) {
	dir, data, _ := synthTiny(t, 3)
	ctx := context.Background()
	f := prepareFlags{species: "mouse", stim: "fixationmovie", size: "60x80", semantics: "openretina", screen: "600x800",
		out: filepath.Join(dir, "out"), cacheDir: filepath.Join(dir, "cache"), noCache: true, frNorm: 1, jobs: 3}
	opt, err := f.options()
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := karamanlis.FindSessions(data, "mouse")
	if err != nil {
		t.Fatal(err)
	}
	est := prepare.EstimateSessionMemory(sessions[0], karamanlis.FixationMovie, 60, 80)
	b := sysmem.NewBudget(est + est/2)
	var mu sync.Mutex
	running, most := 0, 0
	opt.Admit = func(ctx context.Context, s karamanlis.Session) (func(), error) {
		rel, err := b.Acquire(ctx, prepare.EstimateSessionMemory(s, karamanlis.FixationMovie, 60, 80))
		if err != nil {
			return nil, err
		}
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		return func() {
			mu.Lock()
			running--
			mu.Unlock()
			rel()
		}, nil
	}
	man, err := prepare.Run(ctx, data, opt)
	if err != nil || man.OK != 3 {
		t.Fatalf("prepare: %v %+v", err, man)
	}
	if most != 1 {
		t.Errorf("%d sessions ran at once under a one-session budget", most)
	}
}

// synthTiny synthesises n tiny sessions into dir/data of a new temporary
// dir (skipped under -short) and returns dir, dir/data and the sessions.
func synthTiny(t *testing.T, n int) (dir, data string, sessions []string) {
	t.Helper()
	if testing.Short() {
		t.Skip("synthesises and prepares sessions")
	}
	dir = t.TempDir()
	data = filepath.Join(dir, "data")
	var out, errb bytes.Buffer
	if code := runMain(context.Background(), []string{"synth", data, "--profile", "tiny", "--sessions", strconv.Itoa(n)}, &out, &errb); code != 0 {
		t.Fatalf("synth: %d %s", code, errb.String())
	}
	return dir, data, strings.Fields(out.String())
}

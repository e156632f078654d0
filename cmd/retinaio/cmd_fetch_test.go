package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/hub"
	"github.com/retinaio/retinaio/internal/hubtest"
)

func fetchTestHub(t *testing.T) (*hubtest.Server, map[string][]byte) {
	s := hubtest.New(t)
	s.DropFirst = true // the first connection of every file dies halfway
	want := map[string][]byte{}
	for i, name := range []string{
		"20210115_252MEA_mouse_left_half_ventral", "20210803_252MEA_mouse_left_half_dorsal",
		"20220208_60MEA_marmoset_right_n1", "20220301_60MEA_marmoset_left_s1",
	} {
		r := rand.New(rand.NewPCG(uint64(i), 7))
		b := make([]byte, 10_000+i*7_777)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		want[name] = b
		s.Add(hub.SessionsPath+"/"+name+".zip", b)
	}
	t.Setenv("HF_ENDPOINT", s.URL())
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("OPENRETINA_CACHE_DIRECTORY", "")
	t.Setenv("RETINAIO_CACHE", t.TempDir())
	return s, want
}

func runFetchCmd(t *testing.T, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := runMain(context.Background(), append([]string{"fetch"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

func TestFetchMouseToDest(t *testing.T) {
	s, want := fetchTestHub(t)
	dest := t.TempDir()
	out, errs, code := runFetchCmd(t, "--species", "mouse", "--dest", dest, "--jobs", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	ents, _ := os.ReadDir(dest)
	var names []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue // the source records (hub.RecordPath), checked below
		}
		names = append(names, e.Name())
		if _, err := hub.ReadRecord(filepath.Join(dest, e.Name())); err != nil {
			t.Errorf("%s: no source record: %v", e.Name(), err)
		}
		b, _ := os.ReadFile(filepath.Join(dest, e.Name()))
		if !bytes.Equal(b, want[strings.TrimSuffix(e.Name(), ".zip")]) {
			t.Errorf("%s differs from the mirror", e.Name())
		}
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "20210115_252MEA_mouse_left_half_ventral.zip 20210803_252MEA_mouse_left_half_dorsal.zip" {
		t.Fatalf("dest holds %v", names)
	}
	if !strings.Contains(out, "2 fetched") {
		t.Errorf("summary %q", out)
	}

	// --list --json: sizes, species and what is cached.
	out, errs, code = runFetchCmd(t, "--list", "--json", "--dest", dest)
	if code != 0 {
		t.Fatalf("list: %s", errs)
	}
	var rows []struct {
		Session, Species string
		Size             int64
		Cached           bool
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 4 {
		t.Fatalf("list json %v: %s", err, out)
	}
	for _, r := range rows {
		if r.Size != int64(len(want[r.Session])) || r.Cached != (r.Species == "mouse") {
			t.Errorf("row %+v", r)
		}
	}
	out, _, _ = runFetchCmd(t, "--list", "--dest", dest)
	if !strings.Contains(out, "SESSION") || !strings.Contains(out, "marmoset") || !strings.Contains(out, "4 session(s)") {
		t.Errorf("list text %q", out)
	}

	// Server gone, offline: the saved listing and the files are enough.
	s.Close()
	t.Setenv("HF_HUB_OFFLINE", "1")
	if out, errs, code = runFetchCmd(t, "--species", "mouse", "--dest", dest); code != 0 || !strings.Contains(out, "0 fetched") {
		t.Fatalf("offline refetch: %d %s %s", code, out, errs)
	}
	_, errs, code = runFetchCmd(t, "--species", "marmoset", "--dest", dest)
	if code == 0 || !strings.Contains(errs, "offline") || !strings.Contains(errs, "20220208_60MEA_marmoset_right_n1.zip") {
		t.Errorf("offline missing: %d %s", code, errs)
	}
}

func TestFetchErrors(t *testing.T) {
	fetchTestHub(t)
	if _, errs, code := runFetchCmd(t, "--species", "fish"); code == 0 || !strings.Contains(errs, "mouse or marmoset") {
		t.Errorf("bad species: %d %s", code, errs)
	}
	if _, errs, code := runFetchCmd(t, "--session", "20990101_nope"); code == 0 || !strings.Contains(errs, "20990101_nope") {
		t.Errorf("unknown session: %d %s", code, errs)
	}
	if _, errs, code := runFetchCmd(t, "--source", "gin"); code == 0 || !strings.Contains(errs, "--session") {
		t.Errorf("gin without sessions: %d %s", code, errs)
	}
}

// TestFetchListEscapesNames: a hostile listing name carrying terminal
// escape sequences is printed escaped by 'fetch --list', in the table and
// in JSON.
func TestFetchListEscapesNames(t *testing.T) {
	s, _ := fetchTestHub(t)
	evil := "20990101_\x1b[2J\x1b[H\x1b]0;owned\a_mouse"
	s.Add(hub.SessionsPath+"/"+evil+".zip", []byte("zip"))
	out, errs, code := runFetchCmd(t, "--list", "--species", "mouse")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.ContainsAny(out, "\x1b\a") || !strings.Contains(out, `\x1b[2J`) {
		t.Fatalf("table not escaped: %q", out)
	}
	out, errs, code = runFetchCmd(t, "--list", "--json", "--species", "mouse")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rows []struct{ Session string }
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		if strings.ContainsAny(r.Session, "\x1b\a") {
			t.Fatalf("JSON name not escaped: %q", r.Session)
		}
		found = found || strings.Contains(r.Session, `\x1b[2J`)
	}
	if !found {
		t.Fatalf("hostile session missing from %s", out)
	}
}

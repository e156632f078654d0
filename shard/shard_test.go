package shard

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestHashAndShardMatchPython compares with shards.json, written by
// testdata/gen_shards.py (an independent Python implementation).
func TestHashAndShardMatchPython(t *testing.T) {
	data, err := os.ReadFile("testdata/shards.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref []struct {
		Name   string         `json:"name"`
		Hash   string         `json:"hash"`
		Shards map[string]int `json:"shards"`
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref) < 5 {
		t.Fatalf("only %d reference names", len(ref))
	}
	for _, r := range ref {
		want, _ := strconv.ParseUint(r.Hash, 10, 64)
		if got := Hash(r.Name); got != want {
			t.Errorf("Hash(%q) = %d, want %d", r.Name, got, want)
		}
		for ns, wantShard := range r.Shards {
			n, _ := strconv.Atoi(ns)
			if got := Of(r.Name, n); got != wantShard {
				t.Errorf("Of(%q, %d) = %d, want %d", r.Name, n, got, wantShard)
			}
		}
	}
}

func TestParse(t *testing.T) {
	good := map[string]Spec{"0/1": {0, 1}, "3/10": {3, 10}, " 9/10 ": {9, 10}, "": All, "0 / 2": {0, 2}}
	for in, want := range good {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"10/10": "below N = 10", "11/10": "below N", "-1/4": "negative", "1/0": "at least 1",
		"1": "I/N", "a/b": "integers", "1/2/3": "integers", "0/2000000": "shards",
	}
	for in, msg := range bad {
		_, err := Parse(in)
		if err == nil || !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), msg) {
			t.Errorf("Parse(%q) = %v, want an ErrSyntax error mentioning %q", in, err, msg)
		}
	}
}

func TestFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	cases := []struct {
		env  func(string) string
		want Spec
		ok   bool
		err  string
	}{
		{env(), Spec{}, false, ""},
		{env("SLURM_ARRAY_TASK_ID", "3"), Spec{}, false, ""},
		{env("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "10"), Spec{3, 10}, true, ""},
		// --array=1-10: ids 1..10
		{env("SLURM_ARRAY_TASK_ID", "10", "SLURM_ARRAY_TASK_COUNT", "10", "SLURM_ARRAY_TASK_MIN", "1"), Spec{9, 10}, true, ""},
		// --array=0-18:2: ids 0,2,...,18
		{env("SLURM_ARRAY_TASK_ID", "18", "SLURM_ARRAY_TASK_COUNT", "10", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_STEP", "2"), Spec{9, 10}, true, ""},
		{env("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "10", "SLURM_ARRAY_TASK_STEP", "2"), Spec{}, false, "grid"},
		// --array=1,5,9 (count 3): not contiguous
		{env("SLURM_ARRAY_TASK_ID", "9", "SLURM_ARRAY_TASK_COUNT", "3", "SLURM_ARRAY_TASK_MIN", "1"), Spec{}, false, "not contiguous"},
		{env("SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_COUNT", "3"), Spec{}, false, "not an integer"},
	}
	for i, c := range cases {
		got, ok, err := FromEnv(c.env)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("case %d: err %v, want %q", i, err, c.err)
			}
			continue
		}
		if err != nil || ok != c.ok || got != c.want {
			t.Errorf("case %d: %v %v %v, want %v %v", i, got, ok, err, c.want, c.ok)
		}
	}
}

func TestParseAuto(t *testing.T) {
	t.Setenv("SLURM_ARRAY_TASK_ID", "4")
	t.Setenv("SLURM_ARRAY_TASK_COUNT", "5")
	t.Setenv("SLURM_ARRAY_TASK_MIN", "")
	t.Setenv("SLURM_ARRAY_TASK_STEP", "")
	sp, err := Parse("auto")
	if err != nil || sp != (Spec{4, 5}) {
		t.Fatalf("auto = %v, %v", sp, err)
	}
	t.Setenv("SLURM_ARRAY_TASK_ID", "")
	if _, err := Parse("auto"); err == nil || !strings.Contains(err.Error(), "SLURM") {
		t.Fatalf("auto outside SLURM: %v", err)
	}
}

// names makes n Karamanlis-like session names.
func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("2021%02d%02d_252MEA_mouse_%s_half_%d", 1+i%12, 1+i%28, []string{"left", "right"}[i%2], i)
	}
	return out
}

func TestSharesAreDisjointCoveringAndStable(t *testing.T) {
	all := names(4000)
	for _, n := range []int{1, 2, 3, 8, 31} {
		seen := map[string]int{}
		sizes := make([]int, n)
		for i := 0; i < n; i++ {
			for _, name := range (Spec{i, n}).Select(all) {
				if prev, dup := seen[name]; dup {
					t.Fatalf("N=%d: %s in shards %d and %d", n, name, prev, i)
				}
				seen[name] = i
				sizes[i]++
			}
		}
		if len(seen) != len(all) {
			t.Fatalf("N=%d: %d of %d names covered", n, len(seen), len(all))
		}
		// balance: every shard within 40% of the mean (5 standard
		// deviations of a fair split of 4000 names into 31)
		mean := float64(len(all)) / float64(n)
		for i, s := range sizes {
			if n > 1 && (float64(s) < 0.6*mean || float64(s) > 1.4*mean) {
				t.Errorf("N=%d: shard %d has %d sessions, mean %.1f", n, i, s, mean)
			}
		}
		// adding sessions never moves an existing one
		more := append(names(5000)[4000:], all...)
		for i := 0; i < n; i++ {
			for _, name := range (Spec{i, n}).Select(more) {
				if prev, ok := seen[name]; ok && prev != i {
					t.Fatalf("N=%d: %s moved from shard %d to %d", n, name, prev, i)
				}
			}
		}
	}
}

func TestSelectSortsAndDedups(t *testing.T) {
	got := All.Select([]string{"b", "a", "b", "c"})
	if strings.Join(got, ",") != "a,b,c" {
		t.Fatalf("Select = %v", got)
	}
	if !All.IsAll() || !(Spec{0, 1}).IsAll() || (Spec{0, 2}).IsAll() {
		t.Fatal("IsAll")
	}
	if (Spec{2, 5}).String() != "2/5" || All.String() != "" {
		t.Fatal("String")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0/1", "3/10", "10/10", "-1/2", "", "auto", "1/", "/", "99999999999999999999/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "auto" {
			return // depends on the environment
		}
		sp, err := Parse(s)
		if err != nil {
			return
		}
		if sp.Count == 0 {
			return
		}
		if sp.Index < 0 || sp.Index >= sp.Count || sp.Count > MaxCount {
			t.Fatalf("Parse(%q) = %v", s, sp)
		}
		if r, err := Parse(sp.String()); err != nil || r != sp {
			t.Fatalf("round trip %q -> %v -> %v %v", s, sp, r, err)
		}
	})
}

func BenchmarkOf(b *testing.B) {
	all := names(1000)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		Of(all[i%len(all)], 10)
	}
}

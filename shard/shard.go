// Package shard splits a dataset's sessions into N disjoint, stable shares,
// so that a SLURM job array or a Kubernetes indexed Job can prepare a whole
// dataset with one task per share (retinaio prepare --shard I/N), and joins
// the shares' manifests again (MergeManifests, retinaio merge-manifest).
//
// The rule: a session belongs to shard
//
//	floor(fmix64(fnv1a64(name)) * N / 2^64)
//
// where name is the session name (the folder name, or the zip's name without
// ".zip") as UTF-8 bytes, fnv1a64 is the 64-bit FNV-1a hash (offset basis
// 14695981039346656037, prime 1099511628211) and fmix64 is MurmurHash3's
// 64-bit finaliser (h ^= h>>33; h *= 0xff51afd7ed558ccd; h ^= h>>33;
// h *= 0xc4ceb9fe1a85ec53; h ^= h>>33, all mod 2^64). The finaliser matters:
// Karamanlis session names differ in their last characters (dorsal/ventral),
// which plain FNV-1a spreads into neither its low nor its high bits. Shard numbers run from 0 to
// N-1. The share of a session depends only on its name and N: it is the same
// on every machine, in every run, and whichever other sessions exist, so a
// session added to the dataset later never moves the others. Using the
// The price of stability is that shares are balanced
// only on average: with few sessions per shard some shards get one or two
// more sessions than others, and a shard may be empty.
//
// In Python (see shard/testdata/gen_shards.py):
//
//	M = 2**64
//	h = 14695981039346656037
//	for b in name.encode(): h = ((h ^ b) * 1099511628211) % M
//	h ^= h >> 33; h = h * 0xff51afd7ed558ccd % M; h ^= h >> 33
//	h = h * 0xc4ceb9fe1a85ec53 % M; h ^= h >> 33
//	shard = (h * N) >> 64
package shard

import (
	"errors"
	"fmt"
	"math/bits"
	"os"
	"sort"
	"strconv"
	"strings"
)

// FNV-1a 64-bit parameters.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// MaxCount bounds N so that a typo cannot ask for billions of shards.
const MaxCount = 1 << 20

// Hash returns fmix64(fnv1a64(name)), the value the shard is taken from.
func Hash(name string) uint64 {
	h := uint64(fnvOffset64)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= fnvPrime64
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// Of returns the shard (0..n-1) that owns the session name among n shards.
// n < 1 is treated as 1.
func Of(name string, n int) int {
	if n <= 1 {
		return 0
	}
	hi, _ := bits.Mul64(Hash(name), uint64(n))
	return int(hi)
}

// Spec is one share: Index (0-based) of Count shards. The zero Spec (0 of 0)
// means "no sharding" and owns every session.
type Spec struct {
	Index, Count int
}

// All is the Spec that owns every session.
var All = Spec{}

// String formats the spec as "I/N" ("" for All).
func (s Spec) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// IsAll reports whether the spec owns every session (no sharding, or 0/1).
func (s Spec) IsAll() bool { return s.Count <= 1 }

// Owns reports whether the session name belongs to this share.
func (s Spec) Owns(name string) bool {
	if s.IsAll() {
		return true
	}
	return Of(name, s.Count) == s.Index
}

// Select returns the names this share owns, sorted, without duplicates.
func (s Spec) Select(names []string) []string {
	out := make([]string, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if !seen[n] && s.Owns(n) {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// ErrSyntax is wrapped by Parse errors.
var ErrSyntax = errors.New("shard must be I/N with 0 <= I < N (or \"auto\" inside a SLURM job array)")

// Parse reads "I/N": share I (0-based, as SLURM_ARRAY_TASK_ID of an array
// submitted with --array=0-(N-1), and Kubernetes' JOB_COMPLETION_INDEX) of N.
// I must be in 0..N-1: a 1-based index (SLURM --array=1-N) is rejected for
// I = N rather than silently folded onto shard 0; pass
// $((SLURM_ARRAY_TASK_ID-1)) or use "auto". The word "auto" reads the SLURM
// array variables (see FromEnv). "" means no sharding (All).
func Parse(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return All, nil
	}
	if s == "auto" {
		sp, ok, err := FromEnv(os.Getenv)
		if err != nil {
			return Spec{}, err
		}
		if !ok {
			return Spec{}, fmt.Errorf("shard \"auto\": not inside a SLURM job array (SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT are not set); give I/N")
		}
		return sp, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Spec{}, fmt.Errorf("shard %q: %w", s, ErrSyntax)
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if err1 != nil || err2 != nil {
		return Spec{}, fmt.Errorf("shard %q: I and N must be integers: %w", s, ErrSyntax)
	}
	return check(i, n, s)
}

func check(i, n int, s string) (Spec, error) {
	switch {
	case n < 1:
		return Spec{}, fmt.Errorf("shard %q: N = %d must be at least 1: %w", s, n, ErrSyntax)
	case n > MaxCount:
		return Spec{}, fmt.Errorf("shard %q: N = %d is more than %d shards: %w", s, n, MaxCount, ErrSyntax)
	case i < 0:
		return Spec{}, fmt.Errorf("shard %q: I = %d is negative: %w", s, i, ErrSyntax)
	case i >= n:
		return Spec{}, fmt.Errorf("shard %q: I = %d must be below N = %d (shards are numbered from 0; for a SLURM array submitted as --array=1-%d use \"auto\" or $((SLURM_ARRAY_TASK_ID-1))/%d): %w", s, i, n, n, n, ErrSyntax)
	}
	return Spec{Index: i, Count: n}, nil
}

// FromEnv derives the share from a SLURM job array's environment:
// I = (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP
// and N = SLURM_ARRAY_TASK_COUNT, so --array=0-9, --array=1-10 and
// --array=0-18:2 all give shards 0..9 of 10. MIN defaults to 0 and STEP to
// 1 when unset. ok is false when the task id or count is not set. getenv is
// usually os.Getenv.
func FromEnv(getenv func(string) string) (sp Spec, ok bool, err error) {
	id, count := getenv("SLURM_ARRAY_TASK_ID"), getenv("SLURM_ARRAY_TASK_COUNT")
	if id == "" || count == "" {
		return Spec{}, false, nil
	}
	num := func(name, v string, def int) (int, error) {
		if v == "" {
			return def, nil
		}
		x, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf("%s=%q is not an integer", name, v)
		}
		return x, nil
	}
	vals := [4]int{}
	for k, nv := range [4][3]string{
		{"SLURM_ARRAY_TASK_ID", id, ""}, {"SLURM_ARRAY_TASK_COUNT", count, ""},
		{"SLURM_ARRAY_TASK_MIN", getenv("SLURM_ARRAY_TASK_MIN"), "0"}, {"SLURM_ARRAY_TASK_STEP", getenv("SLURM_ARRAY_TASK_STEP"), "1"},
	} {
		def, _ := strconv.Atoi(nv[2])
		if vals[k], err = num(nv[0], nv[1], def); err != nil {
			return Spec{}, false, err
		}
	}
	tid, n, lo, step := vals[0], vals[1], vals[2], vals[3]
	if step < 1 {
		return Spec{}, false, fmt.Errorf("SLURM_ARRAY_TASK_STEP=%d must be at least 1", step)
	}
	if tid < lo || (tid-lo)%step != 0 {
		return Spec{}, false, fmt.Errorf("SLURM_ARRAY_TASK_ID=%d is not on the array's grid (min %d, step %d); give I/N", tid, lo, step)
	}
	desc := fmt.Sprintf("SLURM task %d of array min %d step %d count %d", tid, lo, step, n)
	sp, err = check((tid-lo)/step, n, desc)
	if err != nil {
		return Spec{}, false, fmt.Errorf("%w (the array is not contiguous: give I/N explicitly)", err)
	}
	return sp, true, nil
}

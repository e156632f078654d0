package nprand

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"testing"
)

type vectors struct {
	Raw    map[string][]uint32 `json:"raw"`
	Sample map[string][]string `json:"sample"`
	Perm   []struct {
		Seed   uint32 `json:"seed"`
		N      int    `json:"n"`
		Head   []int  `json:"head"`
		SHA256 string `json:"sha256"`
	} `json:"perm"`
	Choice []struct {
		Seed uint32 `json:"seed"`
		N, K int
		Idx  []int `json:"idx"`
	} `json:"choice"`
	Randint []struct {
		Seed   uint32   `json:"seed"`
		Low    string   `json:"low"`
		High   string   `json:"high"`
		Values []string `json:"values"`
	} `json:"randint"`
	ArraySeed []struct {
		Key []uint32 `json:"key"`
		Raw []uint32 `json:"raw"`
	} `json:"array_seed"`
	Sequence []struct {
		Seed      uint32   `json:"seed"`
		Perm10    []int    `json:"perm10"`
		Randint   []int64  `json:"randint"`
		Choice    []int    `json:"choice"`
		Sample    []string `json:"sample"`
		Shuffle12 []int    `json:"shuffle12"`
	} `json:"sequence"`
}

func load(t *testing.T) vectors {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func hexFloat(x float64) string { return strconv.FormatFloat(x, 'x', -1, 64) }

// pyHex converts Python's float.hex ("0x1.8p+1") to Go's format ("0x1.8p+01").
func pyHex(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic(err)
	}
	return f
}

func TestReferenceMT19937(t *testing.T) {
	// The MT19937 reference: init_genrand(5489), 1st output 3499211612,
	// 10000th output 4123659995 (C++ std::mt19937 requirement).
	r := New(5489)
	if v := r.Uint32(); v != 3499211612 {
		t.Fatalf("first output %d", v)
	}
	for i := 2; i < 10000; i++ {
		r.Uint32()
	}
	if v := r.Uint32(); v != 4123659995 {
		t.Fatalf("10000th output %d", v)
	}
}

func TestRawAndSample(t *testing.T) {
	v := load(t)
	for s, want := range v.Raw {
		seed, _ := strconv.ParseUint(s, 10, 32)
		r := New(uint32(seed))
		for i, w := range want {
			if got := r.Uint32(); got != w {
				t.Fatalf("seed %s: output %d = %d, numpy %d", s, i, got, w)
			}
		}
		r = New(uint32(seed))
		for i, w := range v.Sample[s] {
			if got := r.Float64(); got != pyHex(w) {
				t.Fatalf("seed %s: random_sample %d = %s, numpy %s", s, i, hexFloat(got), w)
			}
		}
	}
	for _, a := range v.ArraySeed {
		r, err := NewFromArray(a.Key)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range a.Raw {
			if got := r.Uint32(); got != w {
				t.Fatalf("key of %d: output %d = %d, numpy %d", len(a.Key), i, got, w)
			}
		}
	}
	if _, err := NewFromArray(nil); err == nil {
		t.Error("empty key accepted")
	}
}

func TestPermutation(t *testing.T) {
	v := load(t)
	if testing.Short() {
		t.Log("short: skipping n >= 10^5")
	}
	for _, c := range v.Perm {
		if testing.Short() && c.N >= 100000 {
			continue
		}
		p := New(c.Seed).Permutation(c.N)
		head := p[:min(50, len(p))]
		if !reflect.DeepEqual(head, c.Head) && !(len(head) == 0 && len(c.Head) == 0) {
			t.Errorf("seed %d n %d: head %v, numpy %v", c.Seed, c.N, head, c.Head)
		}
		b := make([]byte, 8*len(p))
		for i, x := range p {
			binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != c.SHA256 {
			t.Errorf("seed %d n %d: sha256 of the permutation differs from numpy's", c.Seed, c.N)
		}
	}
}

func TestChoice(t *testing.T) {
	v := load(t)
	for _, c := range v.Choice {
		got, err := New(c.Seed).Choice(c.N, c.K)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c.Idx) && !(len(got) == 0 && len(c.Idx) == 0) {
			t.Errorf("choice(%d, %d) seed %d = %v, numpy %v", c.N, c.K, c.Seed, got, c.Idx)
		}
	}
	if _, err := New(1).Choice(3, 4); err == nil {
		t.Error("k > n accepted")
	}
	if _, err := New(1).Choice(3, -1); err == nil {
		t.Error("k < 0 accepted")
	}
}

func TestRandint(t *testing.T) {
	v := load(t)
	for _, c := range v.Randint {
		lo, _ := strconv.ParseInt(c.Low, 10, 64)
		hi, _ := strconv.ParseInt(c.High, 10, 64)
		r := New(c.Seed)
		for i, w := range c.Values {
			got, err := r.Randint(lo, hi)
			if err != nil {
				t.Fatal(err)
			}
			if strconv.FormatInt(got, 10) != w {
				t.Fatalf("randint(%d, %d) seed %d: value %d = %d, numpy %s", lo, hi, c.Seed, i, got, w)
			}
		}
	}
	if _, err := New(1).Randint(5, 5); err == nil {
		t.Error("empty range accepted")
	}
}

func TestSequence(t *testing.T) {
	v := load(t)
	for _, s := range v.Sequence {
		r := New(s.Seed)
		if p := r.Permutation(10); !reflect.DeepEqual(p, s.Perm10) {
			t.Errorf("perm10 %v, numpy %v", p, s.Perm10)
		}
		ri, _ := r.RandintN(0, 100, 5)
		if !reflect.DeepEqual(ri, s.Randint) {
			t.Errorf("randint %v, numpy %v", ri, s.Randint)
		}
		c, _ := r.Choice(30, 4)
		if !reflect.DeepEqual(c, s.Choice) {
			t.Errorf("choice %v, numpy %v", c, s.Choice)
		}
		for i, w := range s.Sample {
			if got := r.Float64(); got != pyHex(w) {
				t.Errorf("sample %d %s, numpy %s", i, hexFloat(got), w)
			}
		}
		a := make([]int, 12)
		for i := range a {
			a[i] = i
		}
		r.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
		if !reflect.DeepEqual(a, s.Shuffle12) {
			t.Errorf("shuffle %v, numpy %v", a, s.Shuffle12)
		}
	}
}

func TestSeedRange(t *testing.T) {
	if _, err := Seed(-1); err == nil {
		t.Error("negative seed accepted")
	}
	if _, err := Seed(1 << 32); err == nil {
		t.Error("seed 2^32 accepted")
	}
	if _, err := Seed(1<<32 - 1); err != nil {
		t.Error(err)
	}
}

func TestCheckSeed(t *testing.T) {
	for _, c := range []struct {
		in   uint64
		want uint32
		ok   bool
	}{{0, 0, true}, {42, 42, true}, {0xFFFFFFFF, 0xFFFFFFFF, true}, {1 << 32, 0, false}, {^uint64(0), 0, false}} {
		got, err := CheckSeed(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("CheckSeed(%d) = %d, %v", c.in, got, err)
		}
	}
}

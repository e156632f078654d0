package hdf5

import (
	"context"
	"errors"
	"math/rand"
	"strings"
	"sync"
	"testing"
)

// Test vectors from Bob Jenkins' lookup3.c driver.
func TestLookup3(t *testing.T) {
	cases := []struct {
		s    string
		init uint32
		want uint32
	}{
		{"", 0, 0xdeadbeef},
		{"", 0xdeadbeef, 0xbd5b7dde},
		{"Four score and seven years ago", 0, 0x17770551},
		{"Four score and seven years ago", 1, 0xcd628161},
	}
	for _, c := range cases {
		if got := lookup3([]byte(c.s), c.init); got != c.want {
			t.Errorf("lookup3(%q, %d) = %#x, want %#x", c.s, c.init, got, c.want)
		}
	}
}

func TestFletcher32(t *testing.T) {
	// hand-computed: words 0x0102, 0x0304 -> sum1 = 0x0406, sum2 = 0x0102+0x0406 = 0x0508
	if got := fletcher32([]byte{1, 2, 3, 4}); got != 0x05080406 {
		t.Errorf("fletcher32 = %#x", got)
	}
	// odd length: trailing byte 3 is the high byte of a word: sum1 = 0x102+0x300, sum2 = 0x102+0x402
	if got := fletcher32([]byte{1, 2, 3}); got != 0x05040402 {
		t.Errorf("fletcher32 odd = %#x", got)
	}
}

func TestUnshuffle(t *testing.T) {
	// two 4-byte elements 0x11223344, 0x55667788 (as bytes) shuffled, plus one trailing byte
	in := []byte{0x44, 0x88, 0x33, 0x77, 0x22, 0x66, 0x11, 0x55, 0x99}
	want := []byte{0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55, 0x99}
	if got := unshuffle(in, 4, nil); string(got) != string(want) {
		t.Errorf("unshuffle = % x, want % x", got, want)
	}
}

func TestCursorBounds(t *testing.T) {
	c := newCursor([]byte{1, 2, 3}, 8, 8)
	if c.u16() != 0x0201 || c.err != nil {
		t.Fatal("u16")
	}
	if c.u32() != 0 || c.err == nil {
		t.Fatal("u32 past the end must fail")
	}
	if c.u8() != 0 || c.bytes(-1) != nil || c.addr() != undef {
		t.Fatal("sticky error")
	}
	c = newCursor([]byte{'a', 'b'}, 8, 8)
	if c.cstring(); c.err == nil {
		t.Fatal("unterminated string must fail")
	}
}

func TestUnsupportedFilter(t *testing.T) {
	f, err := Open("testdata/unit/unsupported_filter.h5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.OpenDataset("/lzf")
	if err != nil {
		t.Fatal(err)
	}
	if fl := d.Filters(); len(fl) != 1 || fl[0].ID != 32000 {
		t.Fatalf("filters %v", fl)
	}
	// LZF is built in now; a filter without a decoder is simulated by
	// giving the dataset an unregistered filter id.
	d.info.filters = []Filter{{ID: 32099, Name: "made\x00up"}}
	d.info.filterOpt = []bool{false}
	var v []int32
	err = d.Read(context.Background(), &v)
	var fe *FormatError
	if !errors.Is(err, ErrUnsupportedFilter) || !errors.As(err, &fe) || !strings.Contains(err.Error(), `filter "made\x00up" (32099) is not built in`) {
		t.Fatalf("err = %v", err)
	}
	if fe.Object != "/lzf" || fe.File != "unsupported_filter.h5" {
		t.Errorf("FormatError %+v", fe)
	}
}

func TestNotFound(t *testing.T) {
	f, err := Open("testdata/unit/indexes_earliest.h5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.OpenDataset("/nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v", err)
	}
	if _, err := f.OpenDataset("/deep_group/soft"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "soft") {
		t.Errorf("soft link: err = %v", err)
	}
	if _, err := NewFile(strings.NewReader("not hdf5 at all, just text"), 26); !errors.Is(err, ErrNotHDF5) {
		t.Errorf("err = %v", err)
	}
	o, err := f.Dereference(Reference(f.root.addr))
	if err != nil || o.Path() != "/" {
		t.Errorf("Dereference root = %v, %v", o, err)
	}
	if ds, _ := f.OpenDataset("/uses_committed"); ds == nil || ds.Datatype().String() != "int32" {
		t.Errorf("committed datatype: %v", ds)
	}
}

// TestSlabs checks random hyperslabs against the (h5py-verified) full read.
func TestSlabs(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewSource(1))
	for _, fn := range []string{"testdata/unit/indexes_latest.h5", "testdata/unit/indexes_earliest.h5"} {
		f, err := Open(fn)
		if err != nil {
			t.Fatal(err)
		}
		f.Walk(func(p string, obj Object) error {
			d, ok := obj.(*Dataset)
			if !ok || len(d.Shape()) == 0 || d.Len() == 0 {
				return nil
			}
			var full []float64
			if err := d.Read(ctx, &full); err != nil {
				t.Errorf("%s: %v", p, err)
				return nil
			}
			shape := d.Shape()
			for trial := 0; trial < 5; trial++ {
				start := make([]uint64, len(shape))
				count := make([]uint64, len(shape))
				for i, s := range shape {
					start[i] = uint64(rng.Int63n(int64(s)))
					count[i] = 1 + uint64(rng.Int63n(int64(s-start[i])))
				}
				var sub []float64
				if err := d.ReadSlab(ctx, start, count, &sub); err != nil {
					t.Errorf("%s: ReadSlab(%v, %v): %v", p, start, count, err)
					return nil
				}
				idx := make([]uint64, len(shape))
				for k := range sub {
					var lin uint64
					for i := range idx {
						lin = lin*shape[i] + start[i] + idx[i]
					}
					if sub[k] != full[lin] {
						t.Errorf("%s: slab %v+%v element %v = %v, want %v", p, start, count, idx, sub[k], full[lin])
						return nil
					}
					for i := len(idx) - 1; i >= 0; i-- {
						if idx[i]++; idx[i] < count[i] {
							break
						}
						idx[i] = 0
					}
				}
			}
			// out of range
			bad := append([]uint64(nil), shape...)
			if err := d.ReadSlab(ctx, bad, make([]uint64, len(shape)), &full); err != nil {
				t.Errorf("%s: empty slab at the end: %v", p, err)
			}
			bad[0]++
			if err := d.ReadSlab(ctx, make([]uint64, len(shape)), bad, &full); err == nil {
				t.Errorf("%s: oversized slab accepted", p)
			}
			return nil
		})
		f.Close()
	}
}

func TestConcurrentAndCancel(t *testing.T) {
	f, err := Open("../testdata/golden/sessions/20220208_60MEA_marmoset_right_n1/fixationmovie_data.mat")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var wg sync.WaitGroup
	sums := make([]int, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			d, err := f.OpenDataset("/runningImages")
			if err != nil {
				t.Error(err)
				return
			}
			var v []uint8
			if err := d.ReadSlab(context.Background(), []uint64{uint64(g % 3), 0, 0}, []uint64{1, 860, 640}, &v); err != nil {
				t.Error(err)
				return
			}
			for _, x := range v {
				sums[g] += int(x)
			}
		}(g)
	}
	wg.Wait()
	if sums[0] != sums[3] || sums[0] == 0 {
		t.Errorf("concurrent reads disagree: %v", sums)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, _ := f.OpenDataset("/runningImages")
	var v []uint8
	if err := d.Read(ctx, &v); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled read: %v", err)
	}
}

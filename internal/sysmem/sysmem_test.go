package sysmem

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	cases := map[string]uint64{
		"0": 0, "123": 123, "1K": 1024, "1kb": 1024, "1KiB": 1024, "2M": 2 << 20, "1.5G": 3 << 29,
		"1 GiB": 1 << 30, "2T": 2 << 40, "512B": 512, " 4g ": 4 << 30,
	}
	for in, want := range cases {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-1G", "1Q", "0%", "101%", "1e30T", "NaN"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
	if tot, err := Total(); err == nil {
		got, err := ParseSize("50%")
		if err != nil || got != tot/2 {
			t.Errorf("50%% = %d, %v; total %d", got, err, tot)
		}
	}
}

func TestFormatSize(t *testing.T) {
	cases := map[uint64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3 << 29: "1.5 GiB", 5 << 40: "5.0 TiB"}
	for in, want := range cases {
		if got := FormatSize(in); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestTotalAndPeak(t *testing.T) {
	tot, err := Total()
	if runtime.GOOS == "linux" {
		if err != nil || tot < 64<<20 {
			t.Fatalf("Total = %d, %v", tot, err)
		}
		if b := DefaultBudget(); b == 0 || b > tot {
			t.Fatalf("DefaultBudget %d of %d", b, tot)
		}
	} else if DefaultBudget() == 0 {
		t.Fatal("no default budget")
	}
	p, err := PeakRSS()
	if err != nil || p < 1<<20 {
		t.Fatalf("PeakRSS = %d, %v", p, err)
	}
}

func TestMeminfoField(t *testing.T) {
	data, err := os.ReadFile("testdata/meminfo.txt")
	if err != nil {
		t.Fatal(err)
	}
	// values in the fixture, times 1024
	if v, err := meminfoField(data, "MemTotal"); err != nil || v != 24683972*1024 {
		t.Errorf("MemTotal = %d, %v", v, err)
	}
	if v, err := meminfoField(data, "HugePages_Total"); err != nil || v != 0 {
		t.Errorf("HugePages_Total = %d, %v", v, err)
	}
	if _, err := meminfoField(data, "Nope"); err == nil {
		t.Error("missing field accepted")
	}
	if _, err := meminfoField([]byte("MemTotal: lots kB\n"), "MemTotal"); err == nil {
		t.Error("bad number accepted")
	}
}

func TestBudget(t *testing.T) {
	ctx := context.Background()
	b := NewBudget(100)
	r1, _ := b.Acquire(ctx, 60)
	r2, _ := b.Acquire(ctx, 40)
	if b.InUse() != 100 {
		t.Fatalf("in use %d", b.InUse())
	}
	got := make(chan string, 3)
	go func() { r, _ := b.Acquire(ctx, 95); got <- "big"; r() }()
	for b.waiting() < 1 {
		time.Sleep(time.Millisecond)
	}
	go func() { r, _ := b.Acquire(ctx, 10); got <- "small"; r() }()
	for b.waiting() < 2 {
		time.Sleep(time.Millisecond)
	}
	// first come, first served: freeing 40 does not let the small request
	// overtake the big one that came first
	r2()
	select {
	case s := <-got:
		t.Fatalf("%s granted while 60 of 100 are held and the big request waits", s)
	case <-time.After(20 * time.Millisecond):
	}
	r1()
	if a, c := <-got, <-got; a != "big" || c != "small" {
		t.Fatalf("order %s %s", a, c)
	}
	r1() // a second call is a no-op
	// a request above the size is granted alone
	r, err := b.Acquire(ctx, 1000)
	if err != nil || b.InUse() != 100 {
		t.Fatalf("oversized: %v in use %d", err, b.InUse())
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { _, err := b.Acquire(cctx, 1); done <- err }()
	for b.waiting() < 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("cancelled Acquire succeeded")
	}
	r()
	if b.InUse() != 0 || b.waiting() != 0 {
		t.Fatalf("in use %d, waiting %d", b.InUse(), b.waiting())
	}
}

func (b *Budget) waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.waiters)
}

// TestChildPeakRSS starts this test binary as a child that touches a known
// amount of memory, after the parent itself used more and reset its peak:
// the child's reported peak must cover its own allocation and not the
// parent's.
func TestChildPeakRSS(t *testing.T) {
	if n := os.Getenv("SYSMEM_CHILD_ALLOC"); n != "" {
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	if runtime.GOOS != "linux" {
		t.Skip("ResetPeakRSS is Linux only")
	}
	if raceEnabled {
		// measured: the child's 100 MiB came to a 337 MB peak
		t.Skip("the race detector's shadow memory is in the RSS; the bounds are for a normal build")
	}
	big := make([]byte, 300<<20)
	for i := 0; i < len(big); i += 4096 {
		big[i] = 1
	}
	if p, _ := PeakRSS(); p < 300<<20 {
		t.Fatalf("parent peak %d after touching 300 MiB", p)
	}
	big = nil
	runtime.GC()
	freeOS()
	if err := ResetPeakRSS(); err != nil {
		t.Skipf("cannot reset: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildHelper$")
	cmd.Env = append(os.Environ(), "SYSMEM_CHILD_ALLOC="+strconv.Itoa(100<<20))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	p, err := ChildPeakRSS(cmd.ProcessState)
	if err != nil {
		t.Fatal(err)
	}
	if p < 100<<20 || p > 250<<20 {
		t.Fatalf("child peak %d bytes: want its own 100 MiB plus runtime, not the parent's 300 MiB", p)
	}
}

func TestChildHelper(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SYSMEM_CHILD_ALLOC"))
	if n == 0 {
		return
	}
	buf := make([]byte, n)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	runtime.KeepAlive(buf)
}

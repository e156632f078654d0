package progress

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestQuietOutsideTerminal(t *testing.T) {
	var buf bytes.Buffer
	if b := New(&buf, "x", 10, ""); b != nil {
		t.Fatal("New returned a bar for a bytes.Buffer")
	}
	f, err := os.CreateTemp(t.TempDir(), "p")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Fatal("a regular file is not a terminal")
	}
	// A nil bar is a no-op.
	var b *Bar
	b.Add(3)
	b.SetTotal(4)
	b.Done()
}

func TestDraw(t *testing.T) {
	var buf bytes.Buffer
	b := &Bar{w: &buf, label: "session", total: 4, unit: "B"}
	b.Add(2)
	b.Done()
	out := buf.String()
	if !strings.Contains(out, "session [") || !strings.Contains(out, " 50%") && !strings.Contains(out, "100%") {
		t.Fatalf("unexpected bar %q", out)
	}
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("Done did not end the line: %q", out)
	}
	n := len(out)
	b.Add(1) // after Done: nothing drawn
	if len(buf.String()) != n {
		t.Fatal("bar drew after Done")
	}
}

func TestBytes(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0 B"}, {999, "999 B"}, {1000, "1.0 kB"}, {1500000, "1.5 MB"}, {230_000_000, "230.0 MB"}, {5e12, "5.0 TB"}} {
		if got := Bytes(c.n); got != c.want {
			t.Errorf("Bytes(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func ExampleBytes() {
	fmt.Println(Bytes(228_223_272))
	// Output: 228.2 MB
}

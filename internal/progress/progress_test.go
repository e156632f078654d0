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

func TestMulti(t *testing.T) {
	if m := NewMulti(&bytes.Buffer{}); m != nil {
		t.Fatal("NewMulti returned a Multi for a bytes.Buffer")
	}
	var nilMulti *Multi
	nilMulti.Bar("x", 1).Set(1, 1) // no-ops
	nilMulti.Println("x")

	var buf bytes.Buffer
	m := &Multi{w: &buf}
	a := m.Bar("session-a", 10)
	b := m.Bar("session-b", 20)
	a.Set(5, 10)
	b.Set(20, 20)
	m.Println("warning: something")
	out := buf.String()
	// The last drawn block holds both bars, one line each, after the message.
	last := out[strings.LastIndex(out, "warning: something\n")+len("warning: something\n"):]
	if strings.Count(last, "\n") != 2 || !strings.Contains(last, "session-a [") || !strings.Contains(last, " 50% 5/10") ||
		!strings.Contains(last, "session-b [") || !strings.Contains(last, "100% 20/20") {
		t.Fatalf("last block %q", last)
	}
	// Redraws move the cursor up over the previous block.
	if !strings.Contains(out, "\x1b[2A") {
		t.Fatalf("no cursor movement over the two-line block: %q", out)
	}
}

// TestLabelEscaped: a label is a name from the data (prepare's bars are
// labelled with session folder names); one holding a terminal escape is
// drawn escaped, by Bar and by Multi.
func TestLabelEscaped(t *testing.T) {
	evil := "20990101_mouse_\x1b]0;owned\a\x1b[2J"
	want := `"20990101_mouse_\x1b]0;owned\a\x1b[2J" [`
	var buf bytes.Buffer
	b := &Bar{w: &buf, label: evil, total: 4}
	b.Add(4)
	b.Done()
	m := &Multi{w: &buf}
	m.Bar(evil, 2).Set(2, 2)
	out := buf.String()
	if strings.Contains(out, evil) || strings.ContainsRune(out, '\a') || strings.Count(out, want) != 4 { // Bar: Add, Done; Multi: Bar, Set
		t.Errorf("label not escaped (want %s in every line): %q", want, out)
	}
}

package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
)

// TestDirectWriter writes files of sizes around the block, the buffer and
// several buffers in flight through a DirectWriter, in uneven pieces, and
// checks that each committed file holds exactly the bytes written; in the
// temporary folder (direct I/O on most file systems) and, where it exists,
// in /dev/shm (tmpfs, which may refuse it: the bytes then go through the
// page cache).
func TestDirectWriter(t *testing.T) {
	dirs := []string{t.TempDir()}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "atomicfile-test-"); err == nil {
			defer os.RemoveAll(d)
			dirs = append(dirs, d)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, dir := range dirs {
		for _, size := range []int{0, 1, directAlign - 1, directAlign, directAlign + 1, directBufSize, directBufSize + 1,
			(directInFlight+2)*directBufSize + 123} {
			want := make([]byte, size)
			for i := range want {
				want[i] = byte(r.Uint32())
			}
			path := filepath.Join(dir, "f.bin")
			f, err := Create(path)
			if err != nil {
				t.Fatal(err)
			}
			w := f.DirectWriter()
			for rest := want; len(rest) > 0; {
				n := min(len(rest), 1+r.IntN(3*directBufSize/2))
				if r.IntN(2) == 0 {
					if k, err := w.Write(rest[:n]); err != nil || k != n {
						t.Fatalf("%s: write %d: %d, %v", dir, n, k, err)
					}
				} else {
					// Fill, from a reader of short reads; seen must see
					// every byte once, in order.
					var seen []byte
					k, err := w.Fill(iotest.HalfReader(bytes.NewReader(rest[:n])), func(p []byte) { seen = append(seen, p...) })
					if err != nil || k != int64(n) || !bytes.Equal(seen, rest[:n]) {
						t.Fatalf("%s: fill %d: %d, %v; seen %d bytes (equal: %v)", dir, n, k, err, len(seen), bytes.Equal(seen, rest[:n]))
					}
				}
				rest = rest[n:]
			}
			if err := w.Flush(); err != nil {
				t.Fatalf("%s: flush: %v", dir, err)
			}
			if err := f.Commit(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: size %d: the file holds %d bytes, not the ones written", dir, size, len(got))
			}
		}
	}
}

// TestDirectWriterFillError: an error of Fill's reader is returned with the
// bytes read before it, which stay written, and the writer goes on; a
// reader that gives nothing and no error ends in io.ErrNoProgress.
func TestDirectWriterFillError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.bin")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	w := f.DirectWriter()
	boom := errors.New("boom")
	if n, err := w.Fill(io.MultiReader(bytes.NewReader([]byte("abc")), iotest.ErrReader(boom)), nil); n != 3 || !errors.Is(err, boom) {
		t.Fatalf("fill: %d, %v; want 3 bytes and the reader's error", n, err)
	}
	if n, err := w.Fill(iotest.ErrReader(nil), nil); n != 0 || !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("fill from a reader that gives nothing: %d, %v; want io.ErrNoProgress", n, err)
	}
	if _, err := w.Write([]byte("de")); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "abcde" {
		t.Fatalf("file %q, %v", got, err)
	}
}

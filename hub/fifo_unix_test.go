//go:build unix

package hub

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestFIFOPartDoesNotHang: a FIFO planted at the .part name is removed,
// not opened (an open would block forever).
func TestFIFOPartDoesNotHang(t *testing.T) {
	h, want := standardHub(t)
	name := "20220301_60MEA_marmoset_left_s1"
	c := testClient(h, nil)
	files, _ := c.List(context.Background())
	sel, _ := Select(files, SessionsPath, "", []string{name})
	dest := filepath.Join(t.TempDir(), name+".zip")
	if err := syscall.Mkfifo(dest+".part", 0o644); err != nil {
		t.Skip(err)
	}
	os.WriteFile(dest, make([]byte, len(want[name])), 0o644) // and a wrong file
	done := make(chan error, 1)
	go func() { done <- c.Download(context.Background(), sel[0], dest) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Download hangs on a FIFO")
	}
	if b, _ := os.ReadFile(dest); !bytes.Equal(b, want[name]) {
		t.Fatal("content differs")
	}
}

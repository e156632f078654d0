package hdf5

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// exercise opens, walks and reads everything in a file, returning the
// first error. It must never panic or hang.
func exercise(ctx context.Context, f *File) (nerr int, first error) {
	note := func(err error) {
		if err != nil {
			nerr++
			if first == nil {
				first = err
			}
		}
	}
	err := f.Walk(func(p string, obj Object) error {
		_, err := obj.Attrs()
		note(err)
		switch o := obj.(type) {
		case *Group:
			_, err := o.Links()
			note(err)
		case *Dataset:
			_ = o.Datatype().String()
			_ = o.Shape()
			_, err := o.ReadRaw(ctx)
			note(err)
			if o.Datatype().isNumeric() {
				var v []float64
				note(o.Read(ctx, &v))
			}
		}
		return nil
	})
	note(err)
	return nerr, first
}

// guarded runs fn in a goroutine and returns its message, or "PANIC: "
// with the panic value and stack when it panics, and the bytes allocated
// meanwhile (by the whole process). It fails the test when fn has not
// returned after timeout (a hang), naming what.
func guarded(t testing.TB, what string, timeout time.Duration, fn func() string) (string, uint64) {
	t.Helper()
	done := make(chan string, 1)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Sprintf("PANIC: %v\n%s", r, debug.Stack())
			}
		}()
		done <- fn()
	}()
	select {
	case msg := <-done:
		runtime.ReadMemStats(&after)
		return msg, after.TotalAlloc - before.TotalAlloc
	case <-time.After(timeout):
		t.Fatalf("%s: no result after %v (hang)", what, timeout)
	}
	return "", 0
}

func runOne(t *testing.T, path string, timeout time.Duration) (string, uint64) {
	t.Helper()
	msg, alloc := guarded(t, filepath.Base(path), timeout, func() string {
		f, err := Open(path)
		if err != nil {
			return "open: " + err.Error()
		}
		defer f.Close()
		n, first := exercise(context.Background(), f)
		if first != nil {
			return fmt.Sprintf("%d errors, first: %v", n, first)
		}
		return "ok"
	})
	if strings.HasPrefix(msg, "PANIC") {
		t.Errorf("%s: %s", filepath.Base(path), msg)
	}
	return msg, alloc
}

// TestHostile runs every file of the hostile CVE corpus: each must give a
// clean error or a read, without panic, hang or outsized allocation.
func TestHostile(t *testing.T) {
	files, _ := filepath.Glob("testdata/hostile/*.h5")
	// The HDF Group's hdf5-cve collection (testdata/hostile):
	// 140 .h5 files (its README counts 141 entries; two more are .c
	// sources). A missing file must fail the test, not shrink it.
	if len(files) != 140 {
		t.Fatalf("testdata/hostile holds %d .h5 files, want the 140 of the CVE collection", len(files))
	}
	for _, p := range files {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		msg, alloc := runOne(t, p, 20*time.Second)
		// allocation proportional to the file (plus a fixed allowance)
		limit := uint64(64<<20) + 64*uint64(st.Size())
		if alloc > limit {
			t.Errorf("%s: allocated %d bytes for a %d-byte file", filepath.Base(p), alloc, st.Size())
		}
		if testing.Verbose() {
			t.Logf("%s: %s (alloc %d)", filepath.Base(p), msg, alloc)
		}
	}
}

package npy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestEntryReaderAt reads numpy's stored.npz in place: the data found at
// the returned offset is the entry's data as archive/zip decodes it, and
// decodes to numpy's values; numpy's deflated.npz gives ErrDeflated.
func TestEntryReaderAt(t *testing.T) {
	exp := loadExpect(t)
	raw, err := os.ReadFile("testdata/numpy/stored.npz")
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := entryBytes(t, raw)
	z, err := NewNPZReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	e := exp.NPZ["stored"]
	for _, name := range e.Names {
		r, h, off, err := z.EntryReaderAt(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		n, err := h.DataBytes()
		if err != nil {
			t.Fatal(err)
		}
		data := make([]byte, n)
		if _, err := r.ReadAt(data, off); err != nil {
			t.Fatalf("%s: ReadAt %d bytes at %d: %v", name, n, off, err)
		}
		ent := entries[name+".npy"]
		if want := ent[len(ent)-int(n):]; !bytes.Equal(data, want) { // numpy writes nothing after the data
			t.Errorf("%s: %d bytes at offset %d differ from the entry's data", name, n, off)
		}
		a := &Array{Header: h, Data: makeNative(mustDescr(t, h.Descr), int(n)/mustItem(t, h))}
		if err := ReadData(bytes.NewReader(data), h, a.Data); err != nil {
			t.Fatal(err)
		}
		checkArray(t, "stored/"+name, a, e.Arrays[name])
	}
	if _, _, _, err := z.EntryReaderAt("nope"); err == nil {
		t.Error("missing entry: no error")
	}
	zd, err := OpenNPZ(filepath.Join("testdata/numpy", "deflated.npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer zd.Close()
	for _, name := range exp.NPZ["deflated"].Names {
		if _, _, _, err := zd.EntryReaderAt(name); !errors.Is(err, ErrDeflated) {
			t.Errorf("deflated %s: %v, want ErrDeflated", name, err)
		}
	}
}

func mustDescr(t *testing.T, s string) dtype {
	t.Helper()
	d, err := parseDescr(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustItem(t *testing.T, h Header) int {
	t.Helper()
	n, err := h.ItemSize()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

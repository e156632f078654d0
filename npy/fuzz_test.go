package npy

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func addSeeds(f *testing.F, pattern string) {
	files, _ := filepath.Glob(pattern)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzReadArray: no panic on any input; whatever reads re-encodes to the
// same data bytes.
func FuzzReadArray(f *testing.F) {
	addSeeds(f, "testdata/numpy/*.npy")
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		a, err := rd.readAll(true)
		if err != nil {
			return
		}
		if _, err := ReadArray(struct{ io_Reader }{bytes.NewReader(data)}); err != nil {
			t.Fatalf("stream read failed where sized read worked: %v", err)
		}
		total, _ := a.DataBytes()
		_, _, start, _, _ := readHeader(bytes.NewReader(data), -1)
		if d, _ := parseDescr(a.Descr); d.kind == 'f' && d.size == 2 {
			// float16 is read only (into float32): check each value
			// against its bits instead of re-encoding.
			raw := data[start : start+total]
			for i, v := range a.Data.([]float32) {
				h := le.Uint16(raw[2*i:])
				if d.big {
					h = h>>8 | h<<8
				}
				if math.Float32bits(v) != math.Float32bits(halfToFloat32(h)) {
					t.Fatalf("half %d: 0x%04x read as %v", i, h, v)
				}
			}
			return
		}
		var buf bytes.Buffer
		w, err := NewWriterVersion(&buf, a.Header, 1)
		if err != nil {
			w, err = NewWriterVersion(&buf, a.Header, 2)
			if err != nil {
				t.Fatal(err)
			}
		}
		hl := buf.Len()
		if err := w.WriteValues(a.Data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := buf.Bytes()[hl:]
		want := data[start : start+total]
		if a.Descr[1] == 'b' { // bools normalise to 0/1
			return
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("re-encoded data differs")
		}
	})
}

// FuzzNPZ: no panic, hang or oversized allocation on any archive.
func FuzzNPZ(f *testing.F) {
	addSeeds(f, "testdata/numpy/*.npz")
	var buf bytes.Buffer
	z := NewNPZWriter(&buf, NPZOptions{Zip64: true, Compress: true})
	z.Add("a", []int{2, 2}, []float32{1, 2, 3, 4})
	z.Add("b", nil, []bool{true, false})
	z.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewNPZReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for _, name := range r.Names() {
			h, err := r.Header(name)
			if err != nil {
				continue
			}
			if ra, h2, off, err := r.EntryReaderAt(name); err == nil {
				// the promised data lies inside the archive
				n, _ := h2.DataBytes()
				if off < 0 || off+n > int64(len(data)) {
					t.Fatalf("%s: %d data bytes at offset %d of a %d-byte archive", name, n, off, len(data))
				}
				ra.ReadAt(make([]byte, min(n, 1<<10)), off)
			}
			a, err := r.Read(name)
			if err != nil {
				continue
			}
			if n, _ := h.Count(); int64(a.Len()) != n {
				t.Fatalf("%s: %d elements, header says %d", name, a.Len(), n)
			}
			if h.Descr[1] != 'c' {
				r.ReadInto(name, make([]float64, a.Len()))
			}
		}
	})
}

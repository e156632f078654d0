package npy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadNumpyNPZ(t *testing.T) {
	exp := loadExpect(t)
	for _, kind := range []string{"stored", "deflated"} {
		e := exp.NPZ[kind]
		z, err := OpenNPZ(filepath.Join("testdata/numpy", kind+".npz"))
		if err != nil {
			t.Fatal(err)
		}
		if got := z.Names(); !reflect.DeepEqual(got, e.Names) {
			t.Errorf("%s: names %v, want %v", kind, got, e.Names)
		}
		for _, name := range e.Names {
			a, err := z.Read(name)
			if err != nil {
				t.Errorf("%s/%s: %v", kind, name, err)
				continue
			}
			checkArray(t, kind+"/"+name, a, e.Arrays[name])
			h, err := z.Header(name)
			if err != nil || !reflect.DeepEqual(h, a.Header) {
				t.Errorf("%s/%s: Header %+v, %v", kind, name, h, err)
			}
		}
		dst := make([]float32, 10)
		if _, err := z.ReadInto("resp", dst); err != nil {
			t.Fatal(err)
		}
		if dst[0] != -1 || dst[9] != 1 {
			t.Errorf("ReadInto resp = %v", dst)
		}
		if _, err := z.ReadInto("resp", make([]float32, 9)); err == nil || !strings.Contains(err.Error(), `entry "resp"`) {
			t.Errorf("ReadInto with a short slice: %v", err)
		}
		if _, err := z.Read("nope"); err == nil || !strings.Contains(err.Error(), `"stim"`) {
			t.Errorf("missing name: %v", err)
		}
		z.Close()
	}
}

// entryBytes returns the uncompressed content of every entry, read with
// the standard library's archive/zip (which checks the CRC at EOF).
func entryBytes(t *testing.T, data []byte) (map[string][]byte, []*zip.File) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("archive/zip: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("archive/zip %s: %v", f.Name, err)
		}
		out[f.Name] = b
	}
	return out, zr.File
}

type writeMode struct {
	name     string
	seekable bool
	opt      NPZOptions
}

var writeModes = []writeMode{
	{"stored_seek", true, NPZOptions{}},
	{"stored_stream", false, NPZOptions{}},
	{"deflated_seek", true, NPZOptions{Compress: true}},
	{"deflated_stream", false, NPZOptions{Compress: true, Level: 1}},
	{"zip64_stored_seek", true, NPZOptions{Zip64: true}},
	{"zip64_stored_stream", false, NPZOptions{Zip64: true}},
	{"zip64_deflated_stream", false, NPZOptions{Zip64: true, Compress: true}},
	{"zip64_deflated_seek", true, NPZOptions{Zip64: true, Compress: true}},
}

// rewriteNumpyArchive writes every array of numpy's stored.npz with our
// writer, plus a multi-chunk array, in the given mode.
func rewriteNumpyArchive(t *testing.T, m writeMode, dir string) []byte {
	t.Helper()
	src, err := OpenNPZ("testdata/numpy/stored.npz")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var z *NPZWriter
	var buf bytes.Buffer
	path := filepath.Join(dir, m.name+".npz")
	if m.seekable {
		z, err = CreateNPZ(path, m.opt)
		if err != nil {
			t.Fatal(err)
		}
	} else {
		z = NewNPZWriter(struct{ io.Writer }{&buf}, m.opt)
	}
	defer z.Abort()
	for i, name := range src.Names() {
		a, err := src.Read(name)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case i%2 == 0 && !a.Fortran && a.Descr[0] != '>':
			err = z.Add(name, a.Shape, a.Data)
		default:
			var w *Writer
			w, err = z.Create(name, a.Header)
			if err == nil {
				err = w.WriteValues(a.Data)
			}
			if err == nil {
				err = w.Close()
			}
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// A multi-chunk entry from raw bytes: (700, 1000) uint8, i*7 % 251.
	raw := make([]byte, 700*1000)
	for i := range raw {
		raw[i] = byte(i * 7 % 251)
	}
	if err := z.AddRaw("big_u1", Header{Descr: "|u1", Shape: []int{700, 1000}}, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if m.seekable {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if dir != "" {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestNPZWriteModes: in every mode, archive/zip reads our archive and each
// entry's bytes equal the entry numpy.savez wrote for the same array; our
// reader reads it back; zip64 mode writes zip64 records.
// Set NPY_EXPORT_DIR to keep the archives for testdata/check_numpy_reads.py.
func TestNPZWriteModes(t *testing.T) {
	numpyRaw, _ := os.ReadFile("testdata/numpy/stored.npz")
	want, _ := entryBytes(t, numpyRaw)
	dir := os.Getenv("NPY_EXPORT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, m := range writeModes {
		data := rewriteNumpyArchive(t, m, dir)
		got, files := entryBytes(t, data)
		for name, w := range want {
			if !bytes.Equal(got[name], w) {
				t.Errorf("%s: entry %s differs from numpy's\n got %q\nwant %q", m.name, name, got[name], w)
			}
		}
		if len(got) != len(want)+1 {
			t.Errorf("%s: %d entries", m.name, len(got))
		}
		for _, f := range files {
			hasZip64 := bytes.Contains(f.Extra, []byte{1, 0}) && len(f.Extra) >= 4 && binary.LittleEndian.Uint16(f.Extra) == 1
			if hasZip64 != m.opt.Zip64 {
				t.Errorf("%s: entry %s zip64 extra %v, want %v", m.name, f.Name, hasZip64, m.opt.Zip64)
			}
			wantMethod := zip.Store
			if m.opt.Compress {
				wantMethod = zip.Deflate
			}
			if f.Method != wantMethod {
				t.Errorf("%s: entry %s method %d", m.name, f.Name, f.Method)
			}
			if hasDesc := f.Flags&8 != 0; hasDesc == m.seekable {
				t.Errorf("%s: entry %s data descriptor flag %v", m.name, f.Name, hasDesc)
			}
		}
		if has64 := bytes.Contains(data, []byte("PK\x06\x06")); has64 != m.opt.Zip64 {
			t.Errorf("%s: zip64 end record present %v", m.name, has64)
		}
		z, err := NewNPZReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if n := z.Names(); n[len(n)-1] != "big_u1" || len(n) != len(want)+1 {
			t.Errorf("%s: names %v", m.name, n)
		}
		a, err := z.Read("big_u1")
		if err != nil {
			t.Fatal(err)
		}
		v := a.Data.([]uint8)
		for i := range v {
			if v[i] != byte(i*7%251) {
				t.Fatalf("%s: big_u1[%d] = %d", m.name, i, v[i])
			}
		}
		f64 := make([]float64, 700*1000)
		if _, err := z.ReadInto("big_u1", f64); err != nil || f64[699999] != float64(699999*7%251) {
			t.Errorf("%s: ReadInto: %v", m.name, err)
		}
	}
}

func TestNPZWriterErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npz")
	z, err := CreateNPZ(path, NPZOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := z.Add("a", []int{2}, []float32{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := z.Add("a", []int{2}, []float32{1, 2}); err == nil {
		t.Error("duplicate name accepted")
	}
	w, err := z.Create("b", Header{Descr: "<f8", Shape: []int{3}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := z.Create("c", Header{Descr: "<f8", Shape: []int{3}}); err == nil {
		t.Error("second entry while the first is open")
	}
	if err := w.WriteValues([]float32{1, 2, 3}); err == nil {
		t.Error("[]float32 into <f8 accepted")
	}
	if err := w.WriteValues([]float64{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "16 of 24") {
		t.Errorf("short entry: %v", err)
	}
	if err := z.Close(); err == nil {
		t.Error("Close after a failed entry succeeded")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("failed archive was committed")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("temporary files left: %v", ents)
	}

	// AddRaw checks the byte count both ways.
	var buf bytes.Buffer
	z = NewNPZWriter(&buf, NPZOptions{})
	if err := z.AddRaw("r", Header{Descr: "<i2", Shape: []int{2}}, bytes.NewReader([]byte{1, 2, 3, 4, 5})); err == nil {
		t.Error("AddRaw with a byte too many accepted")
	}
	z = NewNPZWriter(&buf, NPZOptions{})
	if err := z.AddRaw("r", Header{Descr: "<i2", Shape: []int{2}}, bytes.NewReader([]byte{1, 2, 3})); err == nil {
		t.Error("AddRaw with a byte too few accepted")
	}
	if err := z.Add("bad", nil, []string{"x"}); err == nil {
		t.Error("[]string accepted")
	}

	// Abort discards; Close commits.
	z, _ = CreateNPZ(path, NPZOptions{})
	z.Add("a", nil, []int64{1})
	z.Abort()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("aborted archive exists")
	}
	z, _ = CreateNPZ(path, NPZOptions{})
	z.Add("s", nil, float32(2.5))
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.Read("s")
	if err != nil || len(a.Shape) != 0 || a.Data.([]float32)[0] != 2.5 {
		t.Errorf("scalar entry: %+v %v", a, err)
	}
	r.Close()
}

func TestNPZReaderErrors(t *testing.T) {
	var buf bytes.Buffer
	z := NewNPZWriter(&buf, NPZOptions{})
	z.Add("x", []int{4}, []float64{1, 2, 3, 4})
	z.Close()
	good := buf.Bytes()

	// A flipped data byte fails the CRC check.
	bad := append([]byte{}, good...)
	i := bytes.Index(bad, []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}) // 1.0
	bad[i+6] ^= 0x10
	r, err := NewNPZReader(bytes.NewReader(bad), int64(len(bad)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read("x"); err == nil || !strings.Contains(err.Error(), "CRC") {
		t.Errorf("corrupt data: %v", err)
	}
	// A header claiming more data than the entry holds.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	fw, _ := zw.CreateHeader(&zip.FileHeader{Name: "y.npy", Method: zip.Deflate})
	h, _ := encodeHeader(dtype{kind: 'f', size: 8, big: false}, false, []int{1 << 40}, 1)
	fw.Write(h)
	fw.Write(make([]byte, 64))
	zw.Close()
	r, err = NewNPZReader(bytes.NewReader(zb.Bytes()), int64(zb.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read("y"); err == nil || !strings.Contains(err.Error(), `entry "y"`) || !strings.Contains(err.Error(), "(1099511627776,)") {
		t.Errorf("oversized header: %v", err)
	}
	if _, err := NewNPZReader(bytes.NewReader(good[:20]), 20); err == nil {
		t.Error("truncated archive accepted")
	}
}

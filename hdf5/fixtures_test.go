package hdf5_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/hdf5"
)

// TestFeatureFixtures reads the files of testdata/fixtures (written by
// h5py/libhdf5 with gen_fixtures.py: external storage, h5py's bool and
// enum, float16, array elements, fill values, n-bit integers and floats)
// through NewRawReader (and NumpyReader: h5py's conversions) and compares dtype, shape and SHA-256 with what h5py read.
func TestFeatureFixtures(t *testing.T) {
	dir := "testdata/fixtures"
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]map[string]struct {
		Dtype  string   `json:"dtype"`
		Shape  []uint64 `json:"shape"`
		SHA256 string   `json:"sha256"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp) < 3 {
		t.Fatalf("expected.json lists %d files", len(exp))
	}
	for file, dsets := range exp {
		f, err := hdf5.Open(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		for name, w := range dsets {
			d, err := f.OpenDataset("/" + name)
			if err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
			dt := d.Datatype()
			shape := append(d.Shape(), dt.NumpyElemDims()...)
			h := sha256.New()
			if _, err := io.Copy(h, dt.NumpyReader(d.NewRawReader(context.Background(), 7))); err != nil {
				t.Errorf("%s %s: %v", file, name, err)
				continue
			}
			if got := hex.EncodeToString(h.Sum(nil)); dt.NumpyDescr() != w.Dtype || !slices.Equal(shape, w.Shape) || got != w.SHA256 {
				t.Errorf("%s %s: %s %v %s; h5py %s %v %s", file, name, dt.NumpyDescr(), shape, got[:12], w.Dtype, w.Shape, w.SHA256[:12])
			}
		}
		f.Close()
	}
}

// TestExternalStorageErrors: a missing external file is a clear error
// naming it; a name leading out of the HDF5 file's folder is refused.
func TestExternalStorageErrors(t *testing.T) {
	f, err := hdf5.Open("testdata/fixtures/ext/external.h5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, want := range map[string]string{"missing": "missing.bin", "escape": "outside.bin"} {
		d, err := f.OpenDataset("/" + name)
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.ReadRaw(context.Background())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one naming %s", name, err, want)
		}
	}
	// without a folder (NewFile on a plain reader) external data is refused
	b, _ := os.ReadFile("testdata/fixtures/ext/external.h5")
	g, err := hdf5.NewFile(strings.NewReader(string(b)), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := g.OpenDataset("/ext")
	if _, err := d.ReadRaw(context.Background()); err == nil || !strings.Contains(err.Error(), "OpenOptions.Dir") {
		t.Errorf("no folder: %v", err)
	}
	// with the folder given, it reads
	g, _ = hdf5.NewFileWithOptions(strings.NewReader(string(b)), int64(len(b)), hdf5.OpenOptions{Dir: "testdata/fixtures/ext"})
	d, _ = g.OpenDataset("/ext")
	if _, err := d.ReadRaw(context.Background()); err != nil {
		t.Errorf("Dir set: %v", err)
	}
}

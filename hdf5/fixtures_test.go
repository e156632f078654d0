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
	"github.com/retinaio/retinaio/internal/testutil"
)

// TestFeatureFixtures reads the files of testdata/fixtures (written by
// h5py/libhdf5 with gen_fixtures.py: external storage, h5py's bool and
// enum, float16, array elements, fill values, n-bit integers and floats)
// through NewRawReader (and NumpyReader: h5py's conversions) and compares dtype, shape and SHA-256 with what h5py read.
func TestFeatureFixtures(t *testing.T) {
	checkFixtureSet(t, "testdata/fixtures", "expected.json", 3)
}

// TestRobustFixtures reads the files gen_robust.py wrote with h5py
// (libhdf5 1.10.8) for file-level features: user blocks of 512 and 4096
// bytes, 4-byte offsets and/or lengths, earliest and latest formats,
// creation-order tracking and indexes, dense attribute storage, paged file
// space with persistent free space, 150-link groups, 40 attributes on one
// object, big-endian data, empty arrays, compact/contiguous/chunked
// layouts with every chunk index libhdf5 1.10 writes; every dataset must
// equal h5py's read.
func TestRobustFixtures(t *testing.T) {
	checkFixtureSet(t, "testdata/fixtures", "robust_expected.json", 10)
}

// TestVirtualFixtures reads the virtual datasets gen_vds.py wrote with
// h5py: sources in sibling files and in the same file, a missing source
// file and an unmapped region (fill value), a strided source selection,
// an unlimited mapping whose source grew after the VDS was written.
func TestVirtualFixtures(t *testing.T) {
	checkFixtureSet(t, "testdata/fixtures", "vds_expected.json", 1)
}

// checkFixtureSet opens every file listed in dir/expFile (file -> dataset
// path -> numpy dtype, shape and SHA-256 as h5py read them) and compares.
func checkFixtureSet(t *testing.T, dir, expFile string, minFiles int) {
	b, err := os.ReadFile(filepath.Join(dir, expFile))
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
	if len(exp) < minFiles {
		t.Fatalf("%s lists %d files", expFile, len(exp))
	}
	for file, dsets := range exp {
		f, err := hdf5.Open(filepath.Join(dir, file))
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		seen := map[string]bool{}
		err = f.Walk(func(p string, o hdf5.Object) error {
			switch o := o.(type) {
			case *hdf5.BadObject:
				t.Errorf("%s %s: %v", file, p, o.Err())
			case *hdf5.Dataset:
				seen[strings.TrimPrefix(p, "/")] = true
			}
			return nil
		})
		if err != nil {
			t.Errorf("%s: walk: %v", file, err)
		}
		for name, w := range dsets {
			if !seen[name] {
				t.Errorf("%s: Walk does not list %s", file, name)
			}
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

// TestVirtualEscape: a virtual dataset whose source file name leads out of
// the HDF5 file's folder ("../vds_outside/src_outside.h5", which exists)
// is refused with an error naming it, not read.
func TestVirtualEscape(t *testing.T) {
	f, err := hdf5.Open("testdata/fixtures/vds/escape.h5")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.OpenDataset("/escape")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReadRaw(context.Background()); err == nil || !strings.Contains(err.Error(), "src_outside.h5") {
		t.Errorf("read: %v, want an error naming src_outside.h5", err)
	}
}

// TestVirtualSourceUnreadable: a source file that is there but whose
// source dataset cannot be opened (src0.h5's object header for /data
// damaged: version byte 0x55) is an error naming the source, not the fill
// value; only a source that does not exist reads as the fill value.
func TestVirtualSourceUnreadable(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"vds.h5", "src0.h5", "src1.h5", "unlim_src.h5"} {
		testutil.CopyFile(t, filepath.Join("testdata", "fixtures", "vds", n), filepath.Join(dir, n))
	}
	src := filepath.Join(dir, "src0.h5")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	const ohdr = 800 // v1 object header of /data (from the root group's symbol table node)
	if b[ohdr] != 1 {
		t.Fatalf("src0.h5: byte %d is %d, not object header version 1: the fixture changed", ohdr, b[ohdr])
	}
	b[ohdr] = 0x55
	if err := os.WriteFile(src, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := hdf5.Open(filepath.Join(dir, "vds.h5"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.OpenDataset("/mosaic")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := d.ReadRaw(context.Background()); err == nil || !strings.Contains(err.Error(), "src0.h5") {
		t.Errorf("read: %d bytes, %v; want an error naming src0.h5", len(v), err)
	}
}

package hdf5_test

import (
	"bytes"
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

// damagedRef is what h5py (libhdf5 1.10.8) read from one damaged file
// (gen_damaged_expect.py): per dataset path, the numpy dtype, shape and
// SHA-256 of the C-order bytes, or the error; or the error opening it.
type damagedRef struct {
	OpenError string `json:"open_error"`
	Datasets  map[string]struct {
		Dtype  string   `json:"dtype"`
		Shape  []uint64 `json:"shape"`
		SHA256 string   `json:"sha256"`
		Error  string   `json:"error"`
	} `json:"datasets"`
}

func loadDamagedRefs(t *testing.T, name string) map[string]damagedRef {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var refs map[string]damagedRef
	if err := json.Unmarshal(b, &refs); err != nil {
		t.Fatal(err)
	}
	return refs
}

// checkAgainstH5py reads every dataset of data that h5py read and whose
// numpy dtype we give too; a read that succeeds must equal h5py's bytes
// (an error is allowed: a damaged file may be refused by either reader).
// It returns the datasets compared and the reads that succeeded where
// h5py failed (not checkable, logged).
func checkAgainstH5py(t *testing.T, name string, data []byte, ref damagedRef) (compared, unverifiable int) {
	t.Helper()
	f, err := hdf5.NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	ctx := context.Background()
	f.Walk(func(p string, obj hdf5.Object) error {
		d, ok := obj.(*hdf5.Dataset)
		if !ok {
			return nil
		}
		dt := d.Datatype()
		descr := dt.NumpyDescr()
		if descr == "" || strings.HasPrefix(descr, "|S") || strings.HasPrefix(descr, "[") || d.IsNull() {
			return nil
		}
		n := d.Len() * uint64(max(dt.Size, 1))
		if n > 64<<20 {
			return nil
		}
		h := sha256.New()
		if _, err := io.Copy(h, dt.NumpyReader(d.NewRawReader(ctx, 1<<16))); err != nil {
			return nil
		}
		got := hex.EncodeToString(h.Sum(nil))
		shape := append(d.Shape(), dt.NumpyElemDims()...)
		r, ok := ref.Datasets[strings.TrimPrefix(p, "/")]
		if !ok || r.Error != "" || ref.OpenError != "" {
			unverifiable++
			return nil
		}
		compared++
		if why, ok := knownDamagedDiffs[name+" "+p]; ok {
			t.Logf("%s %s: known difference from h5py: %s", name, p, why)
			if r.Dtype != descr || !slices.Equal(r.Shape, shape) {
				t.Errorf("%s %s: we read %s %v; h5py %s %v (the known difference is in the values only)", name, p, descr, shape, r.Dtype, r.Shape)
			}
			return nil
		}
		if r.Dtype != descr || !slices.Equal(r.Shape, shape) || r.SHA256 != got {
			t.Errorf("%s %s: we read %s %v %.12s; h5py %s %v %.12s", name, p, descr, shape, got, r.Dtype, r.Shape, r.SHA256)
		}
		return nil
	})
	return compared, unverifiable
}

// knownDamagedDiffs lists damaged-file datasets that we read without
// error to other values than libhdf5, each with what was found; any other
// difference fails. Where a dataset's chunk is found by us and not by
// libhdf5 (or the reverse), its B-tree is damaged: libhdf5 searches the
// tree by chunk offset keys, we list its leaves (the offsets stored next
// to each chunk address), so the two disagree only on trees whose keys are
// out of order.
var knownDamagedDiffs = map[string]string{
	"cve-2025-44905.h5 /Shuffle_float_data_le":      "damaged chunk B-tree: libhdf5 misses chunk (1,0) and returns the fill value there; we find it and return the original data",
	"cve-2025-44904.h5 /Scale_offset_float_data_le": "damaged file whose filter pipeline message is gone (neither reader applies scale-offset); the values differ from element 18 on (a chunk found differently)",
	"cve-2024-32618.h5 /dset1":                      "an enum whose stored values 1-2 (0x19210000, 0x97f7) match none of its two members (both 0): libhdf5's enum conversion returns arbitrary values there (16, 9); we return the stored integers",
	"chunks_earliest.h5__flip0-x20 /filters/gzip4":  "20 random byte flips; the values differ from element 60 on (a chunk found differently)",
}

// TestDumpCorruptedVariants writes TestCorpusCorrupted's 60 variants to
// $HDF5_DUMP_VARIANTS (for gen_damaged_expect.py); skipped otherwise.
func TestDumpCorruptedVariants(t *testing.T) {
	dir := os.Getenv("HDF5_DUMP_VARIANTS")
	if dir == "" {
		t.Skip("set HDF5_DUMP_VARIANTS to a folder to write the corrupted variants")
	}
	for _, v := range corruptCorpus(t) {
		name := strings.NewReplacer("/", "__").Replace(v.name)
		if err := os.WriteFile(filepath.Join(dir, name), v.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHostileValues: every dataset of the hostile CVE corpus that we read
// without error and h5py read too must equal h5py's read (TestHostile
// checks there is no panic, hang or outsized allocation; this checks that
// what we return from such files is not silently wrong).
func TestHostileValues(t *testing.T) {
	refs := loadDamagedRefs(t, "hostile_expect.json")
	files, _ := filepath.Glob("testdata/hostile/*.h5")
	if len(files) != 140 || len(refs) != 140 {
		t.Fatalf("%d hostile files, %d h5py records; want 140", len(files), len(refs))
	}
	total, unverif := 0, 0
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ref, ok := refs[filepath.Base(p)]
		if !ok {
			t.Errorf("%s: no h5py record", filepath.Base(p))
			continue
		}
		c, u := checkAgainstH5py(t, filepath.Base(p), data, ref)
		total += c
		unverif += u
	}
	t.Logf("%d datasets compared with h5py; %d read here that h5py could not read (not checkable)", total, unverif)
	// Exact: a read that starts failing (or a path that stops matching h5py's)
	// moves a dataset out of these counts.
	if total != 246 || unverif != 48 {
		t.Errorf("%d datasets compared and %d not checkable, want 246 and 48", total, unverif)
	}
}

// TestCorruptedValues: in TestCorpusCorrupted's 60 damaged variants,
// every dataset we read without error that h5py read too must equal
// h5py's read.
func TestCorruptedValues(t *testing.T) {
	refs := loadDamagedRefs(t, "corrupted_expect.json")
	total, unverif := 0, 0
	for _, v := range corruptCorpus(t) {
		name := strings.NewReplacer("/", "__").Replace(v.name)
		ref, ok := refs[name]
		if !ok {
			t.Errorf("%s: no h5py record", name)
			continue
		}
		c, u := checkAgainstH5py(t, name, v.data, ref)
		total += c
		unverif += u
	}
	t.Logf("%d datasets compared with h5py; %d read here that h5py could not read (not checkable)", total, unverif)
	if total != 1874 || unverif != 22 {
		t.Errorf("%d datasets compared and %d not checkable, want 1874 and 22", total, unverif)
	}
}

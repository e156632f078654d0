package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/npy"
)

// readNPZ returns, per entry, its header and the sha256 of its raw data.
func readNPZ(t *testing.T, path string) (map[string]npy.Header, map[string]string) {
	t.Helper()
	z, err := npy.OpenNPZ(path)
	if err != nil {
		t.Fatalf("OpenNPZ(%s): %v", path, err)
	}
	defer z.Close()
	hdrs, sums := map[string]npy.Header{}, map[string]string{}
	for _, n := range z.Names() {
		r, c, err := z.Open(n)
		if err != nil {
			t.Fatalf("%s: entry %s: %v", path, n, err)
		}
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			t.Fatalf("%s: entry %s: %v", path, n, err)
		}
		c.Close()
		hdrs[n] = r.Header()
		sums[n] = hex.EncodeToString(h.Sum(nil))
	}
	return hdrs, sums
}

func descrEq(a, b string) bool {
	if a == b {
		return true
	}
	return len(a) == 3 && len(b) == 3 && a[2] == '1' && a[1:] == b[1:]
}

func TestMat2npzCorpus(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		t.Run(fx.File, func(t *testing.T) {
			in := filepath.Join(corpusDir, fx.File)
			dir := t.TempDir()
			out := filepath.Join(dir, "out.npz")
			if fx.NotHDF5 || len(fx.Unsupported) > 0 {
				code, stdout, errs := run("mat2npz", in, out)
				if code != 1 || stdout != "" {
					t.Errorf("exit %d, stdout %q; want 1 and nothing", code, stdout)
				}
				if fx.NotHDF5 && !strings.Contains(errs, "save -v7.3") {
					t.Errorf("v5 file: %q", errs)
				}
				if len(fx.Unsupported) > 0 && !strings.Contains(errs, "filter retinaio private test filter (40000) is not built in") {
					t.Errorf("private-filter dataset: error %q should name filter 40000", errs)
				}
				if ents, _ := os.ReadDir(dir); len(ents) != 0 {
					t.Errorf("failed run left files behind: %v", ents)
				}
				return
			}
			want := map[string]fixtureDataset{}
			for _, d := range fx.Datasets {
				if d.npzDescr() != "" {
					want[strings.TrimPrefix(d.Path, "/")] = d
				}
			}
			for _, mode := range []struct {
				name  string
				args  []string
				slabs bool
			}{
				{"h5py-order", nil, false},
				{"matlab-order+compress", []string{"--matlab-order", "--compress"}, false},
				{"slabs", nil, true},
			} {
				t.Run(mode.name, func(t *testing.T) {
					if mode.slabs {
						old := slabBytes
						slabBytes = 300
						defer func() { slabBytes = old }()
					}
					args := append([]string{"mat2npz", in, out}, mode.args...)
					code, _, errs := run(args...)
					if code != 0 {
						t.Fatalf("%v: exit %d: %s", args, code, errs)
					}
					hdrs, sums := readNPZ(t, out)
					var gotNames, wantNames []string
					for n := range hdrs {
						gotNames = append(gotNames, n)
					}
					for n := range want {
						wantNames = append(wantNames, n)
					}
					sort.Strings(gotNames)
					sort.Strings(wantNames)
					if !reflect.DeepEqual(gotNames, wantNames) {
						t.Errorf("entries %v\nwant %v", gotNames, wantNames)
					}
					matlab := len(mode.args) > 0
					for n, d := range want {
						h, ok := hdrs[n]
						if !ok {
							continue
						}
						shape := make([]int, len(d.Shape))
						for i, s := range d.Shape {
							shape[i] = int(s)
						}
						if matlab {
							for i, j := 0, len(shape)-1; i < j; i, j = i+1, j-1 {
								shape[i], shape[j] = shape[j], shape[i]
							}
						}
						if !descrEq(h.Descr, d.npzDescr()) || h.Fortran != matlab || !reflect.DeepEqual(h.Shape, shape) && len(shape)+len(h.Shape) > 0 {
							t.Errorf("%s: header %+v, want descr %s shape %v fortran %v", n, h, d.npzDescr(), shape, matlab)
						}
						if d.SHA256 != "" && sums[n] != d.SHA256 {
							t.Errorf("%s: data sha256 %s, want h5py's %s", n, sums[n], d.SHA256)
						}
					}
				})
			}
		})
	}
}

func TestMat2npzErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(corpusDir, "matlab_v73.mat")
	if code, _, _ := run("mat2npz", in); code != 2 {
		t.Errorf("one argument: exit %d, want 2", code)
	}
	// The input is never overwritten.
	cp := filepath.Join(dir, "in.mat")
	b, _ := os.ReadFile(in)
	os.WriteFile(cp, b, 0o644)
	if code, _, errs := run("mat2npz", cp, cp); code != 1 || !strings.Contains(errs, "input") {
		t.Errorf("output = input: exit %d, %q", code, errs)
	}
	if b2, _ := os.ReadFile(cp); string(b2) != string(b) {
		t.Errorf("input modified")
	}
	// An existing output is left intact when the conversion fails.
	out := filepath.Join(dir, "keep.npz")
	os.WriteFile(out, []byte("old"), 0o644)
	if code, _, _ := run("mat2npz", filepath.Join(corpusDir, "lzf.h5"), out); code != 1 {
		t.Errorf("lzf: exit %d", code)
	}
	if b, _ := os.ReadFile(out); string(b) != "old" {
		t.Errorf("failed run replaced the existing output")
	}
	// Datasets not written are reported.
	out = filepath.Join(dir, "m.npz")
	code, _, errs := run("mat2npz", in, out)
	if code != 0 || !strings.Contains(errs, "not written") || !strings.Contains(errs, "references (cells)") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestMat2npzCorrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: 60 corrupted files")
	}
	dir := t.TempDir()
	for _, v := range corruptedVariants(t) {
		p := filepath.Join(dir, v.name)
		if err := os.WriteFile(p, v.data, 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out.npz")
		withTimeout(t, "mat2npz "+v.name, func() {
			code, _, errs := run("mat2npz", p, out)
			switch code {
			case 0:
				os.Remove(out)
			case 1:
				if _, err := os.Stat(out); err == nil {
					t.Errorf("%s: exit 1 but %s exists", v.name, out)
				}
				if !strings.Contains(errs, "retinaio mat2npz:") {
					t.Errorf("%s: error message %q", v.name, errs)
				}
			default:
				t.Errorf("%s: exit %d: %s", v.name, code, errs)
			}
		})
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestMat2npzGolden converts the golden synthetic sessions (real-layout
// MATLAB v7.3 files, ../../testdata/golden) and compares every entry with
// h5py's view recorded by hdf5/testdata/gen_golden_expect.py.
func TestMat2npzGolden(t *testing.T) {
	b, err := os.ReadFile("../../hdf5/testdata/golden_expect.json")
	if err != nil {
		t.Fatalf("no golden expectations: %v", err)
	}
	var exp map[string]struct {
		Objects map[string]struct {
			Kind   string `json:"kind"`
			Dtype  string `json:"dtype"`
			Shape  []int  `json:"shape"`
			SHA256 string `json:"sha256_raw"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatalf("golden expectations in an unknown format: %v", err)
	}
	for file, e := range exp {
		in := filepath.Join("../../testdata", file)
		if _, err := os.Stat(in); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		t.Run(filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "g.npz")
			if code, _, errs := run("mat2npz", in, out); code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			hdrs, sums := readNPZ(t, out)
			n := 0
			for p, o := range e.Objects {
				if o.Kind != "dataset" || o.SHA256 == "" || o.Dtype == "" || !strings.ContainsAny(o.Dtype[1:2], "iuf") {
					continue
				}
				n++
				name := strings.TrimPrefix(p, "/")
				h, ok := hdrs[name]
				if !ok {
					t.Errorf("entry %s missing", name)
					continue
				}
				if !descrEq(h.Descr, o.Dtype) || !reflect.DeepEqual(h.Shape, o.Shape) || h.Fortran {
					t.Errorf("%s: header %+v, want %s %v", name, h, o.Dtype, o.Shape)
				}
				if sums[name] != o.SHA256 {
					t.Errorf("%s: sha256 %s, want h5py's %s", name, sums[name], o.SHA256)
				}
			}
			if n == 0 || len(hdrs) != n {
				t.Errorf("%d entries written, %d numeric datasets expected", len(hdrs), n)
			}
		})
	}
}

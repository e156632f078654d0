package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The corpus fixtures and their expectations are written by h5py
// (hdf5/testdata/gen_corpus.py); see hdf5/corpus_test.go.
const corpusDir = "../../hdf5/testdata/corpus"

type fixture struct {
	File        string                     `json:"file"`
	NotHDF5     bool                       `json:"not_hdf5"`
	Groups      []struct{ Path string }    `json:"groups"`
	Datasets    []fixtureDataset           `json:"datasets"`
	Unsupported map[string]json.RawMessage `json:"unsupported"`
}

type fixtureDataset struct {
	Path         string   `json:"path"`
	Dtype        string   `json:"dtype"`
	Kind         string   `json:"kind"`
	ComplexDescr string   `json:"complex_descr"`
	Shape        []uint64 `json:"shape"`
	Layout       string   `json:"layout"`
	Chunks       []uint64 `json:"chunks"`
	Filters      []struct {
		ID     int      `json:"id"`
		Params []uint32 `json:"params"`
	} `json:"filters"`
	Attrs []struct {
		Name   string `json:"name"`
		Values []any  `json:"values"`
	} `json:"attrs"`
	SHA256 string `json:"sha256"`
	// Fields of a compound as h5py reports them: [name, dtype str, offset].
	Fields [][]any `json:"fields"`
}

func (d fixtureDataset) class() string {
	for _, a := range d.Attrs {
		if a.Name == "MATLAB_class" && len(a.Values) == 1 {
			s, _ := a.Values[0].(string)
			return s
		}
	}
	return ""
}

// npzDescr is the descr mat2npz must write, from h5py's view: the numpy
// dtype for integers and floats, the complex dtype for {real, imag} / {r, i}
// compounds, "" for skipped datasets.
func (d fixtureDataset) npzDescr() string {
	if d.Shape == nil {
		return ""
	}
	switch d.Kind {
	case "int", "float":
		return d.Dtype
	case "complex":
		return d.ComplexDescr
	case "compound":
		// h5py's own dtype: a structured array of the compound's fields
		// (only {r, i} compounds become numpy complex numbers, kind
		// "complex" above); mat2npz writes the complex-compatible ones.
		if d.ComplexDescr == "" || len(d.Fields) != 2 {
			return ""
		}
		var parts []string
		for _, f := range d.Fields {
			parts = append(parts, fmt.Sprintf("('%v', '%v')", f[0], f[1]))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return ""
}

func loadFixtures(t *testing.T) []fixture {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no corpus in %s", corpusDir)
	}
	var out []fixture
	for _, fn := range files {
		b, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		var fx fixture
		if err := json.Unmarshal(b, &fx); err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		out = append(out, fx)
	}
	return out
}

// run runs the CLI in-process.
func run(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = runMain(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestLsCorpus(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		t.Run(fx.File, func(t *testing.T) {
			path := filepath.Join(corpusDir, fx.File)
			code, out, errs := run("ls", path)
			if fx.NotHDF5 {
				if code != 1 || out != "" || !strings.Contains(errs, "save -v7.3") {
					t.Errorf("ls v5 file: code %d, stdout %q, stderr %q", code, out, errs)
				}
				return
			}
			if code != 0 {
				t.Fatalf("ls: exit %d: %s", code, errs)
			}
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			if !strings.HasPrefix(lines[0], "PATH") {
				t.Errorf("no header line: %q", lines[0])
			}
			byPath := map[string]string{}
			for _, l := range lines[1:] {
				byPath[strings.Fields(l)[0]] = l
			}
			for _, d := range fx.Datasets {
				l, ok := byPath[d.Path]
				if !ok {
					t.Errorf("ls does not list %s", d.Path)
					continue
				}
				if want := shapeString(d.Shape, d.Shape == nil); !strings.Contains(l, want) {
					t.Errorf("%s: line %q lacks shape %s", d.Path, l, want)
				}
				if c := d.class(); c != "" && !strings.Contains(l, " "+c+" ") {
					t.Errorf("%s: line %q lacks class %s", d.Path, l, c)
				}
			}
			for _, g := range fx.Groups {
				if l, ok := byPath[g.Path]; !ok || !strings.Contains(l, "group") {
					t.Errorf("ls group %s: %q", g.Path, l)
				}
			}

			code, out, errs = run("ls", "--json", path)
			if code != 0 {
				t.Fatalf("ls --json: exit %d: %s", code, errs)
			}
			var entries []lsEntry
			if err := json.Unmarshal([]byte(out), &entries); err != nil {
				t.Fatalf("ls --json output: %v", err)
			}
			got := map[string]lsEntry{}
			for _, e := range entries {
				got[e.Path] = e
			}
			for _, d := range fx.Datasets {
				e, ok := got[d.Path]
				if !ok || e.Kind != "dataset" {
					t.Errorf("--json: %s missing (%+v)", d.Path, e)
					continue
				}
				if !reflect.DeepEqual(e.Shape, d.Shape) && !(len(e.Shape) == 0 && len(d.Shape) == 0 && (e.Shape == nil) == (d.Shape == nil)) {
					t.Errorf("%s: shape %v, want %v", d.Path, e.Shape, d.Shape)
				}
				if d.Shape != nil && !reflect.DeepEqual(e.Dims, reverseU64(d.Shape)) {
					t.Errorf("%s: matlab_dims %v, want reversed %v", d.Path, e.Dims, d.Shape)
				}
				if want := d.npzDescr(); want != "" && e.Dtype != want {
					t.Errorf("%s: dtype %q, want %q", d.Path, e.Dtype, want)
				}
				if e.Layout != d.Layout || !reflect.DeepEqual(e.Chunks, d.Chunks) {
					t.Errorf("%s: layout %s chunks %v, want %s %v", d.Path, e.Layout, e.Chunks, d.Layout, d.Chunks)
				}
				if len(e.Filters) != len(d.Filters) {
					t.Errorf("%s: filters %+v, want %+v", d.Path, e.Filters, d.Filters)
				} else {
					for i := range e.Filters {
						if e.Filters[i].ID != d.Filters[i].ID || !reflect.DeepEqual(e.Filters[i].Params, d.Filters[i].Params) {
							t.Errorf("%s: filter %d %+v, want %+v", d.Path, i, e.Filters[i], d.Filters[i])
						}
					}
				}
				if e.Class != d.class() {
					t.Errorf("%s: class %q, want %q", d.Path, e.Class, d.class())
				}
			}
		})
	}
}

func TestLsLinksAndUsage(t *testing.T) {
	code, out, errs := run("ls", filepath.Join(corpusDir, "groups_latest.h5"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"soft-link -> /a/b/c/d/e/leaf", "soft-link -> /does/not/exist", "external-link -> other_file.h5:/some/dataset"} {
		if !strings.Contains(out, want) {
			t.Errorf("ls output lacks %q", want)
		}
	}
	if code, _, _ := run("ls"); code != 2 {
		t.Errorf("ls without FILE: exit %d, want 2", code)
	}
	if code, out, errs := run("ls", filepath.Join(t.TempDir(), "missing.mat")); code != 1 || out != "" || errs == "" {
		t.Errorf("missing file: exit %d, %q, %q", code, out, errs)
	}
	mat := filepath.Join(corpusDir, "matlab_v73.mat")
	code, out, _ = run("ls", mat, "--json") // flags after the file
	if code != 0 || !strings.HasPrefix(out, "[") {
		t.Errorf("ls FILE --json: exit %d, %q", code, out[:min(len(out), 40)])
	}
	code, out, _ = run("ls", mat)
	for _, want := range []string{"/img ", "(6, 5, 4)", "uint8", "deflate(3)", "(3, 5, 4)", "/s/c/d", "struct", "cell", "/#refs#/b"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("ls %s lacks %q:\n%s", mat, want, out)
		}
	}
}

// corruptedVariants returns the 60 damaged corpus files used by the
// robustness tests (the same scheme as hdf5's TestCorpusCorrupted).
func corruptedVariants(t *testing.T) []struct {
	name string
	data []byte
} {
	bases := []string{
		"types_earliest.h5", "types_latest.h5", "chunks_earliest.h5", "chunks_latest.h5",
		"groups_earliest.h5", "groups_latest.h5", "userblock512_earliest.h5", "superblock2_v108.h5",
		"matlab_v73.mat", "matlab_mi_latest.mat",
	}
	rng := rand.New(rand.NewPCG(2026, 1125))
	var out []struct {
		name string
		data []byte
	}
	add := func(n string, d []byte) {
		out = append(out, struct {
			name string
			data []byte
		}{n, d})
	}
	for _, b := range bases {
		data, err := os.ReadFile(filepath.Join(corpusDir, b))
		if err != nil {
			t.Fatal(err)
		}
		n := len(data)
		for _, frac := range []float64{0.3 + 0.4*rng.Float64(), 0.02 + 0.1*rng.Float64()} {
			cut := int(float64(n) * frac)
			add(fmt.Sprintf("%s-truncate%d", b, cut), append([]byte(nil), data[:cut]...))
		}
		for k := 0; k < 2; k++ {
			d := append([]byte(nil), data...)
			flips := 1 + rng.IntN(40)
			for i := 0; i < flips; i++ {
				d[rng.IntN(n)] ^= byte(1 + rng.IntN(255))
			}
			add(fmt.Sprintf("%s-flip%d", b, k), d)
		}
		d := append([]byte(nil), data...)
		off, ln := rng.IntN(n), 16+rng.IntN(2048)
		for i := off; i < off+ln && i < n; i++ {
			d[i] = 0
		}
		add(fmt.Sprintf("%s-zero%d", b, off), d)
		d = append([]byte(nil), data...)
		for i := 0; i < 8; i++ {
			d[rng.IntN(min(n, 4096))] = byte(rng.IntN(256))
		}
		add(b+"-meta", d)
	}
	return out
}

// withTimeout runs fn and fails the test if it does not return within a
// generous hang-detection limit (not a speed check).
func withTimeout(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s did not finish (hang?)", what)
	}
}

func TestLsCorrupted(t *testing.T) {
	dir := t.TempDir()
	for _, v := range corruptedVariants(t) {
		p := filepath.Join(dir, v.name)
		if err := os.WriteFile(p, v.data, 0o644); err != nil {
			t.Fatal(err)
		}
		withTimeout(t, "ls "+v.name, func() {
			for _, args := range [][]string{{"ls", p}, {"ls", "--json", p}} {
				code, out, errs := run(args...)
				switch code {
				case 0:
				case 1:
					// the readable part is listed, the rest as ERROR rows
					if out != "" && !strings.Contains(out, "ERROR: ") && !strings.Contains(out, `"error": `) {
						t.Errorf("%v: exit 1 with output but no ERROR row: %q", args, out)
					}
					if !strings.Contains(errs, "retinaio ls:") {
						t.Errorf("%v: error message %q", args, errs)
					}
				default:
					t.Errorf("%v: exit %d: %s", args, code, errs)
				}
			}
		})
	}
}

// TestHostile runs ls and mat2npz on the files that crash or hang libhdf5
// (hdf5/testdata/hostile): each must exit 0 or 1 with a clean message,
// never panic or hang, and leave no output behind on failure.
func TestHostile(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: 140 hostile files")
	}
	files, _ := filepath.Glob("../../hdf5/testdata/hostile/*.h5")
	if len(files) != 140 {
		t.Fatalf("hdf5/testdata/hostile has %d files, want the 140 of the committed corpus", len(files))
	}
	dir := t.TempDir()
	for _, p := range files {
		out := filepath.Join(dir, "out.npz")
		withTimeout(t, "hostile "+filepath.Base(p), func() {
			for _, args := range [][]string{{"ls", p}, {"ls", "--json", p}, {"mat2npz", p, out}} {
				code, stdout, errs := run(args...)
				switch code {
				case 0:
					os.Remove(out)
				case 1:
					// ls lists the readable part and an ERROR row per problem
					if stdout != "" && !strings.Contains(stdout, "ERROR: ") && !strings.Contains(stdout, `"error": `) {
						t.Errorf("%v: exit 1 with output but no ERROR row", args)
					}
					if _, err := os.Stat(out); err == nil {
						t.Errorf("%v: exit 1 but %s exists", args, out)
					}
				default:
					t.Errorf("%v: exit %d: %s", args, code, errs)
				}
			}
		})
	}
}

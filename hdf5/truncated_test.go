package hdf5_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/hdf5"
)

// truncVariant is one entry of testdata/truncated_expect.json, written by
// testdata/gen_truncated_expect.py from what h5py (libhdf5 1.10) says when
// opening the variant.
type truncVariant struct {
	File      string  `json:"file"`
	Cut       int     `json:"cut"`
	Pad       int     `json:"pad"`
	Prepend   int     `json:"prepend"`
	H5pyError *string `json:"h5py_error"`
}

var libhdf5Truncated = regexp.MustCompile(`truncated file: eof = (\d+), sblock->base_addr = (\d+), stored_eof = (\d+)`)

// TestTruncatedFile cuts, pads and moves golden and corpus files and checks
// that Open refuses exactly the variants libhdf5 refuses, with libhdf5's
// numbers, and reads the others.
func TestTruncatedFile(t *testing.T) {
	b, err := os.ReadFile("testdata/truncated_expect.json")
	if err != nil {
		t.Fatal(err)
	}
	var variants []truncVariant
	if err := json.Unmarshal(b, &variants); err != nil {
		t.Fatal(err)
	}
	if len(variants) == 0 {
		t.Fatal("no variants in testdata/truncated_expect.json")
	}
	for _, v := range variants {
		name := fmt.Sprintf("%s/cut%d_pad%d_prepend%d", filepath.Base(v.File), v.Cut, v.Pad, v.Prepend)
		t.Run(name, func(t *testing.T) {
			orig, err := os.ReadFile(filepath.Join("..", v.File))
			if err != nil {
				t.Fatal(err)
			}
			data := append(make([]byte, v.Prepend), orig...)
			data = append(data[:len(data)-v.Cut], make([]byte, v.Pad)...)
			// through a file on disk, as a user would open it
			path := filepath.Join(t.TempDir(), filepath.Base(v.File))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := hdf5.Open(path)
			switch {
			case v.H5pyError == nil:
				if err != nil {
					t.Fatalf("h5py opens it, we do not: %v", err)
				}
				defer f.Close()
				err := f.Walk(func(p string, obj hdf5.Object) error {
					if d, ok := obj.(*hdf5.Dataset); ok {
						if _, err := d.ReadRaw(context.Background()); err != nil {
							return fmt.Errorf("%s: %w", p, err)
						}
					}
					return nil
				})
				if err != nil {
					t.Errorf("walk: %v", err)
				}
			case strings.Contains(*v.H5pyError, "file signature not found"):
				if !errors.Is(err, hdf5.ErrNotHDF5) {
					t.Fatalf("h5py: %q; we: %v (want ErrNotHDF5)", *v.H5pyError, err)
				}
			default:
				m := libhdf5Truncated.FindStringSubmatch(*v.H5pyError)
				if m == nil {
					t.Fatalf("unexpected h5py message %q", *v.H5pyError)
				}
				if err == nil {
					f.Close()
					t.Fatalf("h5py: %q; we opened it", *v.H5pyError)
				}
				if !errors.Is(err, hdf5.ErrTruncatedFile) {
					t.Errorf("error does not wrap ErrTruncatedFile: %v", err)
				}
				var fe *hdf5.FormatError
				if !errors.As(err, &fe) || fe.File != filepath.Base(v.File) {
					t.Errorf("error is not a *FormatError naming the file: %v", err)
				}
				for _, want := range []string{"eof = " + m[1] + ",", "base address = " + m[2] + ",", "stored eof = " + m[3] + ":"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q lacks libhdf5's %q (h5py: %q)", err, want, *v.H5pyError)
					}
				}
			}
			// NewFile on the same bytes agrees with Open
			g, err2 := hdf5.NewFile(bytes.NewReader(data), int64(len(data)))
			if (err == nil) != (err2 == nil) {
				t.Errorf("Open error %v, NewFile error %v", err, err2)
			}
			if err2 == nil {
				g.Close()
			}
		})
	}
}

package karamanlis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/mat"
	"github.com/retinaio/retinaio/safezip"
)

// matFile is an open MATLAB v7.3 session file, read through package mat.
type matFile struct {
	path string
	f    *mat.File
	size int64
}

// openMat opens a MATLAB v7.3 (HDF5) file with mat.Open, turning its errors
// for older MATLAB formats, non-HDF5 and truncated files into *InputError.
func openMat(path string) (*matFile, error) {
	if err := checkRegular(path); err != nil {
		return nil, &InputError{File: path, Problem: "cannot be opened", Err: err}
	}
	f, err := mat.Open(path)
	if err != nil {
		switch {
		case errors.Is(err, hdf5.ErrTruncatedFile):
			return nil, &InputError{File: path, Problem: "is truncated", Err: err}
		case errors.Is(err, mat.ErrNotV73):
			// mat's message says how to convert the file.
			return nil, &InputError{File: path, Problem: "is a MATLAB v5/v7 .mat file, not v7.3 (HDF5)", Err: err}
		case errors.Is(err, hdf5.ErrNotHDF5), errors.Is(err, mat.ErrBadHeader):
			return nil, &InputError{File: path, Problem: "is not a MATLAB v7.3 (HDF5) file", Err: err}
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var size int64
	if st, err := os.Stat(path); err == nil {
		size = st.Size()
	}
	return &matFile{path: path, f: f, size: size}, nil
}

func (m *matFile) Close() error { return m.f.Close() }

// has reports whether the root holds an array (not a struct) called name.
// An error other than absence counts as present: the read that follows
// reports it (a damaged or unreadable file is not one without the array).
func (m *matFile) has(name string) bool {
	v, err := m.f.Var(name)
	if err != nil {
		return !errors.Is(err, mat.ErrNotFound)
	}
	return v.Dataset() != nil
}

// variable returns the array /name; a missing one is an *InputError
// wrapping ErrMissingDataset.
func (m *matFile) variable(name string) (*mat.Variable, error) {
	v, err := m.f.Var(name)
	if err != nil {
		if errors.Is(err, mat.ErrNotFound) {
			return nil, &InputError{File: m.path, Dataset: "/" + name, Problem: "missing", Err: ErrMissingDataset,
				Hint: "the file is not a complete Karamanlis session file"}
		}
		return nil, fmt.Errorf("%s: dataset /%s: %w", m.path, name, err)
	}
	if v.Dataset() == nil {
		return nil, &InputError{File: m.path, Dataset: "/" + name, Field: "MATLAB class", Value: v.Class,
			Problem: "is a group (struct or sparse matrix), not an array"}
	}
	return v, nil
}

// shape opens /name and checks its rank; dims names the axes for messages
// ("blocks", "frames", "3").
func (m *matFile) shape(name string, dims ...string) (*hdf5.Dataset, []int, error) {
	v, err := m.variable(name)
	if err != nil {
		return nil, nil, err
	}
	ds := v.Dataset()
	if ds.IsNull() || v.IsEmpty() {
		return nil, nil, &InputError{File: m.path, Dataset: "/" + name, Problem: "is empty (null dataspace or MATLAB_empty)"}
	}
	sh := ds.Shape()
	if len(sh) != len(dims) {
		return nil, nil, &InputError{File: m.path, Dataset: "/" + name, Field: "shape", Value: fmtShape64(sh),
			Problem: fmt.Sprintf("has %d dimensions, want %d (%s)", len(sh), len(dims), strings.Join(dims, ", "))}
	}
	out := make([]int, len(sh))
	for i, d := range sh {
		if d > math.MaxInt32 {
			return nil, nil, &InputError{File: m.path, Dataset: "/" + name, Field: "shape", Value: fmtShape64(sh), Problem: "dimension too large"}
		}
		out[i] = int(d)
	}
	n, err := shapeLen(out)
	if err != nil {
		return nil, nil, &InputError{File: m.path, Dataset: "/" + name, Field: "shape", Value: fmtShape64(sh), Problem: "too many elements"}
	}
	// Deflate expands at most about 1032:1, so a dataset cannot hold more
	// data than that times the file size (guards allocations against
	// damaged shapes).
	if limit := 1100*m.size + 1<<20; int64(n) > limit/int64(max(1, ds.Datatype().Size)) {
		return nil, nil, &InputError{File: m.path, Dataset: "/" + name, Field: "shape", Value: fmtShape64(sh),
			Problem: fmt.Sprintf("claims %d elements, more than a %d-byte file can hold (damaged file?)", n, m.size)}
	}
	return ds, out, nil
}

// readFloat64 reads a real numeric array as float64 in h5py order
// (mat.RowMajorH5py).
func (m *matFile) readFloat64(ctx context.Context, name string) ([]float64, error) {
	v, err := m.variable(name)
	if err != nil {
		return nil, err
	}
	ds := v.Dataset()
	if c := ds.Datatype().Class; c != hdf5.ClassFloat && c != hdf5.ClassFixed {
		return nil, &InputError{File: m.path, Dataset: "/" + name, Field: "type", Value: ds.Datatype().String(), Problem: "is not numeric"}
	}
	a, err := mat.Read[float64](ctx, v, mat.RowMajorH5py)
	if err != nil {
		return nil, readErr(m.path, name, err)
	}
	if uint64(len(a.Data)) != ds.Len() {
		return nil, &InputError{File: m.path, Dataset: "/" + name, Problem: fmt.Sprintf("read %d values, want %d", len(a.Data), ds.Len())}
	}
	return a.Data, nil
}

func readErr(path, name string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%s: read dataset /%s: %w (%s)", path, name, err, damagedAdvice(path))
}

// damagedAdvice says what to do about a data file that cannot be read. In
// a copy unpacked from a zip (the folder holds safezip's marker), the copy
// is checked first (safezip.Verify): a copy changed since its verified
// unpack is unpacked again by the next run and the zip is fine; only when
// the copy is as unpacked (its bytes passed the zip's CRC) is the zip
// itself damaged.
func damagedAdvice(path string) string {
	folder := filepath.Dir(path)
	if _, err := os.Lstat(filepath.Join(folder, safezip.MarkerName)); err != nil {
		return "the file may be truncated or damaged; replace it with a fresh copy"
	}
	if err := safezip.Verify(folder); err != nil {
		return fmt.Sprintf("the copy unpacked in the cache was changed (%v); the zip is not at fault: run again and it is unpacked anew", err)
	}
	return "the copy unpacked in the cache is as the zip holds it, so the zip's file is damaged; download the zip again"
}

func fmtShape64(sh []uint64) string {
	parts := make([]string, len(sh))
	for i, d := range sh {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func fmtShape(sh []int) string {
	parts := make([]string, len(sh))
	for i, d := range sh {
		parts[i] = fmt.Sprint(d)
	}
	if len(sh) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// readRows reads a numeric dataset of shape sh (rank >= 1) as float64, a slab
// of whole rows along the first axis at a time, and calls fn with the first
// row's index, the number of rows and their values in C order; an error
// from fn stops the reading and is returned as is. Slabs are
// aligned to the chunking and reuse one buffer, so a large dataset (the
// response bins) is never held whole in memory twice and only a few MB of
// fresh memory are touched.
func (m *matFile) readRows(ctx context.Context, name string, ds *hdf5.Dataset, sh []int, fn func(first, rows int, data []float64) error) error {
	if c := ds.Datatype().Class; c != hdf5.ClassFloat && c != hdf5.ClassFixed {
		return &InputError{File: m.path, Dataset: "/" + name, Field: "type", Value: ds.Datatype().String(), Problem: "is not numeric"}
	}
	if len(sh) == 0 || sh[0] == 0 {
		return nil
	}
	per := 1
	for _, d := range sh[1:] {
		per *= d
	}
	step := 1
	if cs := ds.ChunkShape(); len(cs) == len(sh) && cs[0] > 0 {
		step = int(min(cs[0], uint64(sh[0])))
	}
	// Several chunks per slab so that they inflate in parallel, within
	// binSliceBytes (32 MiB) per slab.
	group := step * runtime.GOMAXPROCS(0) * 2
	for group > step && group*per*8 > binSliceBytes {
		group -= step
	}
	start := make([]uint64, len(sh))
	count := make([]uint64, len(sh))
	for i := 1; i < len(sh); i++ {
		count[i] = uint64(sh[i])
	}
	var buf []float64
	for a := 0; a < sh[0]; a += group {
		rows := min(group, sh[0]-a)
		start[0], count[0] = uint64(a), uint64(rows)
		if err := ds.ReadSlab(ctx, start, count, &buf); err != nil {
			return readErr(m.path, name, err)
		}
		if len(buf) != rows*per {
			return &InputError{File: m.path, Dataset: "/" + name, Problem: fmt.Sprintf("read %d values for rows %d..%d, want %d", len(buf), a, a+rows-1, rows*per)}
		}
		if err := fn(a, rows, buf); err != nil {
			return err
		}
	}
	return nil
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/internal/progress"
	"github.com/retinaio/retinaio/internal/safetext"
	"github.com/retinaio/retinaio/npy"
)

func init() {
	register(&command{
		name:    "mat2npz",
		summary: "convert every numeric array of a MATLAB v7.3 / HDF5 file to .npz",
		usage: `retinaio mat2npz [--matlab-order] [--compress] [--complex] [--skip-unreadable] [--verbose] FILE OUT.npz

Writes every dataset of FILE that h5py returns as a plain numpy array (at
any depth, in structs and in #refs#) to OUT.npz, one entry per dataset named
by its path without the leading slash ("meta/deep/x"), with h5py's shape and
dtype, byte order included: np.load(OUT.npz)["x"] equals
h5py.File(FILE)["x"][()]. Written, as h5py returns them:
  - integers (|u1 <i2 >u4 <i8 ...) and IEEE floats (<f2 <f4 >f8; the x87
    long double as <f16, numpy's float128 on x86);
  - enums as their base integer type, h5py's bool enum as |b1;
  - bitfields as unsigned integers of their size;
  - array-typed elements as extra trailing dimensions;
  - complex numbers: {r, i} compounds as <c8/<c16, MATLAB's {real, imag}
    as the structured dtype [('real', '<f8'), ('imag', '<f8')] (--complex
    writes them as complex128/complex64 instead); other compounds of
    packed numeric members as numpy's structured dtype.
Not written (counted on stderr, listed with --verbose): strings,
references (MATLAB cells), variable-length data, opaque data, other
compounds, null dataspaces and floats of other bit layouts (bfloat16, VAX).
As in h5py, a MATLAB char array is its uint16 codes, a logical array uint8,
and an empty array the uint64 dataset of its dims (with the MATLAB_empty
attribute).

A dataset that cannot be read (damaged metadata or data, a filter that is
not built in, a missing external file) is an error: nothing is written and
every such dataset is named. --skip-unreadable writes the others and lists
each skipped one, with the reason, on stderr.

--matlab-order writes MATLAB's order instead: MATLAB's dims (the reversed
shape) with fortran_order True, which is the same bytes, so
np.load(...)["x"] equals MATLAB's x (and h5py's x.T).
--compress deflates the entries (numpy.savez_compressed).

OUT.npz is written atomically: on any error nothing is left behind.`,
		run: runMat2npz,
	})
}

// slabBytes is the size above which a dataset is streamed in slabs along its
// first dimension instead of read whole (a variable so tests can lower it).
var slabBytes int64 = 16 << 20

// npzJob is one dataset mat2npz writes.
type npzJob struct {
	ds    *hdf5.Dataset
	descr string   // numpy descr written (h5py's dtype, or complex with --complex)
	shape []uint64 // h5py's shape: the dataspace plus an array type's dims
	size  int64    // bytes
}

// npzSkip is one dataset (or unreadable object) mat2npz does not write.
type npzSkip struct {
	path, reason string
}

// mat2npzOptions are mat2npz's flags and arguments.
type mat2npzOptions struct {
	in, out                                            string
	matlabOrder, compress, asComplex, skipBad, verbose bool
	json                                               bool // --json: the report on stdout
}

func parseMat2npzFlags(args []string, stderr io.Writer) (mat2npzOptions, error) {
	c := commands["mat2npz"]
	fs := newFlagSet(c, stderr)
	matlabOrder := fs.Bool("matlab-order", false, "write MATLAB's dims with fortran_order (same bytes)")
	compress := fs.Bool("compress", false, "deflate the entries (like numpy.savez_compressed)")
	asComplex := fs.Bool("complex", false, "write MATLAB's {real, imag} complex numbers as numpy complex dtypes instead of h5py's structured dtype (same bytes)")
	skipBad := fs.Bool("skip-unreadable", false, "write the readable datasets and list the unreadable ones on stderr instead of failing")
	verbose := fs.Bool("verbose", false, "list every dataset that is not written, with the reason")
	jsonOut := fs.Bool("json", false, `print {"input", "output", "written", "not_written": [{"path", "reason"}], "unreadable": [...]} on stdout`)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return mat2npzOptions{}, err
	}
	if err := positional(pos, 2, 2, "FILE.mat OUT.npz"); err != nil {
		return mat2npzOptions{}, err
	}
	return mat2npzOptions{in: pos[0], out: pos[1], matlabOrder: *matlabOrder, compress: *compress,
		asComplex: *asComplex, skipBad: *skipBad, verbose: *verbose, json: *jsonOut}, nil
}

func runMat2npz(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseMat2npzFlags(args, stderr)
	if err != nil {
		return err
	}
	if sameFile(o.in, o.out) {
		return fmt.Errorf("output %s is the input file; choose another name", o.out)
	}
	f, err := openMAT(o.in)
	if err != nil {
		return err
	}
	defer f.Close()

	// Plan: collect the datasets first, so a damaged file fails before
	// anything is written and the progress bar knows the total.
	jobs, notWritten, bad, err := planNPZ(ctx, f.HDF5(), o.asComplex)
	if err != nil {
		return fmt.Errorf("%s: %w", o.in, err)
	}
	if len(bad) > 0 && !o.skipBad {
		// name every unreadable dataset, not only the first
		bad = append(bad, probeJobs(ctx, jobs)...)
		return unreadableError(o.in, bad)
	}
	written, bad, err := o.writeNPZ(ctx, jobs, bad, stderr)
	if err != nil {
		return err
	}
	for _, b := range bad {
		fmt.Fprintf(stderr, "mat2npz: skipped unreadable %s: %s\n", strconv.Quote(b.path), escText(b.reason))
	}
	if o.verbose {
		for _, s := range notWritten {
			fmt.Fprintf(stderr, "mat2npz: not written %s: %s\n", strconv.Quote(s.path), escText(s.reason))
		}
	}
	fmt.Fprintln(stderr, safetext.Message(o.summary(written, notWritten, bad)))
	if o.json {
		return o.writeJSON(stdout, written, notWritten, bad)
	}
	return nil
}

// writeJSON prints mat2npz's report for scripts (--json); names from the
// file are escaped.
func (o mat2npzOptions) writeJSON(stdout io.Writer, written int, notWritten, bad []npzSkip) error {
	type item struct {
		Path   string `json:"path"`
		Reason string `json:"reason"`
	}
	list := func(xs []npzSkip) []item {
		out := []item{}
		for _, x := range xs {
			out = append(out, item{safetext.Escape(x.path), safetext.Escape(x.reason)})
		}
		return out
	}
	enc := newJSONEncoder(stdout)
	return enc.Encode(struct {
		Input      string `json:"input"`
		Output     string `json:"output"`
		Written    int    `json:"written"`
		NotWritten []item `json:"not_written"`
		Unreadable []item `json:"unreadable"`
	}{o.in, o.out, written, list(notWritten), list(bad)})
}

// writeNPZ writes the planned datasets to the archive o.out, with a
// progress bar on stderr. It returns the number of arrays written and bad
// with the datasets skipped as unreadable appended (with --skip-unreadable;
// without it an unreadable dataset is an error naming all of them).
func (o mat2npzOptions) writeNPZ(ctx context.Context, jobs []npzJob, bad []npzSkip, stderr io.Writer) (int, []npzSkip, error) {
	var total int64
	for _, j := range jobs {
		total += j.size
	}
	z, err := npy.CreateNPZ(o.out, npy.NPZOptions{Compress: o.compress})
	if err != nil {
		return 0, nil, err
	}
	defer z.Abort() // no-op after Close
	bar := progress.New(stderr, "mat2npz", total, "B")
	written := 0
	for i, j := range jobs {
		if err := ctx.Err(); err != nil {
			return 0, nil, err
		}
		r, skip, err := o.jobReader(ctx, j)
		if err != nil {
			return 0, nil, err
		}
		if skip != nil {
			bad = append(bad, *skip)
			if o.skipBad {
				continue
			}
			return 0, nil, unreadableError(o.in, append(bad, probeJobs(ctx, jobs[i+1:])...))
		}
		name := strings.TrimPrefix(j.ds.Path(), "/")
		src := &readSide{r: r}
		if err := z.AddRaw(name, o.npyHeader(j), src); err != nil {
			if ctx.Err() != nil {
				return 0, nil, ctx.Err()
			}
			if src.err == nil {
				// the archive could not be written (a full disk, ...): not
				// the input's fault
				return 0, nil, fmt.Errorf("writing %s: %w", o.out, err)
			}
			if !o.skipBad {
				bad = append(bad, npzSkip{j.ds.Path(), src.err.Error()})
				return 0, nil, unreadableError(o.in, append(bad, probeJobs(ctx, jobs[i+1:])...))
			}
			return 0, nil, fmt.Errorf("%s: dataset %s: %w", o.in, strconv.Quote(j.ds.Path()), src.err)
		}
		written++
		bar.Add(j.size)
	}
	if err := z.Close(); err != nil {
		return 0, nil, err
	}
	bar.Done()
	return written, bad, nil
}

// readSide records the error of a dataset's reader (io.EOF aside), so that
// a failed entry is blamed on the input only when reading it failed.
type readSide struct {
	r   io.Reader
	err error
}

func (s *readSide) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// npyHeader is the .npy header of a job's entry: h5py's shape, or with
// --matlab-order MATLAB's dims in Fortran order (the same bytes).
func (o mat2npzOptions) npyHeader(j npzJob) npy.Header {
	h := npy.Header{Descr: j.descr, Shape: toInts(j.shape)}
	if o.matlabOrder {
		h.Shape = toInts(reverseU64(j.shape))
		h.Fortran = true
	}
	return h
}

// jobReader returns the raw bytes of a job's dataset: streamed in slabs
// when larger than slabBytes (with --skip-unreadable, after reading it
// once to check that it reads: a read error in the middle of an entry
// would spoil the archive), else read whole. A dataset that cannot be read
// is returned as skip; err is only the context's error.
func (o mat2npzOptions) jobReader(ctx context.Context, j npzJob) (r io.Reader, skip *npzSkip, err error) {
	if j.size > slabBytes && len(j.ds.Shape()) > 0 {
		if o.skipBad {
			if _, err := io.Copy(io.Discard, j.ds.NewRawReader(ctx, slabBytes)); err != nil {
				if ctx.Err() != nil {
					return nil, nil, ctx.Err()
				}
				return nil, &npzSkip{j.ds.Path(), err.Error()}, nil
			}
		}
		// n-bit integers and non-IEEE floats become h5py's dtype
		return j.ds.Datatype().NumpyReader(j.ds.NewRawReader(ctx, slabBytes)), nil, nil
	}
	raw, err := j.ds.ReadRaw(ctx)
	if err == nil {
		raw, err = j.ds.Datatype().ToNumpy(raw)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, &npzSkip{j.ds.Path(), err.Error()}, nil
	}
	return bytes.NewReader(raw), nil, nil
}

// summary is mat2npz's closing line: arrays written, datasets not written
// by reason, unreadable datasets skipped.
func (o mat2npzOptions) summary(written int, notWritten, bad []npzSkip) string {
	msg := fmt.Sprintf("mat2npz: wrote %d arrays to %s", written, o.out)
	if len(notWritten) > 0 {
		counts := map[string]int{}
		for _, s := range notWritten {
			counts[s.reason]++
		}
		var parts []string
		for _, k := range sortedKeys(counts) {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
		msg += "; not written: " + strings.Join(parts, ", ")
		if !o.verbose {
			msg += " (--verbose lists them)"
		}
	}
	if len(bad) > 0 {
		msg += fmt.Sprintf("; skipped %d unreadable", len(bad))
	}
	return msg
}

// planNPZ walks the file and sorts its datasets into those written, those
// not written (types numpy cannot hold as h5py does) and unreadable objects.
func planNPZ(ctx context.Context, h5 *hdf5.File, asComplex bool) (jobs []npzJob, notWritten, bad []npzSkip, err error) {
	err = h5.Walk(func(path string, obj hdf5.Object) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch o := obj.(type) {
		case *hdf5.BadObject:
			bad = append(bad, npzSkip{path, o.Err().Error()})
			return nil
		case *hdf5.Dataset:
			t := o.Datatype()
			descr := t.NumpyDescr()
			if cd := t.ComplexDescr(); asComplex && cd != "" {
				descr = cd
			}
			if reason := notWrittenReason(t, descr); reason != "" {
				notWritten = append(notWritten, npzSkip{path, reason})
				return nil
			}
			if o.IsNull() {
				notWritten = append(notWritten, npzSkip{path, "null dataspace"})
				return nil
			}
			shape := append(o.Shape(), t.NumpyElemDims()...)
			n, esize := uint64(1), uint64(t.NumpyElemSize())
			for _, x := range shape {
				if x != 0 && n > math.MaxInt64/x {
					bad = append(bad, npzSkip{path, fmt.Sprintf("shape %v is too large", shape)})
					return nil
				}
				n *= x
			}
			if esize == 0 || n > math.MaxInt64/esize {
				bad = append(bad, npzSkip{path, fmt.Sprintf("%d elements of %d bytes is too large", n, esize)})
				return nil
			}
			jobs = append(jobs, npzJob{o, descr, shape, int64(n * esize)})
		}
		return nil
	})
	return jobs, notWritten, bad, err
}

// notWrittenReason says why a dataset of type t (with numpy descr) is not
// written, or "" when it is.
func notWrittenReason(t hdf5.Datatype, descr string) string {
	switch t.Class {
	case hdf5.ClassString:
		return "strings"
	case hdf5.ClassVarLen:
		if t.VarString {
			return "strings"
		}
		return "variable-length data"
	case hdf5.ClassReference:
		return "references (cells)"
	case hdf5.ClassOpaque:
		return "opaque data"
	case hdf5.ClassTime:
		return "time types"
	case hdf5.ClassCompound:
		if descr == "" {
			return "compounds without a numpy dtype"
		}
	case hdf5.ClassFloat:
		if descr == "" {
			return "floats of a non-IEEE layout"
		}
	case hdf5.ClassArray:
		if descr == "" || strings.HasPrefix(descr, "|S") {
			return "arrays of non-numeric elements"
		}
	}
	if descr == "" {
		return "types without a numpy dtype"
	}
	return ""
}

// probeJobs reads the given datasets to the end and returns those that
// fail (to name every unreadable dataset once one failed).
func probeJobs(ctx context.Context, jobs []npzJob) []npzSkip {
	var bad []npzSkip
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		if _, err := io.Copy(io.Discard, j.ds.NewRawReader(ctx, slabBytes)); err != nil {
			bad = append(bad, npzSkip{j.ds.Path(), err.Error()})
		}
	}
	return bad
}

// unreadableError lists every unreadable dataset.
func unreadableError(in string, bad []npzSkip) error {
	sort.Slice(bad, func(i, j int) bool { return bad[i].path < bad[j].path })
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d dataset(s) cannot be read; nothing written (--skip-unreadable writes the others):", in, len(bad))
	for _, x := range bad {
		fmt.Fprintf(&b, "\n  %s: %s", strconv.Quote(x.path), escText(x.reason))
	}
	return &exitError{code: 1, err: fmt.Errorf("%s", b.String())}
}

// escText escapes control and non-printable characters of a message that
// may hold names read from a file.
func escText(s string) string {
	q := strconv.QuoteToGraphic(s)
	q = q[1 : len(q)-1]
	return strings.ReplaceAll(q, `\"`, `"`)
}

func sortedKeys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func toInts(s []uint64) []int {
	out := make([]int, len(s))
	for i, x := range s {
		out[i] = int(x)
	}
	return out
}

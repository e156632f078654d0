package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/internal/progress"
	"github.com/retinaio/retinaio/npy"
)

func init() {
	register(&command{
		name:    "mat2npz",
		summary: "convert every numeric array of a MATLAB v7.3 / HDF5 file to .npz",
		usage: `retinaio mat2npz [--matlab-order] [--compress] [--complex] FILE OUT.npz

Writes every numeric dataset of FILE (integers, floats, and complex numbers
stored as {real, imag} compounds; at any depth, in structs and in #refs#)
to OUT.npz, one entry per dataset named by its path without the leading
slash ("meta/deep/x"), with h5py's shape and the stored dtype, byte order
included: np.load(OUT.npz)["x"] equals h5py.File(FILE)["x"][()]. Like h5py,
MATLAB's complex numbers ({real, imag} compounds) become the structured dtype
[('real', '<f8'), ('imag', '<f8')] (h5py turns only {r, i} compounds into
complex numbers); --complex writes them as complex128/complex64 instead.
Strings, references (cells), null dataspaces and other compounds are
skipped and counted on stderr. As in h5py, a MATLAB char array is its
uint16 codes, a logical array uint8, and an empty array the uint64 dataset
of its dims (with the MATLAB_empty attribute).

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

func runMat2npz(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["mat2npz"]
	fs := newFlagSet(c, stderr)
	matlabOrder := fs.Bool("matlab-order", false, "write MATLAB's dims with fortran_order (same bytes)")
	compress := fs.Bool("compress", false, "deflate the entries (like numpy.savez_compressed)")
	asComplex := fs.Bool("complex", false, "write MATLAB's {real, imag} complex numbers as numpy complex dtypes instead of h5py's structured dtype (same bytes)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return errUsage
	}
	in, out := pos[0], pos[1]
	if sameFile(in, out) {
		return fmt.Errorf("output %s is the input file; choose another name", out)
	}
	f, err := openMAT(in)
	if err != nil {
		return err
	}
	defer f.Close()
	h5 := f.HDF5()

	// Plan: collect the datasets first, so a damaged file fails before
	// anything is written and the progress bar knows the total.
	type job struct {
		ds       *hdf5.Dataset
		descr    string // the numeric (or complex) dtype the data is read as
		outDescr string // the dtype written: h5py's view
		size     int64
	}
	var jobs []job
	var total int64
	skipped := map[string]int{}
	err = h5.Walk(func(path string, obj hdf5.Object) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		d, ok := obj.(*hdf5.Dataset)
		if !ok {
			return nil
		}
		t := d.Datatype()
		descr := npyDescr(t)
		switch {
		case descr == "":
			skipped[skipReason(t)]++
			return nil
		case d.IsNull():
			skipped["null dataspace"]++
			return nil
		}
		n := d.Len()
		if n > math.MaxInt64/uint64(t.Size) {
			return fmt.Errorf("%s: %d elements of %d bytes is too large", path, n, t.Size)
		}
		size := int64(n) * int64(t.Size)
		out := descr
		if !*asComplex {
			out = h5pyCompoundDescr(t, descr)
		}
		jobs = append(jobs, job{d, descr, out, size})
		total += size
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}

	z, err := npy.CreateNPZ(out, npy.NPZOptions{Compress: *compress})
	if err != nil {
		return err
	}
	defer z.Abort() // no-op after Close
	bar := progress.New(stderr, "mat2npz", total, "B")
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := strings.TrimPrefix(j.ds.Path(), "/")
		h := npy.Header{Descr: j.outDescr, Shape: toInts(j.ds.Shape())}
		if *matlabOrder {
			h.Shape = toInts(reverseU64(j.ds.Shape()))
			h.Fortran = true
		}
		var r io.Reader
		if j.size > slabBytes && len(j.ds.Shape()) > 0 {
			r = &slabReader{ctx: ctx, ds: j.ds, descr: j.descr, target: slabBytes}
		} else {
			raw, err := j.ds.ReadRaw(ctx)
			if err != nil {
				return fmt.Errorf("%s: %w", in, err)
			}
			r = bytes.NewReader(raw)
		}
		if err := z.AddRaw(name, h, r); err != nil {
			return fmt.Errorf("%s: dataset %s: %w", in, j.ds.Path(), err)
		}
		bar.Add(j.size)
	}
	if err := z.Close(); err != nil {
		return err
	}
	bar.Done()
	msg := fmt.Sprintf("mat2npz: wrote %d arrays to %s", len(jobs), out)
	if len(skipped) > 0 {
		var parts []string
		for _, k := range sortedKeys(skipped) {
			parts = append(parts, fmt.Sprintf("%d %s", skipped[k], k))
		}
		msg += "; skipped " + strings.Join(parts, ", ")
	}
	fmt.Fprintln(stderr, msg)
	return nil
}

// h5pyCompoundDescr returns the dtype h5py gives a complex compound: numpy
// complex only for fields named exactly "r" and "i" (h5py's complex_names),
// otherwise the structured dtype with the file's field names, such as
// MATLAB's [('real', '<f8'), ('imag', '<f8')]. descr is the complex dtype
// ("<c16"); other types are returned unchanged.
func h5pyCompoundDescr(t hdf5.Datatype, descr string) string {
	if descr == "" || t.Class != hdf5.ClassCompound || len(t.Fields) != 2 || (t.Fields[0].Name == "r" && t.Fields[1].Name == "i") {
		return descr
	}
	part := string(descr[0]) + "f" + strconv.Itoa(t.Fields[0].Type.Size)
	return fmt.Sprintf("[('%s', '%s'), ('%s', '%s')]", t.Fields[0].Name, part, t.Fields[1].Name, part)
}

func sortedKeys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

func skipReason(t hdf5.Datatype) string {
	switch t.Class {
	case hdf5.ClassString:
		return "strings"
	case hdf5.ClassVarLen:
		if t.VarString {
			return "strings"
		}
		return "variable-length"
	case hdf5.ClassReference:
		return "references (cells)"
	case hdf5.ClassCompound:
		return "non-complex compounds"
	}
	return "other types"
}

func toInts(s []uint64) []int {
	out := make([]int, len(s))
	for i, x := range s {
		out[i] = int(x)
	}
	return out
}

// slabReader streams a dataset's bytes, in the stored byte order, reading
// hyperslabs of whole rows (first dimension) of about target bytes.
type slabReader struct {
	ctx    context.Context
	ds     *hdf5.Dataset
	descr  string
	target int64
	row    uint64 // next row to read
	buf    []byte
}

func (s *slabReader) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		shape := s.ds.Shape()
		if s.row >= shape[0] {
			return 0, io.EOF
		}
		rowBytes := int64(s.ds.Datatype().Size)
		for _, d := range shape[1:] {
			rowBytes *= int64(d)
		}
		rows := uint64(1)
		if rowBytes > 0 && s.target/rowBytes > 1 {
			rows = uint64(s.target / rowBytes)
		}
		rows = min(rows, shape[0]-s.row)
		start := make([]uint64, len(shape))
		count := append([]uint64(nil), shape...)
		start[0], count[0] = s.row, rows
		b, err := readSlabBytes(s.ctx, s.ds, s.descr, start, count)
		if err != nil {
			return 0, err
		}
		s.row += rows
		s.buf = b
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// readSlabBytes reads a hyperslab into a typed slice of the stored type and
// encodes it back to bytes in the stored byte order (descr).
func readSlabBytes(ctx context.Context, d *hdf5.Dataset, descr string, start, count []uint64) ([]byte, error) {
	var bo binary.ByteOrder = binary.LittleEndian
	if descr[0] == '>' {
		bo = binary.BigEndian
	}
	var dst any
	switch descr[1:] {
	case "u1":
		dst = &[]uint8{}
	case "i1":
		dst = &[]int8{}
	case "u2":
		dst = &[]uint16{}
	case "i2":
		dst = &[]int16{}
	case "u4":
		dst = &[]uint32{}
	case "i4":
		dst = &[]int32{}
	case "u8":
		dst = &[]uint64{}
	case "i8":
		dst = &[]int64{}
	case "f4":
		dst = &[]float32{}
	case "f8":
		dst = &[]float64{}
	case "c8":
		dst = &[]complex64{}
	case "c16":
		dst = &[]complex128{}
	default:
		return nil, errors.New("mat2npz: internal: unexpected descr " + descr)
	}
	if err := d.ReadSlab(ctx, start, count, dst); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	switch v := dst.(type) {
	case *[]complex64:
		out := make([]float32, 0, 2*len(*v))
		for _, c := range *v {
			out = append(out, real(c), imag(c))
		}
		binary.Write(&buf, bo, out)
	case *[]complex128:
		out := make([]float64, 0, 2*len(*v))
		for _, c := range *v {
			out = append(out, real(c), imag(c))
		}
		binary.Write(&buf, bo, out)
	default:
		if err := binary.Write(&buf, bo, reflect.ValueOf(dst).Elem().Interface()); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

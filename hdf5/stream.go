package hdf5

import (
	"context"
	"io"
)

// ReadSlabRaw reads the hyperslab start[i] .. start[i]+count[i]-1 per
// dimension as raw bytes in file byte order, C order, Datatype().Size
// bytes each (ReadRaw for a part of the dataset).
func (d *Dataset) ReadSlabRaw(ctx context.Context, start, count []uint64) ([]byte, error) {
	var b []byte
	if err := d.readSlab(ctx, start, count, rawDst{&b}); err != nil {
		return nil, err
	}
	return b, nil
}

// NewRawReader returns a reader of the dataset's raw bytes (as ReadRaw
// returns them: file byte order, C order) that reads about sliceBytes at a
// time, whole rows of the first dimension, so a dataset larger than memory
// can be copied without holding it (sliceBytes <= 0: 16 MiB). Errors name
// the file and the dataset.
//
// The slices of a chunked dataset are rounded up to whole chunks along the
// first dimension, so that each chunk is decoded once: a dataset whose
// chunks span many rows (MATLAB chunks a response matrix across all its
// trials) is read in correspondingly larger slices, up to 64 times
// sliceBytes; beyond that the slices keep their size and such chunks are
// decoded once per slice.
func (d *Dataset) NewRawReader(ctx context.Context, sliceBytes int64) io.Reader {
	if sliceBytes <= 0 {
		sliceBytes = 16 << 20
	}
	return &rawReader{ctx: ctx, d: d, target: sliceBytes}
}

type rawReader struct {
	ctx    context.Context
	d      *Dataset
	target int64
	row    uint64 // next row of the first dimension
	done   bool
	buf    []byte
	err    error
}

func (r *rawReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.buf, r.err = r.next()
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// next reads the next slab of rows.
func (r *rawReader) next() ([]byte, error) {
	shape := r.d.Shape()
	if len(shape) == 0 || r.d.IsNull() {
		r.done = true
		return r.d.ReadRaw(r.ctx)
	}
	if r.row >= shape[0] {
		r.done = true
		return nil, nil
	}
	rowBytes := uint64(r.d.info.dt.Size)
	for _, x := range shape[1:] {
		var ok bool
		if rowBytes, ok = mulCheck(rowBytes, x); !ok {
			rowBytes = undef
			break
		}
	}
	rows := uint64(1)
	if rowBytes == 0 {
		rows = shape[0] // no data at all: one empty read
	} else if uint64(r.target)/rowBytes > 1 {
		rows = uint64(r.target) / rowBytes
	}
	if cs := r.d.info.chunk; r.d.info.layout == LayoutChunked && len(cs) == len(shape) && cs[0] > 1 && rowBytes != undef {
		// whole chunks along the first dimension (r.row is a multiple of
		// cs[0]: every slice but the last is)
		if up, ok := mulCheck(ceilDiv(rows, cs[0]), cs[0]); ok {
			if b, ok := mulCheck(up, rowBytes); ok && b/64 <= uint64(r.target) {
				rows = up
			}
		}
	}
	rows = min(rows, shape[0]-r.row)
	start := make([]uint64, len(shape))
	count := append([]uint64(nil), shape...)
	start[0], count[0] = r.row, rows
	b, err := r.d.ReadSlabRaw(r.ctx, start, count)
	if err != nil {
		return nil, err
	}
	r.row += rows
	if r.row >= shape[0] {
		r.done = true
	}
	return b, nil
}

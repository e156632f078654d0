package hdf5

import (
	"bytes"
	"compress/bzip2"
	"fmt"
)

// bzip2 (filter 307, PyTables and hdf5_plugins): each chunk is one bzip2
// stream. Client data: block size (1-9), optionally more PyTables values.

func init() { registerFilter(FilterBZIP2, decodeBZIP2, 0) }

func decodeBZIP2(src []byte, p *FilterParams) ([]byte, error) {
	return boundedRead(bzip2.NewReader(bytes.NewReader(src)), p.MaxSize, p.Dst, 4*len(src))
}

func errExpands(limit int) error {
	return fmt.Errorf("data expands beyond the chunk size %d", limit)
}

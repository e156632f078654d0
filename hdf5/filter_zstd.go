package hdf5

import (
	"bytes"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Zstandard (filter 32015): each chunk is one zstd frame (or several).
// Client data: compression level.

func init() { registerFilter(FilterZstd, decodeZstd, 0) }

var zstdPool sync.Pool // of *zstd.Decoder

func decodeZstd(src []byte, p *FilterParams) ([]byte, error) {
	return zstdDecompress(src, p.MaxSize, p.Dst)
}

// zstdDecompress decodes zstd frames, refusing more than limit bytes.
func zstdDecompress(src []byte, limit int, dst []byte) ([]byte, error) {
	var zd *zstd.Decoder
	if v := zstdPool.Get(); v != nil {
		zd = v.(*zstd.Decoder)
	} else {
		var err error
		zd, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(64<<20), zstd.WithDecoderMaxMemory(uint64(1)<<40))
		if err != nil {
			return nil, err
		}
	}
	defer zstdPool.Put(zd)
	if err := zd.Reset(bytes.NewReader(src)); err != nil {
		return nil, err
	}
	return boundedRead(zd, limit, dst, 4*len(src))
}

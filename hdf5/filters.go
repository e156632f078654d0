package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"

	zinflate "github.com/retinaio/retinaio/internal/inflate"
)

// FilterID identifies a filter of an HDF5 filter pipeline. Identifiers below
// 256 belong to libhdf5; 256-32767 are registered with the HDF Group for
// third-party filters (https://github.com/HDFGroup/hdf5_plugins,
// docs/RegisteredFilterPlugins.md); 32768-65535 are for private use.
// Filter.ID holds the same number as a plain int: FilterID(fl.ID).
type FilterID int

// Filters built into libhdf5.
const (
	FilterDeflate     FilterID = 1 // zlib (gzip) compression
	FilterShuffle     FilterID = 2 // byte shuffle
	FilterFletcher32  FilterID = 3 // Fletcher-32 checksum
	FilterSZIP        FilterID = 4 // SZIP (CCSDS 121.0 adaptive entropy coding)
	FilterNBit        FilterID = 5 // N-bit packing
	FilterScaleOffset FilterID = 6 // scale-offset packing
)

// Third-party filters registered with the HDF Group.
const (
	FilterLZO        FilterID = 305   // LZO (PyTables)
	FilterBZIP2      FilterID = 307   // bzip2 (PyTables, hdf5_plugins)
	FilterLZF        FilterID = 32000 // LZF (h5py)
	FilterBlosc      FilterID = 32001 // Blosc 1
	FilterMAFISC     FilterID = 32002 // MAFISC
	FilterLZ4        FilterID = 32004 // LZ4 (hdf5_plugins framing)
	FilterBitshuffle FilterID = 32008 // bitshuffle, optionally with LZ4 or zstd
	FilterZFP        FilterID = 32013 // ZFP (H5Z-ZFP)
	FilterZstd       FilterID = 32015 // Zstandard
	FilterSZ         FilterID = 32017 // SZ
	FilterJPEG       FilterID = 32019 // JPEG
	FilterBitGroom   FilterID = 32022 // BitGroom quantization
	FilterBitRound   FilterID = 32023 // Granular BitRound quantization
	FilterBlosc2     FilterID = 32026 // Blosc 2
)

var filterIDNames = map[FilterID]string{
	FilterDeflate: "deflate", FilterShuffle: "shuffle", FilterFletcher32: "fletcher32",
	FilterSZIP: "szip", FilterNBit: "nbit", FilterScaleOffset: "scaleoffset",
	FilterLZO: "lzo", FilterBZIP2: "bzip2", FilterLZF: "lzf", FilterBlosc: "blosc",
	FilterMAFISC: "mafisc", FilterLZ4: "lz4", FilterBitshuffle: "bitshuffle", FilterZFP: "zfp",
	FilterZstd: "zstd", FilterSZ: "sz", FilterJPEG: "jpeg", FilterBitGroom: "bitgroom",
	FilterBitRound: "granular bitround", FilterBlosc2: "blosc2",
}

// String returns the filter's common name ("deflate", "lzf", ...), or
// "filter N" for an identifier without a known name.
func (id FilterID) String() string {
	if n, ok := filterIDNames[id]; ok {
		return n
	}
	return "filter " + strconv.Itoa(int(id))
}

// FilterParams is what a FilterDecoder gets besides the chunk's bytes.
type FilterParams struct {
	ID FilterID
	// Name is the filter's name: the common name of a known filter, else
	// the name stored in the file (escaped; may be empty).
	Name string
	// ClientData holds the filter's client data values (cd_values) as
	// stored in the dataset's filter pipeline message.
	ClientData []uint32
	// Type is the dataset's element type; ElemSize its size in bytes.
	Type     Datatype
	ElemSize int
	// MaxSize is a hard bound: a decoder must never produce (nor allocate
	// for its output) more than MaxSize bytes, and must return an error for
	// data that would decode to more. The whole pipeline ends with the
	// chunk's size; MaxSize leaves a little room for intermediate results
	// such as a checksum still attached.
	MaxSize int
	// Dst is a buffer the decoder may reuse for its output (append to
	// Dst[:0]); it may be nil. It never overlaps the input.
	Dst []byte
}

// A FilterDecoder reverses one filter on one chunk: it gets the bytes the
// next filter of the pipeline produced (or the stored chunk) and returns
// the bytes the previous filter (or the dataset) expects. It must not
// modify src; it may return a sub-slice of src, a slice of p.Dst's array
// or a new slice. It must never return more than p.MaxSize bytes and must
// not panic on any input. p is valid during the call only (the reader
// reuses it for the next chunk): a decoder must not keep it. Errors need not name the filter: the pipeline
// wraps them in a *FilterError.
type FilterDecoder func(src []byte, p *FilterParams) ([]byte, error)

type filterEntry struct {
	dec FilterDecoder
	// ratio bounds how many bytes one stored byte can decode to (0: no
	// bound is known); used to refuse impossible chunk sizes up front.
	ratio uint64
}

var (
	filterMu       sync.RWMutex
	filterRegistry = map[FilterID]filterEntry{}
)

// RegisterFilter makes a decoder available for the filter id, like
// archive/zip.RegisterDecompressor. It panics if a decoder for id is
// already registered (all built-in filters are). Decoders may be called
// concurrently.
func RegisterFilter(id FilterID, d FilterDecoder) {
	if d == nil {
		panic("hdf5: RegisterFilter with a nil decoder")
	}
	registerFilter(id, d, 0)
}

func registerFilter(id FilterID, d FilterDecoder, ratio uint64) {
	filterMu.Lock()
	defer filterMu.Unlock()
	if _, dup := filterRegistry[id]; dup {
		panic("hdf5: filter " + strconv.Itoa(int(id)) + " is already registered")
	}
	filterRegistry[id] = filterEntry{dec: d, ratio: ratio}
}

// FilterError is returned when a filter of a dataset's pipeline cannot be
// applied: not built in (Err is ErrUnsupportedFilter) or the chunk does not
// decode. The error from Read wraps it and names the file and dataset.
type FilterError struct {
	ID   FilterID
	Name string // escaped, never empty
	Err  error
}

func (e *FilterError) Error() string {
	if e.Err == ErrUnsupportedFilter {
		return fmt.Sprintf("filter %s (%d) is not built in; register a decoder with hdf5.RegisterFilter or re-save the file with gzip compression (h5repack -f GZIP=4)", e.Name, int(e.ID))
	}
	return fmt.Sprintf("filter %s (%d): %v", e.Name, int(e.ID), e.Err)
}

// Unwrap returns the underlying error.
func (e *FilterError) Unwrap() error { return e.Err }

// filterDisplayName is the known name of fl's filter, else its stored
// name escaped for printing, else "unknown".
func filterDisplayName(fl Filter) string {
	if n, ok := filterIDNames[FilterID(fl.ID)]; ok {
		return n
	}
	if fl.Name == "" {
		return "unknown"
	}
	return escapeName(fl.Name)
}

// escapeName quotes a name read from a file when it holds anything but
// printable characters.
func escapeName(s string) string {
	if !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

func unsupportedFilter(fl Filter) error {
	return &FilterError{ID: FilterID(fl.ID), Name: filterDisplayName(fl), Err: ErrUnsupportedFilter}
}

// pipeStage is one filter of a dataset's pipeline with its decoder looked
// up in the registry.
type pipeStage struct {
	fl    Filter
	id    FilterID
	name  string        // filterDisplayName(fl)
	dec   FilterDecoder // nil: no decoder registered
	ratio uint64        // filterEntry.ratio
}

// pipeline is a dataset's filter pipeline resolved once per read: the
// registry (a map under a lock) and the filters' display names are looked
// up once, not once per chunk.
type pipeline struct {
	stages []pipeStage
	dt     Datatype
}

// pipeline resolves d's filter pipeline against the registry as it is now
// (a filter registered later is seen by the next read).
func (d *dsInfo) pipeline() *pipeline {
	p := &pipeline{dt: d.dt, stages: make([]pipeStage, len(d.filters))}
	filterMu.RLock()
	for i, fl := range d.filters {
		e := filterRegistry[FilterID(fl.ID)]
		p.stages[i] = pipeStage{fl: fl, id: FilterID(fl.ID), dec: e.dec, ratio: e.ratio}
	}
	filterMu.RUnlock()
	for i := range p.stages {
		p.stages[i].name = filterDisplayName(p.stages[i].fl)
	}
	return p
}

// active reports whether stage i applies to a chunk with filter mask mask.
func active(i int, mask uint32) bool {
	return i >= 32 || mask&(1<<uint(i)) == 0
}

// onlyDeflate reports whether deflate is the one filter that applies to a
// chunk with filter mask mask.
func (p *pipeline) onlyDeflate(mask uint32) bool {
	n, deflate := 0, false
	for i := range p.stages {
		if active(i, mask) {
			n++
			deflate = p.stages[i].id == FilterDeflate
		}
	}
	return n == 1 && deflate
}

// check reports a filter of the pipeline that has no decoder, before any
// chunk is read. Optional filters are left to the chunks: a chunk that
// skipped one (filter mask) reads without it, as in libhdf5.
func (p *pipeline) check(optional []bool) error {
	for i, st := range p.stages {
		if i < len(optional) && optional[i] {
			continue
		}
		if st.dec == nil {
			return unsupportedFilter(st.fl)
		}
	}
	return nil
}

// checkChunkRatio refuses, before anything is allocated, a chunk of cbytes
// bytes that cannot decode from stored bytes through the filters the mask
// leaves active. Filters without a known bound (scale-offset, zstd, ...)
// skip the check; their decoders grow their output with the data.
func (p *pipeline) checkChunkRatio(cbytes, stored uint64, mask uint32) error {
	bound := stored
	for i, st := range p.stages {
		if !active(i, mask) {
			continue
		}
		if st.dec == nil || st.ratio == 0 {
			return nil
		}
		var okm bool
		if bound, okm = mulCheck(bound, st.ratio); !okm {
			return nil
		}
	}
	if cbytes > bound+1024 {
		return fmt.Errorf("chunk of %d bytes cannot decompress from %d stored bytes", cbytes, stored)
	}
	return nil
}

// sameArray reports whether a and b end in the same backing array (b is a
// re-slice of a or the reverse).
func sameArray(a, b []byte) bool {
	if cap(a) == 0 || cap(b) == 0 {
		return false
	}
	return &a[:cap(a)][cap(a)-1] == &b[:cap(b)][cap(b)-1]
}

// unfilter reverses the pipeline on one chunk. limit caps the size of any
// intermediate result. fp, if not nil, is the FilterParams passed to the
// decoders (reused from chunk to chunk by a read's worker, so that a chunk
// costs no allocation here).
func (p *pipeline) unfilter(buf []byte, mask uint32, limit int, scratch *[2][]byte, fp *FilterParams) ([]byte, error) {
	if fp == nil {
		fp = new(FilterParams)
	}
	which := 0
	for i := len(p.stages) - 1; i >= 0; i-- {
		if !active(i, mask) {
			continue
		}
		st := &p.stages[i]
		if st.dec == nil {
			return nil, unsupportedFilter(st.fl)
		}
		*fp = FilterParams{ID: st.id, Name: st.name, ClientData: st.fl.Params,
			Type: p.dt, ElemSize: p.dt.Size, MaxSize: limit, Dst: scratch[which][:0]}
		out, err := st.dec(buf, fp)
		fp.Dst = nil
		if err != nil {
			return nil, &FilterError{ID: st.id, Name: st.name, Err: err}
		}
		if len(out) > limit {
			return nil, &FilterError{ID: st.id, Name: st.name, Err: fmt.Errorf("decoded %d bytes, more than the chunk's %d", len(out), limit)}
		}
		if !sameArray(out, buf) {
			if cap(out) >= cap(scratch[which]) {
				scratch[which] = out[:0]
			}
			which ^= 1
		}
		buf = out
	}
	return buf, nil
}

// boundedRead reads r to its end into a buffer grown from dst, refusing
// more than limit bytes; hint is the first allocation size.
func boundedRead(r io.Reader, limit int, dst []byte, hint int) ([]byte, error) {
	if hint > limit {
		hint = limit
	}
	if hint < 512 {
		hint = 512
	}
	buf := dst[:0]
	stalls := 0
	if cap(buf) < hint {
		buf = make([]byte, 0, hint)
	}
	for {
		if len(buf) == cap(buf) {
			if len(buf) > limit {
				return nil, fmt.Errorf("data expands beyond the chunk size %d", limit)
			}
			n := 2 * cap(buf)
			if n > limit+1 {
				n = limit + 1
			}
			nb := make([]byte, len(buf), n)
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if n == 0 && err == nil {
			if stalls++; stalls > 100 {
				return nil, io.ErrNoProgress
			}
		} else {
			stalls = 0
		}
		if len(buf) > limit {
			return nil, fmt.Errorf("data expands beyond the chunk size %d", limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func init() {
	registerFilter(FilterDeflate, decodeDeflate, 1100)
	registerFilter(FilterShuffle, decodeShuffle, 1)
	registerFilter(FilterFletcher32, decodeFletcher32, 1)
}

func decodeDeflate(src []byte, p *FilterParams) ([]byte, error) {
	return inflate(src, p.MaxSize, p.Dst)
}

// inflate decompresses a zlib stream, refusing output larger than limit.
// Bytes after the stream's checksum are ignored (as by zlib); a truncated
// stream or a wrong Adler-32 is an error.
func inflate(src []byte, limit int, dst []byte) ([]byte, error) {
	if cap(dst) < limit {
		dst = make([]byte, limit)
	}
	dst = dst[:limit]
	n, err := zinflate.Zlib(dst, src)
	if err != nil {
		if errors.Is(err, zinflate.ErrTooLong) {
			return nil, fmt.Errorf("data expands beyond the chunk size %d", limit)
		}
		return nil, err
	}
	return dst[:n], nil
}

func decodeShuffle(src []byte, p *FilterParams) ([]byte, error) {
	es := p.ElemSize
	if len(p.ClientData) > 0 && p.ClientData[0] > 0 {
		es = int(p.ClientData[0])
	}
	return unshuffle(src, es, p.Dst), nil
}

func unshuffle(src []byte, esize int, dst []byte) []byte {
	if esize <= 1 || len(src) < esize {
		return src
	}
	if cap(dst) < len(src) {
		dst = make([]byte, len(src))
	}
	dst = dst[:len(src)]
	unshuffleInto(src, dst, esize)
	return dst
}

func decodeFletcher32(src []byte, _ *FilterParams) ([]byte, error) {
	return checkFletcher(src)
}

func checkFletcher(b []byte) ([]byte, error) {
	if len(b) < 4 {
		return nil, errors.New("chunk shorter than its checksum")
	}
	n := len(b) - 4
	stored := binary.LittleEndian.Uint32(b[n:])
	sum := fletcher32(b[:n])
	if stored != sum {
		// files from some old library versions store the bytes swapped
		rev := sum>>24 | (sum>>8)&0xff00 | (sum<<8)&0xff0000 | sum<<24
		if stored != rev {
			return nil, fmt.Errorf("%w (stored 0x%08x, computed 0x%08x)", errChecksum, stored, sum)
		}
	}
	return b[:n], nil
}

// inflateExact decompresses a zlib stream that must produce exactly
// len(out) bytes into out.
func inflateExact(src, out []byte) error {
	n, err := zinflate.Zlib(out, src)
	switch {
	case errors.Is(err, zinflate.ErrTooLong):
		return fmt.Errorf("deflate: data expands beyond the chunk size %d", len(out))
	case err != nil:
		return fmt.Errorf("deflate: %w", err)
	case n != len(out):
		return fmt.Errorf("chunk decodes to %d bytes, expected %d", n, len(out))
	}
	return nil
}

package hdf5

// ChunkDecodes returns the number of chunks run through their filters so
// far (for the external tests that check that a read decodes each chunk
// once).
func ChunkDecodes() int64 { return chunkDecodes.Load() }

// unfilter reverses d's filter pipeline on one chunk (resolved against the
// registry as it is now).
func (d *dsInfo) unfilter(buf []byte, mask uint32, limit int, scratch *[2][]byte) ([]byte, error) {
	return d.pipeline().unfilter(buf, mask, limit, scratch, nil)
}

// checkChunkRatio is pipeline.checkChunkRatio on d's pipeline.
func (d *dsInfo) checkChunkRatio(cbytes, stored uint64, mask uint32) error {
	return d.pipeline().checkChunkRatio(cbytes, stored, mask)
}

// lookupFilter returns the registered decoder of filter id.
func lookupFilter(id FilterID) (filterEntry, bool) {
	filterMu.RLock()
	defer filterMu.RUnlock()
	e, ok := filterRegistry[id]
	return e, ok
}

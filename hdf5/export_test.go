package hdf5

// ChunkDecodes returns the number of chunks run through their filters so
// far (for the external tests that check that a read decodes each chunk
// once).
func ChunkDecodes() int64 { return chunkDecodes.Load() }

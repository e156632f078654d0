package karamanlis

// FileSizes is what a session data file holds, from its metadata only (no
// data is read): the pipeline's memory estimate uses it.
type FileSizes struct {
	// ImageBytes is the size of runningImages and frozenImages as stored.
	ImageBytes uint64
	// Frames is the number of training and test frames (from the
	// fixations).
	Frames uint64
	// TestFrames is the number of test frames (part of Frames).
	TestFrames uint64
	// BinBytes is the size of runningbin and frozenbin as stored.
	BinBytes uint64
}

// ReadFileSizes reads the array sizes of a <stim>_data.mat. Absent arrays
// count as zero; a file with none of them is an error wrapping
// ErrMissingDataset.
func ReadFileSizes(matPath string) (FileSizes, error) {
	m, err := openMat(matPath)
	if err != nil {
		return FileSizes{}, err
	}
	defer m.Close()
	bytesOf := func(name string) uint64 {
		v, err := m.f.Var(name)
		if err != nil || v.Dataset() == nil || v.Dataset().IsNull() {
			return 0
		}
		return v.Dataset().Len() * uint64(max(v.Dataset().Datatype().Size, 1))
	}
	framesOf := func(name string, dims int) uint64 {
		v, err := m.f.Var(name)
		if err != nil || v.Dataset() == nil {
			return 0
		}
		sh := v.Dataset().Shape()
		if len(sh) < dims {
			return 0
		}
		n := uint64(1)
		for _, d := range sh[:dims] {
			n *= d
		}
		return n
	}
	s := FileSizes{
		ImageBytes: bytesOf(DatasetRunningImages) + bytesOf(DatasetFrozenImages),
		Frames:     framesOf(DatasetRunningFixations, 2) + framesOf(DatasetFrozenFixations, 1),
		TestFrames: framesOf(DatasetFrozenFixations, 1),
		BinBytes:   bytesOf(DatasetRunningBin) + bytesOf(DatasetFrozenBin),
	}
	if s == (FileSizes{}) {
		return s, &InputError{File: matPath, Problem: "holds none of the stimulus or response datasets", Err: ErrMissingDataset}
	}
	return s, nil
}

package karamanlis

import (
	"path/filepath"
	"strings"

	"github.com/retinaio/retinaio/fixmovie"
)

// This file is the Karamanlis et al. 2024 file layout: the names, sizes and
// conventions of the published sessions. Every other package (the pipeline,
// the viewer, synth, bench) takes them from here.

// DataFileSuffix ends every session data file: <stim>_data.mat (for example
// fixationmovie_data.mat).
const DataFileSuffix = "_data.mat"

// DataFileName is the data file of a stimulus type: <stim>_data.mat.
func DataFileName(stim StimType) string { return string(stim) + DataFileSuffix }

// The datasets of a <stim>_data.mat file, at the file's root. Shapes are in
// h5py order (the reverse of MATLAB's dims).
const (
	// DatasetRunningImages is (images, columns, rows) uint8: the training
	// image ensemble.
	DatasetRunningImages = "runningImages"
	// DatasetFrozenImages is (images, columns, rows) uint8: the test
	// (frozen) image ensemble.
	DatasetFrozenImages = "frozenImages"
	// DatasetRunningFixations is (blocks, frames, 3) double: per training
	// frame the 1-based image index into runningImages and the fixated
	// image pixel x, y.
	DatasetRunningFixations = "runningfixations"
	// DatasetFrozenFixations is (frames, 3) double: the test sequence's
	// fixations into frozenImages.
	DatasetFrozenFixations = "frozenfixations"
	// DatasetRunningBin is (blocks, frames, cells) double: the training
	// spike counts per frame.
	DatasetRunningBin = "runningbin"
	// DatasetFrozenBin is (trials, frames, cells) double: the spike counts
	// of the repeated test sequence.
	DatasetFrozenBin = "frozenbin"
)

// StimulusDatasets are the datasets that make up a fixation-movie stimulus;
// a data file without any of them carries responses only.
var StimulusDatasets = []string{DatasetRunningImages, DatasetFrozenImages, DatasetRunningFixations, DatasetFrozenFixations}

// The recordings' monitor and openretina's default downsampled frame size
// (fixmovie's defaults).
const (
	DefaultHeight       = fixmovie.DefaultOutH
	DefaultWidth        = fixmovie.DefaultOutW
	DefaultScreenHeight = fixmovie.DefaultScreenH
	DefaultScreenWidth  = fixmovie.DefaultScreenW
)

// Species is a recorded species, as named in the session names.
type Species string

// The species of the Karamanlis 2024 sessions.
const (
	Mouse    Species = "mouse"
	Marmoset Species = "marmoset"
)

// SpeciesOf returns the species a session name contains, ignoring case
// ("20220301_60MEA_Marmoset_left_s1" is Marmoset), or "" when it names
// neither.
func SpeciesOf(name string) Species {
	l := strings.ToLower(name)
	switch {
	case strings.Contains(l, string(Marmoset)):
		return Marmoset
	case strings.Contains(l, string(Mouse)):
		return Mouse
	}
	return ""
}

// MatchesSpecies reports whether a session (folder or zip) name belongs to
// species: the species word is a substring of the name (openretina's rule),
// compared without regard to case like SpeciesOf, so that a folder renamed
// "..._Mouse_..." is still a mouse session (the published names are lower
// case, where this is openretina's rule exactly); the empty species matches
// every name. Local listings (ListSessions, IgnoredSessions) and remote ones
// (hub.Select) all use it.
func MatchesSpecies(name string, species Species) bool {
	return strings.Contains(strings.ToLower(name), strings.ToLower(string(species)))
}

// FrameRate is the display frame rate of a species' recordings: 75 Hz for
// mouse and 85 Hz for marmoset, with known true. For any other species
// (including "") it returns the mouse rate, 75 Hz, the dataset's default
// species, with known false: callers that draw a time axis use the value,
// callers that report the rate (inspect) show it as unknown.
func FrameRate(s Species) (hz float64, known bool) {
	switch s {
	case Mouse:
		return 75, true
	case Marmoset:
		return 85, true
	}
	return 75, false
}

// Stimulus cache names: openretina's
// <mat without .mat>_extracted_stimuli_<h>_<w>.npz and retinaio's own
// <mat without .mat>_retinaio_<semantics>_<h>_<w>.npz, both next to the .mat.
const (
	openretinaCacheInfix = "_extracted_stimuli_"
	retinaioCacheInfix   = "_retinaio_"
)

// IsStimulusCache reports whether a file name is a stimulus cache (ours or
// openretina's): <stim>_data_extracted_stimuli_... or <stim>_data_retinaio_...
// ending in .npz.
func IsStimulusCache(name string) bool {
	base := filepath.Base(name)
	if !strings.HasSuffix(base, ".npz") {
		return false
	}
	stem := strings.TrimSuffix(DataFileSuffix, ".mat")
	return strings.Contains(base, stem+openretinaCacheInfix) || strings.Contains(base, stem+retinaioCacheInfix)
}

// DataFileOfCache returns the data file a stimulus cache was made from (the
// <stim>_data.mat in the same folder), or "" when path is not a stimulus
// cache name.
func DataFileOfCache(path string) string {
	if !IsStimulusCache(path) {
		return ""
	}
	base := filepath.Base(path)
	stem := strings.TrimSuffix(DataFileSuffix, ".mat")
	i := strings.Index(base, stem+"_")
	return filepath.Join(filepath.Dir(path), base[:i]+DataFileSuffix)
}

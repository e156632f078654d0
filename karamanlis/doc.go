// Package karamanlis loads the Karamanlis et al. 2024 retina recordings
// (MATLAB v7.3 session files) the way openretina's
// openretina.data_io.karamanlis_2024 loaders do, in pure Go.
//
// A session is a folder (or a <session>.zip holding one top folder) with
// files such as fixationmovie_data.mat. LoadStimuliForSession composes the
// fixation movie (training blocks in file order, then the repeated test
// sequence), downsamples it to 60x80 with torchvision's antialiased
// bilinear filter and normalises it; LoadResponsesForSession reads the
// binned spike counts. LoadAllStimuli and LoadAllResponses do the same for
// every session of a species below a root folder, keyed by session name.
//
// Two fixation semantics are offered (fixmovie.Semantics): fixmovie.OpenRetina
// (the default: openretina's Python port, bit for bit, including its
// off-by-one row and column) and fixmovie.MATLAB (the authors' original
// returnFixMovie.m).
//
// The dataset's layout (file and dataset names, screen size, species and
// their frame rates) is defined in this package once (layout.go) and used
// by the rest of retinaio. Session files are read through package mat.
// The package reads local folders and zips only; a mirror URL is resolved
// into a local folder by package hub first.
//
// Results are cached as openretina does, in
// <stim>_data_extracted_stimuli_<h>_<w>.npz next to the .mat (train_data
// and test_data, float32, before normalisation), so that openretina picks
// up retinaio's work and retinaio picks up openretina's. retinaio adds a
// retinaio_provenance key recording what made the file (with CacheFormat);
// other settings are cached under names of retinaio's own
// (<stim>_data_retinaio_<semantics>_<h>_<w>.npz).
//
// The pipeline of the `retinaio prepare` command (one .npz per session and a
// manifest.json) is package prepare.
package karamanlis

// Package prepared is the contract of the files 'retinaio prepare' writes:
// the array names, dtypes and shapes of a prepared session archive
// (<session>.npz), of its split variant and of a prediction file, and the
// schema of manifest.json. The pipeline (package prepare) writes these
// files; clips, the evaluation, the renderer, the viewer and shard read
// them. Each name is defined here once.
//
// The package depends on the standard library only (and on the tool's name
// in internal/version): no net/http, so every reader can import it.
package prepared

import "github.com/retinaio/retinaio/internal/version"

// Tool is the "tool" value of every manifest retinaio writes: "retinaio".
const Tool = version.Name

// Array names of a prepared session archive, <session>.npz. Shapes use T
// training frames, Tf test frames, N neurons, K test trials and h x w
// frames; the dtypes are DescrMovie and DescrResponses.
const (
	KeyStimTrain       = "stim_train"         // (1, T, h, w) float32 training movie
	KeyStimTest        = "stim_test"          // (1, Tf, h, w) float32 test movie
	KeyNormMean        = "norm_mean"          // () float32, present when normalised
	KeyNormStd         = "norm_std"           // () float32, present when normalised
	KeyRespTrain       = "resp_train"         // (N, T) float64 training responses
	KeyRespTest        = "resp_test"          // (N, Tf) float64 mean over trials
	KeyRespTestByTrial = "resp_test_by_trial" // (K, N, Tf) float64 test responses per trial
)

// Array names a split archive (prepare --split, retinaio split) adds; its
// stim_train and resp_train then hold the training clips only.
const (
	KeyValClipIdx = "val_clip_idx" // (V,) int64 validation clip indices, in draw order
	KeyStimVal    = "stim_val"     // (1, V*L, h, w) float32 validation movie
	KeyRespVal    = "resp_val"     // (N, V*L) float64 validation responses
)

// KeyPredTest is the array of a prediction file (retinaio eval, view
// --pred): (N, T') float64 or float32 predicted test responses, aligned to
// the last T' test frames.
const KeyPredTest = "pred_test"

// The dtypes (numpy descriptors) prepare writes.
const (
	DescrMovie     = "<f4" // stim_*, norm_mean, norm_std
	DescrResponses = "<f8" // resp_*
	DescrClipIndex = "<i8" // val_clip_idx
)

// SessionKeys lists the arrays of an unsplit prepared session, in the order
// prepare writes them (norm_mean and norm_std only when normalised): the
// responses first (written while the stimulus is read), then the movie.
// Readers find arrays by name; the order is not part of the contract.
var SessionKeys = []string{KeyRespTrain, KeyRespTest, KeyRespTestByTrial, KeyStimTrain, KeyStimTest, KeyNormMean, KeyNormStd}

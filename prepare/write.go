package prepare

import (
	"fmt"

	"github.com/retinaio/retinaio/clips"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/npy"
	"github.com/retinaio/retinaio/prepared"
)

// WriteSessionNPZ writes one session's prepared arrays atomically
// (prepared.SessionKeys; norm_mean and norm_std only when the movie is
// normalised).
func WriteSessionNPZ(path string, stim *karamanlis.MoviesTrainTestSplit, resp *karamanlis.ResponsesTrainTestSplit, compress bool) error {
	return writeSessionNPZ(path, stim, nil, resp, nil, compress)
}

// writeSessionNPZ is WriteSessionNPZ; with a split, its keys replace the
// uncut stim_train and resp_train; with a stream, stim_train is written
// window by window from it (stim.Train is not used).
func writeSessionNPZ(path string, stim *karamanlis.MoviesTrainTestSplit, stream *karamanlis.StreamedMovie, resp *karamanlis.ResponsesTrainTestSplit, split *clips.Split, compress bool) error {
	z, err := npy.CreateNPZ(path, npy.NPZOptions{Compress: compress})
	if err != nil {
		return err
	}
	defer z.Abort()
	add := func(name string, shape []int, data any) {
		if err == nil {
			err = z.Add(name, shape, data)
		}
	}
	switch {
	case split != nil:
		err = split.AddTo(z)
	case stream != nil:
		err = addStream(z, prepared.KeyStimTrain, stim.TrainShape, stream)
	default:
		add(prepared.KeyStimTrain, stim.TrainShape, stim.Train)
	}
	add(prepared.KeyStimTest, stim.TestShape, stim.Test)
	if stim.Normalized {
		add(prepared.KeyNormMean, nil, stim.NormMean)
		add(prepared.KeyNormStd, nil, stim.NormStd)
	}
	if split == nil {
		add(prepared.KeyRespTrain, resp.TrainShape, resp.Train)
	}
	add(prepared.KeyRespTest, resp.TestShape, resp.Test)
	add(prepared.KeyRespTestByTrial, resp.TestByTrialShape, resp.TestByTrial)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// addStream writes the streamed training movie as the entry name, the
// same bytes as NPZWriter.Add with the whole movie.
func addStream(z *npy.NPZWriter, name string, shape []int, stream *karamanlis.StreamedMovie) error {
	w, err := z.Create(name, npy.Header{Descr: prepared.DescrMovie, Shape: shape})
	if err != nil {
		return err
	}
	if err := stream.EachTrainWindow(func(v []float32) error { return w.WriteValues(v) }); err != nil {
		return err
	}
	return w.Close()
}

// shapes are the manifest's shapes of the written arrays.
func shapes(stim *karamanlis.MoviesTrainTestSplit, resp *karamanlis.ResponsesTrainTestSplit, split *clips.Split) map[string][]int {
	sh := map[string][]int{
		prepared.KeyStimTrain: stim.TrainShape, prepared.KeyStimTest: stim.TestShape,
		prepared.KeyRespTrain: resp.TrainShape, prepared.KeyRespTest: resp.TestShape,
		prepared.KeyRespTestByTrial: resp.TestByTrialShape,
	}
	if split != nil {
		sh[prepared.KeyStimTrain], sh[prepared.KeyRespTrain] = split.StimTrainShape, split.RespTrainShape
		sh[prepared.KeyStimVal], sh[prepared.KeyRespVal] = split.StimValShape, split.RespValShape
		sh[prepared.KeyValClipIdx] = []int{len(split.Plan.Val)}
	}
	return sh
}

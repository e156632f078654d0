package prepare

import (
	"fmt"

	"github.com/retinaio/retinaio/clips"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/npy"
	"github.com/retinaio/retinaio/prepared"
)

// WriteSessionNPZ writes one session's prepared arrays atomically
// (prepared.SessionKeys, in that order; norm_mean and norm_std only when
// the movie is normalised).
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
	switch {
	case split != nil:
		err = split.AddTo(z)
	default:
		if err = addResponses(z, resp); err == nil {
			err = addStimulus(z, stim, stream, nil)
		}
	}
	if err == nil && split != nil {
		// (the split archive's order, as before)
		if err = addTestAndNorm(z, stim); err == nil {
			err = z.Add(prepared.KeyRespTest, resp.TestShape, resp.Test)
		}
		if err == nil {
			err = z.Add(prepared.KeyRespTestByTrial, resp.TestByTrialShape, resp.TestByTrial)
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// addResponses writes the responses (resp_train, resp_test,
// resp_test_by_trial), the first arrays of prepared.SessionKeys.
func addResponses(z *npy.NPZWriter, resp *karamanlis.ResponsesTrainTestSplit) error {
	if err := z.Add(prepared.KeyRespTrain, resp.TrainShape, resp.Train); err != nil {
		return err
	}
	if err := z.Add(prepared.KeyRespTest, resp.TestShape, resp.Test); err != nil {
		return err
	}
	return z.Add(prepared.KeyRespTestByTrial, resp.TestByTrialShape, resp.TestByTrial)
}

// addStimulus writes stim_train (from stim.Train, or from stream window by
// window: into region, normalised in place, when given), then the test
// movie and the statistics.
func addStimulus(z *npy.NPZWriter, stim *karamanlis.MoviesTrainTestSplit, stream *karamanlis.StreamedMovie, region *npy.Region) error {
	var err error
	switch {
	case region != nil:
		// The test movie and the statistics go in after the region while
		// its final values are written.
		if err := addTestAndNorm(z, stim); err != nil {
			return err
		}
		return stream.EachTrainWindow(func(v []float32) error { return region.WriteFinalValues(v) })
	case stream != nil:
		err = addStream(z, prepared.KeyStimTrain, stim.TrainShape, stream)
	default:
		err = z.Add(prepared.KeyStimTrain, stim.TrainShape, stim.Train)
	}
	if err != nil {
		return err
	}
	return addTestAndNorm(z, stim)
}

// addTestAndNorm writes stim_test, and norm_mean and norm_std when the
// movie is normalised.
func addTestAndNorm(z *npy.NPZWriter, stim *karamanlis.MoviesTrainTestSplit) error {
	if err := z.Add(prepared.KeyStimTest, stim.TestShape, stim.Test); err != nil {
		return err
	}
	if !stim.Normalized {
		return nil
	}
	if err := z.Add(prepared.KeyNormMean, nil, stim.NormMean); err != nil {
		return err
	}
	return z.Add(prepared.KeyNormStd, nil, stim.NormStd)
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

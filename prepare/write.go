package prepare

import (
	"fmt"
	"time"

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

// respSink writes the responses into an archive as
// karamanlis.StreamResponsesForSession reads them, the same bytes as
// addResponses: resp_train and resp_test, which come first but are known
// only at the end (resp_test is the mean over all trials), are regions
// that finish fills, and resp_test_by_trial is written trial by trial.
type respSink struct {
	z           *npy.NPZWriter
	train, test *npy.Region
	byTrial     *npy.Writer
	write       time.Duration // spent writing
	werr        error         // the first write error (the sink's errors are the archive's)
}

// Start creates the three entries.
func (s *respSink) Start(r *karamanlis.ResponsesTrainTestSplit) error {
	t := time.Now()
	defer func() { s.write += time.Since(t) }()
	var err error
	if s.train, err = s.z.CreateRegion(prepared.KeyRespTrain, npy.Header{Descr: prepared.DescrResponses, Shape: r.TrainShape}); err != nil {
		return s.fail(err)
	}
	if s.test, err = s.z.CreateRegion(prepared.KeyRespTest, npy.Header{Descr: prepared.DescrResponses, Shape: r.TestShape}); err != nil {
		return s.fail(err)
	}
	if s.byTrial, err = s.z.Create(prepared.KeyRespTestByTrial, npy.Header{Descr: prepared.DescrResponses, Shape: r.TestByTrialShape}); err != nil {
		return s.fail(err)
	}
	return nil
}

// Trial writes trial k of resp_test_by_trial (the trials come in order).
func (s *respSink) Trial(k int, v []float64) error {
	t := time.Now()
	defer func() { s.write += time.Since(t) }()
	if err := s.byTrial.WriteValues(v); err != nil {
		return s.fail(fmt.Errorf("entry %q, trial %d: %w", prepared.KeyRespTestByTrial, k, err))
	}
	return nil
}

func (s *respSink) fail(err error) error {
	if s.werr == nil {
		s.werr = err
	}
	return err
}

// finish closes resp_test_by_trial (checking that every trial was
// written) and fills resp_train and resp_test from r.
func (s *respSink) finish(r *karamanlis.ResponsesTrainTestSplit) error {
	if err := s.byTrial.Close(); err != nil {
		return err
	}
	if err := s.train.WriteFinalValues(r.Train); err != nil {
		return err
	}
	return s.test.WriteFinalValues(r.Test)
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

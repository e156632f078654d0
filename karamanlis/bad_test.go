package karamanlis

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/internal/testutil"
)

// badSession copies testdata/bad/<name> (made by testdata/gen_bad.py) to a
// temporary folder.
func badSession(t *testing.T, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	testutil.CopyTree(t, filepath.Join("testdata", "bad", name), dst)
	return dst
}

// TestBadInput checks that each broken session gives a clear error naming
// the file, the dataset, the frame and the offending value.
func TestBadInput(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name      string
		responses bool     // the error comes from the responses
		want      []string // substrings of the message
		sentinel  error
	}{
		{"zero_index", false, []string{"/runningfixations", "block 2, frame 3", "image index = 0", "between 1 and 3"}, ErrBadInput},
		{"index_too_big", false, []string{"/frozenfixations", "frame 4", "image index = 3", "between 1 and 2", "/frozenImages"}, ErrBadInput},
		{"nan_fixation", false, []string{"/frozenfixations", "frame 3", "y = NaN", "finite"}, ErrBadInput},
		{"missing_frozenimages", false, []string{"/frozenImages", "missing"}, ErrMissingDataset},
		{"rank_fixations", false, []string{"/runningfixations", "(12, 3)", "2 dimensions, want 3"}, ErrBadInput},
		{"fixation_columns", false, []string{"/runningfixations", "(2, 6, 4)", "must be 3"}, ErrBadInput},
		{"float_images", false, []string{"/runningImages", "uint8"}, ErrBadInput},
		{"v5_mat", false, []string{"not v7.3", "-v7.3"}, ErrBadInput},
		{"offscreen", false, []string{"/frozenfixations", "frame 2", "(1, 2000, 300)", "off the 600x800 screen", "MATLAB semantics leave it blank"}, ErrOffScreen},
		{"blocks_mismatch", true, []string{"/runningbin", "3 blocks x 6 frames", "/runningfixations", "2 blocks x 6 frames"}, ErrBadInput},
		{"frames_mismatch", true, []string{"/runningbin", "2 blocks x 7 frames", "2 blocks x 6 frames"}, ErrBadInput},
		{"test_frames_mismatch", true, []string{"/frozenbin", "6 frames per trial", "/frozenfixations", "5 frames"}, ErrBadInput},
		{"cells_mismatch", true, []string{"/frozenbin", "4 cells", "/runningbin", "3"}, ErrBadInput},
		{"rank_bins", true, []string{"/runningbin", "(12, 3)", "2 dimensions, want 3"}, ErrBadInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := badSession(t, c.name)
			var err error
			if c.responses {
				o := DefaultResponseOptions()
				o.CacheDir = t.TempDir()
				_, err = LoadResponsesForSession(ctx, path, o)
			} else {
				_, err = LoadStimuliForSession(ctx, path, testOptions(t, fixmovie.OpenRetina, nil))
			}
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, filepath.Join(path, "fixationmovie_data.mat")) {
				t.Errorf("error does not name the file: %s", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q: %s", w, msg)
				}
			}
			if !errors.Is(err, c.sentinel) {
				t.Errorf("error does not wrap %v: %s", c.sentinel, msg)
			}
			// Nothing is cached for a failing session.
			entries, _ := os.ReadDir(path)
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".npz") {
					t.Errorf("cache %s written for a failing session", e.Name())
				}
			}
		})
	}
}

// TestBadSessionValidOK checks the base of the broken sessions loads.
func TestBadSessionValidOK(t *testing.T) {
	ctx := context.Background()
	path := badSession(t, "ok")
	m, err := LoadStimuliForSession(ctx, path, testOptions(t, fixmovie.OpenRetina, nil))
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultResponseOptions()
	r, err := LoadResponsesForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckStimuliResponsesMatch(m, r); err != nil {
		t.Fatal(err)
	}
	if m.TrainFrames() != 12 || m.TestFrames() != 5 || r.Neurons() != 3 || r.Trials() != 2 {
		t.Fatalf("shapes %v %v %v", m.TrainShape, m.TestShape, r.TestByTrialShape)
	}
}

// TestOffScreenSemantics: an image entirely off screen is an error for the
// openretina semantics (the port raises IndexError) and a blank frame for
// fixmovie.MATLAB's.
func TestOffScreenSemantics(t *testing.T) {
	ctx := context.Background()
	path := badSession(t, "offscreen")
	if _, err := LoadStimuliForSession(ctx, path, testOptions(t, fixmovie.OpenRetina, nil)); err == nil {
		t.Fatal("openretina semantics: no error for an off-screen image")
	}
	o := testOptions(t, fixmovie.MATLAB, nil)
	o.Normalize = false
	m, err := LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	fs := 60 * 80
	for i, v := range m.Test[fs : 2*fs] { // frame 2
		if v != 0 {
			t.Fatalf("matlab: off-screen frame 2 pixel %d = %v, want 0", i, v)
		}
	}
	nonzero := false
	for _, v := range m.Test[:fs] {
		nonzero = nonzero || v != 0
	}
	if !nonzero {
		t.Fatal("matlab: frame 1 is blank too")
	}
}

// TestNoStimulus: a session without the stimulus file, and a file carrying
// only responses, give ErrNoStimulus with a warning; responses still load.
func TestNoStimulus(t *testing.T) {
	ctx := context.Background()
	path := badSession(t, "responses_only")
	var warns []string
	_, err := LoadStimuliForSession(ctx, path, testOptions(t, fixmovie.OpenRetina, &warns))
	if !errors.Is(err, ErrNoStimulus) || len(warns) != 1 {
		t.Fatalf("err %v, warnings %q", err, warns)
	}
	if _, err := LoadResponsesForSession(ctx, path, DefaultResponseOptions()); err != nil {
		t.Fatal(err)
	}
	// The golden marmoset session's frozencheckerflicker file has no images.
	_, p := copySession(t, "20220208_60MEA_marmoset_right_n1", false)
	o := testOptions(t, fixmovie.OpenRetina, &warns)
	o.StimType = FrozenCheckerFlicker
	if _, err := LoadStimuliForSession(ctx, p, o); !errors.Is(err, ErrNoStimulus) {
		t.Fatalf("frozencheckerflicker: %v", err)
	}
	ro := DefaultResponseOptions()
	ro.StimType = FrozenCheckerFlicker
	r, err := LoadResponsesForSession(ctx, p, ro)
	if err != nil || r.Neurons() != 6 {
		t.Fatalf("frozencheckerflicker responses: %v", err)
	}
	// No file at all.
	o.StimType = GratingFlicker
	if _, err := LoadStimuliForSession(ctx, p, o); !errors.Is(err, ErrNoStimulus) {
		t.Fatalf("gratingflicker: %v", err)
	}
	ro.StimType = GratingFlicker
	if _, err := LoadResponsesForSession(ctx, p, ro); !errors.Is(err, ErrNoResponses) {
		t.Fatalf("gratingflicker responses: %v", err)
	}
}

// TestNaNSpikeCountsWarn: NaN spike counts load (as NaN) with a warning.
func TestNaNSpikeCountsWarn(t *testing.T) {
	path := badSession(t, "nan_spikes")
	var warns []string
	o := DefaultResponseOptions()
	o.Warn = func(m string) { warns = append(warns, m) }
	r, err := LoadResponsesForSession(context.Background(), path, o)
	if err != nil {
		t.Fatal(err)
	}
	if r.NaNCount != 2 || len(warns) == 0 || !strings.Contains(warns[0], "NaN") || !strings.Contains(warns[0], "/frozenbin") {
		t.Fatalf("NaNCount %d, warnings %q", r.NaNCount, warns)
	}
	// runningbin[0,1,2] is neuron 2, frame 1 of the training responses.
	if v := r.Train[2*r.TrainFrames()+1]; v == v {
		t.Fatalf("train[2,1] = %v, want NaN", v)
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	// Streamed: the same warnings, count and bits (NaN included).
	var swarns []string
	o.Warn = func(m string) { swarns = append(swarns, m) }
	var sink funcSink
	sink.trial = func(k int, v []float64) error {
		sink.all = append(sink.all, v...)
		return nil
	}
	s, err := StreamResponsesForSession(context.Background(), path, o, &sink)
	if err != nil {
		t.Fatal(err)
	}
	if s.NaNCount != r.NaNCount || !slices.Equal(swarns, warns) {
		t.Fatalf("streamed: NaNCount %d, warnings %q; loaded %d, %q", s.NaNCount, swarns, r.NaNCount, warns)
	}
	for _, c := range []struct {
		name      string
		got, want []float64
	}{{"train", s.Train, r.Train}, {"test", s.Test, r.Test}, {"test_by_trial", sink.all, r.TestByTrial}} {
		if len(c.got) != len(c.want) {
			t.Fatalf("streamed %s: %d values, want %d", c.name, len(c.got), len(c.want))
		}
		for i := range c.want {
			if math.Float64bits(c.got[i]) != math.Float64bits(c.want[i]) {
				t.Fatalf("streamed %s[%d] = %v, loaded %v", c.name, i, c.got[i], c.want[i])
			}
		}
	}
}

// funcSink is a ResponseSink calling trial.
type funcSink struct {
	trial func(k int, v []float64) error
	all   []float64
}

func (*funcSink) Start(*ResponsesTrainTestSplit) error { return nil }
func (s *funcSink) Trial(k int, v []float64) error     { return s.trial(k, v) }

// TestTruncatedFile: a truncated .mat gives an error naming the file, never
// a panic.
func TestTruncatedFile(t *testing.T) {
	ctx := context.Background()
	_, path := copySession(t, "20210203_252MEA_mouse_left_half_dorsal", false)
	mat := filepath.Join(path, "fixationmovie_data.mat")
	st, err := os.Stat(mat)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{st.Size() - 1000, st.Size() / 2, 4096, 600, 100} {
		if err := os.Truncate(mat, size); err != nil {
			t.Fatal(err)
		}
		o := testOptions(t, fixmovie.OpenRetina, nil)
		o.DisableCache = true
		_, err := LoadStimuliForSession(ctx, path, o)
		if err == nil {
			t.Errorf("truncated to %d bytes: no error", size)
			continue
		}
		if !strings.Contains(err.Error(), mat) {
			t.Errorf("truncated to %d bytes: error does not name the file: %v", size, err)
		}
		_, err = LoadResponsesForSession(ctx, path, DefaultResponseOptions())
		if size < st.Size()/2 && err == nil {
			t.Errorf("truncated to %d bytes: responses loaded", size)
		}
	}
}

// TestFractionalFixations: openretina's loader truncates fractional
// fixation values toward zero (.astype(int)); under openretina semantics we
// do the same with one warning per session, under MATLAB semantics the
// session is refused (returnFixMovie.m cannot index with fractions).
func TestFractionalFixations(t *testing.T) {
	ctx := context.Background()
	path := badSession(t, "nonint") // block 1, frame 5: x = 400.5
	_, err := LoadStimuliForSession(ctx, path, testOptions(t, fixmovie.MATLAB, nil))
	if err == nil || !errors.Is(err, ErrBadInput) {
		t.Fatalf("matlab semantics: err %v, want a refusal", err)
	}
	for _, w := range []string{"/runningfixations", "block 1, frame 5", "x = 400.5", "integers", "--semantics openretina"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("matlab refusal lacks %q: %v", w, err)
		}
	}
	var warns []string
	o := testOptions(t, fixmovie.OpenRetina, &warns)
	o.Normalize = false
	got, err := LoadStimuliForSession(ctx, path, o)
	if err != nil {
		t.Fatalf("openretina semantics: %v", err)
	}
	n := 0
	for _, w := range warns {
		if strings.Contains(w, "truncated toward zero") {
			n++
			if !strings.Contains(w, "x = 400.5") || !strings.Contains(w, "1 fractional") {
				t.Errorf("warning does not name the value: %s", w)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d truncation warnings, want 1: %q", n, warns)
	}
	d, nt, w, err := ReadFixationMovieTruncating(ctx, filepath.Join(path, "fixationmovie_data.mat"))
	if err != nil || nt != 1 || w == "" {
		t.Fatalf("ReadFixationMovieTruncating: %d truncated, %q, %v", nt, w, err)
	}
	if x := d.RunningFixations[0][4].X; x != 400 {
		t.Errorf("x = 400.5 truncated to %d, want 400", x)
	}
	if _, err := ReadFixationMovie(ctx, filepath.Join(path, "fixationmovie_data.mat")); err == nil {
		t.Error("ReadFixationMovie accepted a fractional value")
	}
	// The other frames are those of the same session without the fraction.
	fs := 60 * 80
	okRaw := testOptions(t, fixmovie.OpenRetina, nil)
	okRaw.Normalize = false
	okm, err := LoadStimuliForSession(ctx, badSession(t, "ok"), okRaw)
	if err != nil {
		t.Fatal(err)
	}
	for f := 0; f < len(got.Train)/fs; f++ {
		if f == 4 {
			continue
		}
		for i := f * fs; i < (f+1)*fs; i++ {
			if got.Train[i] != okm.Train[i] {
				t.Fatalf("train frame %d differs from the session without the fraction", f)
			}
		}
	}
}

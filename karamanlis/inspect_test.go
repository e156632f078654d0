package karamanlis

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/retinaio/retinaio/fixmovie"
)

// TestInspectSemanticsCounts compares the frames the two semantics place
// differently with testdata/inspect_expected.json, computed by
// testdata/gen_expected.py with openretina's get_ranges and fixmovie.MATLAB's rule.
func TestInspectSemanticsCounts(t *testing.T) {
	b, err := os.ReadFile("testdata/inspect_expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]struct {
		Train    int `json:"train_frames_differ"`
		Test     int `json:"test_frames_differ"`
		Off      int `json:"off_screen_frames"`
		TrainAll int `json:"train_frames"`
		TestAll  int `json:"test_frames"`
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	sessions, err := FindSessions(filepath.Join(goldenDir, "sessions"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 3 {
		t.Fatalf("%d sessions", len(sessions))
	}
	for _, s := range sessions {
		info, err := Inspect(context.Background(), s, InspectOptions{CacheDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		w := want[s.Name]
		st := info.Stimulus
		if st == nil || st.Semantics == nil {
			t.Fatalf("%s: no stimulus info: %+v", s.Name, info)
		}
		c := st.Semantics
		if c.TrainDiffer != w.Train || c.TestDiffer != w.Test || c.OffScreen != w.Off || st.TrainFrames != w.TrainAll || st.TestFrames != w.TestAll {
			t.Errorf("%s: got %+v frames %d/%d, want %+v", s.Name, c, st.TrainFrames, st.TestFrames, w)
		}
		e := loadExpected(t, s.Name, fixmovie.OpenRetina)
		if info.Responses == nil || info.Responses.Cells != e.byTrialShape[1] || info.Responses.Trials != e.byTrialShape[0] {
			t.Errorf("%s: responses %+v", s.Name, info.Responses)
		}
		if info.FrameRateHz != map[Species]float64{Mouse: 75, Marmoset: 85}[info.Species] {
			t.Errorf("%s: frame rate %v", s.Name, info.FrameRateHz)
		}
	}
}

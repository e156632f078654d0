package karamanlis

import (
	"path/filepath"
	"testing"
)

func TestSpeciesOf(t *testing.T) {
	for name, want := range map[string]Species{
		"20210203_252MEA_mouse_left_half_dorsal": Mouse,
		"20220208_60MEA_marmoset_right_n1":       Marmoset,
		"20220208_60MEA_Marmoset_right_n1":       Marmoset, // case is ignored
		"MOUSE_7":                                Mouse,
		"20220208_rat_n1":                        "",
		"":                                       "",
	} {
		if got := SpeciesOf(name); got != want {
			t.Errorf("SpeciesOf(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestFrameRate(t *testing.T) {
	for _, c := range []struct {
		s     Species
		hz    float64
		known bool
	}{{Mouse, 75, true}, {Marmoset, 85, true}, {"", 75, false}, {"rat", 75, false}} {
		if hz, known := FrameRate(c.s); hz != c.hz || known != c.known {
			t.Errorf("FrameRate(%q) = %v, %v; want %v, %v", c.s, hz, known, c.hz, c.known)
		}
	}
}

func TestStimulusCacheNames(t *testing.T) {
	dir := filepath.Join("a", "s")
	for _, name := range []string{
		OpenretinaCacheName(DataFileName(FixationMovie), 60, 80),
		RetinaioCacheName(DataFileName(FixationMovie), 1, 30, 40, 600, 800),
	} {
		if !IsStimulusCache(name) {
			t.Errorf("%s is not taken for a stimulus cache", name)
		}
		if got := DataFileOfCache(filepath.Join(dir, name)); got != filepath.Join(dir, "fixationmovie_data.mat") {
			t.Errorf("DataFileOfCache(%s) = %s", name, got)
		}
	}
	if OpenretinaCacheName("fixationmovie_data.mat", 60, 80) != "fixationmovie_data_extracted_stimuli_60_80.npz" {
		t.Error("openretina's cache name changed")
	}
	for _, name := range []string{"20210203_x_mouse.npz", "fixationmovie_data.mat", "x_extracted_stimuli_60_80.npz"} {
		if IsStimulusCache(name) || DataFileOfCache(name) != "" {
			t.Errorf("%s taken for a stimulus cache", name)
		}
	}
}

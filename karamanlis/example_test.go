package karamanlis_test

import (
	"context"
	"fmt"
	"os"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/karamanlis"
)

// Load one session's stimulus and responses as openretina's
// load_stimuli_for_session and load_responses_for_session do, and check
// that they match frame for frame.
func Example() {
	ctx := context.Background()
	cache, _ := os.MkdirTemp("", "retinaio-example")
	defer os.RemoveAll(cache)

	// A zipped golden session: it is unpacked into the cache folder and
	// the zip is left as it is.
	session := "../testdata/golden/sessions/20210803_252MEA_mouse_left_half_dorsal.zip"

	so := karamanlis.DefaultStimulusOptions() // fixationmovie, 60x80, normalised, openretina semantics
	so.CacheDir = cache
	stim, err := karamanlis.LoadStimuliForSession(ctx, session, so)
	if err != nil {
		fmt.Println(err)
		return
	}
	ro := karamanlis.DefaultResponseOptions()
	ro.CacheDir = cache
	resp, err := karamanlis.LoadResponsesForSession(ctx, session, ro)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("train", stim.TrainShape, "test", stim.TestShape, "normalised", stim.Normalized)
	fmt.Println("responses", resp.TrainShape, resp.TestShape, resp.TestByTrialShape)
	fmt.Println("match:", karamanlis.CheckStimuliResponsesMatch(stim, resp) == nil)
	// Output:
	// train [1 90 60 80] test [1 25 60 80] normalised true
	// responses [5 90] [5 25] [4 5 25]
	// match: true
}

// GetRanges tells where an image lands on the screen under either
// semantics: openretina's port paints one extra column left of an image
// whose left edge is on screen.
func ExampleGetRanges() {
	// A 56-column, 40-row image fixated at its pixel (28, 20) on the
	// 800x600 screen.
	o, _ := karamanlis.GetRanges(28, 20, 800, 600, 56, 40, fixmovie.OpenRetina)
	m, _ := karamanlis.GetRanges(28, 20, 800, 600, 56, 40, fixmovie.MATLAB)
	fmt.Printf("openretina columns %d..%d, first image column %d\n", o.XMin, o.XMax, o.XOr)
	fmt.Printf("matlab     columns %d..%d, first image column %d\n", m.XMin, m.XMax, m.XOr)
	// Output:
	// openretina columns 371..427, first image column -1
	// matlab     columns 372..427, first image column 0
}

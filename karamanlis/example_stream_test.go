package karamanlis_test

import (
	"context"
	"fmt"
	"os"

	"github.com/retinaio/retinaio/karamanlis"
)

// trialMax is a ResponseSink that keeps the largest response of each test
// trial instead of the trials themselves.
type trialMax struct{ max []float64 }

func (s *trialMax) Start(r *karamanlis.ResponsesTrainTestSplit) error {
	fmt.Println("test_by_trial", r.TestByTrialShape)
	return nil
}

func (s *trialMax) Trial(k int, v []float64) error {
	m := v[0]
	for _, x := range v {
		m = max(m, x)
	}
	s.max = append(s.max, m)
	return nil
}

// Stream a session's per-trial test responses one trial at a time, without
// holding them all.
func ExampleStreamResponsesForSession() {
	cache, _ := os.MkdirTemp("", "retinaio-example")
	defer os.RemoveAll(cache)
	ro := karamanlis.DefaultResponseOptions()
	ro.CacheDir = cache
	sink := &trialMax{}
	resp, err := karamanlis.StreamResponsesForSession(context.Background(),
		"../testdata/golden/sessions/20210803_252MEA_mouse_left_half_dorsal.zip", ro, sink)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("trials seen", len(sink.max), "test", resp.TestShape, "TestByTrial kept:", resp.TestByTrial != nil)
	// Output:
	// test_by_trial [4 5 25]
	// trials seen 4 test [5 25] TestByTrial kept: false
}

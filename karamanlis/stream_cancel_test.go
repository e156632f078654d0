package karamanlis

import (
	"context"
	"errors"
	"testing"

	"github.com/retinaio/retinaio/fixmovie"
)

// cancelOnRead is a store that cancels the run at its first read back (the
// standard deviation's pass, after the movie is rendered).
type cancelOnRead struct {
	memStore
	cancel func()
}

func (c *cancelOnRead) ReadAt(p []byte, off int64) (int, error) {
	c.cancel()
	return c.memStore.ReadAt(p, off)
}

// TestStreamCancelAfterRender: a run cancelled once the movie is rendered
// stops there (its passes over the store check the context) instead of
// completing the statistics and the final pass.
func TestStreamCancelAfterRender(t *testing.T) {
	gs := goldenSessions[1]
	_, path := copySession(t, gs.name, gs.zip)
	o := testOptions(t, fixmovie.OpenRetina, nil)
	o.Normalize, o.DisableCache = true, true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sm, err := StreamStimuliInto(ctx, path, o, 7, func(sh []int) (MovieStore, error) {
		return &cancelOnRead{memStore: memStore{b: make([]byte, 4*sh[1]*sh[2]*sh[3])}, cancel: cancel}, nil
	})
	if err == nil {
		windows := 0
		err = sm.EachTrainWindow(func([]float32) error { windows++; return nil })
		sm.Close()
		t.Logf("EachTrainWindow ran %d windows", windows)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

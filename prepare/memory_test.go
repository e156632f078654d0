package prepare

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/synth"
)

func TestEstimateSessionMemory(t *testing.T) {
	dir := t.TempDir()
	paths, err := synth.Write(context.Background(), dir, synth.Options{Profile: synth.Profiles["tiny"], Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := karamanlis.Session{Name: filepath.Base(paths[0]), Path: paths[0]}
	// tiny: 5 images of 640x860 bytes; 2x40 training + 30 test frames of
	// 60x80 float32: the test movie once and two windows (of all 110
	// frames, fewer than a window); spike counts 2x40x5 + 3x30x5 float64,
	// counted twice
	want := uint64(5*640*860 + 4*60*80*(30+2*110) + 2*8*(2*40*5+3*30*5) + SessionOverhead)
	if got := EstimateSessionMemory(s, karamanlis.FixationMovie, 60, 80); got != want {
		t.Errorf("estimate %d, want %d", got, want)
	}
	// the whole movie (--split, --compress)
	want = uint64(5*640*860 + 4*60*80*(110+30) + 2*8*(2*40*5+3*30*5) + SessionOverhead)
	if got := estimateMemory(s, karamanlis.FixationMovie, 60, 80, true); got != want {
		t.Errorf("whole-movie estimate %d, want %d", got, want)
	}
	// a zip is estimated from its size
	zp := filepath.Join(dir, "x_mouse.zip")
	if err := os.WriteFile(zp, make([]byte, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := EstimateSessionMemory(karamanlis.Session{Name: "x_mouse", Path: zp, Zip: true}, karamanlis.FixationMovie, 60, 80); got != 4000+SessionOverhead {
		t.Errorf("zip estimate %d", got)
	}
}

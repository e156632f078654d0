package synth_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/retinaio/retinaio/synth"
)

// TestExistingSessionKept: a session of synth's first name that synth
// did not write (a real recording, as a folder or a zip) is refused and
// left byte for byte as it was; sessions synth wrote itself are still
// replaced by a rerun.
func TestExistingSessionKept(t *testing.T) {
	ctx := context.Background()
	name := synth.SessionName("mouse", 0)
	real := []byte("the user's real recording")
	for _, zip := range []bool{false, true} {
		dir := t.TempDir()
		p := filepath.Join(dir, name, "fixationmovie_data.mat")
		if zip {
			p = filepath.Join(dir, name+".zip")
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, real, 0o644); err != nil {
			t.Fatal(err)
		}
		opt := synth.Options{Profile: synth.Profiles["tiny"], Zip: zip}
		if _, err := synth.Write(ctx, dir, opt); err == nil {
			t.Errorf("zip %v: synth wrote over an existing session it did not make", zip)
		}
		if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, real) {
			t.Errorf("zip %v: %s changed (%d bytes, want the %d of the user's file): %v", zip, p, len(got), len(real), err)
		}
		// synth's own sessions: written, then replaced by a rerun
		own := t.TempDir()
		for run := 0; run < 2; run++ {
			if _, err := synth.Write(ctx, own, opt); err != nil {
				t.Fatalf("zip %v, run %d into synth's own folder: %v", zip, run, err)
			}
		}
	}
}

package prepare

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/synth"
)

// TestLayoutsGiveIdenticalOutputs writes the same synthetic session in
// every file layout (synth's own chunks, h5py's automatic chunks, MATLAB's
// chunk rule whose image chunks span all images, contiguous) with some
// training images unused, prepares each, and checks that the four .npz
// files hold byte-identical arrays.
func TestLayoutsGiveIdenticalOutputs(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and prepares four sessions")
	}
	ctx := context.Background()
	p := synth.Profiles["tiny"]
	p.Name, p.NRun, p.Blocks, p.Tr = "layouts", 12, 2, 30
	var ref map[string][]byte
	var refLayout synth.Layout
	for _, layout := range []synth.Layout{synth.LayoutOwn, synth.LayoutH5py, synth.LayoutMATLAB, synth.LayoutContiguous} {
		dir := t.TempDir()
		paths, err := synth.Write(ctx, filepath.Join(dir, "data"), synth.Options{Profile: p, Seed: 3, Layout: layout})
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			// the case to cover: runs of used images with gaps between them
			fm, err := karamanlis.ReadFixationMovie(ctx, filepath.Join(paths[0], karamanlis.DataFileName(karamanlis.FixationMovie)))
			if err != nil {
				t.Fatal(err)
			}
			used := map[int]bool{}
			for _, blk := range fm.RunningFixations {
				for _, f := range blk {
					used[f.Image] = true
				}
			}
			if len(used) == 0 || len(used) == p.NRun {
				t.Fatalf("the session uses %d of its %d training images; the test needs some unused", len(used), p.NRun)
			}
		}
		so := karamanlis.DefaultStimulusOptions()
		so.CacheDir, so.DisableCache = filepath.Join(dir, "cache"), true
		out := filepath.Join(dir, "out")
		man, err := Run(ctx, filepath.Join(dir, "data"), Options{Stimulus: so, OutDir: out, ToolVersion: "test", NoChecksums: true})
		if err != nil || man.OK != 1 {
			t.Fatalf("%s: Run: %v %+v", layout, err, man)
		}
		got := arrays(t, man.Sessions[0].Output) // stream_test.go
		if ref == nil {
			ref, refLayout = got, layout
			continue
		}
		if len(got) != len(ref) {
			t.Fatalf("%s: %d arrays, %s: %d", layout, len(got), refLayout, len(ref))
		}
		for k, want := range ref {
			if !bytes.Equal(got[k], want) {
				t.Errorf("%s: array %s differs from %s's (%d vs %d bytes)", layout, k, refLayout, len(got[k]), len(want))
			}
		}
	}
}

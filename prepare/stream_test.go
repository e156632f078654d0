package prepare

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/npy"
	"github.com/retinaio/retinaio/synth"
)

// TestStreamedSameAsWhole prepares a synthetic session the default way
// (responses written first, the movie rendered into its place in the .npz
// and normalised there) and checks that the file is byte for byte what
// WriteSessionNPZ writes from the whole movie and responses loaded with the
// library (LoadStimuliForSession, LoadResponsesForSession); then that a
// first run (writing the stimulus cache from the file's raw movie), a run
// from that cache, and a compressed run give the same arrays.
func TestStreamedSameAsWhole(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := synth.Profiles["tiny"]
	p.Blocks, p.Tr = 3, 50 // frames not a multiple of the window
	paths, err := synth.Write(ctx, filepath.Join(dir, "data"), synth.Options{Profile: p, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(paths[0])
	so := karamanlis.DefaultStimulusOptions()
	so.CacheDir, so.DisableCache = filepath.Join(dir, "cache"), true
	run := func(out string, so karamanlis.StimulusOptions, compress bool) string {
		t.Helper()
		man, err := Run(ctx, filepath.Join(dir, "data"), Options{Stimulus: so, OutDir: out, NoChecksums: true, Compress: compress, MemoryBudget: 16 * 2 * 4 * 60 * 80 * 16})
		if err != nil || man.OK != 1 {
			t.Fatalf("Run: %v %+v", err, man)
		}
		return filepath.Join(out, name+".npz")
	}
	streamed := run(filepath.Join(dir, "streamed"), so, false)

	so2, _ := so.WithDefaults()
	stim, err := karamanlis.LoadStimuliForSession(ctx, paths[0], so2)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := karamanlis.LoadResponsesForSession(ctx, paths[0], karamanlis.ResponseOptions{CacheDir: so.CacheDir})
	if err != nil {
		t.Fatal(err)
	}
	whole := filepath.Join(dir, "whole.npz")
	if err := WriteSessionNPZ(whole, stim, resp, false); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(streamed)
	b, _ := os.ReadFile(whole)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("streamed .npz (%d bytes) differs from the whole-movie one (%d bytes)", len(a), len(b))
	}

	ref := arrays(t, streamed)
	withCache := so
	withCache.DisableCache = false
	first := run(filepath.Join(dir, "first"), withCache, false)
	if m, _ := filepath.Glob(filepath.Join(paths[0], "*extracted_stimuli*.npz")); len(m) != 1 {
		t.Fatalf("first run wrote no stimulus cache: %v", m)
	}
	fromCache := run(filepath.Join(dir, "fromcache"), withCache, false)
	compressed := run(filepath.Join(dir, "compressed"), so, true)
	for what, path := range map[string]string{"first run": first, "from the cache": fromCache, "compressed": compressed} {
		got := arrays(t, path)
		if len(got) != len(ref) {
			t.Errorf("%s: %d arrays, want %d", what, len(got), len(ref))
		}
		for k, v := range ref {
			if !bytes.Equal(got[k], v) {
				t.Errorf("%s: %s differs", what, k)
			}
		}
	}
}

// arrays reads every array of an .npz as its header and data bytes.
func arrays(t *testing.T, path string) map[string][]byte {
	t.Helper()
	z, err := npy.OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	out := map[string][]byte{}
	for _, n := range z.Names() {
		r, c, err := z.Open(n)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		h := r.Header()
		buf.WriteString(h.Descr)
		fmt.Fprint(&buf, h.Shape)
		if _, err := buf.ReadFrom(r); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err) // the CRC
		}
		out[n] = buf.Bytes()
	}
	return out
}

// TestStreamedResponsesLayouts prepares a session in MATLAB's layout
// (frozenbin chunks span all trials) and in h5py's, and checks that the
// .npz, whose responses are streamed into it, is byte for byte what
// WriteSessionNPZ writes from the arrays loaded whole, and that prepare
// gives the warnings LoadResponsesForSession gives. (NaN spike counts:
// karamanlis' TestNaNSpikeCountsWarn streams them too.)
func TestStreamedResponsesLayouts(t *testing.T) {
	ctx := context.Background()
	for _, layout := range []synth.Layout{synth.LayoutMATLAB, synth.LayoutH5py} {
		t.Run(string(layout), func(t *testing.T) {
			dir := t.TempDir()
			p := synth.Profiles["tiny"]
			paths, err := synth.Write(ctx, filepath.Join(dir, "data"), synth.Options{Profile: p, Seed: 4, Layout: layout})
			if err != nil {
				t.Fatal(err)
			}
			so := karamanlis.DefaultStimulusOptions()
			so.CacheDir, so.DisableCache = filepath.Join(dir, "cache"), true
			var warns []string
			man, err := Run(ctx, filepath.Join(dir, "data"), Options{Stimulus: so, OutDir: filepath.Join(dir, "out"), NoChecksums: true,
				Warn: func(_, m string) { warns = append(warns, m) }})
			if err != nil || man.OK != 1 {
				t.Fatalf("Run: %v %+v", err, man)
			}
			so2, _ := so.WithDefaults()
			stim, err := karamanlis.LoadStimuliForSession(ctx, paths[0], so2)
			if err != nil {
				t.Fatal(err)
			}
			var lwarns []string
			resp, err := karamanlis.LoadResponsesForSession(ctx, paths[0], karamanlis.ResponseOptions{CacheDir: so.CacheDir,
				Warn: func(m string) { lwarns = append(lwarns, m) }})
			if err != nil {
				t.Fatal(err)
			}
			if man.Sessions[0].NaNSpikeCounts != resp.NaNCount {
				t.Errorf("NaN spike counts: prepare %d, loaded %d", man.Sessions[0].NaNSpikeCounts, resp.NaNCount)
			}
			for _, w := range lwarns {
				if !slices.Contains(warns, w) {
					t.Errorf("warning %q of LoadResponsesForSession missing from prepare's %q", w, warns)
				}
			}
			whole := filepath.Join(dir, "whole.npz")
			if err := WriteSessionNPZ(whole, stim, resp, false); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(filepath.Join(dir, "out", filepath.Base(paths[0])+".npz"))
			b, _ := os.ReadFile(whole)
			if len(a) == 0 || !bytes.Equal(a, b) {
				t.Fatalf("streamed .npz (%d bytes) differs from the whole one (%d bytes)", len(a), len(b))
			}
		})
	}
}

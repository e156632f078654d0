package synth_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/retinaio/retinaio/synth"
)

// TestImageUseRandomUnchanged checks that the default image use writes the
// files synth wrote before image uses existed, byte for byte. The hashes
// were printed by synth/testdata/mainhash run on the main branch at commit
// d5f9e3c (see that program's doc for the commands); one worker makes the
// chunk order, and so the bytes, deterministic.
func TestImageUseRandomUnchanged(t *testing.T) {
	want := map[string]string{
		"tiny own fixationmovie_data.mat":               "1ae5bd5523ca42980b8759c7a112896853fad8c129f1cdccfb101a3e64531b17",
		"tiny own frozencheckerflicker_data.mat":        "d77ca63693d28f311b99cda89b12bbf319c757844580bb25e234a10cea297528",
		"tiny h5py fixationmovie_data.mat":              "54e5c7adea261b43ee875675c42b394c30156c09911687c3caedbf6aff9bfb88",
		"tiny h5py frozencheckerflicker_data.mat":       "283bdc51bf242b708025ca40be4b054c60b8771a8a2374f5a3b46e3ddb1e57dc",
		"tiny matlab fixationmovie_data.mat":            "926961eb5386f72fc3805e9b60c38ffb3dcd34aa7cf408d37dca68fcb9e6ec7f",
		"tiny matlab frozencheckerflicker_data.mat":     "283bdc51bf242b708025ca40be4b054c60b8771a8a2374f5a3b46e3ddb1e57dc",
		"tiny contiguous fixationmovie_data.mat":        "cadb8d2920b2af2b232bf8912e23d7f18883d5bdfa4ebff37ad502562056e51d",
		"tiny contiguous frozencheckerflicker_data.mat": "0a6e93b03601ea949e260156ed9c4328068e30f78595a6c0d745ba196c92cdbf",
		"small own fixationmovie_data.mat":              "3ff0d2548a5ae1549713e476ac3385a8bcb450f4672151d6d7302cddd5602461",
		"small own frozencheckerflicker_data.mat":       "351d2e1ddb79021a0f0288dfe1ea34cb6a48bdb6c9af820b8a39269604852e8c",
	}
	type job struct {
		profile string
		layout  synth.Layout
		use     synth.ImageUse
	}
	var jobs []job
	for _, l := range synth.Layouts() {
		jobs = append(jobs, job{"tiny", l, ""})
	}
	jobs = append(jobs, job{"tiny", synth.LayoutOwn, synth.ImageUseRandom}, job{"small", synth.LayoutOwn, ""})
	for _, j := range jobs {
		paths, err := synth.Write(context.Background(), t.TempDir(), synth.Options{Profile: synth.Profiles[j.profile], Seed: 1,
			Layout: j.layout, ImageUse: j.use, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"fixationmovie_data.mat", "frozencheckerflicker_data.mat"} {
			b, err := os.ReadFile(filepath.Join(paths[0], f))
			if err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprintf("%s %s %s", j.profile, j.layout, f)
			if got := fmt.Sprintf("%x", sha256.Sum256(b)); got != want[key] {
				t.Errorf("%s (image use %q): sha256 %s, want main's %s", key, j.use, got, want[key])
			}
		}
	}
}

// useProfile is small enough to write quickly and has more training images
// (30) than the 16 one-second periods of its 4 blocks of 300 frames, so
// that ImageUseAll must shorten the periods; its 4 test images fit the 2
// periods of the test sequence only with shorter periods too.
var useProfile = synth.Profile{Name: "use", Species: "mouse", Hz: 75, Rows: 24, Cols: 32, NRun: 30, NFroz: 4,
	Blocks: 4, Tr: 300, Tf: 100, Trials: 2, Cells: 3}

// usedImages returns the distinct 1-based images a fixations dataset shows
// (column 0 of its rows), read back from the file.
func usedImages(t *testing.T, fix []float64) []int {
	t.Helper()
	seen := map[int]bool{}
	for i := 0; i < len(fix); i += 3 {
		seen[int(fix[i])] = true
	}
	out := make([]int, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// runs returns the runs of consecutive indices in a sorted list.
func runs(v []int) int {
	n := 0
	for i := range v {
		if i == 0 || v[i] != v[i-1]+1 {
			n++
		}
	}
	return n
}

func writeUse(t *testing.T, p synth.Profile, use synth.ImageUse, seed uint64) session {
	t.Helper()
	paths, err := synth.Write(context.Background(), t.TempDir(), synth.Options{Profile: p, Seed: seed, ImageUse: use})
	if err != nil {
		t.Fatal(err)
	}
	return readSession(t, filepath.Join(paths[0], "fixationmovie_data.mat"))
}

func TestImageUseCounts(t *testing.T) {
	p := useProfile
	for _, c := range []struct {
		use                   synth.ImageUse
		run, froz, unusedRuns int // -1: not checked
	}{
		// 30 training images: all 30; or 20, with the 10 unused in
		// min(10, 19, 30/5) = 6 runs of consecutive indices
		{synth.ImageUseAll, 30, 4, 0},
		{synth.ImageUseThirdUnused, 20, 4, 6},
		{synth.ImageUseRandom, -1, -1, -1},
	} {
		s := writeUse(t, p, c.use, 5)
		run, froz := usedImages(t, s.f64["runningfixations"]), usedImages(t, s.f64["frozenfixations"])
		if run[0] < 1 || run[len(run)-1] > p.NRun || froz[0] < 1 || froz[len(froz)-1] > p.NFroz {
			t.Fatalf("%s: images out of range: %v %v", c.use, run, froz)
		}
		t.Logf("%s: %d of %d training images used (%d runs), %d of %d test images", c.use, len(run), p.NRun, runs(run), len(froz), p.NFroz)
		if c.run < 0 {
			// random: one image per second, drawn independently: 4 blocks
			// of 4 periods cannot show all 30 images
			if len(run) > 16 {
				t.Errorf("random: %d training images used in 16 periods", len(run))
			}
			continue
		}
		if len(run) != c.run || len(froz) != c.froz {
			t.Errorf("%s: %d training and %d test images used, want %d and %d", c.use, len(run), len(froz), c.run, c.froz)
		}
		var unused []int
		for i := 1; i <= p.NRun; i++ {
			if !slices.Contains(run, i) {
				unused = append(unused, i)
			}
		}
		if runs(unused) != c.unusedRuns {
			t.Errorf("%s: unused images %v in %d runs, want %d", c.use, unused, runs(unused), c.unusedRuns)
		}
		if len(unused) > 0 && (unused[0] == 1 || unused[len(unused)-1] == p.NRun) {
			t.Errorf("%s: unused images %v: want runs between used ones", c.use, unused)
		}
	}
}

func TestImageUseDeterministic(t *testing.T) {
	p := useProfile
	a := writeUse(t, p, synth.ImageUseThirdUnused, 5)
	b := writeUse(t, p, synth.ImageUseThirdUnused, 5)
	c := writeUse(t, p, synth.ImageUseThirdUnused, 6)
	for _, k := range []string{"runningfixations", "frozenfixations", "runningbin", "frozenbin"} {
		if !slices.Equal(a.f64[k], b.f64[k]) {
			t.Errorf("%s differs between two sessions of seed 5", k)
		}
	}
	if slices.Equal(usedImages(t, a.f64["runningfixations"]), usedImages(t, c.f64["runningfixations"])) {
		t.Error("seeds 5 and 6 leave the same training images unused")
	}
	// the image use changes the fixations, not the images
	r := writeUse(t, p, synth.ImageUseAll, 5)
	if !slices.Equal(a.u8["runningImages"], r.u8["runningImages"]) || slices.Equal(a.f64["runningfixations"], r.f64["runningfixations"]) {
		t.Error("image uses all and third-unused: want the same images and other fixations")
	}
}

func TestImageUseErrors(t *testing.T) {
	if _, err := synth.ParseImageUse("most"); err == nil {
		t.Error("unknown image use accepted")
	}
	for _, u := range synth.ImageUses() {
		if got, err := synth.ParseImageUse(string(u)); err != nil || got != u {
			t.Errorf("ParseImageUse(%q) = %q, %v", u, got, err)
		}
	}
	if u, err := synth.ParseImageUse(""); err != nil || u != synth.ImageUseRandom {
		t.Errorf(`ParseImageUse("") = %q, %v`, u, err)
	}
	if _, err := synth.Write(context.Background(), t.TempDir(), synth.Options{Profile: useProfile, ImageUse: "most"}); err == nil {
		t.Error("Write: unknown image use accepted")
	}
	// 2 blocks of 10 frames cannot show 30 images
	p := useProfile
	p.Blocks, p.Tr = 2, 10
	if _, err := synth.Write(context.Background(), t.TempDir(), synth.Options{Profile: p, ImageUse: synth.ImageUseAll}); err == nil {
		t.Error("Write: 20 frames for 30 images accepted")
	}
}

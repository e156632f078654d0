// Command mainhash prints the SHA-256 of the tiny profile's two files (seed
// 1, one worker: the chunks are then written in a fixed order) in each
// layout, and of the small profile's in synth's own layout. TestImageUseRandomUnchanged compares synth's current output with
// the hashes this program printed when run on the main branch before image
// uses existed (commit d5f9e3c):
//
//	git archive d5f9e3c | tar -x -C /tmp/main-src
//	cp -r synth/testdata/mainhash /tmp/main-src/cmd/mainhash
//	cd /tmp/main-src && go run ./cmd/mainhash
//
// It uses only API that exists on both sides (synth.Write, Layouts,
// Profiles, Options.Layout and Options.Workers).
package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"

	"github.com/retinaio/retinaio/synth"
)

func main() {
	type job struct {
		profile string
		layout  synth.Layout
	}
	var jobs []job
	for _, l := range synth.Layouts() {
		jobs = append(jobs, job{"tiny", l})
	}
	jobs = append(jobs, job{"small", synth.LayoutOwn})
	for _, j := range jobs {
		dir, err := os.MkdirTemp("", "mainhash-*")
		if err != nil {
			panic(err)
		}
		paths, err := synth.Write(context.Background(), dir, synth.Options{Profile: synth.Profiles[j.profile], Seed: 1, Layout: j.layout, Workers: 1})
		if err != nil {
			panic(err)
		}
		for _, f := range []string{"fixationmovie_data.mat", "frozencheckerflicker_data.mat"} {
			b, err := os.ReadFile(filepath.Join(paths[0], f))
			if err != nil {
				panic(err)
			}
			fmt.Printf("%s %s %s %x\n", j.profile, j.layout, f, sha256.Sum256(b))
		}
		os.RemoveAll(dir)
	}
}

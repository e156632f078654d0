// Command genlayouts writes the layout fixtures of synth's tests: one small
// session (FixtureProfile in layout_test.go) per layout, into
// synth/testdata/layouts/<layout>/fixationmovie_data.mat. h5py then reads
// them (read_layouts.py) and records what it sees. Run from the module root:
//
//	go run ./synth/testdata/genlayouts
//	cd synth/testdata && /usr/bin/python3 read_layouts.py > layouts/h5py_read.json
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/retinaio/retinaio/synth"
)

// fixtureProfile must equal layout_test.go's fixtureProfile.
var fixtureProfile = synth.Profile{Name: "fixture", Species: "mouse", Hz: 75, Rows: 64, Cols: 160, NRun: 7, NFroz: 2,
	Blocks: 2, Tr: 150, Tf: 60, Trials: 3, Cells: 40}

func main() {
	for _, l := range synth.Layouts() {
		dir := filepath.Join("synth", "testdata", "layouts", string(l))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		err := synth.WriteSession(context.Background(), dir, fixtureProfile, 5, synth.Options{Layout: l})
		if err == nil {
			// only the stimulus file is a fixture
			err = os.Remove(filepath.Join(dir, "frozencheckerflicker_data.mat"))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

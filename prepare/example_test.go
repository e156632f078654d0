package prepare_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/prepare"
	"github.com/retinaio/retinaio/prepared"
)

// Prepare one zipped session into training-ready files: <session>.npz and
// manifest.json, whose names and arrays are package prepared's contract.
func ExampleRun() {
	dir, _ := os.MkdirTemp("", "retinaio-example")
	defer os.RemoveAll(dir)

	so := karamanlis.DefaultStimulusOptions()
	so.CacheDir = filepath.Join(dir, "cache") // the zip is unpacked here
	man, err := prepare.Run(context.Background(), "../testdata/golden/sessions/20210803_252MEA_mouse_left_half_dorsal.zip",
		prepare.Options{Stimulus: so, OutDir: filepath.Join(dir, "out"), NoChecksums: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := man.Sessions[0]
	fmt.Println(s.Name, s.Status)
	fmt.Println(prepared.KeyStimTrain, s.Shapes[prepared.KeyStimTrain], prepared.KeyRespTestByTrial, s.Shapes[prepared.KeyRespTestByTrial])
	_, err = prepared.ReadManifest(filepath.Join(dir, "out", prepared.ManifestName))
	fmt.Println("manifest readable:", err == nil)
	// Output:
	// 20210803_252MEA_mouse_left_half_dorsal ok
	// stim_train [1 90 60 80] resp_test_by_trial [4 5 25]
	// manifest readable: true
}

package clips_test

import (
	"fmt"

	"github.com/retinaio/retinaio/clips"
)

func Example() {
	// A 10-frame movie of 1x1 frames and 2 neurons, cut in clips of 3 frames
	// with one validation clip (seed 42), as openretina would.
	stim := []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	resp := make([]float64, 2*10)
	for i := range resp {
		resp[i] = float64(i)
	}
	s, err := clips.SplitSession(stim, []int{1, 10, 1, 1}, resp, []int{2, 10},
		clips.Options{ClipLength: 3, ValClips: 1, Seed: 42})
	if err != nil {
		panic(err)
	}
	fmt.Println("clips:", s.Plan.NumClips, "val:", s.Plan.Val, "train:", s.Plan.Train, "tail:", s.Plan.TailFrames())
	fmt.Println(s.StimTrainShape, s.StimTrain)
	fmt.Println(s.StimValShape, s.StimVal)
	fmt.Println(s.RespTrainShape, s.RespTrain)
	// Output:
	// clips: 3 val: [0] train: [1 2] tail: 1
	// [1 6 1 1] [3 4 5 6 7 8]
	// [1 3 1 1] [0 1 2]
	// [2 6] [3 4 5 6 7 8 13 14 15 16 17 18]
}

func ExampleNewPlan_givenClips() {
	// openretina's val_clip_indices: the validation clips are given, in
	// this order, instead of drawn.
	p, err := clips.NewPlan(10, clips.Options{ClipLength: 3, ValClipIndices: []int{2, 0}})
	if err != nil {
		panic(err)
	}
	fmt.Println("clips:", p.NumClips, "val:", p.Val, "train:", p.Train, "tail:", p.TailFrames())
	// Too few clips: the error says what would work.
	_, err = clips.NewPlan(750, clips.DefaultOptions())
	fmt.Println(err)
	// Output:
	// clips: 3 val: [2 0] train: [1] tail: 1
	// the training movie has 750 frames = 10 clips of 75 frames; 20 validation clips need at least 21 clips (20 for validation, 1 or more for training): use at most 9 validation clips of 75 frames, or clips of at most 35 frames for 20 validation clips
}

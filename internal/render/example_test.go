package render_test

import (
	"bytes"
	"fmt"
	"image/gif"

	"github.com/retinaio/retinaio/internal/render"
)

func ExampleWriteGIF() {
	s, err := render.Open("testdata/20990101_synth_mouse_a.npz")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	fmt.Println(s.Name, s.Species, s.FrameRate, "Hz,", s.TestFrames, "test frames of", s.H, "x", s.W)
	var buf bytes.Buffer
	o := render.GIFOptions{Split: render.Test, From: 0, To: 10, Scale: 4, Cell: -1}
	if err := render.WriteGIF(&buf, s, o); err != nil {
		fmt.Println(err)
		return
	}
	g, _ := gif.DecodeAll(&buf)
	fmt.Println(len(g.Image), "frames,", g.Config.Width, "x", g.Config.Height)
	// Output:
	// 20990101_synth_mouse_a mouse 75 Hz, 40 test frames of 12 x 16
	// 10 frames, 64 x 48
}

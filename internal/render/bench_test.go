package render

import (
	"io"
	"testing"
)

func BenchmarkFrameU8(b *testing.B) {
	s, err := Open(fixtures[0])
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var dst []uint8
	for i := 0; b.Loop(); i++ {
		if dst, err = s.FrameU8(Test, i%s.TestFrames, dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteGIF(b *testing.B) {
	s, err := Open(fixtures[0])
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		if err := WriteGIF(io.Discard, s, GIFOptions{Split: Test, From: 0, To: 40, Scale: 4, Cell: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

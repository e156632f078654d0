package matsource

import (
	"context"
	"testing"

	"github.com/retinaio/retinaio/internal/render"
)

// The fixture is written by testdata/gen_mat.py (h5py).
func TestSource(t *testing.T) {
	ctx := context.Background()
	s, err := Open("testdata/fixationmovie_data.mat")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if b, per, err := s.Blocks(ctx); err != nil || b != 3 || per != 4 {
		t.Errorf("Blocks = %d, %d, %v", b, per, err)
	}
	n, rows, cols, err := s.Images(ctx, render.Train)
	if err != nil || n != 2 || rows != 40 || cols != 50 {
		t.Fatalf("Images = %d %d %d %v", n, rows, cols, err)
	}
	for _, sp := range []render.Split{render.Train, render.Test} {
		n, _, _, _ := s.Images(ctx, sp)
		for idx := 1; idx <= n; idx++ {
			r, c, pix, err := s.Image(ctx, sp, idx)
			if err != nil || r != 40 || c != 50 {
				t.Fatalf("%s image %d: %d %d %v", sp, idx, r, c, err)
			}
			for y := range r {
				for x := range c {
					if want := uint8((y*3 + x*5 + 50*idx) % 256); pix[y*c+x] != want {
						t.Fatalf("%s image %d (%d,%d) = %d, want %d", sp, idx, y, x, pix[y*c+x], want)
					}
				}
			}
		}
		if _, _, _, err := s.Image(ctx, sp, n+1); err == nil {
			t.Errorf("%s image %d accepted", sp, n+1)
		}
		if _, _, _, err := s.Image(ctx, sp, 0); err == nil {
			t.Errorf("%s image 0 accepted", sp)
		}
	}
	fx, err := s.Fixations(ctx, render.Train)
	if err != nil || len(fx) != 12 {
		t.Fatalf("train fixations %d %v", len(fx), err)
	}
	for b := range 3 {
		for tt := range 4 {
			want := [3]int32{int32(1 + (b+tt)%2), int32(380 + 10*tt + b), int32(290 + 5*tt)}
			if fx[b*4+tt] != want {
				t.Errorf("train fixation block %d frame %d = %v, want %v", b, tt, fx[b*4+tt], want)
			}
		}
	}
	fx, err = s.Fixations(ctx, render.Test)
	if err != nil || len(fx) != 5 || fx[3] != [3]int32{1, 403, 297} {
		t.Errorf("test fixations %v %v", fx, err)
	}
	if _, err := Open("testdata/gen_mat.py"); err == nil {
		t.Error("a text file opened as .mat")
	}
}

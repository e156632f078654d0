package main

import (
	"context"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const renderFixture = "../../internal/render/testdata/20990101_synth_mouse_a.npz" // 12x16, 40 test / 60 train frames, 4 cells, 5 repeats

func TestRenderCommand(t *testing.T) {
	ctx := context.Background()
	d := t.TempDir()
	run := func(args ...string) (int, string) {
		var out, errb strings.Builder
		code := runMain(ctx, append([]string{"render"}, args...), &out, &errb)
		return code, out.String() + errb.String()
	}
	g := filepath.Join(d, "m.gif")
	if code, msg := run(renderFixture, "--frames", "5:17", "--scale", "3", "--out", g); code != 0 {
		t.Fatal(msg)
	}
	f, _ := os.Open(g)
	an, err := gif.DecodeAll(f)
	f.Close()
	if err != nil || len(an.Image) != 12 || an.Config.Width != 48 || an.Config.Height != 36 {
		t.Fatalf("gif: %v, %d frames %dx%d", err, len(an.Image), an.Config.Width, an.Config.Height)
	}
	// with a raster strip, training split, default scale 4
	if code, msg := run(renderFixture, "--split", "train", "--frames", ":10", "--cell", "1", "--out", g); code != 0 {
		t.Fatal(msg)
	}
	f, _ = os.Open(g)
	an, err = gif.DecodeAll(f)
	f.Close()
	if err != nil || len(an.Image) != 10 || an.Config.Width != 64 || an.Config.Height <= 48 {
		t.Fatalf("gif with strip: %v, %d frames %dx%d", err, len(an.Image), an.Config.Width, an.Config.Height)
	}
	p := filepath.Join(d, "s.png")
	if code, msg := run(renderFixture, "--frames", "0:9", "--out", p); code != 0 {
		t.Fatal(msg)
	}
	cfg := pngConfig(t, p)
	if cfg[0] != 3*(16*2+4)+4 || cfg[1] != 3*(12*2+14)+4 {
		t.Errorf("sheet %v", cfg)
	}
	r := filepath.Join(d, "r.png")
	if code, msg := run(renderFixture, "--raster", "--cell", "3", "--width", "640", "--out", r); code != 0 {
		t.Fatal(msg)
	}
	if cfg := pngConfig(t, r); cfg[0] != 640 || cfg[1] < 200 {
		t.Errorf("raster %v", cfg)
	}
	for _, bad := range [][]string{
		{renderFixture, "--out", filepath.Join(d, "x.jpg")},
		{renderFixture, "--raster", "--out", filepath.Join(d, "x.png")},
		{renderFixture, "--raster", "--cell", "1", "--out", filepath.Join(d, "x.gif")},
		{renderFixture, "--cell", "4", "--out", filepath.Join(d, "x.gif")},
		{renderFixture, "--frames", "30:41", "--out", filepath.Join(d, "x.gif")},
		{renderFixture, "--split", "val", "--out", filepath.Join(d, "x.gif")},
		{filepath.Join(d, "missing.npz"), "--out", filepath.Join(d, "x.gif")},
		{renderFixture},
	} {
		if code, _ := run(bad...); code == 0 {
			t.Errorf("%v: accepted", bad)
		}
	}
	if _, err := os.Stat(filepath.Join(d, "x.gif")); err == nil {
		t.Error("a failed render left an output file")
	}
	ents, _ := os.ReadDir(d)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func pngConfig(t *testing.T, p string) [2]int {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	return [2]int{c.Width, c.Height}
}

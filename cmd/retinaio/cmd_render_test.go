package main

import (
	"context"
	"encoding/json"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retinaio/retinaio/internal/render"
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
	var so, se strings.Builder
	if code := runMain(ctx, []string{"render", renderFixture, "--raster", "--cell", "3", "--width", "640", "--out", r, "--json"}, &so, &se); code != 0 {
		t.Fatal(se.String())
	}
	var rep struct{ Input, Output, Format, What string }
	if err := json.Unmarshal([]byte(so.String()), &rep); err != nil || rep.Output != r || rep.Format != "png" || rep.Input != renderFixture || rep.What == "" {
		t.Fatalf("render --json: %v %+v from %q", err, rep, so.String())
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

// TestRenderFlagsBounded: size flags that would overflow or allocate
// without bound are refused with exit 2 and a message, and nothing is
// written (--scale 3000 used to try 691 GB, --width MaxInt64 panicked,
// --scale MaxInt64 overflowed and wrote garbage with exit 0).
func TestRenderFlagsBounded(t *testing.T) {
	d := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--scale", "0", "--out", "a.gif"}, "--scale 0"},
		{[]string{"--scale", "-3", "--out", "a.gif"}, "--scale -3"},
		{[]string{"--scale", "3000", "--out", "a.gif"}, "--scale 3000"},
		{[]string{"--scale", "9223372036854775807", "--out", "a.gif"}, "--scale"},
		{[]string{"--scale", "9223372036854775807", "--out", "a.png"}, "--scale"},
		{[]string{"--width", "9223372036854775807", "--raster", "--cell", "0", "--out", "a.png"}, "--width"},
		{[]string{"--width", "-1", "--raster", "--cell", "0", "--out", "a.png"}, "--width"},
		{[]string{"--delay", "0", "--out", "a.gif"}, "--delay"},
		{[]string{"--delay", "70000", "--out", "a.gif"}, "--delay"},
		{[]string{"--scale", "64", "--frames", "0:1000", "--split", "train", "--out", "a.png"}, ""},
	} {
		out := filepath.Join(d, tc.args[len(tc.args)-1])
		args := append([]string{"render", renderFixture}, tc.args[:len(tc.args)-1]...)
		args = append(args, out)
		var so, se strings.Builder
		code := runMain(context.Background(), args, &so, &se)
		if tc.want == "" {
			// Frames out of range: refused, not drawn (exit 2 or 1).
			if code == 0 {
				t.Errorf("%v: exit 0", tc.args)
			}
		} else if code != 2 || !strings.Contains(se.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %s", tc.args, code, se.String(), tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: wrote %s", tc.args, out)
			os.Remove(out)
		}
	}
	// The pixel bound.
	s, err := render.Open(renderFixture)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := checkRenderSize(s, renderOpts{split: render.Train, frames: "0:60", scale: 64, gif: false}); err == nil || !strings.Contains(err.Error(), "megapixels") {
		t.Errorf("a sheet of 60 tiles at scale 64 (8228x6260): %v, want refused", err)
	}
	if err := checkRenderSize(s, renderOpts{split: render.Train, frames: "0:60", scale: 8, gif: false}); err != nil {
		t.Errorf("a sheet of 60 tiles at scale 8: %v", err)
	}
	if err := checkRenderSize(s, renderOpts{split: render.Train, frames: "0:60", scale: 64, gif: true, cell: -1}); err != nil {
		t.Errorf("a GIF at scale 64: %v", err)
	}
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/retinaio/retinaio/internal/atomicfile"
	"github.com/retinaio/retinaio/internal/render"
	"github.com/retinaio/retinaio/internal/safetext"
)

func init() {
	register(&command{
		name:    "render",
		summary: "draw a prepared session: animated GIF, PNG contact sheet or a cell's raster",
		usage: `retinaio render SESSION.npz [--split test|train|val] [--frames A:B] [--cell N] [--raster]
                [--scale S] [--delay D] --out FILE.gif|FILE.png

FILE.gif: an animated GIF of frames A:B (default the first 300) of the
prepared movie in grey levels (normalised movies are shown on the source's
0..255 scale), upscaled S times (default 4); with --cell N, the cell's
raster of test repeats (or its training response) runs under the movie with
a moving cursor. GIF timing is in 1/100 s (--delay, default 2): 75/85 Hz
cannot be shown in real time.
FILE.png: a contact sheet of frames A:B (default the first 100), each
labelled; with --raster (and --cell N), the cell's test repeats and
trial-averaged rate in spikes/s with labelled axes.

Bounds (anything outside is refused with exit 2): --scale 1..64, --delay
1..65535, --width 200..10000, at most 10000 GIF frames, and at most
50 megapixels per image (about 200 MB of memory).`,
		run: runRender,
	})
}

func runRender(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["render"]
	fs := newFlagSet(c, stderr)
	split := fs.String("split", "test", "movie: test, train, or val (the validation clips of a 'retinaio split' file)")
	frames := fs.String("frames", "", "frame range A:B (half-open; either side may be empty)")
	cell := fs.Int("cell", -1, "cell index for the raster strip (GIF) or the raster plot")
	raster := fs.Bool("raster", false, "write the cell's raster and average (PNG)")
	scale := fs.Int("scale", 0, "integer upscaling of frames, 1..64 (GIF default 4, sheet default 2)")
	delay := fs.Int("delay", 2, "GIF frame delay in 1/100 s")
	width := fs.Int("width", 900, "raster plot width in pixels")
	out := fs.String("out", "", "output FILE.gif or FILE.png")
	jsonOut := fs.Bool("json", false, `print {"input", "output", "format", "what"} on stdout instead of the "wrote" line`)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "one SESSION.npz"); err != nil {
		return err
	}
	if *out == "" {
		return usagef("missing --out FILE.gif or --out FILE.png")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := checkRenderFlags(set["scale"], *scale, *delay, *width); err != nil {
		return err
	}
	sp, err := render.ParseSplit(*split)
	if err != nil {
		return usagef("--split: %w", err)
	}
	s, err := render.Open(pos[0])
	if err != nil {
		return err
	}
	defer s.Close()
	if sp == render.Val && s.ValFrames == 0 {
		return fmt.Errorf("%s has no validation movie (stim_val): --split val needs a file written by 'retinaio split' or 'retinaio prepare --split'", s.Path)
	}
	ext := strings.ToLower(*out)
	isGIF, isPNG := strings.HasSuffix(ext, ".gif"), strings.HasSuffix(ext, ".png")
	if !isGIF && !isPNG {
		return fmt.Errorf("--out %s: the name must end in .gif or .png", *out)
	}
	if *raster && !isPNG {
		return fmt.Errorf("--raster writes a PNG: use --out FILE.png")
	}
	if *raster && *cell < 0 {
		return fmt.Errorf("--raster needs --cell N (0..%d)", s.Cells-1)
	}
	if *cell >= s.Cells {
		return fmt.Errorf("--cell %d out of range: %s has %d cells (0..%d)", *cell, s.Path, s.Cells, s.Cells-1)
	}
	o := renderOpts{split: sp, frames: *frames, cell: *cell, raster: *raster, scale: *scale, delay: *delay, width: *width, gif: isGIF}
	if err := checkRenderSize(s, o); err != nil {
		return err
	}
	what, err := writeRender(*out, s, o)
	if err != nil {
		return err
	}
	if *jsonOut {
		format := "gif"
		if isPNG {
			format = "png"
		}
		enc := newJSONEncoder(stdout)
		return enc.Encode(struct {
			Input  string `json:"input"`
			Output string `json:"output"`
			Format string `json:"format"`
			What   string `json:"what"`
		}{safetext.Escape(pos[0]), safetext.Escape(*out), format, what})
	}
	fmt.Fprintf(stdout, "wrote %s: %s\n", safetext.Message(*out), what)
	return nil
}

// renderOpts are render's checked flags.
type renderOpts struct {
	split                     render.Split
	frames                    string
	cell, scale, delay, width int
	raster, gif               bool
}

// writeRender draws the raster, GIF or contact sheet into out (atomically)
// and describes what it drew.
func writeRender(out string, s *render.Session, o renderOpts) (string, error) {
	f, err := atomicfile.Create(out)
	if err != nil {
		return "", err
	}
	defer f.Abort()
	var what string
	switch {
	case o.raster:
		what, err = drawRaster(f, s, o)
	case o.gif:
		what, err = drawGIF(f, s, o)
	default:
		what, err = drawSheet(f, s, o)
	}
	if err != nil {
		return "", err
	}
	return what, f.Commit()
}

func drawRaster(w io.Writer, s *render.Session, o renderOpts) (string, error) {
	a, b := 0, s.TestFrames
	if o.frames != "" {
		var err error
		if a, b, err = render.ParseRange(o.frames, s.TestFrames, s.TestFrames); err != nil {
			return "", err
		}
	}
	err := render.WriteRaster(w, s, render.RasterOptions{Cell: o.cell, From: a, To: b, Width: o.width})
	return fmt.Sprintf("raster of cell %d, %d repeats, test frames %d:%d", o.cell, s.Trials, a, b), err
}

func drawGIF(w io.Writer, s *render.Session, o renderOpts) (string, error) {
	a, b, err := render.ParseRange(o.frames, s.Frames(o.split), 300)
	if err != nil {
		return "", err
	}
	g := render.GIFOptions{Split: o.split, From: a, To: b, Scale: o.scale, Delay: o.delay, Cell: o.cell}
	err = render.WriteGIF(w, s, g)
	gw, gh := render.GIFSize(s, g)
	return fmt.Sprintf("GIF of %s frames %d:%d (%d frames), %dx%d pixels", o.split, a, b, b-a, gw, gh), err
}

func drawSheet(w io.Writer, s *render.Session, o renderOpts) (string, error) {
	a, b, err := render.ParseRange(o.frames, s.Frames(o.split), 100)
	if err != nil {
		return "", err
	}
	so := render.SheetOptions{Split: o.split, From: a, To: b, Scale: o.scale}
	err = render.WriteSheet(w, s, so)
	_, _, sw, sh := render.SheetLayout(s, so)
	return fmt.Sprintf("contact sheet of %s frames %d:%d, %dx%d pixels", o.split, a, b, sw, sh), err
}

// Bounds of render's size flags (documented in the usage text).
const (
	maxRenderScale  = 64
	maxRenderDelay  = 65535 // GIF delays are 16-bit
	minRenderWidth  = 200
	maxRenderWidth  = 10000
	maxRenderFrames = 10000
	// maxRenderPixels bounds one image (4 bytes a pixel: 200 MB).
	maxRenderPixels = 50_000_000
)

// renderBoundError is a flag outside its bound: exit 2 with the message.
func renderBoundError(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

// checkRenderFlags bounds the size flags before anything is opened;
// scaleSet tells an explicit --scale (0 is then an error, not the default).
func checkRenderFlags(scaleSet bool, scale, delay, width int) error {
	switch {
	case scaleSet && (scale < 1 || scale > maxRenderScale):
		return renderBoundError("--scale %d: use an integer in 1..%d", scale, maxRenderScale)
	case delay < 1 || delay > maxRenderDelay:
		return renderBoundError("--delay %d: use 1..%d (1/100 s)", delay, maxRenderDelay)
	case width < minRenderWidth || width > maxRenderWidth:
		return renderBoundError("--width %d: use %d..%d pixels", width, minRenderWidth, maxRenderWidth)
	}
	return nil
}

// checkRenderSize refuses a frame range or an image larger than the bounds
// (the flags are already bounded, so the products cannot overflow).
func checkRenderSize(s *render.Session, o renderOpts) error {
	if o.raster {
		return nil // width bounded; height fixed by the repeats
	}
	n, def := s.Frames(o.split), 100
	if o.gif {
		def = 300
	}
	a, b, err := render.ParseRange(o.frames, n, def)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	var w, h int
	if o.gif {
		if b-a > maxRenderFrames {
			return renderBoundError("--frames %s: %d frames, a GIF holds at most %d", o.frames, b-a, maxRenderFrames)
		}
		w, h = render.GIFSize(s, render.GIFOptions{Split: o.split, From: a, To: b, Scale: o.scale, Delay: o.delay, Cell: o.cell})
	} else {
		if b-a > render.MaxSheetFrames {
			return renderBoundError("--frames %s: %d frames, a contact sheet holds at most %d", o.frames, b-a, render.MaxSheetFrames)
		}
		_, _, w, h = render.SheetLayout(s, render.SheetOptions{Split: o.split, From: a, To: b, Scale: o.scale})
	}
	if int64(w)*int64(h) > maxRenderPixels {
		return renderBoundError("the image would be %dx%d pixels (over %d megapixels): lower --scale or --frames", w, h, maxRenderPixels/1_000_000)
	}
	return nil
}

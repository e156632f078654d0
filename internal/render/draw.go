package render

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
)

// Palette indices of the GIF palette: 0..GreyLevels-1 are greys from black
// to white; the remaining entries are the plot colours.
const (
	GreyLevels = 252
	idxCursor  = 252 // red
	idxAverage = 253 // blue
	idxPred    = 254 // orange
	idxSpike   = 0   // black
	idxWhite   = GreyLevels - 1
)

// Colours used in plots.
var (
	ColCursor  = color.RGBA{220, 30, 30, 255}
	ColAverage = color.RGBA{30, 80, 220, 255}
	ColPred    = color.RGBA{240, 140, 0, 255}
	ColAxis    = color.RGBA{0, 0, 0, 255}
)

// Palette returns the GIF palette: GreyLevels greys then the plot colours.
func Palette() color.Palette {
	p := make(color.Palette, 256)
	for i := range GreyLevels {
		v := uint8(math.Round(float64(i) * 255 / (GreyLevels - 1)))
		p[i] = color.RGBA{v, v, v, 255}
	}
	p[idxCursor] = ColCursor
	p[idxAverage] = ColAverage
	p[idxPred] = ColPred
	p[255] = color.RGBA{40, 160, 60, 255}
	return p
}

// GreyIndex maps a grey level 0..255 to its palette index.
func GreyIndex(q uint8) uint8 {
	return uint8(math.Round(float64(q) * (GreyLevels - 1) / 255))
}

// ParseRange parses "A:B" (either side may be empty) into a half-open frame
// range within [0, n).
func ParseRange(s string, n, defaultLen int) (int, int, error) {
	a, b := 0, min(n, defaultLen)
	if s != "" {
		var as, bs string
		i := -1
		for j, c := range s {
			if c == ':' {
				i = j
				break
			}
		}
		if i < 0 {
			return 0, 0, fmt.Errorf("frame range %q: want A:B", s)
		}
		as, bs = s[:i], s[i+1:]
		a, b = 0, n
		if as != "" {
			if _, err := fmt.Sscan(as, &a); err != nil {
				return 0, 0, fmt.Errorf("frame range %q: bad start %q", s, as)
			}
		}
		if bs != "" {
			if _, err := fmt.Sscan(bs, &b); err != nil {
				return 0, 0, fmt.Errorf("frame range %q: bad end %q", s, bs)
			}
		}
	}
	if a < 0 || b > n || a >= b {
		return 0, 0, fmt.Errorf("frame range %d:%d is empty or outside the movie's %d frames (0:%d)", a, b, n, n)
	}
	return a, b, nil
}

// GIFOptions selects what WriteGIF draws.
type GIFOptions struct {
	Split    Split
	From, To int // half-open frame range
	Scale    int // integer upscaling of the prepared frame (default 4)
	Delay    int // per-frame delay in 1/100 s (default 2; GIF cannot show 75 Hz)
	Cell     int // draw this cell's raster strip under the movie; -1 for none
}

// GIFSize returns the pixel size of the GIF WriteGIF would write.
func GIFSize(s *Session, o GIFOptions) (w, h int) {
	o = o.withDefaults()
	w, h = s.W*o.Scale, s.H*o.Scale
	if o.Cell >= 0 {
		h += stripHeight(s, o.Split)
	}
	return w, h
}

func (o GIFOptions) withDefaults() GIFOptions {
	if o.Scale < 1 {
		o.Scale = 4
	}
	if o.Delay < 1 {
		o.Delay = 2
	}
	return o
}

func stripHeight(s *Session, sp Split) int {
	h := 40
	if sp == Test && s.Trials > 0 {
		h += s.Trials * rowH(s.Trials)
	}
	return h + 4
}

func rowH(k int) int {
	return max(1, min(4, 160/max(k, 1)))
}

// WriteGIF writes an animated GIF of frames From..To-1 of a split, grey
// palette, optionally with a strip showing the cell's raster (test) or
// response (train) over the same window and a moving red cursor.
func WriteGIF(w io.Writer, s *Session, o GIFOptions) error {
	o = o.withDefaults()
	n := s.Frames(o.Split)
	if o.From < 0 || o.To > n || o.From >= o.To {
		return fmt.Errorf("frames %d:%d outside the %s movie's %d frames", o.From, o.To, o.Split, n)
	}
	if o.Cell >= s.Cells && o.Cell >= 0 {
		return s.checkCell(o.Cell)
	}
	W, H := GIFSize(s, o)
	gw, err := newGIFWriter(w, W, H, Palette())
	if err != nil {
		return err
	}
	img := image.NewPaletted(image.Rect(0, 0, W, H), Palette())
	var strip *image.Paletted
	mh := s.H * o.Scale
	if o.Cell >= 0 {
		strip, err = drawStrip(s, o, W, H-mh)
		if err != nil {
			return err
		}
	}
	var f []float32
	for k := o.From; k < o.To; k++ {
		f, err = s.Frame(o.Split, k, f)
		if err != nil {
			return err
		}
		for y := 0; y < s.H; y++ {
			for x := 0; x < s.W; x++ {
				g := GreyIndex(s.Display(f[y*s.W+x]))
				for dy := range o.Scale {
					row := img.Pix[(y*o.Scale+dy)*img.Stride:]
					for dx := range o.Scale {
						row[x*o.Scale+dx] = g
					}
				}
			}
		}
		if strip != nil {
			copy(img.Pix[mh*img.Stride:], strip.Pix)
			cx := (k - o.From) * W / (o.To - o.From)
			for y := mh; y < H; y++ {
				img.Pix[y*img.Stride+cx] = idxCursor
			}
		}
		if err := gw.frame(img, o.Delay); err != nil {
			return err
		}
	}
	return gw.close()
}

// drawStrip draws the cell's raster/average for the GIF window.
func drawStrip(s *Session, o GIFOptions, W, H int) (*image.Paletted, error) {
	p := image.NewPaletted(image.Rect(0, 0, W, H), Palette())
	for i := range p.Pix {
		p.Pix[i] = idxWhite
	}
	span := o.To - o.From
	col := func(t int) int { return (t - o.From) * W / span }
	y0 := 2
	if o.Split == Test && s.Trials > 0 {
		trials, err := s.CellTrials(o.Cell)
		if err != nil {
			return nil, err
		}
		rh := rowH(s.Trials)
		for k, tr := range trials {
			for t := o.From; t < o.To; t++ {
				if tr[t] > 0 {
					x0, x1 := col(t), max(col(t+1), col(t)+1)
					for y := y0 + k*rh; y < y0+(k+1)*rh; y++ {
						for x := x0; x < x1 && x < W; x++ {
							p.Pix[y*p.Stride+x] = idxSpike
						}
					}
				}
			}
		}
		y0 += s.Trials * rh
	}
	resp, err := s.CellResponse(o.Split, o.Cell)
	if err != nil {
		return nil, err
	}
	mx := 0.0
	for t := o.From; t < o.To; t++ {
		mx = math.Max(mx, resp[t])
	}
	th := H - y0 - 2
	prevY := -1
	for x := 0; x < W; x++ {
		t := o.From + x*span/W
		v := 0.0
		if mx > 0 {
			v = resp[t] / mx
		}
		y := y0 + th - 1 - int(v*float64(th-1))
		if prevY < 0 {
			prevY = y
		}
		for yy := min(y, prevY); yy <= max(y, prevY); yy++ {
			p.Pix[yy*p.Stride+x] = idxAverage
		}
		prevY = y
	}
	return p, nil
}

// SheetOptions selects what WriteSheet draws.
type SheetOptions struct {
	Split    Split
	From, To int // half-open frame range, at most MaxSheetFrames frames
	Scale    int // integer upscaling of each tile (default 2)
	Cols     int // tiles per row (default: about square)
}

// MaxSheetFrames bounds the number of tiles of a contact sheet.
const MaxSheetFrames = 1000

// SheetLayout returns the number of columns and rows and the image size of
// a contact sheet.
func SheetLayout(s *Session, o SheetOptions) (cols, rows, w, h int) {
	o = o.withDefaults()
	n := o.To - o.From
	cols = o.Cols
	if cols < 1 {
		cols = max(1, int(math.Ceil(math.Sqrt(float64(n)))))
	}
	rows = (n + cols - 1) / cols
	tw, th := s.W*o.Scale+sheetGap, s.H*o.Scale+sheetLabel+sheetGap
	return cols, rows, cols*tw + sheetGap, rows*th + sheetGap
}

const (
	sheetGap   = 4
	sheetLabel = 10
)

func (o SheetOptions) withDefaults() SheetOptions {
	if o.Scale < 1 {
		o.Scale = 2
	}
	return o
}

// WriteSheet writes a PNG contact sheet of frames From..To-1, each tile
// labelled with its frame number.
func WriteSheet(w io.Writer, s *Session, o SheetOptions) error {
	o = o.withDefaults()
	n := s.Frames(o.Split)
	if o.From < 0 || o.To > n || o.From >= o.To {
		return fmt.Errorf("frames %d:%d outside the %s movie's %d frames", o.From, o.To, o.Split, n)
	}
	if o.To-o.From > MaxSheetFrames {
		return fmt.Errorf("a contact sheet holds at most %d frames; %d:%d asks for %d (use --frames)", MaxSheetFrames, o.From, o.To, o.To-o.From)
	}
	cols, _, W, H := SheetLayout(s, o)
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	tw, th := s.W*o.Scale+sheetGap, s.H*o.Scale+sheetLabel+sheetGap
	var f []float32
	var err error
	for k := o.From; k < o.To; k++ {
		i := k - o.From
		x0, y0 := sheetGap+(i%cols)*tw, sheetGap+(i/cols)*th
		f, err = s.Frame(o.Split, k, f)
		if err != nil {
			return err
		}
		for y := 0; y < s.H*o.Scale; y++ {
			for x := 0; x < s.W*o.Scale; x++ {
				q := s.Display(f[(y/o.Scale)*s.W+x/o.Scale])
				j := img.PixOffset(x0+x, y0+y)
				img.Pix[j], img.Pix[j+1], img.Pix[j+2] = q, q, q
			}
		}
		DrawText(img, x0, y0+s.H*o.Scale+2, fmt.Sprint(k), ColAxis, 1)
	}
	return png.Encode(w, img)
}

// RasterOptions selects what WriteRaster draws.
type RasterOptions struct {
	Cell     int
	From, To int       // half-open range of test frames (default: all)
	Width    int       // plot width in pixels (default 900)
	Pred     []float64 // optional prediction over the test frames (same units as resp_test)
}

// WriteRaster writes a PNG of a cell's test repeats (one row per trial, a
// tick per frame with spikes) above its trial-averaged rate in spikes/s, with
// labelled axes, and the prediction when given.
func WriteRaster(w io.Writer, s *Session, o RasterOptions) error {
	img, err := RasterImage(s, o)
	if err != nil {
		return err
	}
	return png.Encode(w, img)
}

// RasterImage draws the image WriteRaster encodes.
func RasterImage(s *Session, o RasterOptions) (*image.RGBA, error) {
	if err := s.checkCell(o.Cell); err != nil {
		return nil, err
	}
	if s.Trials == 0 {
		return nil, s.errf("no resp_test_by_trial array: no repeats to draw")
	}
	if o.To == 0 && o.From == 0 {
		o.To = s.TestFrames
	}
	if o.From < 0 || o.To > s.TestFrames || o.From >= o.To {
		return nil, fmt.Errorf("frames %d:%d outside the test movie's %d frames", o.From, o.To, s.TestFrames)
	}
	if o.Width < 200 {
		o.Width = 900
	}
	trials, err := s.CellTrials(o.Cell)
	if err != nil {
		return nil, err
	}
	avg, err := s.CellResponse(Test, o.Cell)
	if err != nil {
		return nil, err
	}
	const left, right, top, gap, rateH, bottom = 70, 20, 24, 14, 150, 44
	rh := max(2, min(8, 320/len(trials)))
	pw := o.Width - left - right
	rasterH := rh * len(trials)
	H := top + rasterH + gap + rateH + bottom
	img := image.NewRGBA(image.Rect(0, 0, o.Width, H))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	span := o.To - o.From
	xOf := func(t float64) int { return left + int(math.Round((t-float64(o.From))*float64(pw)/float64(span))) }
	title := fmt.Sprintf("%s  CELL %d  TEST FRAMES %d:%d", s.Name, o.Cell, o.From, o.To)
	DrawText(img, left, 6, title, ColAxis, 1)
	// raster
	for k, tr := range trials {
		for t := o.From; t < o.To; t++ {
			if tr[t] <= 0 {
				continue
			}
			x0, x1 := xOf(float64(t)), max(xOf(float64(t+1)), xOf(float64(t))+1)
			for y := top + k*rh; y < top+(k+1)*rh-boolInt(rh > 2); y++ {
				for x := x0; x < x1; x++ {
					img.Set(x, y, ColAxis)
				}
			}
		}
	}
	frame(img, left, top, pw, rasterH)
	DrawText(img, 4, top, "TRIAL", ColAxis, 1)
	DrawText(img, left-4-TextWidth("1", 1), top, "1", ColAxis, 1)
	lk := fmt.Sprint(len(trials))
	DrawText(img, left-4-TextWidth(lk, 1), top+rasterH-glyphH, lk, ColAxis, 1)
	// rate
	y0 := top + rasterH + gap
	rate := func(v float64) float64 { return v * s.FrameRate }
	mx := 0.0
	for t := o.From; t < o.To; t++ {
		mx = math.Max(mx, rate(avg[t]))
		if o.Pred != nil && t < len(o.Pred) {
			mx = math.Max(mx, rate(o.Pred[t]))
		}
	}
	top10 := niceCeil(mx)
	yOf := func(v float64) int { return y0 + rateH - 1 - int(math.Round(v/top10*float64(rateH-1))) }
	plot := func(vals []float64, c color.Color) {
		px, py := -1, -1
		for t := o.From; t < o.To && t < len(vals); t++ {
			x, y := xOf(float64(t)+0.5), yOf(rate(vals[t]))
			if px >= 0 {
				line(img, px, py, x, y, c)
			}
			px, py = x, y
		}
	}
	plot(avg, ColAverage)
	if o.Pred != nil {
		plot(o.Pred, ColPred)
	}
	frame(img, left, y0, pw, rateH)
	DrawText(img, 4, y0+rateH/2-10, "RATE", ColAxis, 1)
	DrawText(img, 4, y0+rateH/2, "(SP/S)", ColAxis, 1)
	for _, v := range []float64{0, top10 / 2, top10} {
		l := fmtNum(v)
		y := yOf(v)
		DrawText(img, left-6-TextWidth(l, 1), y-3, l, ColAxis, 1)
		line(img, left-3, y, left, y, ColAxis)
	}
	// time axis in seconds
	dur := float64(span) / s.FrameRate
	step := niceStep(dur / 6)
	yb := y0 + rateH
	for ts := math.Ceil(float64(o.From)/s.FrameRate/step) * step; ts*s.FrameRate <= float64(o.To)+1e-9; ts += step {
		x := xOf(ts * s.FrameRate)
		line(img, x, yb, x, yb+4, ColAxis)
		l := fmtNum(ts)
		DrawText(img, x-TextWidth(l, 1)/2, yb+7, l, ColAxis, 1)
	}
	xl := "TIME (S)"
	DrawText(img, left+pw/2-TextWidth(xl, 1)/2, yb+24, xl, ColAxis, 1)
	if o.Pred != nil {
		DrawText(img, left+pw-TextWidth("PREDICTION", 1), y0+4, "PREDICTION", ColPred, 1)
		DrawText(img, left+pw-TextWidth("PREDICTION", 1)-TextWidth("AVERAGE ", 1), y0+4, "AVERAGE", ColAverage, 1)
	}
	return img, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func frame(img *image.RGBA, x, y, w, h int) {
	line(img, x-1, y-1, x+w, y-1, ColAxis)
	line(img, x-1, y+h, x+w, y+h, ColAxis)
	line(img, x-1, y-1, x-1, y+h, ColAxis)
	line(img, x+w, y-1, x+w, y+h, ColAxis)
}

// line draws a straight line (Bresenham).
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.Color) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for {
		img.Set(x0, y0, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for v <= 0).
func niceCeil(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v*(1-1e-12) {
			return m * p
		}
	}
	return 10 * p
}

// niceStep rounds v to 1, 2 or 5 times a power of ten.
func niceStep(v float64) float64 {
	if !(v > 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5} {
		if v <= m*p*1.5 {
			return m * p
		}
	}
	return 10 * p
}

func fmtNum(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e9 {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.3g", v)
}

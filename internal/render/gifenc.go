package render

import (
	"bufio"
	"compress/lzw"
	"errors"
	"image"
	"image/color"
	"io"
)

// gifWriter streams an animated GIF frame by frame (image/gif's EncodeAll
// needs every frame in memory at once), with one global 256-colour palette.
type gifWriter struct {
	w   *bufio.Writer
	wd  int
	ht  int
	err error
	n   int
	blk blockWriter
}

func newGIFWriter(w io.Writer, width, height int, pal color.Palette) (*gifWriter, error) {
	if len(pal) != 256 {
		return nil, errors.New("gif palette must have 256 colours")
	}
	if width < 1 || height < 1 || width > 65535 || height > 65535 {
		return nil, errors.New("gif size out of range")
	}
	g := &gifWriter{w: bufio.NewWriter(w), wd: width, ht: height}
	b := g.w
	b.WriteString("GIF89a")
	le16(b, width)
	le16(b, height)
	b.WriteByte(0xF7) // global colour table, 8 bits colour resolution, 256 entries
	b.WriteByte(0)    // background index
	b.WriteByte(0)    // aspect
	for _, c := range pal {
		r, gg, bb, _ := c.RGBA()
		b.WriteByte(byte(r >> 8))
		b.WriteByte(byte(gg >> 8))
		b.WriteByte(byte(bb >> 8))
	}
	// NETSCAPE2.0 loop forever.
	b.Write([]byte{0x21, 0xFF, 0x0B})
	b.WriteString("NETSCAPE2.0")
	b.Write([]byte{0x03, 0x01, 0x00, 0x00, 0x00})
	g.blk.w = b
	return g, nil
}

func le16(b *bufio.Writer, v int) {
	b.WriteByte(byte(v))
	b.WriteByte(byte(v >> 8))
}

// blockWriter splits data into GIF sub-blocks of at most 255 bytes.
type blockWriter struct {
	w   *bufio.Writer
	buf [255]byte
	n   int
}

func (bw *blockWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		bw.buf[bw.n] = c
		bw.n++
		if bw.n == 255 {
			bw.flush()
		}
	}
	return len(p), nil
}

func (bw *blockWriter) flush() {
	if bw.n == 0 {
		return
	}
	bw.w.WriteByte(byte(bw.n))
	bw.w.Write(bw.buf[:bw.n])
	bw.n = 0
}

// frame appends one full-size frame shown for delay hundredths of a second.
func (g *gifWriter) frame(img *image.Paletted, delay int) error {
	if g.err != nil {
		return g.err
	}
	if img.Rect.Dx() != g.wd || img.Rect.Dy() != g.ht {
		return errors.New("gif frame size differs from the animation size")
	}
	b := g.w
	b.Write([]byte{0x21, 0xF9, 0x04, 0x00})
	le16(b, delay)
	b.Write([]byte{0x00, 0x00})
	b.WriteByte(0x2C)
	le16(b, 0)
	le16(b, 0)
	le16(b, g.wd)
	le16(b, g.ht)
	b.WriteByte(0) // no local table, not interlaced
	b.WriteByte(8) // LZW minimum code size
	lw := lzw.NewWriter(&g.blk, lzw.LSB, 8)
	for y := 0; y < g.ht; y++ {
		row := img.Pix[(y)*img.Stride : (y)*img.Stride+g.wd]
		if _, err := lw.Write(row); err != nil {
			g.err = err
			return err
		}
	}
	if err := lw.Close(); err != nil {
		g.err = err
		return err
	}
	g.blk.flush()
	b.WriteByte(0)
	g.n++
	return nil
}

// close writes the trailer and flushes.
func (g *gifWriter) close() error {
	if g.err != nil {
		return g.err
	}
	g.w.WriteByte(0x3B)
	return g.w.Flush()
}

package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Header describes an array stored in a .npy file.
type Header struct {
	// Descr is numpy's dtype descriptor with byte order: "<f4", ">f8",
	// "|u1", "|b1", "<c16".
	Descr string
	// Fortran is true when the data is stored in column-major order.
	Fortran bool
	// Shape is the array's shape; empty (or nil) for a 0-d array.
	Shape []int
}

// magic is the start of every .npy file.
const magic = "\x93NUMPY"

// maxHeaderLen bounds the header text this package accepts. numpy itself
// refuses headers over 10000 characters unless told otherwise.
const maxHeaderLen = 1 << 20

// Count returns the number of elements, prod(Shape) (1 for a 0-d array),
// or an error when a dimension is negative or the product overflows.
func (h Header) Count() (int64, error) {
	n := int64(1)
	for _, d := range h.Shape {
		if d < 0 {
			return 0, fmt.Errorf("shape %s has a negative dimension", shapeString(h.Shape))
		}
		if d != 0 && n > math.MaxInt64/int64(d) {
			return 0, fmt.Errorf("shape %s has more elements than fit in int64", shapeString(h.Shape))
		}
		n *= int64(d)
	}
	return n, nil
}

// ItemSize returns the size in bytes of one element of h.Descr.
func (h Header) ItemSize() (int, error) {
	d, err := parseDescr(h.Descr)
	if err != nil {
		return 0, err
	}
	return d.size, nil
}

// DataBytes returns the size in bytes of the array data, prod(Shape)*itemsize.
func (h Header) DataBytes() (int64, error) {
	d, err := parseDescr(h.Descr)
	if err != nil {
		return 0, err
	}
	n, err := h.Count()
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt64/int64(d.size) {
		return 0, fmt.Errorf("shape %s of %s is more than 2^63 bytes", shapeString(h.Shape), h.Descr)
	}
	return n * int64(d.size), nil
}

// shapeString formats a shape as Python's repr of a tuple: "()", "(5,)",
// "(2, 3)".
func shapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// headerText returns the dictionary text numpy writes (before padding).
func headerText(descr string, fortran bool, shape []int) string {
	f := "False"
	if fortran {
		f = "True"
	}
	dt := "'" + descr + "'"
	if strings.HasPrefix(descr, "[") { // structured: a list literal, as numpy writes it
		dt = descr
	}
	s := "{'descr': " + dt + ", 'fortran_order': " + f + ", 'shape': " + shapeString(shape) + ", }"
	if len(shape) > 0 {
		// numpy leaves room to grow the first (C) or last (Fortran) axis
		// in place: GROWTH_AXIS_MAX_DIGITS = 21.
		g := shape[0]
		if fortran {
			g = shape[len(shape)-1]
		}
		if pad := 21 - len(strconv.Itoa(g)); pad > 0 {
			s += strings.Repeat(" ", pad)
		}
	}
	return s
}

// encodeHeader returns the complete header (magic, version, length, text
// padded to a multiple of 64 bytes with a final newline) exactly as
// numpy.lib.format writes it. major 0 picks the oldest version that fits,
// as numpy does; 1, 2 or 3 force a version.
func encodeHeader(d dtype, fortran bool, shape []int, major int) ([]byte, error) {
	text := headerText(d.String(), fortran, shape)
	if major == 0 {
		major = 1
		if hdrTotal(len(text), 1) > 65535 {
			major = 2
		}
	}
	if major < 1 || major > 3 {
		return nil, fmt.Errorf("format version %d.0 is not supported (want 1, 2 or 3)", major)
	}
	lenSize := 4
	if major == 1 {
		lenSize = 2
	}
	hlen := len(text) + 1
	padlen := 64 - ((8 + lenSize + hlen) % 64)
	if major == 1 && hlen+padlen > 65535 {
		return nil, fmt.Errorf("header of %d bytes too big for format version 1.0", hlen+padlen)
	}
	out := make([]byte, 0, 8+lenSize+hlen+padlen)
	out = append(out, magic...)
	out = append(out, byte(major), 0)
	if major == 1 {
		out = binary.LittleEndian.AppendUint16(out, uint16(hlen+padlen))
	} else {
		out = binary.LittleEndian.AppendUint32(out, uint32(hlen+padlen))
	}
	out = append(out, text...)
	for i := 0; i < padlen; i++ {
		out = append(out, ' ')
	}
	out = append(out, '\n')
	return out, nil
}

// hdrTotal returns the header length field for text of n bytes.
func hdrTotal(n, major int) int {
	lenSize := 4
	if major == 1 {
		lenSize = 2
	}
	hlen := n + 1
	return hlen + 64 - ((8 + lenSize + hlen) % 64)
}

// readHeader reads magic, version and header from r. limit is the number of
// bytes available (-1 if unknown). It returns the header, its dtype, the
// number of bytes consumed and the major version.
func readHeader(r io.Reader, limit int64) (Header, dtype, int64, int, error) {
	var h Header
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:8]); err != nil {
		return h, dtype{}, 0, 0, fmt.Errorf("reading the .npy magic: %w", eofUnexpected(err))
	}
	if string(pre[:6]) != magic {
		return h, dtype{}, 0, 0, fmt.Errorf("not a .npy file: starts with %q, want %q", pre[:6], magic)
	}
	major, minor := int(pre[6]), int(pre[7])
	if major < 1 || major > 3 || minor != 0 {
		return h, dtype{}, 0, 0, fmt.Errorf("unsupported .npy format version %d.%d (supported: 1.0, 2.0, 3.0)", major, minor)
	}
	var hlen int64
	consumed := int64(8)
	if major == 1 {
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return h, dtype{}, 0, 0, fmt.Errorf("reading the .npy header length: %w", eofUnexpected(err))
		}
		hlen = int64(binary.LittleEndian.Uint16(pre[8:10]))
		consumed += 2
	} else {
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return h, dtype{}, 0, 0, fmt.Errorf("reading the .npy header length: %w", eofUnexpected(err))
		}
		hlen = int64(binary.LittleEndian.Uint32(b[:]))
		consumed += 4
	}
	if hlen > maxHeaderLen {
		return h, dtype{}, 0, 0, fmt.Errorf("header length %d is larger than the %d bytes this reader accepts", hlen, maxHeaderLen)
	}
	if limit >= 0 && consumed+hlen > limit {
		return h, dtype{}, 0, 0, fmt.Errorf("header length %d exceeds the %d bytes available", hlen, limit-consumed)
	}
	buf := make([]byte, hlen)
	if _, err := io.ReadFull(r, buf); err != nil {
		return h, dtype{}, 0, 0, fmt.Errorf("reading the %d-byte .npy header: %w", hlen, eofUnexpected(err))
	}
	consumed += hlen
	var text string
	if major == 3 {
		if !utf8.Valid(buf) {
			return h, dtype{}, 0, 0, fmt.Errorf("version 3.0 header is not valid UTF-8")
		}
		text = string(buf)
	} else {
		// latin1: every byte is one code point; non-ASCII bytes can only
		// appear inside strings, which we reject below anyway.
		text = string(buf)
	}
	h, err := parseHeaderText(text)
	if err != nil {
		return h, dtype{}, 0, 0, err
	}
	d, err := parseDescr(h.Descr)
	if err != nil {
		return h, dtype{}, 0, 0, err
	}
	if _, err := h.DataBytes(); err != nil {
		return h, dtype{}, 0, 0, err
	}
	return h, d, consumed, major, nil
}

func eofUnexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseHeaderText parses the Python dict literal of a .npy header.
func parseHeaderText(s string) (Header, error) {
	p := &hparser{s: s}
	h, err := p.parse()
	if err != nil {
		q := s
		if len(q) > 200 {
			q = q[:200] + "..."
		}
		return Header{}, fmt.Errorf("bad .npy header %q: %w", q, err)
	}
	return h, nil
}

type hparser struct {
	s string
	i int
}

func (p *hparser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.i++
		default:
			return
		}
	}
}

func (p *hparser) peek() byte {
	p.ws()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *hparser) expect(c byte) error {
	if p.peek() != c {
		if p.i >= len(p.s) {
			return fmt.Errorf("expected %q at offset %d, found end of header", c, p.i)
		}
		return fmt.Errorf("expected %q at offset %d, found %q", c, p.i, p.s[p.i])
	}
	p.i++
	return nil
}

func (p *hparser) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", fmt.Errorf("expected a string at offset %d", p.i)
	}
	p.i++
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != q {
		if p.s[p.i] == '\\' || p.s[p.i] == '\n' {
			return "", fmt.Errorf("unsupported character in string at offset %d", p.i)
		}
		p.i++
	}
	if p.i >= len(p.s) {
		return "", fmt.Errorf("unterminated string at offset %d", start-1)
	}
	v := p.s[start:p.i]
	p.i++
	return v, nil
}

func (p *hparser) ident() string {
	p.ws()
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] >= 'a' && p.s[p.i] <= 'z' || p.s[p.i] >= 'A' && p.s[p.i] <= 'Z' || p.s[p.i] == '_') {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *hparser) parse() (Header, error) {
	var h Header
	if err := p.expect('{'); err != nil {
		return h, err
	}
	seen := map[string]bool{}
	for {
		if p.peek() == '}' {
			p.i++
			break
		}
		key, err := p.str()
		if err != nil {
			return h, err
		}
		if err := p.expect(':'); err != nil {
			return h, err
		}
		if seen[key] {
			return h, fmt.Errorf("key %q repeated", key)
		}
		seen[key] = true
		switch key {
		case "descr":
			if c := p.peek(); c == '[' {
				// A structured dtype of numeric fields (read as raw bytes).
				end := strings.IndexByte(p.s[p.i:], ']')
				if end < 0 {
					return h, fmt.Errorf("descr: unterminated list")
				}
				h.Descr = p.s[p.i : p.i+end+1]
				if _, err := parseDescr(h.Descr); err != nil {
					return h, err
				}
				p.i += end + 1
				break
			}
			if c := p.peek(); c == '(' {
				return h, fmt.Errorf("sub-array dtypes (descr %s...) are not supported", p.s[p.i:min(len(p.s), p.i+40)])
			}
			v, err := p.str()
			if err != nil {
				return h, fmt.Errorf("descr: %w", err)
			}
			h.Descr = v
		case "fortran_order":
			switch v := p.ident(); v {
			case "True":
				h.Fortran = true
			case "False":
				h.Fortran = false
			default:
				return h, fmt.Errorf("fortran_order is not a valid bool: %q", v)
			}
		case "shape":
			shape, err := p.shape()
			if err != nil {
				return h, fmt.Errorf("shape is not valid: %w", err)
			}
			h.Shape = shape
		default:
			return h, fmt.Errorf("unexpected key %q (want exactly 'descr', 'fortran_order', 'shape')", key)
		}
		if p.peek() == ',' {
			p.i++
			continue
		}
		if err := p.expect('}'); err != nil {
			return h, err
		}
		break
	}
	if p.peek() != 0 {
		return h, fmt.Errorf("unexpected text after the dictionary at offset %d", p.i)
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("missing key %q", k)
		}
	}
	return h, nil
}

func (p *hparser) shape() ([]int, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	shape := []int{}
	for {
		c := p.peek()
		if c == ')' {
			p.i++
			if len(shape) > 64 {
				return nil, fmt.Errorf("%d dimensions (at most 64 supported)", len(shape))
			}
			return shape, nil
		}
		if c < '0' || c > '9' {
			if c == '-' {
				return nil, fmt.Errorf("negative dimension at offset %d", p.i)
			}
			return nil, fmt.Errorf("expected a dimension at offset %d", p.i)
		}
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		v, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
		if err != nil || v > math.MaxInt64/2 || int64(int(v)) != v {
			return nil, fmt.Errorf("dimension %s too large", p.s[start:p.i])
		}
		if p.i < len(p.s) && (p.s[p.i] == 'L' || p.s[p.i] == 'l') { // Python 2 long
			p.i++
		}
		shape = append(shape, int(v))
		if len(shape) > 64 {
			return nil, fmt.Errorf("more than 64 dimensions")
		}
		if p.peek() == ',' {
			p.i++
			continue
		}
		if p.peek() != ')' {
			return nil, fmt.Errorf("expected ',' or ')' at offset %d", p.i)
		}
		if len(shape) == 1 {
			// (5) is not a tuple in Python.
			return nil, fmt.Errorf("(%d) is not a tuple", shape[0])
		}
	}
}

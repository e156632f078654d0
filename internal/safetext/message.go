package safetext

import (
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Message makes free text that may quote untrusted names (an error
// message, a warning, a report line) safe to print: newlines and tabs are
// kept, every other non-printable rune is written as its Go escape (\x1b,
// \u202e) and every invalid byte as \xHH, in place, without quoting the
// whole text. Clean text is returned unchanged.
func Message(s string) string {
	clean := true
	for _, r := range s {
		if r != '\n' && r != '\t' && (r == utf8.RuneError || !strconv.IsPrint(r)) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	out := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			out = fmt.Appendf(out, `\x%02x`, s[i])
		case r == '\n' || r == '\t' || (r != utf8.RuneError && strconv.IsPrint(r)):
			out = append(out, s[i:i+n]...)
		default:
			q := strconv.QuoteRune(r) // '\x1b', '\u202e'
			out = append(out, q[1:len(q)-1]...)
		}
		i += n
	}
	return string(out)
}

// JSON rewrites JSON text (as encoding/json writes it: valid UTF-8) so
// that it is safe to print: every non-printable rune other than the
// structural whitespace becomes a \uXXXX escape. Such runes can only be
// inside strings, where the escape decodes to the same rune, so the
// document's data are unchanged (encoding/json itself leaves U+202E, C1
// controls and U+007F raw).
func JSON(b []byte) []byte {
	dirty := false
	for _, r := range string(b) {
		if r != '\n' && r != '\t' && r != '\r' && !strconv.IsPrint(r) {
			dirty = true
			break
		}
	}
	if !dirty {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for _, r := range string(b) {
		if r == '\n' || r == '\t' || r == '\r' || strconv.IsPrint(r) {
			out = utf8.AppendRune(out, r)
			continue
		}
		if r > 0xffff {
			a, c := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, a, c)
			continue
		}
		out = fmt.Appendf(out, `\u%04x`, r)
	}
	return out
}

// JSONWriter returns a writer that passes each Write through JSON (use it
// under a json.Encoder, which writes whole values).
func JSONWriter(w io.Writer) io.Writer { return &jsonWriter{w} }

type jsonWriter struct {
	w io.Writer
}

func (j *jsonWriter) Write(p []byte) (int, error) {
	if _, err := j.w.Write(JSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// MessageWriter returns a writer that passes each Write through Message
// (for report text printed with fmt.Fprintf, one Write per call; never
// for output that carries intended control sequences, such as progress
// bars).
func MessageWriter(w io.Writer) io.Writer { return &messageWriter{w} }

type messageWriter struct {
	w io.Writer
}

func (m *messageWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(m.w, Message(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

package safetext

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"20210115_252MEA_mouse_left_half_ventral", "20210115_252MEA_mouse_left_half_ventral"},
		{"Zürich café 日本", "Zürich café 日本"},
		{"a b", "a b"},
		{"\x1b[2J\x1b[H\x1b]0;owned\aok", `"\x1b[2J\x1b[H\x1b]0;owned\aok"`},
		{"evil\u202etxt.zip", `"evil\u202etxt.zip"`},
		{"line\nbreak", `"line\nbreak"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{"csi\u009b31m", `"csi\u009b31m"`},
		{"del\x7f", `"del\x7f"`},
		{"nbsp\u00a0", `"nbsp\u00a0"`},
		{"", ""},
	}
	for _, c := range cases {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// FuzzEscape checks the promise: the output has no control, format or
// invalid byte, and survives a JSON round trip unchanged.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"plain", "\x1b]0;x\a", "\xff\xfe", "\u202e", "tab\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if !utf8.ValidString(e) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		for _, r := range e {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("control rune %U in %q", r, e)
			}
		}
		b, _ := json.Marshal(e)
		var back string
		if err := json.Unmarshal(b, &back); err != nil || back != e {
			t.Fatalf("JSON round trip of %q: %q %v", e, back, err)
		}
		if Clean(s) != (e == s) && !strings.HasPrefix(e, `"`) {
			t.Fatalf("Clean/Escape disagree on %q", s)
		}
	})
}

package safetext

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMessage(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain error: file x.mat\n  next line\tok", "plain error: file x.mat\n  next line\tok"},
		{"open \x1b[2J\x1b]0;owned\a/x: bad", `open \x1b[2J\x1b]0;owned\a/x: bad`},
		{"evil\u202etxt", `evil\u202etxt`},
		{"bad\xffbyte", `bad\xffbyte`},
		{"csi\u009b31m del\x7f", `csi\u009b31m del\x7f`},
	}
	for _, c := range cases {
		if got := Message(c.in); got != c.want {
			t.Errorf("Message(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestJSON(t *testing.T) {
	v := map[string]string{"name": "a\x1b[2J\u202e\u009b\x7f\U0001F600b\n"}
	b, _ := json.Marshal(v)
	safe := JSON(b)
	for _, r := range string(safe) {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x202e {
			t.Fatalf("%q left raw in %s", r, safe)
		}
	}
	var back map[string]string
	if err := json.Unmarshal(safe, &back); err != nil || back["name"] != v["name"] {
		t.Fatalf("data changed: %v %q", err, back["name"])
	}
	if !strings.Contains(string(safe), "\U0001F600") {
		t.Errorf("printable emoji escaped: %s", safe)
	}
}

// FuzzMessage: Message never lets a non-printable rune other than newline
// and tab through, and leaves clean text alone.
func FuzzMessage(f *testing.F) {
	for _, s := range []string{"", "ok\n", "\x1b[2J\a", "a\u202eb", "\xff\xfe", "\u009b31m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := Message(s)
		for _, r := range m {
			if r != '\n' && r != '\t' && (r == utf8.RuneError || !strconv.IsPrint(r)) {
				t.Fatalf("Message(%q) = %q keeps %U", s, m, r)
			}
		}
		if Clean(strings.NewReplacer("\n", "", "\t", "").Replace(s)) && m != s {
			t.Fatalf("clean %q changed to %q", s, m)
		}
	})
}

// FuzzJSON: JSON of a marshalled string has no non-printable rune outside
// JSON's whitespace and decodes to the same value.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{"", "ok", "\x1b[2J\a", "a\u202eb", "\u009b", "\U0001F600\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := json.Marshal(map[string]string{"k": s})
		if err != nil {
			return
		}
		safe := JSON(b)
		for _, r := range string(safe) {
			if r != '\n' && r != '\t' && r != '\r' && !strconv.IsPrint(r) {
				t.Fatalf("JSON keeps %U in %s", r, safe)
			}
		}
		var a, c map[string]string
		json.Unmarshal(b, &a)
		if err := json.Unmarshal(safe, &c); err != nil || a["k"] != c["k"] {
			t.Fatalf("value changed: %v %q %q", err, a["k"], c["k"])
		}
	})
}

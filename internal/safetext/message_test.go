package safetext

import (
	"encoding/json"
	"strings"
	"testing"
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

package clips

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzParseClipIndices: no panic on any text; what parses prints back to
// the same numbers, and NewPlan on it never panics.
func FuzzParseClipIndices(f *testing.F) {
	for _, s := range []string{"3,7,12", "", " 1 , 2", "3,,4", "-1", "99999999999999999999", "0x10", "1,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		idx, err := ParseClipIndices(s)
		if err != nil {
			return
		}
		parts := make([]string, len(idx))
		for i, v := range idx {
			parts[i] = strconv.Itoa(v)
		}
		again, err := ParseClipIndices(strings.Join(parts, ","))
		if err != nil || len(again) != len(idx) {
			t.Fatalf("%q -> %v -> %v %v", s, idx, again, err)
		}
		for i := range idx {
			if again[i] != idx[i] {
				t.Fatalf("%q -> %v -> %v", s, idx, again)
			}
		}
		if p, err := NewPlan(1000, Options{ClipLength: 7, ValClipIndices: idx}); err == nil && len(p.Val)+len(p.Train) != p.NumClips {
			t.Fatalf("%v: plan %+v", idx, p)
		}
	})
}

// Package version tells which retinaio made an output: the module version
// when the binary was installed with 'go install ...@vX.Y.Z', else "devel"
// and the VCS revision it was built from.
package version

import (
	"runtime/debug"
	"sync"
)

// Name is the tool's name, recorded as "tool" in manifests and in stimulus
// cache provenance.
const Name = "retinaio"

// Override, when set (go build -ldflags "-X
// github.com/retinaio/retinaio/internal/version.Override=1.2.3"), is
// returned by String as is.
var Override string

var once = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return fromBuildInfo(info)
})

// String returns the tool version recorded in manifests and cache
// provenance: Override if set; the main module's version when it is a
// release ("v0.2.0", as 'go install ...@v0.2.0' records it); otherwise
// "devel", followed by "+<vcs revision>" (12 hex digits) and "-dirty" for
// a modified work tree when the build recorded them.
func String() string {
	if Override != "" {
		return Override
	}
	return once()
}

func fromBuildInfo(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	out := "devel"
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev != "" {
		out += "+" + rev[:min(12, len(rev))] + dirty
	}
	return out
}

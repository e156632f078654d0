package version

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	for _, c := range []struct {
		info debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v0.3.1"}}, "v0.3.1"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "false"}}}, "devel+0123456789ab"},
		{debug.BuildInfo{Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}}, "devel+abc-dirty"},
	} {
		if got := fromBuildInfo(&c.info); got != c.want {
			t.Errorf("fromBuildInfo(%+v) = %q, want %q", c.info, got, c.want)
		}
	}
}

func TestOverride(t *testing.T) {
	defer func(o string) { Override = o }(Override)
	Override = "1.2.3"
	if got := String(); got != "1.2.3" {
		t.Errorf("String() = %q with Override set", got)
	}
	Override = ""
	if got := String(); got == "" || got == "0.1.0-dev" {
		t.Errorf("String() = %q", got)
	}
}

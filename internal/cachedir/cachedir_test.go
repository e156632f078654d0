package cachedir

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRoot(t *testing.T) {
	t.Setenv(Env, "rel/cache")
	got, err := Root()
	wd, _ := os.Getwd()
	if err != nil || got != filepath.Join(wd, "rel", "cache") {
		t.Errorf("Root() with a relative %s = %q, %v; want it made absolute", Env, got, err)
	}
	t.Setenv(Env, "")
	t.Setenv("XDG_CACHE_HOME", "/x/cache")
	t.Setenv("HOME", "/x/home")
	if got, err := Root(); err != nil || (got != "/x/cache/retinaio" && filepath.Base(got) != "retinaio") {
		t.Errorf("Root() = %q, %v; want <user cache>/retinaio", got, err)
	}
}

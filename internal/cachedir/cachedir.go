// Package cachedir names retinaio's cache root, shared by the downloads
// (package hub) and the loaders' unpacked zips and stimulus caches
// (package karamanlis).
package cachedir

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/retinaio/retinaio/internal/version"
)

// Env is the environment variable that overrides the cache root.
const Env = "RETINAIO_CACHE"

// Root returns the cache root: $RETINAIO_CACHE (made absolute), else the OS
// user cache folder + "/retinaio" (~/.cache/retinaio on Linux,
// ~/Library/Caches/retinaio on macOS, %LocalAppData%\retinaio on Windows).
// It fails only when neither is available.
func Root() (string, error) {
	if d := os.Getenv(Env); d != "" {
		return filepath.Abs(d)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder: set %s (%w)", Env, err)
	}
	return filepath.Join(d, version.Name), nil
}

// Package safedir creates folders below a trusted root (a cache) without
// following symbolic links: in a shared cache another user could plant a
// link that sends writes outside it.
package safedir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/retinaio/retinaio/internal/safetext"
)

// ErrLink is wrapped by errors for a symbolic link found where a folder
// was expected.
var ErrLink = errors.New("symbolic link refused")

// MkdirAll creates dir, which must be root or inside it, and its parents
// below root. The root itself may be a link (the user chose it); any
// existing component between root and dir, dir included, that is a
// symbolic link (or not a folder) is refused. Creation goes through an
// os.Root opened on root.
func MkdirAll(root, dir string) error {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(absRoot, absDir)
	if err != nil || (rel != "." && !filepath.IsLocal(rel)) {
		return fmt.Errorf("%s is not inside %s", safetext.Escape(absDir), safetext.Escape(absRoot))
	}
	if err := os.MkdirAll(absRoot, 0o755); err != nil {
		return err
	}
	r, err := os.OpenRoot(absRoot)
	if err != nil {
		return err
	}
	defer r.Close()
	cur := ""
	for _, c := range strings.Split(rel, string(filepath.Separator)) {
		if c == "." || c == "" {
			continue
		}
		cur = filepath.Join(cur, c)
		fi, err := r.Lstat(cur)
		if errors.Is(err, os.ErrNotExist) {
			if err := r.Mkdir(cur, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
				return err
			}
			if fi, err = r.Lstat(cur); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%s: %w (a link inside %s could send files elsewhere; remove it, or point the cache at the real folder)", safetext.Escape(filepath.Join(absRoot, cur)), ErrLink, safetext.Escape(absRoot))
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a folder", safetext.Escape(filepath.Join(absRoot, cur)))
		}
	}
	return nil
}

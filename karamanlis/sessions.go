package karamanlis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/retinaio/retinaio/safezip"
)

// Session is one recorded retina piece: a folder or a <name>.zip.
type Session struct {
	// Name is the folder name, or the zip's name without ".zip"; it is the
	// key of LoadAllStimuli and LoadAllResponses.
	Name string
	// Path is the folder or the zip.
	Path string
	// Zip reports that Path is a .zip archive.
	Zip bool
}

// ListSessions lists the sessions below the local folder root whose name
// contains species: sub-folders and <session>.zip files, sorted by name.
// When a folder and a zip of the same name both exist, the folder is used.
// A link that cannot be followed (not named .zip) is listed as a folder
// unless a zip of its name exists, so that reading it fails naming it.
// An empty species lists every session.
func ListSessions(root string, species Species) ([]Session, error) {
	if looksLikeURL(root) {
		return nil, errRemote(root)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	byName := map[string]Session{}
	var broken []Session // links to folders (not .zip) that cannot be followed
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || name == "__MACOSX" || !MatchesSpecies(name, species) {
			continue
		}
		p := filepath.Join(root, name)
		isDir := e.IsDir()
		if e.Type()&os.ModeSymlink != 0 {
			st, err := os.Stat(p)
			if err == nil {
				isDir = st.IsDir()
			} else if !strings.HasSuffix(strings.ToLower(name), ".zip") {
				// Target gone or not permitted: listed, not dropped, so
				// that reading the session fails naming it.
				broken = append(broken, Session{Name: name, Path: p})
				continue
			}
		}
		switch {
		case isDir:
			byName[name] = Session{Name: name, Path: p}
		case strings.HasSuffix(strings.ToLower(name), ".zip"):
			key := name[:len(name)-4]
			if _, ok := byName[key]; ok {
				continue
			}
			byName[key] = Session{Name: key, Path: p, Zip: true}
		}
	}
	for _, s := range broken {
		if _, ok := byName[s.Name]; !ok { // a zip of the same name is used
			byName[s.Name] = s
		}
	}
	out := make([]Session, 0, len(byName))
	for _, s := range byName {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) == 0 {
		msg := fmt.Sprintf("no session folders or .zip files for species %q found in %s", species, root)
		if ign := IgnoredSessions(root, species); len(ign) > 0 {
			return nil, fmt.Errorf("%s: %d session(s) there have no species word in their name (%s); a session's name must contain its species (mouse or marmoset): rename them, or pass one session folder or zip itself", msg, len(ign), strings.Join(ign, ", "))
		}
		return nil, fmt.Errorf("%s: check the path and the species, and that the data files are there", msg)
	}
	return out, nil
}

// IgnoredSessions lists, by name, the entries of root that look like
// sessions (a .zip, or a folder holding *_data.mat files) but that
// ListSessions leaves out because their name contains no species word at
// all (neither mouse nor marmoset; sessions of the other species are left
// out on purpose and not listed). Callers print them as a hint; nil when
// root is not a folder.
func IgnoredSessions(root string, species Species) []string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || name == "__MACOSX" || MatchesSpecies(name, species) || SpeciesOf(name) != "" {
			continue
		}
		p := filepath.Join(root, name)
		if strings.HasSuffix(strings.ToLower(name), ".zip") || IsSessionFolder(p) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// FindSessions is ListSessions that also accepts a single session: a .zip
// file, or a folder holding *_data.mat files (or openretina caches)
// directly, which is returned whatever its name.
func FindSessions(root string, species Species) ([]Session, error) {
	if looksLikeURL(root) {
		return nil, errRemote(root)
	}
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	clean := filepath.Clean(root)
	if !st.IsDir() {
		if strings.HasSuffix(strings.ToLower(clean), ".zip") {
			base := filepath.Base(clean)
			return []Session{{Name: base[:len(base)-4], Path: clean, Zip: true}}, nil
		}
		return nil, fmt.Errorf("%s is neither a folder nor a .zip session", root)
	}
	if IsSessionFolder(clean) {
		abs, _ := filepath.Abs(clean)
		return []Session{{Name: filepath.Base(abs), Path: clean}}, nil
	}
	return ListSessions(clean, species)
}

// IsSessionFolder reports whether dir directly holds session files
// (*_data.mat or stimulus caches, see IsStimulusCache).
func IsSessionFolder(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() {
			continue
		}
		if strings.HasSuffix(n, DataFileSuffix) || IsStimulusCache(n) {
			return true
		}
	}
	return false
}

// SessionFolder returns the folder holding a session's files: the session
// path itself, or for a zip the folder it is unpacked into below
// cacheDir/unpacked (unpacked once, reused afterwards; the zip is never
// modified or deleted).
func SessionFolder(ctx context.Context, sessionPath, cacheDir string) (string, error) {
	if looksLikeURL(sessionPath) {
		return "", errRemote(sessionPath)
	}
	if !strings.HasSuffix(strings.ToLower(sessionPath), ".zip") {
		st, err := os.Stat(sessionPath)
		if err != nil {
			return "", fmt.Errorf("session: %w", err)
		}
		if !st.IsDir() {
			return "", fmt.Errorf("session %s is neither a folder nor a .zip", sessionPath)
		}
		return sessionPath, nil
	}
	if cacheDir == "" {
		cacheDir = DefaultCacheDir()
	}
	dest := filepath.Join(cacheDir, "unpacked", pathKey(sessionPath))
	// Root: a link planted anywhere between the cache root and dest (say
	// cacheDir/unpacked in a shared cache) is refused.
	top, err := safezip.UnpackWith(ctx, sessionPath, dest, safezip.UnpackOptions{Root: cacheDir})
	if err != nil {
		if strings.Contains(err.Error(), sessionPath) { // safezip names the zip: say it once
			return "", fmt.Errorf("unpack into %s: %w", dest, err)
		}
		return "", fmt.Errorf("unpack session %s into %s: %w", sessionPath, dest, err)
	}
	return top, nil
}

// pathKey names a per-source folder in the cache: the base name and a short
// hash of the absolute path, so that equal names from different roots do
// not collide.
func pathKey(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	h := sha256.Sum256([]byte(abs))
	base := filepath.Base(abs)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	return base + "-" + hex.EncodeToString(h[:4])
}

// FindDataFile returns the session folder's <stim>_data.mat ("" when
// absent); more than one is an error, as in openretina's responses loader.
func FindDataFile(folder string, stim StimType) (string, error) {
	entries, err := os.ReadDir(folder)
	if err != nil {
		return "", fmt.Errorf("read session folder: %w", err)
	}
	suffix := DataFileName(stim)
	var found []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), suffix) && !strings.HasPrefix(e.Name(), ".") {
			found = append(found, e.Name())
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		p := filepath.Join(folder, found[0])
		if err := checkRegular(p); err != nil {
			return "", &InputError{File: p, Problem: "cannot be opened", Err: err}
		}
		return p, nil
	}
	return "", fmt.Errorf("multiple files with postfix %s found in folder %s: %s; keep one", suffix, folder, strings.Join(found, ", "))
}

// looksLikeURL reports a root written as a URL (scheme://...), which
// this package cannot read: the caller resolves it (package hub) first.
func looksLikeURL(root string) bool {
	scheme, _, ok := strings.Cut(root, "://")
	if !ok || scheme == "" {
		return false
	}
	for _, c := range scheme {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// ErrRemote is wrapped when a URL is given where a local path is needed:
// this package reads local folders and zips only. Resolve a mirror URL into
// a local folder first (package hub, or 'retinaio fetch').
var ErrRemote = errors.New("a URL where a local path is needed")

func errRemote(root string) error {
	return fmt.Errorf("%w: %s: download the sessions first (package hub resolves a mirror URL into a local folder)", ErrRemote, root)
}

// sessionDataFile opens a session (SessionFolder) and finds its
// <stim>_data.mat (FindDataFile; "" when there is none).
func sessionDataFile(ctx context.Context, sessionPath, cacheDir string, stim StimType) (folder, matPath string, err error) {
	folder, err = SessionFolder(ctx, sessionPath, cacheDir)
	if err != nil {
		return "", "", err
	}
	matPath, err = FindDataFile(folder, stim)
	return folder, matPath, err
}

package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/retinaio/retinaio/internal/atomicfile"
	"github.com/retinaio/retinaio/internal/cachedir"
	"github.com/retinaio/retinaio/internal/progress"
	"github.com/retinaio/retinaio/internal/safedir"
	"github.com/retinaio/retinaio/internal/safetext"
	"github.com/retinaio/retinaio/karamanlis"
)

// IsRemote reports whether root is a URL (http://, https:// or hf://)
// rather than a local path.
func IsRemote(root string) bool {
	r := strings.ToLower(root)
	return strings.HasPrefix(r, "https://") || strings.HasPrefix(r, "http://") || strings.HasPrefix(r, "hf://")
}

// Location is a parsed data-root URL.
type Location struct {
	Source   string // SourceHF or SourceGIN
	Endpoint string // scheme://host of the URL ("" for hf://)
	Repo     string // owner/name
	Revision string
	Path     string // folder inside the repository
}

// ParseURL parses a Hugging Face dataset folder URL
// (https://huggingface.co/datasets/OWNER/NAME/tree/REVISION/PATH, also with
// blob/resolve instead of tree, or hf://datasets/OWNER/NAME[@REVISION]/PATH)
// or a GIN folder URL (https://gin.g-node.org/OWNER/NAME/src|raw/BRANCH/PATH).
func ParseURL(root string) (Location, error) {
	if rest, ok := strings.CutPrefix(root, "hf://"); ok {
		rest = strings.TrimPrefix(rest, "datasets/")
		parts := strings.SplitN(strings.Trim(rest, "/"), "/", 3)
		if len(parts) < 2 {
			return Location{}, fmt.Errorf("%s: expected hf://datasets/OWNER/NAME/PATH", q(root))
		}
		name, rev, _ := strings.Cut(parts[1], "@")
		if rev == "" {
			rev = DefaultRevision
		}
		loc := Location{Source: SourceHF, Repo: parts[0] + "/" + name, Revision: rev}
		if len(parts) == 3 {
			loc.Path = parts[2]
		}
		return loc, nil
	}
	u, err := url.Parse(root)
	if err != nil || u.Host == "" {
		return Location{}, fmt.Errorf("%s: not a URL", q(root))
	}
	ep := u.Scheme + "://" + u.Host
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i, s := range segs {
		if v, err := url.PathUnescape(s); err == nil {
			segs[i] = v
		}
	}
	if len(segs) >= 3 && segs[0] == "datasets" {
		loc := Location{Source: SourceHF, Endpoint: ep, Repo: segs[1] + "/" + segs[2], Revision: DefaultRevision}
		if len(segs) >= 5 && (segs[3] == "tree" || segs[3] == "blob" || segs[3] == "resolve") {
			loc.Revision = segs[4]
			loc.Path = strings.Join(segs[5:], "/")
		} else if len(segs) > 3 {
			return Location{}, fmt.Errorf("%s: expected .../datasets/OWNER/NAME/tree/REVISION/PATH", q(root))
		}
		return loc, nil
	}
	if strings.Contains(u.Host, "gin.g-node.org") || (len(segs) >= 4 && (segs[2] == "src" || segs[2] == "raw")) {
		if len(segs) < 2 {
			return Location{}, fmt.Errorf("%s: expected https://gin.g-node.org/OWNER/NAME/src/BRANCH/PATH", q(root))
		}
		loc := Location{Source: SourceGIN, Endpoint: ep, Repo: segs[0] + "/" + segs[1], Revision: GINBranch}
		if len(segs) >= 4 && (segs[2] == "src" || segs[2] == "raw") {
			loc.Revision = segs[3]
			if segs[3] == "branch" && len(segs) >= 5 { // /src/branch/master/...
				loc.Revision = segs[4]
				segs = append(segs[:3], segs[4:]...)
			}
			loc.Path = strings.Join(segs[4:], "/")
		}
		return loc, nil
	}
	return Location{}, fmt.Errorf("%s: not a Hugging Face dataset URL (https://huggingface.co/datasets/OWNER/NAME/tree/REVISION/PATH) or a GIN URL", q(root))
}

// CacheDir returns the cache root: $RETINAIO_CACHE, else the OS user cache
// folder + "/retinaio" (~/.cache/retinaio on Linux, ~/Library/Caches/retinaio
// on macOS, %LocalAppData%\retinaio on Windows).
func CacheDir() (string, error) { return cachedir.Root() }

// LocalDir returns the cache folder for the client's repository, revision
// and folder: CACHE/hf/datasets/OWNER/NAME/REVISION/PATH (or CACHE/gin/...)
// for the default endpoint, CACHE/hf@HOST/datasets/... (CACHE/gin@HOST/...)
// for any other, so that files served by one host are never taken for
// another's.
func (c *Client) LocalDir(cache string) string {
	parts := []string{cache}
	def := DefaultEndpoint
	kind := "hf"
	if c.source() == SourceGIN {
		def, kind = GINEndpoint, "gin"
	}
	if !sameOrigin(c.endpoint(), def) {
		o := strings.TrimPrefix(strings.TrimPrefix(origin(c.endpoint()), "https://"), "http://")
		if strings.HasPrefix(origin(c.endpoint()), "http://") {
			o = "http-" + o
		}
		kind += "@" + safeSeg(o)
	}
	parts = append(parts, kind)
	if c.source() != SourceGIN {
		parts = append(parts, "datasets")
	}
	parts = append(parts, strings.Split(c.repo(), "/")...)
	parts = append(parts, safeSeg(c.revision()))
	if p := c.path(); p != "" {
		for _, s := range strings.Split(p, "/") {
			parts = append(parts, safeSeg(s))
		}
	}
	return filepath.Join(parts...)
}

func safeSeg(s string) string {
	s = strings.NewReplacer("/", "_", `\`, "_", ":", "_").Replace(s)
	if !safetext.Clean(s) {
		s = strings.Map(func(r rune) rune {
			if safetext.Clean(string(r)) {
				return r
			}
			return '_'
		}, s)
	}
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	return s
}

// ListingFile is the name of the saved listing inside a local folder.
const ListingFile = ".retinaio-listing.json"

type savedListing struct {
	Endpoint string       `json:"endpoint"`
	Files    []RemoteFile `json:"files"`
}

// SaveListing stores a listing next to the downloads, so later runs know
// what is needed without asking the server. It records no endpoint; see
// Client.SaveListing.
func SaveListing(dir string, files []RemoteFile) error {
	return saveListing(dir, "", files)
}

// SaveListing stores a listing made by this client, recording its
// endpoint.
func (c *Client) SaveListing(dir string, files []RemoteFile) error {
	return saveListing(dir, c.endpoint(), files)
}

func saveListing(dir, endpoint string, files []RemoteFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return diskFull(err, dir)
	}
	b, _ := json.MarshalIndent(savedListing{Endpoint: endpoint, Files: files}, "", "  ")
	return diskFull(atomicfile.WriteFile(filepath.Join(dir, ListingFile), append(b, '\n')), dir)
}

// LoadListing reads a listing saved by SaveListing; ok is false when there
// is none.
func LoadListing(dir string) (files []RemoteFile, ok bool, err error) {
	files, _, ok, err = LoadListingFrom(dir)
	return files, ok, err
}

// LoadListingFrom is LoadListing that also returns the endpoint the
// listing came from ("" for a listing saved by an older retinaio).
func LoadListingFrom(dir string) (files []RemoteFile, endpoint string, ok bool, err error) {
	p := filepath.Join(dir, ListingFile)
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", false, err
	}
	files, endpoint, err = parseListing(b)
	if err != nil {
		return nil, "", false, fmt.Errorf("%s: %w (delete it to list again)", q(p), err)
	}
	return files, endpoint, true, nil
}

// parseListing accepts the current format and the older bare array.
func parseListing(b []byte) ([]RemoteFile, string, error) {
	var sl savedListing
	if err := json.Unmarshal(b, &sl); err == nil {
		return sl.Files, sl.Endpoint, nil
	}
	var files []RemoteFile
	if err := json.Unmarshal(b, &files); err != nil {
		return nil, "", err
	}
	return files, "", nil
}

// SessionName returns the session name of a listed zip ("" if the file is
// not a session zip directly inside folder).
func SessionName(f RemoteFile, folder string) string {
	dir := path.Dir(f.Path)
	if dir == "." {
		dir = ""
	}
	if dir != strings.Trim(folder, "/") || !strings.HasSuffix(f.Path, ".zip") {
		return ""
	}
	// The name becomes a local file name: no separators, no hidden or
	// special names.
	base := path.Base(f.Path)
	if strings.ContainsAny(base, `\:`) || strings.HasPrefix(base, ".") || base == ".zip" {
		return ""
	}
	return strings.TrimSuffix(base, ".zip")
}

// Select returns the session zips of a listing inside folder that match
// species ("" = any; karamanlis.MatchesSpecies) and, when
// sessions is not empty, whose names are in sessions (with or without
// ".zip"). A requested session absent from the listing is an error.
func Select(files []RemoteFile, folder, species string, sessions []string) ([]RemoteFile, error) {
	want := map[string]bool{}
	for _, s := range sessions {
		want[strings.TrimSuffix(s, ".zip")] = true
	}
	var out []RemoteFile
	found := map[string]bool{}
	var all []string
	for _, f := range files {
		name := SessionName(f, folder)
		if name == "" {
			continue
		}
		all = append(all, name)
		if !karamanlis.MatchesSpecies(name, karamanlis.Species(species)) {
			continue
		}
		if len(want) > 0 && !want[name] {
			continue
		}
		found[name] = true
		out = append(out, f)
	}
	var missing []string
	for s := range want {
		if !found[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("session(s) %s not in the listing (%w); available: %s", strings.Join(safetext.Escapes(missing), ", "), ErrNotFound, strings.Join(safetext.Escapes(all), ", "))
	}
	return out, nil
}

// ResolveOptions configures Resolve.
type ResolveOptions struct {
	Species  string    // "mouse", "marmoset" or "" for every session
	Sessions []string  // session names; empty = every session of Species
	CacheDir string    // default CacheDir()
	Client   *Client   // default FromEnv(); repository, revision and folder come from the URL
	Jobs     int       // parallel downloads, default 2
	Progress io.Writer // where a progress bar may be drawn (a terminal), nil for none
}

// ClientFor returns a copy of base (FromEnv() if nil) pointed at the
// repository, revision and folder of loc. The endpoint comes from the URL,
// except that a huggingface.co URL keeps base's endpoint when one is set
// (HF_ENDPOINT), so that mirrors and test servers work with the usual URL.
// The token is kept only when the resulting endpoint is base's configured
// endpoint (HF_ENDPOINT or the default): a URL naming another host gets no
// token.
func ClientFor(base *Client, loc Location) *Client {
	if base == nil {
		base = FromEnv()
	}
	configured := base.endpoint()
	c := *base
	defer func() {
		if !sameOrigin(c.endpoint(), configured) {
			c.Token = ""
		}
	}()
	c.Source = loc.Source
	c.Repo = loc.Repo
	c.Revision = loc.Revision
	c.Path = loc.Path
	official := loc.Endpoint == "" || hostOf(loc.Endpoint) == "huggingface.co"
	if !(official && c.Endpoint != "" && loc.Source == SourceHF) {
		if loc.Endpoint != "" {
			c.Endpoint = loc.Endpoint
		} else if loc.Source == SourceHF {
			c.Endpoint = ""
		}
	}
	return &c
}

// Resolve turns a data root URL (see ParseURL) into a local folder holding
// the needed session zips, "<session>.zip", fetching what is missing.
//
// The folder is the cache folder LocalDir(CacheDir), created without
// following symbolic links below the cache root (a link there is refused,
// wrapping safedir.ErrLink). The listing of the
// remote folder is saved there; when it is present and every selected zip is
// in the cache, Resolve makes no request at all, so it works offline and
// with the server down. Otherwise it lists the folder again (saving the new
// listing), reuses matching zips from OPENRETINA_CACHE_DIRECTORY (hard link
// or copy, after checking size and sha256) and downloads the rest. With
// Client.Offline (HF_HUB_OFFLINE=1) a missing file is an error wrapping
// ErrOffline that lists what is missing.
func Resolve(ctx context.Context, root string, opts ResolveOptions) (string, error) {
	loc, err := ParseURL(root)
	if err != nil {
		return "", err
	}
	c := ClientFor(opts.Client, loc)
	cache := opts.CacheDir
	if cache == "" {
		if cache, err = CacheDir(); err != nil {
			return "", err
		}
	}
	dir := c.LocalDir(cache)
	// No symbolic link between the cache root and the folder: in a shared
	// cache it could send downloads elsewhere.
	if err := safedir.MkdirAll(cache, dir); err != nil {
		return "", diskFull(err, dir)
	}
	sel, err := c.Needed(ctx, dir, opts.Species, opts.Sessions)
	if err != nil {
		return "", err
	}
	if err := c.FetchAll(ctx, sel, dir, opts.Jobs, opts.Progress); err != nil {
		return "", err
	}
	return dir, nil
}

// Needed returns the selected session files, from the listing saved in dir
// when it already names every requested session and all of them are
// cached (no request), else from a fresh listing (saved to dir).
func (c *Client) Needed(ctx context.Context, dir, species string, sessions []string) ([]RemoteFile, error) {
	if c.source() == SourceGIN {
		return c.ginFiles(sessions)
	}
	saved, from, ok, err := LoadListingFrom(dir)
	if err != nil {
		return nil, err
	}
	// A listing from another endpoint (or of unknown origin) is not used
	// without asking the server, except offline.
	if ok && from != c.endpoint() && !c.Offline {
		ok = false
	}
	if ok {
		sel, serr := Select(saved, c.path(), species, sessions)
		if serr == nil && len(sel) > 0 && len(c.Missing(sel, dir)) == 0 {
			return sel, nil
		}
		if c.Offline {
			if serr != nil {
				return nil, fmt.Errorf("%w: %v (listing saved in %s)", ErrOffline, serr, q(dir))
			}
			return sel, nil // FetchAll reports what is missing
		}
	}
	if c.Offline {
		return nil, fmt.Errorf("%w: no saved listing of %s/%s in %s and the network is off; run 'retinaio fetch' once with network access", ErrOffline, q(c.repo()), q(c.path()), q(dir))
	}
	files, err := c.List(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.SaveListing(dir, files); err != nil {
		return nil, err
	}
	sel, err := Select(files, c.path(), species, sessions)
	if err != nil {
		return nil, err
	}
	if len(sel) == 0 {
		return nil, fmt.Errorf("no session zips for species %q in %s/%s at %s", species, q(c.repo()), q(c.path()), q(c.revision()))
	}
	return sel, nil
}

// Listing returns the remote folder's listing: fresh from the server
// (then saved in dir), or, offline, the one saved in dir (an error
// wrapping ErrOffline when there is none). For GIN, which cannot be
// listed, it returns an error.
func (c *Client) Listing(ctx context.Context, dir string) ([]RemoteFile, error) {
	if c.Offline {
		files, _, ok, err := LoadListingFrom(dir)
		if err == nil && !ok {
			err = fmt.Errorf("%w: no saved listing in %s; run 'retinaio fetch --list' once with network access", ErrOffline, q(dir))
		}
		return files, err
	}
	files, err := c.List(ctx)
	if err != nil {
		return nil, err
	}
	return files, c.SaveListing(dir, files)
}

// Sessions returns the session zips to fetch: for GIN the named sessions
// (which must be given), else the selection (see Select) from Listing.
func (c *Client) Sessions(ctx context.Context, dir, species string, sessions []string) ([]RemoteFile, error) {
	if c.source() == SourceGIN {
		return c.ginFiles(sessions)
	}
	files, err := c.Listing(ctx, dir)
	if err != nil {
		return nil, err
	}
	return Select(files, c.path(), species, sessions)
}

func (c *Client) ginFiles(sessions []string) ([]RemoteFile, error) {
	if len(sessions) == 0 {
		return nil, fmt.Errorf("GIN (%s): name the sessions to fetch (--session NAME); the GIN listing is not supported", q(c.repo()))
	}
	var out []RemoteFile
	for _, s := range sessions {
		p := strings.TrimSuffix(s, ".zip") + ".zip"
		if c.path() != "" {
			p = c.path() + "/" + p
		}
		out = append(out, RemoteFile{Path: p, Size: -1})
	}
	return out, nil
}

// Missing returns the files of sel that dir does not hold as served by
// this client's endpoint (see Has).
func (c *Client) Missing(sel []RemoteFile, dir string) []RemoteFile {
	var out []RemoteFile
	for _, f := range sel {
		if !c.Has(filepath.Join(dir, f.Name()), f) {
			out = append(out, f)
		}
	}
	return out
}

// FetchAll makes every file of sel complete in dir as dir/<name>, with jobs
// parallel downloads (default 2) and one progress bar for all bytes on
// progressTo when it is a terminal. In offline mode a missing file is an
// error listing every missing file.
func (c *Client) FetchAll(ctx context.Context, sel []RemoteFile, dir string, jobs int, progressTo io.Writer) error {
	miss := c.Missing(sel, dir)
	keep := map[string]bool{}
	for _, f := range sel {
		keep[f.Name()] = true
	}
	c.cleanParts(dir, keep)
	if len(miss) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return diskFull(err, dir)
	}
	// Reuse openretina's downloads first (local, allowed offline).
	var still []RemoteFile
	for _, f := range miss {
		if ok, err := c.reuseOpenretina(f, filepath.Join(dir, f.Name())); err != nil {
			c.logf("%v", err)
			still = append(still, f)
		} else if !ok {
			still = append(still, f)
		}
	}
	miss = still
	if len(miss) == 0 {
		return nil
	}
	if c.Offline {
		names := make([]string, len(miss))
		for i, f := range miss {
			names[i] = q(f.Name())
		}
		return fmt.Errorf("%w: %d file(s) missing from %s: %s", ErrOffline, len(miss), q(dir), strings.Join(names, ", "))
	}
	var total int64
	for _, f := range miss {
		if f.Size > 0 {
			total += f.Size
		}
	}
	cc := *c
	var bar *progress.Bar
	if progressTo != nil {
		bar = progress.New(progressTo, fmt.Sprintf("fetch %d file(s)", len(miss)), total, "B")
	}
	if bar != nil {
		prev := c.Progress
		cc.Progress = func(n int64) {
			bar.Add(n)
			if prev != nil {
				prev(n)
			}
		}
		defer bar.Done()
	}
	if jobs <= 0 {
		jobs = 2
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, f := range miss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			if err := cc.Download(ctx, f, filepath.Join(dir, f.Name())); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				if errors.Is(err, ErrAuth) || errors.Is(err, context.Canceled) {
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	if len(errs) == 0 && ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.Join(errs...)
}

// OpenretinaCandidates returns where openretina may have stored a session
// zip: OPENRETINA_CACHE_DIRECTORY/sessions/NAME (openretina's
// optionally_download_from_url keeps the last two path elements of the
// URL), OPENRETINA_CACHE_DIRECTORY/<repository path> and
// OPENRETINA_CACHE_DIRECTORY/NAME. Nothing when the variable is unset.
// (openretina deletes a zip after unpacking it, so often nothing is found.)
func OpenretinaCandidates(f RemoteFile) []string {
	d := os.Getenv("OPENRETINA_CACHE_DIRECTORY")
	if d == "" {
		return nil
	}
	return []string{
		filepath.Join(d, "sessions", f.Name()),
		filepath.Join(d, filepath.FromSlash(f.Path)),
		filepath.Join(d, f.Name()),
	}
}

// reuseOpenretina copies a verified openretina download to dest (only
// when the listing has a sha256 to verify it against) and records it.
func (c *Client) reuseOpenretina(f RemoteFile, dest string) (bool, error) {
	if f.Size < 0 || f.SHA256 == "" {
		return false, nil
	}
	for _, cand := range OpenretinaCandidates(f) {
		st, err := os.Stat(cand)
		if err != nil || !st.Mode().IsRegular() || st.Size() != f.Size {
			continue
		}
		if sum, err := fileSHA256(cand); err != nil || sum != strings.ToLower(f.SHA256) {
			continue
		}
		// A hard link (or a copy): a later change of either file changes
		// its modification time, so Has hashes it again.
		if err := os.Link(cand, dest); err != nil {
			if err := copyFile(cand, dest); err != nil {
				return false, fmt.Errorf("reuse %s: %w", q(cand), err)
			}
		}
		if err := writeRecord(dest, FileRecord{Path: f.Path, URL: "file://" + filepath.ToSlash(cand), Endpoint: c.endpoint(), SHA256: strings.ToLower(f.SHA256)}); err != nil {
			return false, err
		}
		return true, nil
	}
	return false, nil
}

func fileSHA256(p string) (string, error) {
	f, err := openRegular(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func copyFile(src, dest string) error {
	in, err := openRegular(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := atomicfile.Create(dest)
	if err != nil {
		return diskFull(err, dest)
	}
	defer out.Abort()
	if _, err := io.Copy(out, in); err != nil {
		return diskFull(err, dest)
	}
	return diskFull(out.Commit(), dest)
}

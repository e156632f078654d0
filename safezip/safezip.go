// Package safezip opens zip archives safely: every zip retinaio reads (a
// downloaded session or the user's own) goes through it.
//
// List validates an archive's central directory and rejects entries whose
// name is absolute, has a drive letter, a backslash or a ".." component,
// symlinks and other non-regular files, duplicate names (after cleaning, and
// ignoring case so that unpacking is the same on macOS and Windows), and
// entries or archives over the size, count and compression-ratio limits (zip
// bombs). Readers never return more than an entry's declared size and fail
// when the data is longer or shorter. "__MACOSX/" entries and ".DS_Store"
// files are ignored.
//
// Before archive/zip parses the central directory, its declared entry
// count and the headers actually present are counted without allocation
// (see checkDirectory), so a directory of a million entries is refused
// after reading at most MaxEntries+1 headers. The total uncompressed size
// is bounded both absolutely (MaxTotal) and relative to the zip's own size
// (MaxTotalRatio, small entries included), and Unpack also refuses to
// fill the disk (it keeps MinFree bytes free).
//
// Unpack extracts only the entries a loader needs (SessionFiles by
// default) through an os.Root into a temporary sibling folder and renames
// it into place, so a crash or a concurrent unpack never leaves a
// half-written folder; a marker file records every file's size and
// modification time so that a later call reuses the result after a cheap
// check, and re-unpacks a damaged copy. The zip itself is never modified
// or deleted. Every name from an archive is escaped (package safetext) in
// error messages.
package safezip

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/retinaio/retinaio/internal/safetext"
)

// Limits caps what an archive may contain. A zero field means the default
// from DefaultLimits.
type Limits struct {
	MaxTotal   int64   // total uncompressed bytes of all entries
	MaxEntry   int64   // uncompressed bytes of one entry
	MaxRatio   float64 // uncompressed/compressed size of one entry (checked for entries over 1 MiB)
	MaxEntries int     // number of entries, directories included
	// MaxTotalRatio caps the total uncompressed size of all file entries
	// (small ones included) at MaxTotalRatio times the zip's size, or
	// TotalRatioFloor for small zips.
	MaxTotalRatio float64
}

// Default limits: 64 GiB in total, 16 GiB per entry, compression ratio 1000
// (deflate cannot exceed about 1032:1, so only crafted archives go beyond it;
// checked on entries larger than RatioMinSize), 100000 entries.
const (
	DefaultMaxTotal   int64   = 64 << 30
	DefaultMaxEntry   int64   = 16 << 30
	DefaultMaxRatio   float64 = 1000
	DefaultMaxEntries int     = 100000
	// RatioMinSize is the uncompressed size above which the ratio limit
	// applies; small, very compressible files (a few KB of zeros) are normal.
	RatioMinSize int64 = 1 << 20
	// DefaultMaxTotalRatio: an archive may expand to at most 100 times its
	// own size in total. Real session zips hold MATLAB v7.3 files whose
	// large datasets are already deflated (ratio about 1 to 3); a 6 MB zip
	// that declares 1 GiB (ratio 179) or 1,024 entries of 1 MiB made of
	// zeros (ratio about 1000) is refused.
	DefaultMaxTotalRatio float64 = 100
	// TotalRatioFloor is the total uncompressed size always allowed
	// (within MaxTotal), however small the zip.
	TotalRatioFloor int64 = 64 << 20
)

// DefaultLimits returns the default limits (see the Default* constants).
func DefaultLimits() Limits {
	return Limits{MaxTotal: DefaultMaxTotal, MaxEntry: DefaultMaxEntry, MaxRatio: DefaultMaxRatio, MaxEntries: DefaultMaxEntries, MaxTotalRatio: DefaultMaxTotalRatio}
}

// totalLimit is the total uncompressed size allowed for a zip of zipSize
// bytes.
func (l Limits) totalLimit(zipSize int64) int64 {
	r := l.MaxTotalRatio * float64(zipSize)
	lim := TotalRatioFloor
	if r > float64(lim) {
		lim = int64(min(r, float64(1<<62)))
	}
	return min(lim, l.MaxTotal)
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxTotal <= 0 {
		l.MaxTotal = d.MaxTotal
	}
	if l.MaxEntry <= 0 {
		l.MaxEntry = d.MaxEntry
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxTotalRatio <= 0 {
		l.MaxTotalRatio = d.MaxTotalRatio
	}
	return l
}

// Entry is one validated archive entry.
type Entry struct {
	Name           string // cleaned slash-separated path, no trailing slash
	Size           int64  // declared uncompressed size
	CompressedSize int64
	IsDir          bool
}

// Rules reported in Error.Rule.
const (
	RuleEscape    = "path escapes the archive"
	RuleAbsolute  = "absolute path"
	RuleBackslash = "backslash in name"
	RuleDrive     = "drive letter in name"
	RuleBadName   = "invalid name"
	RuleSymlink   = "symbolic link"
	RuleSpecial   = "not a regular file or folder"
	RuleDuplicate = "duplicate name"
	RuleEntrySize = "entry larger than the per-entry limit"
	RuleTotalSize = "archive larger than the total limit"
	RuleRatio     = "compression ratio above the limit (zip bomb?)"
	RuleCount     = "too many entries"
	RuleLonger    = "data longer than the declared size"
	RuleShorter   = "data shorter than the declared size"
	RuleCorrupt   = "corrupt archive"
	RuleTop       = "not a single top folder"
	RuleMethod    = "unsupported compression method"
	RuleNotFound  = "no such entry"
	RuleNotStored = "entry is compressed, not stored"
	RuleExpand    = "archive expands far beyond its own size (zip bomb?)"
	RuleDisk      = "not enough free disk space"
	RuleLink      = "symbolic link at the destination"
)

// Error is a rejected archive or entry. Its message names the zip, the entry
// (when there is one) and the rule: "session.zip: entry ../x: path escapes
// the archive".
type Error struct {
	Zip   string
	Entry string // "" for archive-wide problems
	Rule  string // one of the Rule* constants
	Err   error  // underlying error, if any
	Extra string // detail such as sizes
}

// Error formats the message "ZIP: entry NAME: RULE (detail): cause". The
// zip path, entry name, detail and cause are escaped with safetext.Escape.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(safetext.Escape(e.Zip))
	b.WriteString(": ")
	if e.Entry != "" {
		fmt.Fprintf(&b, "entry %s: ", safetext.Escape(e.Entry))
	}
	b.WriteString(e.Rule)
	if e.Extra != "" {
		b.WriteString(" (" + safetext.Escape(e.Extra) + ")")
	}
	if e.Err != nil {
		b.WriteString(": " + safetext.Escape(e.Err.Error()))
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ErrUnsafe matches (with errors.Is) every *Error.
var ErrUnsafe = errors.New("unsafe or invalid zip archive")

// Is makes errors.Is(err, ErrUnsafe) true for every *Error.
func (e *Error) Is(target error) bool { return target == ErrUnsafe }

// ignored reports entries that are skipped silently: macOS resource forks
// and Finder metadata.
func ignored(name string) bool {
	n := strings.TrimPrefix(name, "./")
	if n == "__MACOSX" || strings.HasPrefix(n, "__MACOSX/") {
		return true
	}
	base := n
	if i := strings.LastIndex(strings.TrimSuffix(n, "/"), "/"); i >= 0 {
		base = n[i+1:]
	}
	return strings.TrimSuffix(base, "/") == ".DS_Store"
}

// checkName validates a raw entry name and returns the cleaned name.
func checkName(raw string) (string, string) {
	switch {
	case raw == "":
		return "", RuleBadName
	case strings.ContainsRune(raw, 0):
		return "", RuleBadName
	case strings.Contains(raw, `\`):
		return "", RuleBackslash
	case strings.HasPrefix(raw, "/"):
		return "", RuleAbsolute
	case len(raw) >= 2 && raw[1] == ':' && ((raw[0] >= 'a' && raw[0] <= 'z') || (raw[0] >= 'A' && raw[0] <= 'Z')):
		return "", RuleDrive
	}
	for _, c := range strings.Split(raw, "/") {
		if c == ".." {
			return "", RuleEscape
		}
	}
	clean := path.Clean(raw)
	if clean == "." || clean == "" || strings.HasPrefix(clean, "../") || clean == ".." || path.IsAbs(clean) {
		return "", RuleBadName
	}
	return clean, ""
}

// archive is an opened, validated zip.
type archive struct {
	path    string
	f       *os.File
	r       *zip.Reader
	size    int64
	entries []Entry
	files   map[string]*zip.File // cleaned name -> file (regular files only)
	lim     Limits
}

func (a *archive) Close() error { return a.f.Close() }

func openArchive(zipPath string, lim Limits) (*archive, error) {
	lim = lim.withDefaults()
	// Only a regular file is opened: an open of a FIFO named *.zip would
	// block forever, a device would read without end.
	if st, err := os.Stat(zipPath); err != nil {
		return nil, fmt.Errorf("open zip: %w", err)
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("open zip %s: not a regular file (%s); refusing to open it", safetext.Escape(zipPath), st.Mode().Type())
	}
	f, err := os.Open(zipPath)
	if err != nil {
		return nil, fmt.Errorf("open zip: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open zip: %w", err)
	}
	a := &archive{path: zipPath, f: f, size: st.Size(), lim: lim}
	if err := a.load(); err != nil {
		f.Close()
		return nil, err
	}
	return a, nil
}

func (a *archive) load() error {
	declared, present, err := checkDirectory(a.f, a.size, a.lim.MaxEntries)
	if err != nil {
		return &Error{Zip: a.path, Rule: RuleCorrupt, Err: err}
	}
	if declared > uint64(a.lim.MaxEntries) || present > a.lim.MaxEntries {
		return &Error{Zip: a.path, Rule: RuleCount, Extra: fmt.Sprintf("central directory declares %d entries and holds at least %d, limit %d", declared, present, a.lim.MaxEntries)}
	}
	r, err := zip.NewReader(a.f, a.size)
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && r != nil) {
		return &Error{Zip: a.path, Rule: RuleCorrupt, Err: err}
	}
	a.r = r
	lim := a.lim
	if len(r.File) > lim.MaxEntries {
		return &Error{Zip: a.path, Rule: RuleCount, Extra: fmt.Sprintf("%d entries, limit %d", len(r.File), lim.MaxEntries)}
	}
	a.files = make(map[string]*zip.File)
	seen := map[string]string{} // lower-cased cleaned name -> raw name
	kinds := map[string]bool{}  // cleaned name -> isDir
	var total int64
	for _, zf := range r.File {
		raw := zf.Name
		if ignored(raw) {
			continue
		}
		clean, rule := checkName(raw)
		if rule != "" {
			return &Error{Zip: a.path, Entry: raw, Rule: rule}
		}
		mode := zf.Mode()
		isDir := strings.HasSuffix(raw, "/") || mode.IsDir()
		switch {
		case mode&os.ModeSymlink != 0:
			return &Error{Zip: a.path, Entry: raw, Rule: RuleSymlink}
		case mode&(os.ModeNamedPipe|os.ModeSocket|os.ModeDevice|os.ModeCharDevice|os.ModeIrregular) != 0:
			return &Error{Zip: a.path, Entry: raw, Rule: RuleSpecial, Extra: mode.String()}
		}
		key := strings.ToLower(clean)
		if prev, ok := seen[key]; ok {
			return &Error{Zip: a.path, Entry: raw, Rule: RuleDuplicate, Extra: "same as " + prev}
		}
		seen[key] = raw
		kinds[key] = isDir
		if zf.UncompressedSize64 > uint64(1<<62) || zf.CompressedSize64 > uint64(1<<62) {
			return &Error{Zip: a.path, Entry: raw, Rule: RuleEntrySize, Extra: fmt.Sprintf("declared %d bytes", zf.UncompressedSize64)}
		}
		size, csize := int64(zf.UncompressedSize64), int64(zf.CompressedSize64)
		if isDir {
			if size != 0 {
				return &Error{Zip: a.path, Entry: raw, Rule: RuleBadName, Extra: "folder with data"}
			}
		} else {
			if size > lim.MaxEntry {
				return &Error{Zip: a.path, Entry: raw, Rule: RuleEntrySize, Extra: fmt.Sprintf("%d bytes, limit %d", size, lim.MaxEntry)}
			}
			if size > RatioMinSize && float64(size) > lim.MaxRatio*float64(max(csize, 1)) {
				return &Error{Zip: a.path, Entry: raw, Rule: RuleRatio, Extra: fmt.Sprintf("%d bytes from %d, limit %g", size, csize, lim.MaxRatio)}
			}
			switch zf.Method {
			case zip.Store:
				if csize != size {
					return &Error{Zip: a.path, Entry: raw, Rule: RuleCorrupt, Extra: fmt.Sprintf("stored entry with compressed size %d != size %d", csize, size)}
				}
			case zip.Deflate:
			default:
				return &Error{Zip: a.path, Entry: raw, Rule: RuleMethod, Extra: fmt.Sprintf("method %d", zf.Method)}
			}
			if csize > a.size {
				return &Error{Zip: a.path, Entry: raw, Rule: RuleCorrupt, Extra: fmt.Sprintf("compressed size %d exceeds the file size %d", csize, a.size)}
			}
			total += size
			if total > lim.MaxTotal {
				return &Error{Zip: a.path, Entry: raw, Rule: RuleTotalSize, Extra: fmt.Sprintf("limit %d bytes", lim.MaxTotal)}
			}
			if tl := lim.totalLimit(a.size); total > tl {
				return &Error{Zip: a.path, Entry: raw, Rule: RuleExpand, Extra: fmt.Sprintf("more than %d bytes from a zip of %d bytes; limit %g times its size", tl, a.size, lim.MaxTotalRatio)}
			}
			a.files[clean] = zf
		}
		a.entries = append(a.entries, Entry{Name: clean, Size: size, CompressedSize: csize, IsDir: isDir})
	}
	// A name may not be both a file and the parent folder of another entry.
	for _, e := range a.entries {
		for p := path.Dir(e.Name); p != "."; p = path.Dir(p) {
			if d, ok := kinds[strings.ToLower(p)]; ok && !d {
				return &Error{Zip: a.path, Entry: e.Name, Rule: RuleDuplicate, Extra: "parent " + p + " is a file"}
			}
		}
	}
	return nil
}

// List returns the archive's validated entries in archive order, or an
// *Error naming the first entry that breaks a rule. Ignored entries
// (__MACOSX/, .DS_Store) are not returned.
func List(zipPath string, lim Limits) ([]Entry, error) {
	a, err := openArchive(zipPath, lim)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	return a.entries, nil
}

// TopFolder returns the single top-level folder that contains every entry,
// or an error when entries lie at the top level or under several folders.
func TopFolder(entries []Entry) (string, error) {
	top := ""
	for _, e := range entries {
		first, rest, _ := strings.Cut(e.Name, "/")
		if rest == "" && !e.IsDir {
			return "", fmt.Errorf("file %s is not inside a folder", e.Name)
		}
		if top == "" {
			top = first
		} else if first != top {
			return "", fmt.Errorf("found %s and %s", top, first)
		}
	}
	if top == "" {
		return "", fmt.Errorf("archive is empty")
	}
	return top, nil
}

// fingerprint identifies the content of the named entries: sha256 over
// each one's name, size and CRC-32, in name order.
func (a *archive) fingerprint(names []string) string {
	h := sha256.New()
	var buf [8]byte
	names = append([]string(nil), names...)
	sort.Strings(names)
	for _, n := range names {
		zf := a.files[n]
		io.WriteString(h, n)
		h.Write([]byte{0})
		binary.LittleEndian.PutUint64(buf[:], zf.UncompressedSize64)
		h.Write(buf[:])
		binary.LittleEndian.PutUint32(buf[:4], zf.CRC32)
		h.Write(buf[:4])
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// exactReader returns exactly n bytes from r and fails when r has more or
// fewer.
type exactReader struct {
	r     io.Reader
	left  int64
	zip   string
	entry string
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left == 0 {
		// Probe for extra data.
		var one [1]byte
		n, err := e.r.Read(one[:])
		if n > 0 {
			return 0, &Error{Zip: e.zip, Entry: e.entry, Rule: RuleLonger}
		}
		if err == nil || err == io.EOF {
			return 0, io.EOF
		}
		return 0, e.wrap(err)
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF {
		if e.left > 0 {
			return n, &Error{Zip: e.zip, Entry: e.entry, Rule: RuleShorter, Extra: fmt.Sprintf("%d bytes missing", e.left)}
		}
		if n > 0 {
			return n, nil
		}
		return 0, io.EOF
	}
	if err != nil {
		return n, e.wrap(err)
	}
	return n, nil
}

func (e *exactReader) wrap(err error) error {
	var ze *Error
	if errors.As(err, &ze) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Zip: e.zip, Entry: e.entry, Rule: RuleShorter, Err: err}
	}
	if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) {
		return &Error{Zip: e.zip, Entry: e.entry, Rule: RuleCorrupt, Err: err}
	}
	return &Error{Zip: e.zip, Entry: e.entry, Rule: RuleCorrupt, Err: err}
}

// openEntry opens the decompressed stream of one validated file entry.
func (a *archive) openEntry(name string, zf *zip.File) (io.ReadCloser, error) {
	// OpenRaw + our own decompressor, so that the stream is bounded by the
	// declared size even if archive/zip's checks change.
	raw, err := zf.OpenRaw()
	if err != nil {
		return nil, &Error{Zip: a.path, Entry: name, Rule: RuleCorrupt, Err: err}
	}
	var src io.ReadCloser
	switch zf.Method {
	case zip.Store:
		src = io.NopCloser(raw)
	case zip.Deflate:
		src = newFlate(raw)
	default:
		return nil, &Error{Zip: a.path, Entry: name, Rule: RuleMethod}
	}
	return &crcCloser{exactReader: exactReader{r: src, left: int64(zf.UncompressedSize64), zip: a.path, entry: name}, src: src, want: zf.CRC32}, nil
}

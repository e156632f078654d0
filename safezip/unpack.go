package safezip

import (
	"archive/zip"
	"compress/flate"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/retinaio/retinaio/internal/filelock"
	"github.com/retinaio/retinaio/internal/safedir"
	"github.com/retinaio/retinaio/internal/safetext"
	"github.com/retinaio/retinaio/internal/staletemp"
)

func newFlate(r io.Reader) io.ReadCloser { return flate.NewReader(r) }

// crcCloser verifies the CRC-32 at the end of the stream.
type crcCloser struct {
	exactReader
	src  io.Closer
	want uint32
	h    hash.Hash32
}

func (c *crcCloser) Read(p []byte) (int, error) {
	if c.h == nil {
		c.h = crc32.NewIEEE()
	}
	n, err := c.exactReader.Read(p)
	c.h.Write(p[:n])
	if err == io.EOF && c.h.Sum32() != c.want {
		return n, &Error{Zip: c.zip, Entry: c.entry, Rule: RuleCorrupt, Extra: fmt.Sprintf("CRC-32 %08x, header says %08x", c.h.Sum32(), c.want)}
	}
	return n, err
}

func (c *crcCloser) Close() error { return c.src.Close() }

// MarkerName is the file Unpack writes inside a completed folder.
const MarkerName = ".retinaio-unpacked"

// DefaultMinFree is the free space Unpack leaves on the destination's file
// system: it refuses an archive whose selected entries would leave less.
const DefaultMinFree int64 = 512 << 20

type marker struct {
	Zip         string               `json:"zip"`
	ZipSize     int64                `json:"zip_size"`
	ZipModTime  string               `json:"zip_mtime"`
	Fingerprint string               `json:"fingerprint"` // sha256 over names, sizes, CRC-32s of the unpacked entries
	Files       map[string]fileStamp `json:"files"`       // path below the folder -> size and mtime after the verified unpack
}

type fileStamp struct {
	Size    int64 `json:"size"`
	MtimeNs int64 `json:"mtime_ns"`
}

// SessionFiles selects what the Karamanlis loaders read from a session
// zip: the .mat files directly inside the top folder, and openretina's
// stimulus caches there (*_extracted_stimuli_*.npz). Nothing else is
// unpacked.
func SessionFiles(e Entry) bool {
	if e.IsDir {
		return false
	}
	_, rest, ok := strings.Cut(e.Name, "/")
	if !ok || rest == "" || strings.Contains(rest, "/") || strings.HasPrefix(rest, ".") {
		return false
	}
	low := strings.ToLower(rest)
	return strings.HasSuffix(low, ".mat") || (strings.HasSuffix(low, ".npz") && strings.Contains(low, "_extracted_stimuli_"))
}

// AllFiles selects every file entry.
func AllFiles(e Entry) bool { return !e.IsDir }

// UnpackOptions configures UnpackWith.
type UnpackOptions struct {
	Limits Limits
	// Select chooses the file entries to extract; nil means SessionFiles.
	Select func(Entry) bool
	// Root, when set, is a folder (the cache root) that contains destDir:
	// destDir is created below it through an os.Root and any symbolic link
	// among destDir's components below Root is refused. Without Root only
	// destDir itself and what is below it are checked.
	Root string
	// MinFree is the free space to leave on the file system (default
	// DefaultMinFree; negative: no check).
	MinFree int64
	// MaxFiles caps the number of files written (default
	// DefaultMaxUnpackFiles): each costs a create and an fsync.
	MaxFiles int
}

// DefaultMaxUnpackFiles is the default UnpackOptions.MaxFiles. A session
// folder holds about five .mat files; 99,999 selected empty files took
// 236 s to write and fsync on a busy machine, so more than 1,000 is
// refused before anything is written.
const DefaultMaxUnpackFiles = 1000

// afterStep is a test hook called after each step of an unpack.
var afterStep = func(step string) {}

// freeSpace returns the bytes available to us on dir's file system, or -1
// when unknown. Tests replace it.
var freeSpace = diskFree

// Unpack is UnpackWith(ctx, zipPath, destDir, UnpackOptions{Limits: lim}):
// it extracts the session files (SessionFiles) of an archive holding a
// single top folder into destDir/<top> and returns that folder's absolute
// path.
func Unpack(ctx context.Context, zipPath, destDir string, lim Limits) (string, error) {
	return UnpackWith(ctx, zipPath, destDir, UnpackOptions{Limits: lim})
}

// UnpackWith extracts the selected entries of the archive, which must hold
// a single top folder, into destDir/<top> and returns that folder's
// absolute path.
//
// Extraction goes through an os.Root opened on destDir (a symbolic link
// there, or at destDir/<top>, is refused) into a fresh temporary folder
// ".<top>.unpack-<pid>-*", renamed into place once every entry has been
// written and verified (size and CRC-32). A marker file (MarkerName)
// records the archive's size, time, a fingerprint of the selected entries
// and every file's size and modification time. A later call reuses the
// folder when the marker matches and every file still has its recorded
// size and time (a cheap check, no reading); otherwise the copy is damaged
// or stale, and it is unpacked again and replaced. A destDir/<top> without
// a marker (unpacked by someone else) is reused when every selected file
// is present with the right size, otherwise UnpackWith fails rather than
// touch it. A lock file serialises concurrent unpacks of one folder
// (flock: a killed holder releases it), and temporary folders left by a
// killed process are removed by a later call. The zip is never modified or
// deleted.
func UnpackWith(ctx context.Context, zipPath, destDir string, opt UnpackOptions) (string, error) {
	a, err := openArchive(zipPath, opt.Limits)
	if err != nil {
		return "", err
	}
	defer a.Close()
	top, err := TopFolder(a.entries)
	if err != nil {
		return "", &Error{Zip: zipPath, Rule: RuleTop, Err: err}
	}
	sel := opt.Select
	if sel == nil {
		sel = SessionFiles
	}
	var names []string
	var need int64
	for _, e := range a.entries {
		if !e.IsDir && sel(e) {
			names = append(names, e.Name)
			need += e.Size
		}
	}
	maxFiles := opt.MaxFiles
	if maxFiles <= 0 {
		maxFiles = DefaultMaxUnpackFiles
	}
	if len(names) > maxFiles {
		return "", &Error{Zip: zipPath, Rule: RuleCount, Extra: fmt.Sprintf("%d files to unpack, limit %d", len(names), maxFiles)}
	}
	absDest, err := filepath.Abs(destDir)
	if err != nil {
		return "", err
	}
	if err := makeDest(absDest, opt.Root); err != nil {
		return "", &Error{Zip: zipPath, Rule: RuleLink, Err: err}
	}
	root, err := os.OpenRoot(absDest)
	if err != nil {
		return "", fmt.Errorf("unpack %s: %w", safetext.Escape(zipPath), err)
	}
	defer root.Close()
	final := filepath.Join(absDest, top)
	for _, prefix := range []string{"." + top + ".unpack-", "." + top + ".old-"} {
		staletemp.Clean(absDest, prefix)
	}
	unlock, err := filelock.Lock(ctx, filepath.Join(absDest, "."+top+".lock"), nil)
	if err != nil {
		return "", fmt.Errorf("unpack %s: %w", safetext.Escape(zipPath), err)
	}
	defer unlock()

	st, err := a.f.Stat()
	if err != nil { // (stat'ed when opened; never nil below)
		return "", fmt.Errorf("unpack %s: %w", safetext.Escape(zipPath), err)
	}
	want := marker{Zip: filepath.Base(zipPath), ZipSize: a.size, ZipModTime: st.ModTime().UTC().Format("2006-01-02T15:04:05Z"), Fingerprint: a.fingerprint(names)}
	state, err := a.check(root, top, want, names)
	if err != nil {
		return "", err
	}
	if state == folderReuse {
		return final, nil
	}
	if opt.MinFree >= 0 {
		minFree := opt.MinFree
		if minFree == 0 {
			minFree = DefaultMinFree
		}
		if free := freeSpace(absDest); free >= 0 && need > free-minFree {
			return "", &Error{Zip: zipPath, Rule: RuleDisk, Extra: fmt.Sprintf("unpacking needs %d bytes in %s, %d are free and %d must stay free", need, absDest, free, minFree)}
		}
	}

	tmp, err := mkdirUnique(root, staletemp.Pattern("."+top+".unpack-"))
	if err != nil {
		return "", fmt.Errorf("unpack %s: %w", safetext.Escape(zipPath), err)
	}
	defer root.RemoveAll(tmp)
	if err := root.Mkdir(filepath.Join(tmp, top), 0o755); err != nil {
		return "", fmt.Errorf("unpack %s: %w", safetext.Escape(zipPath), err)
	}
	want.Files = map[string]fileStamp{}
	made := map[string]bool{filepath.Join(tmp, top): true}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		rel := filepath.Join(tmp, filepath.FromSlash(name))
		if d := filepath.Dir(rel); !made[d] {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return "", &Error{Zip: a.path, Entry: name, Rule: RuleEscape, Err: err}
			}
			made[d] = true
		}
		if err := a.extractOne(ctx, root, name, rel); err != nil {
			return "", err
		}
		fi, err := root.Lstat(rel)
		if err != nil {
			return "", err
		}
		want.Files[strings.TrimPrefix(name, top+"/")] = fileStamp{Size: fi.Size(), MtimeNs: fi.ModTime().UnixNano()}
		afterStep("entry")
	}
	mb, _ := json.MarshalIndent(want, "", "  ")
	if err := root.WriteFile(filepath.Join(tmp, top, MarkerName), append(mb, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("unpack %s: write marker: %w", safetext.Escape(zipPath), err)
	}
	syncDir(filepath.Join(absDest, tmp, top))
	if state == folderReplace {
		old, err := mkdirUnique(root, staletemp.Pattern("."+top+".old-"))
		if err != nil {
			return "", fmt.Errorf("unpack %s: %w", safetext.Escape(zipPath), err)
		}
		defer root.RemoveAll(old)
		if err := root.Rename(top, filepath.Join(old, top)); err != nil {
			return "", fmt.Errorf("unpack %s: move the damaged copy %s away: %w", safetext.Escape(zipPath), safetext.Escape(final), err)
		}
		afterStep("moved-old")
	}
	if err := root.Rename(filepath.Join(tmp, top), top); err != nil {
		return "", fmt.Errorf("unpack %s: move into place: %w", safetext.Escape(zipPath), err)
	}
	syncDir(absDest)
	return final, nil
}

func syncDir(p string) {
	if d, err := os.Open(p); err == nil {
		d.Sync()
		d.Close()
	}
}

// mkdirUnique creates a folder named pattern with "*" replaced by a random
// string inside root and returns its name.
func mkdirUnique(root *os.Root, pattern string) (string, error) {
	for i := 0; ; i++ {
		name := strings.Replace(pattern, "*", strconv.FormatUint(rand.Uint64(), 36), 1)
		err := root.Mkdir(name, 0o755)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, os.ErrExist) || i > 100 {
			return "", err
		}
	}
}

// makeDest creates absDest (below rootDir when set, refusing symbolic
// links among the components below it) and refuses a symbolic link at
// absDest itself.
func makeDest(absDest, rootDir string) error {
	if rootDir != "" {
		if err := safedir.MkdirAll(rootDir, absDest); err != nil {
			return err
		}
	} else if err := os.MkdirAll(absDest, 0o755); err != nil {
		return err
	}
	fi, err := os.Lstat(absDest)
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link; refusing to unpack through it", safetext.Escape(absDest))
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a folder", safetext.Escape(absDest))
	}
	return nil
}

type folderState int

const (
	folderAbsent  folderState = iota // nothing there: unpack
	folderReuse                      // a verified copy: use it
	folderReplace                    // our copy, damaged or stale: unpack again and replace
)

// check decides what to do with root/top.
func (a *archive) check(root *os.Root, top string, want marker, names []string) (folderState, error) {
	st, err := root.Lstat(top)
	if errors.Is(err, os.ErrNotExist) {
		return folderAbsent, nil
	}
	if err != nil {
		return 0, err
	}
	final := filepath.Join(root.Name(), top)
	if st.Mode()&os.ModeSymlink != 0 {
		return 0, &Error{Zip: a.path, Rule: RuleLink, Extra: final + " is a symbolic link; refusing to use or replace it"}
	}
	if !st.IsDir() {
		return 0, fmt.Errorf("unpack %s: %s exists and is not a folder; move it away", safetext.Escape(a.path), safetext.Escape(final))
	}
	mb, err := root.ReadFile(filepath.Join(top, MarkerName))
	if errors.Is(err, os.ErrNotExist) {
		// Not ours: reuse when complete, never touch.
		for _, name := range names {
			rel := strings.TrimPrefix(name, top+"/")
			fi, err := root.Lstat(filepath.Join(top, filepath.FromSlash(rel)))
			if err != nil || !fi.Mode().IsRegular() || fi.Size() != int64(a.files[name].UncompressedSize64) {
				return 0, fmt.Errorf("unpack %s: %s exists (not unpacked by retinaio) but %s is missing or has the wrong size; move the folder away to unpack again", safetext.Escape(a.path), safetext.Escape(final), safetext.Escape(rel))
			}
		}
		return folderReuse, nil
	}
	var have marker
	if err != nil || json.Unmarshal(mb, &have) != nil {
		return folderReplace, nil
	}
	if have.Fingerprint != want.Fingerprint || have.ZipSize != want.ZipSize || len(have.Files) != len(names) {
		return folderReplace, nil
	}
	for _, name := range names {
		rel := strings.TrimPrefix(name, top+"/")
		stamp, ok := have.Files[rel]
		if !ok {
			return folderReplace, nil
		}
		fi, err := root.Lstat(filepath.Join(top, filepath.FromSlash(rel)))
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != stamp.Size || fi.Size() != int64(a.files[name].UncompressedSize64) || fi.ModTime().UnixNano() != stamp.MtimeNs {
			return folderReplace, nil
		}
	}
	return folderReuse, nil
}

// Verify reports whether folder still holds, unchanged, what Unpack put
// there: its marker exists and every file it lists has the recorded size
// and modification time. It reads no file data. Callers can use it to
// tell a damaged unpacked copy (unpack again) from a damaged zip.
func Verify(folder string) error {
	mb, err := os.ReadFile(filepath.Join(folder, MarkerName))
	if err != nil {
		return fmt.Errorf("%s: no unpack marker: %w", safetext.Escape(folder), err)
	}
	var have marker
	if err := json.Unmarshal(mb, &have); err != nil || have.Files == nil {
		return fmt.Errorf("%s: unreadable unpack marker", safetext.Escape(folder))
	}
	for rel, stamp := range have.Files {
		fi, err := os.Lstat(filepath.Join(folder, filepath.FromSlash(rel)))
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != stamp.Size || fi.ModTime().UnixNano() != stamp.MtimeNs {
			return fmt.Errorf("%s: %s changed since it was unpacked from %s", safetext.Escape(folder), safetext.Escape(rel), safetext.Escape(have.Zip))
		}
	}
	return nil
}

func (a *archive) extractOne(ctx context.Context, root *os.Root, clean, name string) error {
	zf := a.files[clean]
	rc, err := a.openEntry(clean, zf)
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return &Error{Zip: a.path, Entry: clean, Rule: RuleEscape, Err: err}
	}
	n, err := io.Copy(out, ctxReader{ctx, rc})
	if err == nil && n > 0 {
		err = out.Sync() // an empty file has no data to flush; the folder is synced
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var ze *Error
		if errors.As(err, &ze) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return fmt.Errorf("%s: entry %s: write: %w", safetext.Escape(a.path), safetext.Escape(clean), err)
	}
	return nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// readCloser closes both the entry stream and the archive.
type readCloser struct {
	io.Reader
	closers []io.Closer
}

func (r *readCloser) Close() error {
	var first error
	for _, c := range r.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// OpenFile validates the archive with the default limits and opens one file
// entry (name as in Entry.Name, e.g. "session/expdata.mat") for reading in
// place. It returns the reader, which yields exactly the declared size and
// checks the CRC-32, and that size. Close the reader to close the archive.
func OpenFile(zipPath, name string) (io.ReadCloser, int64, error) {
	a, err := openArchive(zipPath, Limits{})
	if err != nil {
		return nil, 0, err
	}
	zf, ok := a.files[path.Clean(name)]
	if !ok {
		a.Close()
		return nil, 0, &Error{Zip: zipPath, Entry: name, Rule: RuleNotFound}
	}
	rc, err := a.openEntry(name, zf)
	if err != nil {
		a.Close()
		return nil, 0, err
	}
	return &readCloser{Reader: rc, closers: []io.Closer{rc, a}}, int64(zf.UncompressedSize64), nil
}

// Stored is a random-access view of a STORED (uncompressed) entry, read in
// place from the zip file. Its CRC-32 is not checked.
type Stored struct {
	*io.SectionReader
	a *archive
}

// Close closes the underlying zip file.
func (s *Stored) Close() error { return s.a.Close() }

// OpenStored validates the archive with the default limits and returns an
// io.ReaderAt over a stored (method 0) file entry, so a large .mat inside an
// uncompressed zip can be read without unpacking. Size() is the entry's
// size. Deflated entries give an *Error with RuleNotStored: use OpenFile or
// Unpack for those.
func OpenStored(zipPath, name string) (*Stored, error) {
	a, err := openArchive(zipPath, Limits{})
	if err != nil {
		return nil, err
	}
	zf, ok := a.files[path.Clean(name)]
	if !ok {
		a.Close()
		return nil, &Error{Zip: zipPath, Entry: name, Rule: RuleNotFound}
	}
	if zf.Method != zip.Store {
		a.Close()
		return nil, &Error{Zip: zipPath, Entry: name, Rule: RuleNotStored}
	}
	off, err := zf.DataOffset()
	if err != nil {
		a.Close()
		return nil, &Error{Zip: zipPath, Entry: name, Rule: RuleCorrupt, Err: err}
	}
	n := int64(zf.UncompressedSize64)
	if off < 0 || off > a.size || n > a.size-off {
		a.Close()
		return nil, &Error{Zip: zipPath, Entry: name, Rule: RuleShorter, Extra: fmt.Sprintf("data at %d+%d beyond file size %d", off, n, a.size)}
	}
	return &Stored{SectionReader: io.NewSectionReader(a.f, off, n), a: a}, nil
}

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
	"os"
	"path"
	"path/filepath"
	"strings"
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

type marker struct {
	Zip         string `json:"zip"`
	ZipSize     int64  `json:"zip_size"`
	ZipModTime  string `json:"zip_mtime"`
	Fingerprint string `json:"fingerprint"` // sha256 over names, sizes, CRC-32s
}

// Unpack extracts the archive, which must hold a single top folder, into
// destDir/<top> and returns that folder's absolute path.
//
// Extraction goes through an os.Root opened on a fresh temporary folder next
// to the destination (".<top>.unpack-*"), which is renamed into place once
// every entry has been written and verified; a marker file (MarkerName)
// records the archive's size, time and a fingerprint of its entries. When
// destDir/<top> already holds a matching marker and every file with the
// right size, it is reused without reading the entries. A destDir/<top>
// without a marker (unpacked by someone else) is reused when every file is
// present with the right size, otherwise Unpack fails rather than touch it.
// Concurrent Unpacks of one zip are safe: the first rename wins and the
// others discard their copy. The zip is never modified or deleted.
func Unpack(ctx context.Context, zipPath, destDir string, lim Limits) (string, error) {
	a, err := openArchive(zipPath, lim)
	if err != nil {
		return "", err
	}
	defer a.Close()
	top, err := TopFolder(a.entries)
	if err != nil {
		return "", &Error{Zip: zipPath, Rule: RuleTop, Err: err}
	}
	absDest, err := filepath.Abs(destDir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(absDest, 0o755); err != nil {
		return "", fmt.Errorf("unpack %s: %w", zipPath, err)
	}
	final := filepath.Join(absDest, top)
	st, _ := a.f.Stat()
	want := marker{Zip: filepath.Base(zipPath), ZipSize: a.size, ZipModTime: st.ModTime().UTC().Format("2006-01-02T15:04:05Z"), Fingerprint: a.fingerprint()}

	if ok, err := a.reusable(final, top, want); err != nil {
		return "", err
	} else if ok {
		return final, nil
	}

	tmp, err := os.MkdirTemp(absDest, "."+top+".unpack-*")
	if err != nil {
		return "", fmt.Errorf("unpack %s: %w", zipPath, err)
	}
	defer os.RemoveAll(tmp)
	if err := a.extract(ctx, tmp); err != nil {
		return "", err
	}
	mb, _ := json.MarshalIndent(want, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, top, MarkerName), append(mb, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("unpack %s: write marker: %w", zipPath, err)
	}
	if err := os.Rename(filepath.Join(tmp, top), final); err != nil {
		// Someone else may have finished first.
		if ok, err2 := a.reusable(final, top, want); err2 == nil && ok {
			return final, nil
		}
		return "", fmt.Errorf("unpack %s: move into place: %w", zipPath, err)
	}
	if d, err := os.Open(absDest); err == nil {
		d.Sync()
		d.Close()
	}
	return final, nil
}

// reusable reports whether final already holds this archive's content.
func (a *archive) reusable(final, top string, want marker) (bool, error) {
	st, err := os.Lstat(final)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !st.IsDir() {
		return false, fmt.Errorf("unpack %s: %s exists and is not a folder; move it away", a.path, final)
	}
	var have marker
	mb, err := os.ReadFile(filepath.Join(final, MarkerName))
	hasMarker := err == nil && json.Unmarshal(mb, &have) == nil
	if hasMarker && (have.Fingerprint != want.Fingerprint || have.ZipSize != want.ZipSize) {
		return false, fmt.Errorf("unpack %s: %s was unpacked from a different archive (%s); remove it to unpack again", a.path, final, have.Zip)
	}
	for name, zf := range a.files {
		rel := strings.TrimPrefix(name, top+"/")
		fi, err := os.Lstat(filepath.Join(final, filepath.FromSlash(rel)))
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != int64(zf.UncompressedSize64) {
			return false, fmt.Errorf("unpack %s: %s exists but %s is missing or has the wrong size; remove the folder to unpack again", a.path, final, rel)
		}
	}
	return true, nil
}

// extract writes every entry below dir through an os.Root.
func (a *archive) extract(ctx context.Context, dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, e := range a.entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := filepath.FromSlash(e.Name)
		if e.IsDir {
			if err := root.MkdirAll(name, 0o755); err != nil {
				return &Error{Zip: a.path, Entry: e.Name, Rule: RuleEscape, Err: err}
			}
			continue
		}
		if d := path.Dir(e.Name); d != "." {
			if err := root.MkdirAll(filepath.FromSlash(d), 0o755); err != nil {
				return &Error{Zip: a.path, Entry: e.Name, Rule: RuleEscape, Err: err}
			}
		}
		if err := a.extractOne(ctx, root, e.Name, name); err != nil {
			return err
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
	_, err = io.Copy(out, ctxReader{ctx, rc})
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var ze *Error
		if errors.As(err, &ze) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return fmt.Errorf("%s: entry %s: write: %w", a.path, clean, err)
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

package karamanlis

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/retinaio/retinaio/mat"
)

// failingAt reads from a file's bytes until broken is set, then fails
// every read: an I/O error after the file was opened.
type failingAt struct {
	r      *bytes.Reader
	broken atomic.Bool
}

var errDisk = errors.New("input/output error")

func (f *failingAt) ReadAt(p []byte, off int64) (int, error) {
	if f.broken.Load() {
		return 0, errDisk
	}
	return f.r.ReadAt(p, off)
}

// TestStimulusReadErrorIsNotAbsence: a stimulus file whose datasets cannot
// be read fails with the read error; it used to be taken for a file
// without stimulus datasets (ErrNoStimulus, "responses only"), which
// prepare records as a skipped session, not a failed one.
func TestStimulusReadErrorIsNotAbsence(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "bad", "ok", "fixationmovie_data.mat"))
	if err != nil {
		t.Fatal(err)
	}
	ra := &failingAt{r: bytes.NewReader(b)}
	f, err := mat.NewFile(ra, int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := &matFile{path: "x/fixationmovie_data.mat", f: f, size: int64(len(b))}
	ra.broken.Store(true)
	_, err = readStimulus(context.Background(), m, nil)
	if err == nil || errors.Is(err, ErrNoStimulus) || !errors.Is(err, errDisk) || !strings.Contains(err.Error(), m.path) {
		t.Fatalf("readStimulus = %v; want the read error naming %s, not %v", err, m.path, ErrNoStimulus)
	}
}

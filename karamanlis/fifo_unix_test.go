//go:build unix

package karamanlis

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/retinaio/retinaio/fixmovie"
)

// loadWithin runs LoadStimuliForSession and fails the test if it does not
// return within 10 s (an open of a FIFO blocks forever).
func loadWithin(t *testing.T, path string, o StimulusOptions) (*MoviesTrainTestSplit, error) {
	t.Helper()
	type res struct {
		m   *MoviesTrainTestSplit
		err error
	}
	ch := make(chan res, 1)
	go func() {
		m, err := LoadStimuliForSession(context.Background(), path, o)
		ch <- res{m, err}
	}()
	select {
	case r := <-ch:
		return r.m, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("hangs on a FIFO")
	}
	return nil, nil
}

// TestFIFOUnderCacheName: a FIFO under the stimulus cache's name is never
// opened (it used to hang prepare forever): it is reported and the movie
// is computed from the .mat (and not cached over the FIFO).
func TestFIFOUnderCacheName(t *testing.T) {
	_, path := copySession(t, "20210203_252MEA_mouse_left_half_dorsal", false)
	if err := syscall.Mkfifo(filepath.Join(path, orCache), 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	var warns []string
	o := testOptions(t, fixmovie.OpenRetina, &warns)
	m, err := loadWithin(t, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if m.FromCache || !strings.Contains(strings.Join(warns, "\n"), "not a regular file") {
		t.Fatalf("FromCache %v, warnings %q", m.FromCache, warns)
	}
	if st, err := os.Lstat(filepath.Join(path, orCache)); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v", err)
	}
}

// TestFIFOUnderDataName: a FIFO named fixationmovie_data.mat is refused
// with an error naming it, at once.
func TestFIFOUnderDataName(t *testing.T) {
	_, path := copySession(t, "20210203_252MEA_mouse_left_half_dorsal", false)
	mat := filepath.Join(path, "fixationmovie_data.mat")
	os.Remove(mat)
	if err := syscall.Mkfifo(mat, 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	o := testOptions(t, fixmovie.OpenRetina, nil)
	o.DisableCache = true
	_, err := loadWithin(t, path, o)
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "fixationmovie_data.mat") {
		t.Fatalf("err %v, want ErrNotRegular naming the file", err)
	}
}

// TestFIFOUnderZipName: a FIFO named <session>.zip is refused at once
// (safezip opens only regular files), not opened.
func TestFIFOUnderZipName(t *testing.T) {
	p := filepath.Join(t.TempDir(), "20990101_mouse_x.zip")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := SessionFolder(context.Background(), p, t.TempDir())
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("err %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("hangs on a FIFO named .zip")
	}
}

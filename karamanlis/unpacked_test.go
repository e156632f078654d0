package karamanlis

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDamagedAdvice: "download it again" is said only when the zip is at
// fault: a copy changed since its verified unpack is blamed on the copy
// (the next run unpacks it anew), a plain folder's file is not "downloaded".
func TestDamagedAdvice(t *testing.T) {
	name := "20210203_252MEA_mouse_left_half_dorsal"
	_, zipPath := copySession(t, "20210803_252MEA_mouse_left_half_dorsal", true)
	cache := t.TempDir()
	folder, err := SessionFolder(context.Background(), zipPath, cache)
	if err != nil {
		t.Fatal(err)
	}
	mat := filepath.Join(folder, "fixationmovie_data.mat")
	readFail := errors.New("bad chunk")
	if msg := readErr(mat, "runningfixations", readFail).Error(); !strings.Contains(msg, "download the zip again") {
		t.Errorf("verified copy: %s; want the zip blamed", msg)
	}
	// Damage the copy (same size, other mtime): the zip is fine.
	if err := os.WriteFile(mat, make([]byte, fileSize(t, mat)), 0o644); err != nil {
		t.Fatal(err)
	}
	msg := readErr(mat, "runningfixations", readFail).Error()
	if strings.Contains(msg, "download") || !strings.Contains(msg, "unpacked anew") {
		t.Errorf("damaged copy: %s; want the copy blamed, not the zip", msg)
	}
	_, plain := copySession(t, name, false)
	msg = readErr(filepath.Join(plain, "fixationmovie_data.mat"), "x", readFail).Error()
	if strings.Contains(msg, "download") {
		t.Errorf("plain folder: %s", msg)
	}
}

func fileSize(t *testing.T, p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// TestUnpackRefusesLinkBelowCacheRoot: a symbolic link planted at
// CACHE/unpacked (a shared cache) is refused; nothing is written where it
// points.
func TestUnpackRefusesLinkBelowCacheRoot(t *testing.T) {
	_, zipPath := copySession(t, "20210803_252MEA_mouse_left_half_dorsal", true)
	cache, elsewhere := t.TempDir(), t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(cache, "unpacked")); err != nil {
		t.Skip("symlink:", err)
	}
	if _, err := SessionFolder(context.Background(), zipPath, cache); err == nil {
		t.Fatal("unpacked through a link planted in the cache")
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Fatalf("wrote %d entries where the link points", len(ents))
	}
}

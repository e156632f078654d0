package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDrillTricklingServer runs the slow-server drill in real
// time with the default settings (RETINAIO_DRILL=1; about 3 minutes): a
// server that sends 1 byte every 2 s.
func TestDrillTricklingServer(t *testing.T) {
	if os.Getenv("RETINAIO_DRILL") == "" {
		t.Skip("set RETINAIO_DRILL=1")
	}
	data := payload(3, 100_000)
	fh := newFakeHost(t, map[string][]byte{"s/20210115_mouse_a.zip": data})
	fh.set(func(f *fakeHost) { f.slow, f.slowEvery = 1, 2*time.Second })
	c := &Client{Endpoint: fh.srv.URL, Repo: "o/r", Path: "s"}
	sum := sha256.Sum256(data)
	f := RemoteFile{Path: "s/20210115_mouse_a.zip", Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	dest := filepath.Join(t.TempDir(), "a.zip")
	c.Logf = t.Logf
	start := time.Now()
	err := c.Download(context.Background(), f, dest)
	st, _ := os.Stat(dest + ".part")
	t.Logf("gave up after %v with %d bytes kept: %v", time.Since(start).Round(time.Second), st.Size(), err)
	if !errors.Is(err, ErrStalled) {
		t.Fatal(err)
	}
}

package safezip

import (
	"archive/zip"
	"bytes"
	"context"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// TestDrillHostileZips measures the hostile-archive drill at
// full size (RETINAIO_DRILL=1; a few hundred MB of temporary files):
// time, memory allocated and bytes written before each refusal, and the
// time of a 100,000-entry unpack.
func TestDrillHostileZips(t *testing.T) {
	if os.Getenv("RETINAIO_DRILL") == "" {
		t.Skip("set RETINAIO_DRILL=1")
	}
	dir := t.TempDir()
	measure := func(name string, fn func() error) {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		start := time.Now()
		err := fn()
		el := time.Since(start)
		runtime.ReadMemStats(&m1)
		var written int64
		filepath.Walk(filepath.Join(dir, "out"), func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() {
				written += fi.Size()
			}
			return nil
		})
		t.Logf("%-44s %8.3fs  alloc %6d KB  written %d B  err: %v", name, el.Seconds(), (m1.TotalAlloc-m0.TotalAlloc)>>10, written, err)
		os.RemoveAll(filepath.Join(dir, "out"))
	}
	unpack := func(zp string) func() error {
		return func() error {
			_, err := Unpack(context.Background(), zp, filepath.Join(dir, "out"), Limits{})
			return err
		}
	}
	// 1. 1 GiB from ~1.1 MB, ratio 979 (under the per-entry limit).
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	fw, _ := w.CreateRaw(&zip.FileHeader{Name: "s/big.mat", Method: zip.Deflate, CompressedSize64: 1 << 30 / 979, UncompressedSize64: 1 << 30})
	fw.Write(make([]byte, 1<<30/979))
	w.Close()
	p1 := filepath.Join(dir, "ratio979.zip")
	os.WriteFile(p1, buf.Bytes(), 0o644)
	measure("1 GiB entry at ratio 979", unpack(p1))
	// 2. 1,024 real entries of 1 MiB of zeros.
	names := make([]string, 1024)
	for i := range names {
		names[i] = "s/f" + strconv.Itoa(i) + ".mat"
	}
	p2 := filepath.Join(dir, "many.zip")
	os.WriteFile(p2, rawRepeat(t, names, make([]byte, 1<<20), 1<<20), 0o644)
	measure("1024 x 1 MiB zeros", unpack(p2))
	// 3. 1,000,000-entry central directory, true and 16-bit counts.
	p3 := filepath.Join(dir, "million.zip")
	rawDirectory(t, p3, 1_000_000, 0xffff)
	measure("1,000,000-entry directory (count 65535)", unpack(p3))
	rawDirectory(t, p3, 1_000_000, uint16(1_000_000%65536))
	measure("1,000,000-entry directory (count mod 65536)", unpack(p3))
	measure("  for comparison: archive/zip.OpenReader alone", func() error {
		r, err := zip.OpenReader(p3)
		if err == nil {
			t.Logf("  archive/zip parsed %d entries", len(r.File))
			r.Close()
		}
		return err
	})
	// 4. 100,000 entries (the limit): unpacked when they are session
	// files, skipped when no loader needs them.
	for _, c := range []struct {
		ext string
		n   int
	}{{".txt", 99_999}, {".mat", 99_999}, {".mat", 1000}} {
		ext, n := c.ext, c.n
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for i := 0; i < n; i++ {
			zw.CreateRaw(&zip.FileHeader{Name: "s/f" + strconv.Itoa(i) + ext, Method: zip.Store, CRC32: crc32.ChecksumIEEE(nil)})
		}
		zw.Close()
		p := filepath.Join(dir, "n100k"+ext+".zip")
		os.WriteFile(p, b.Bytes(), 0o644)
		measure(strconv.Itoa(n)+" empty "+ext+" entries", unpack(p))
	}
}

package render

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/retinaio/retinaio/npy"
)

// TestSpillTempsCleaned: the temporary files that hold deflated members
// are unlinked while in use (a kill leaves nothing) and those a killed
// process left in the temp folder are removed by the next open (they
// used to stay: 1.8 GB of /tmp/retinaio-npz-*.bin after a few kills).
func TestSpillTempsCleaned(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("pid liveness and unlink-while-open are Unix-only")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := strconv.Itoa(cmd.Process.Pid)
	old := time.Now().Add(-time.Hour)
	stale := filepath.Join(tmp, SpillPrefix+dead+"-123.bin")
	live := filepath.Join(tmp, SpillPrefix+"1-456.bin") // pid 1 is alive
	for _, p := range []string{stale, live} {
		os.WriteFile(p, make([]byte, 1000), 0o600)
		os.Chtimes(p, old, old)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "a.npz")
	z, err := npy.CreateNPZ(path, npy.NPZOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	data := make([]float32, 4096)
	for i := range data {
		data[i] = float32(i)
	}
	if err := z.Add("x", []int{64, 64}, data); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := openNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	dst := make([]float32, 10)
	if err := f.members["x"].readFloat32(100, 10, dst); err != nil || dst[3] != 103 {
		t.Fatalf("read: %v %v", err, dst)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("stale spill file of dead pid %s not removed", dead)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("spill file of a live process removed: %v", err)
	}
	ents, _ := os.ReadDir(tmp)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), SpillPrefix) && e.Name() != filepath.Base(live) {
			t.Errorf("spill file %s visible while in use (a kill would leave it)", e.Name())
		}
	}
}

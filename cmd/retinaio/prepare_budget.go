package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/internal/sysmem"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/shard"
)

// sessionOverhead is the per-session memory beyond the arrays (runtime,
// read buffers, output writer).
const sessionOverhead = 64 << 20

// estimateSessionMemory estimates the peak memory prepare needs for one
// session from the stimulus file's metadata (no data is read): the images
// (uint8), the movie at h x w (float32, train + test), and the spike counts
// twice (as read, and as output float64 arrays), plus sessionOverhead. A
// zip (not yet unpacked) or an unreadable file is estimated as four times
// its size; the estimate only orders the --jobs admission and never fails
// a session.
func estimateSessionMemory(s karamanlis.Session, stim karamanlis.StimType, h, w int) uint64 {
	mat := ""
	if !s.Zip {
		if m, _ := filepath.Glob(filepath.Join(s.Path, "*"+string(stim)+"_data.mat")); len(m) == 1 {
			mat = m[0]
		}
	}
	if mat != "" {
		if est, ok := estimateMat(mat, h, w); ok {
			return est + sessionOverhead
		}
	}
	var size int64
	if st, err := os.Stat(s.Path); err == nil {
		if st.IsDir() {
			entries, _ := os.ReadDir(s.Path)
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".mat") {
					if fi, err := e.Info(); err == nil {
						size += fi.Size()
					}
				}
			}
		} else {
			size = st.Size()
		}
	}
	return 4*uint64(max(size, 0)) + sessionOverhead
}

// estimateMat reads a stimulus file's dataset shapes.
func estimateMat(path string, h, w int) (uint64, bool) {
	f, err := hdf5.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	bytesOf := func(name string) uint64 {
		ds, err := f.OpenDataset("/" + name)
		if err != nil || ds.IsNull() {
			return 0
		}
		return ds.Len() * uint64(max(ds.Datatype().Size, 1))
	}
	framesOf := func(name string, dims int) uint64 {
		ds, err := f.OpenDataset("/" + name)
		if err != nil {
			return 0
		}
		sh := ds.Shape()
		if len(sh) < dims {
			return 0
		}
		n := uint64(1)
		for _, d := range sh[:dims] {
			n *= d
		}
		return n
	}
	imgs := bytesOf("runningImages") + bytesOf("frozenImages")
	frames := framesOf("runningfixations", 2) + framesOf("frozenfixations", 1)
	bins := bytesOf("runningbin") + bytesOf("frozenbin")
	if imgs == 0 && frames == 0 && bins == 0 {
		return 0, false
	}
	return imgs + 4*uint64(h*w)*frames + 2*bins, true
}

// applyShardAndBudget handles prepare's --shard and --max-memory: it
// restricts opt to the shard's sessions, admits sessions under --jobs only
// while their estimated memory fits the budget, and sets the budget as the
// Go runtime's soft memory limit (unless GOMEMLIMIT is set), so that the
// garbage collector works harder rather than exceed it.
func applyShardAndBudget(ctx context.Context, root string, f prepareFlags, opt *karamanlis.PrepareOptions, stderr io.Writer) error {
	sp, err := shard.Parse(f.shard)
	if err != nil {
		return fmt.Errorf("--shard: %w", err)
	}
	budget := sysmem.DefaultBudget()
	if f.maxMemory != "" {
		if budget, err = sysmem.ParseSize(f.maxMemory); err != nil {
			return fmt.Errorf("--max-memory: %w", err)
		}
		if budget < 64<<20 {
			return fmt.Errorf("--max-memory %s is below 64 MiB", f.maxMemory)
		}
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(min(budget, 1<<62)))
	}
	if !sp.IsAll() {
		opt.Shard = sp.String()
		cacheDir := opt.Stimulus.CacheDir
		if cacheDir == "" {
			cacheDir = karamanlis.DefaultCacheDir()
		}
		local, err := karamanlis.ResolveRoot(ctx, root, opt.Stimulus.Species, cacheDir, opt.DownloadProgress)
		if err != nil {
			return err
		}
		all, err := karamanlis.FindSessions(local, opt.Stimulus.Species)
		if err != nil {
			return err
		}
		mine := []karamanlis.Session{}
		for _, s := range all {
			if sp.Owns(s.Name) {
				mine = append(mine, s)
			}
		}
		opt.Sessions = mine
		fmt.Fprintf(stderr, "shard %s: %d of %d sessions\n", sp, len(mine), len(all))
	}
	if opt.Jobs > 1 {
		b := sysmem.NewBudget(budget)
		h, w := opt.Stimulus.Height, opt.Stimulus.Width
		stim := opt.Stimulus.StimType
		opt.Admit = func(ctx context.Context, s karamanlis.Session) (func(), error) {
			return b.Acquire(ctx, estimateSessionMemory(s, stim, h, w))
		}
	}
	return nil
}

package prepare

import (
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/retinaio/retinaio/internal/sysmem"
	"github.com/retinaio/retinaio/karamanlis"
)

// SessionOverhead is the per-session memory beyond the arrays (runtime,
// read buffers, output writer).
const SessionOverhead = 64 << 20

// EstimateSessionMemory estimates the peak memory Run needs for one session
// written the default way (a stored .npz, no split), from its data file's
// metadata (no data is read): the images (uint8, as stored), the spike
// counts twice (as read, and as output float64 arrays; they are loaded
// while the images are read), the test movie (the stimulus cache is
// written from it before it is normalised in place), two windows of
// StreamWindowFrames training frames, plus SessionOverhead (which also
// covers the cache writer's 16 MiB of buffers). The training movie itself is not counted:
// it is rendered into the output file's pages, window by window. A zip
// (not yet unpacked) or an unreadable file is estimated as four times its
// size; the estimate only orders the admission of sessions and never fails
// one.
func EstimateSessionMemory(s karamanlis.Session, stim karamanlis.StimType, h, w int) uint64 {
	return estimateMemory(s, stim, h, w, false)
}

// estimateMemory is EstimateSessionMemory; with whole set, for a session
// whose training movie is held whole (Options.Split, whose clips need it,
// or Options.Compress, which keeps a movie no larger than its images),
// the whole movie is counted instead of the windows.
func estimateMemory(s karamanlis.Session, stim karamanlis.StimType, h, w int, whole bool) uint64 {
	if !s.Zip {
		if m, _ := filepath.Glob(filepath.Join(s.Path, "*"+karamanlis.DataFileName(stim))); len(m) == 1 {
			if fs, err := karamanlis.ReadFileSizes(m[0]); err == nil {
				frame := 4 * uint64(max(1, h*w))
				movie := frame*fs.TestFrames + 2*frame*min(uint64(StreamWindowFrames), fs.Frames)
				if whole {
					movie = frame * (fs.Frames + fs.TestFrames)
				}
				return fs.ImageBytes + movie + 2*fs.BinBytes + SessionOverhead
			}
		}
	}
	return 4*uint64(max(sourceBytes(s.Path), 0)) + SessionOverhead
}

// sourceBytes is the size of a zip, or of the .mat files of a folder.
func sourceBytes(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	if !st.IsDir() {
		return st.Size()
	}
	var size int64
	entries, _ := os.ReadDir(path)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".mat") {
			if fi, err := e.Info(); err == nil {
				size += fi.Size()
			}
		}
	}
	return size
}

// MemoryAdmission returns an Options.Admit that lets a session start only
// while the estimated memory of the running sessions (EstimateSessionMemory
// with so's stimulus type and size) fits in budget bytes; a session larger
// than the whole budget runs alone.
func MemoryAdmission(budget uint64, so karamanlis.StimulusOptions) func(context.Context, karamanlis.Session) (func(), error) {
	return memoryAdmission(budget, so, false)
}

// memoryAdmission is MemoryAdmission, with whole as estimateMemory's.
func memoryAdmission(budget uint64, so karamanlis.StimulusOptions, whole bool) func(context.Context, karamanlis.Session) (func(), error) {
	b := sysmem.NewBudget(budget)
	return func(ctx context.Context, s karamanlis.Session) (func(), error) {
		return b.Acquire(ctx, estimateMemory(s, so.StimType, so.Height, so.Width, whole))
	}
}

// StreamWindowFrames is the number of training frames a session renders,
// reads back and writes at a time when the memory budget allows: each
// window is one call of the renderer, whose caches start cold, so that
// windows of 1,024 frames cost about 20 % more rendering CPU than the
// whole movie at once, and windows of 2,048 a few %.
const StreamWindowFrames = 2048

// WindowFrames is the number of training frames a session streams at a
// time (karamanlis.StreamStimuliInto) under a memory budget of budget
// bytes (0: no budget): StreamWindowFrames, fewer when the two window
// buffers of a pass (one being filled, one being written) would take more
// than 1/16 of the budget, and at least 16.
func WindowFrames(budget uint64, h, w int) int {
	n := StreamWindowFrames
	if fb := uint64(max(1, h*w)) * 4 * 2; budget > 0 {
		n = int(min(uint64(n), budget/16/fb))
	}
	return max(n, 16)
}

// GCPercent is the garbage collector's target (GOGC) while Run prepares
// sessions, unless the GOGC environment variable is set: the live heap of
// a session is its images, responses and movie windows, mostly large
// pointer-free arrays that the collector marks for almost nothing, so a
// low target costs little CPU and keeps the peak near the live heap
// (Go's default of 100 lets it reach twice the live heap).
const GCPercent = 10

// limitMemory applies the memory settings of a run until the returned
// function is called: GCPercent, and budget (when not 0) as the Go
// runtime's soft memory limit (debug.SetMemoryLimit) unless GOGC or
// GOMEMLIMIT are set in the environment.
func limitMemory(budget uint64) (restore func()) {
	var undo []func()
	if os.Getenv("GOGC") == "" {
		old := debug.SetGCPercent(GCPercent)
		undo = append(undo, func() { debug.SetGCPercent(old) })
	}
	if budget > 0 && os.Getenv("GOMEMLIMIT") == "" {
		old := debug.SetMemoryLimit(int64(min(budget, 1<<62)))
		undo = append(undo, func() { debug.SetMemoryLimit(old) })
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}

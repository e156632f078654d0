package karamanlis

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/npy"
)

// memStore is a MovieStore in memory whose reads of less than a window
// (the cache writer's) are slowed down, so that a final pass that did not
// wait for the cache writer would overtake it.
type memStore struct {
	mu     sync.Mutex
	b      []byte
	slow   int // reads shorter than this sleep
	writes int
}

func (m *memStore) ReadAt(p []byte, off int64) (int, error) {
	if len(p) < m.slow {
		time.Sleep(200 * time.Microsecond)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if off >= int64(len(m.b)) {
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *memStore) WriteAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if off+int64(len(p)) > int64(len(m.b)) {
		return 0, fmt.Errorf("write of %d at %d past %d", len(p), off, len(m.b))
	}
	m.writes++
	return copy(m.b[off:], p), nil
}

func (m *memStore) float32s() []float32 {
	v := make([]float32, len(m.b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(m.b[4*i:]))
	}
	return v
}

// TestStreamIntoGoldenParity renders every golden session's movie into a
// caller's store in windows that do not divide the frame count, writes the
// normalised windows back over it as prepare does, while the stimulus cache
// is written from the same store; then checks the statistics, the
// normalised training and test movies against the reference (torch), bit
// for bit, and that the cache holds the reference's raw movie.
func TestStreamIntoGoldenParity(t *testing.T) {
	ctx := context.Background()
	for _, gs := range goldenSessions {
		if testing.Short() && !gs.zip {
			continue
		}
		for _, sem := range []fixmovie.Semantics{fixmovie.OpenRetina, fixmovie.MATLAB} {
			t.Run(fmt.Sprintf("%s/%s", gs.name, sem), func(t *testing.T) {
				want := loadExpected(t, gs.name, sem)
				_, path := copySession(t, gs.name, gs.zip)
				o := testOptions(t, sem, nil)
				o.Normalize = true
				const window = 7
				var st *memStore
				var shape []int
				sm, err := StreamStimuliInto(ctx, path, o, window, func(sh []int) (MovieStore, error) {
					shape = sh
					st = &memStore{b: make([]byte, 4*sh[1]*sh[2]*sh[3]), slow: 4 * window * sh[2] * sh[3]}
					return st, nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if !equalInts(shape, want.trainShape) || !equalInts(sm.Split.TrainShape, want.trainShape) {
					t.Fatalf("store shape %v, split %v, want %v", shape, sm.Split.TrainShape, want.trainShape)
				}
				if sm.Split.FromCache || sm.Split.Train != nil {
					t.Fatalf("FromCache %v, Train %d values", sm.Split.FromCache, len(sm.Split.Train))
				}
				if !sm.Split.Normalized || sm.Split.NormMean != want.mean || sm.Split.NormStd != want.std {
					t.Errorf("norm mean/std %v/%v, want %v/%v exactly", sm.Split.NormMean, sm.Split.NormStd, want.mean, want.std)
				}
				if err := bitsEqual32(st.float32s(), want.trainRaw); err != nil {
					t.Errorf("raw movie in the store: %v", err)
				}
				sm.WriteCache()
				var off int64
				windows := 0
				if err := sm.EachTrainWindow(func(v []float32) error {
					b := make([]byte, 4*len(v))
					for i, x := range v {
						binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
					}
					_, err := st.WriteAt(b, off)
					off += int64(len(b))
					windows++
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if err := sm.EachTrainWindow(func([]float32) error { return nil }); err == nil {
					t.Error("a second EachTrainWindow over the overwritten store was allowed")
				}
				if err := sm.Close(); err != nil {
					t.Fatal(err)
				}
				if want.trainShape[1] > window && windows < 2 {
					t.Errorf("%d windows for %d frames", windows, want.trainShape[1])
				}
				check := func(name string, got, raw []float32) { checkNormalised(t, name, got, raw, want) }
				check("train", st.float32s(), want.trainRaw)
				check("test", sm.Split.Test, want.testRaw)

				checkRawCache(t, ctx, path, o, want)

				// From the cache: the store is asked for but not written,
				// and the windows come from memory.
				o.Normalize = true
				st2 := &memStore{}
				sm2, err := StreamStimuliInto(ctx, path, o, window, func(sh []int) (MovieStore, error) {
					st2.b = make([]byte, 4*sh[1]*sh[2]*sh[3])
					return st2, nil
				})
				if err != nil {
					t.Fatal(err)
				}
				defer sm2.Close()
				if !sm2.Split.FromCache || st2.b == nil || st2.writes != 0 {
					t.Fatalf("from cache %v, store %d bytes, %d writes", sm2.Split.FromCache, len(st2.b), st2.writes)
				}
				var again []float32
				if err := sm2.EachTrainWindow(func(v []float32) error { again = append(again, v...); return nil }); err != nil {
					t.Fatal(err)
				}
				check("train from the cache", again, want.trainRaw)
			})
		}
	}
}

// TestStreamIntoStoreError checks that a store that cannot be made or
// written fails the load with its error.
func TestStreamIntoStoreError(t *testing.T) {
	gs := goldenSessions[1]
	_, path := copySession(t, gs.name, gs.zip)
	o := testOptions(t, fixmovie.OpenRetina, nil)
	o.DisableCache = true
	boom := errors.New("no room")
	if _, err := StreamStimuliInto(context.Background(), path, o, 7, func([]int) (MovieStore, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("store error: %v", err)
	}
	if _, err := StreamStimuliInto(context.Background(), path, o, 7, func([]int) (MovieStore, error) { return &memStore{}, nil }); err == nil {
		t.Error("a store too small for the movie was accepted")
	}
	// With the cache on, its writer, started before the movie renders,
	// stops with it: no cache, and no warning beside the session's error.
	var warns []string
	o = testOptions(t, fixmovie.OpenRetina, &warns)
	small := func(sh []int) (MovieStore, error) { return &memStore{b: make([]byte, 4*sh[1]*sh[2]*sh[3]/2)}, nil }
	if _, err := StreamStimuliInto(context.Background(), path, o, 7, small); err == nil {
		t.Error("a store too small for the movie was accepted")
	}
	if len(warns) != 0 {
		t.Errorf("warnings %q", warns)
	}
	folder, err := SessionFolder(context.Background(), path, o.CacheDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(folder, orCache)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed session left a cache: %v", err)
	}
}

// TestStoreReaderWaitsForStatistics checks that the cache's reader of a
// caller's store gives its last bytes only once the statistics are known,
// and fails (so that no cache is written) when the movie was refused for
// them; and that a second reader cannot start over bytes already read.
func TestStoreReaderWaitsForStatistics(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		sm := &StreamedMovie{frames: 3, fsize: 4, store: &memStore{b: make([]byte, 48)}, inPlace: true, statsDone: make(chan struct{})}
		sm.filled.advance(48)
		r := sm.rawTrainReader()
		buf := make([]byte, 40)
		if n, err := io.ReadFull(r, buf); n != 40 || err != nil {
			t.Fatalf("first bytes: %d, %v", n, err)
		}
		got := make(chan error, 1)
		go func() {
			_, err := io.ReadFull(r, make([]byte, 8))
			got <- err
		}()
		select {
		case err := <-got:
			t.Fatalf("last bytes read before the statistics: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if refuse {
			sm.statsErr = ErrConstantMovie
		}
		close(sm.statsDone)
		// refused: the session reports why, the cache writer says nothing
		if err := <-got; refuse != (err != nil) || (refuse && (!errors.Is(err, ErrConstantMovie) || !errors.Is(err, errMovieStopped))) {
			t.Errorf("refused %v: last read %v", refuse, err)
		}
		if _, err := sm.rawTrainReader().Read(make([]byte, 4)); err == nil {
			t.Error("a second reader started over bytes already read")
		}
	}
}

// TestStoreReaderFollowsFill checks that the cache's reader of a caller's
// store reads only what the renderer has written into it, waits for more,
// and fails when the rendering stopped short.
func TestStoreReaderFollowsFill(t *testing.T) {
	sm := &StreamedMovie{frames: 3, fsize: 4, store: &memStore{b: make([]byte, 48)}, inPlace: true}
	sm.filled.advance(16)
	r := sm.rawTrainReader()
	if n, err := r.Read(make([]byte, 40)); n != 16 || err != nil {
		t.Fatalf("read with 16 bytes rendered: %d, %v; want 16 bytes", n, err)
	}
	got := make(chan int, 1)
	go func() {
		n, _ := r.Read(make([]byte, 40))
		got <- n
	}()
	select {
	case n := <-got:
		t.Fatalf("read %d bytes not rendered yet", n)
	case <-time.After(50 * time.Millisecond):
	}
	sm.filled.advance(32)
	if n := <-got; n != 16 {
		t.Fatalf("read %d bytes once 32 were rendered; want 16", n)
	}
	sm.filled.finish() // the renderer failed at byte 32
	if n, err := r.Read(make([]byte, 40)); n != 0 || err == nil || !strings.Contains(err.Error(), "rendered up to byte 32 of 48") {
		t.Errorf("read past a failed rendering: %d, %v", n, err)
	}
}

// orderedStore is a memStore whose writes of the training movie beyond its
// first two windows wait (up to a timeout) until the stimulus cache's
// writer has read its first window: the cache must be written while the
// movie renders, not after.
type orderedStore struct {
	memStore
	window int64 // bytes per window
	read   watermark
	late   bool // a write waited in vain
}

func (s *orderedStore) ReadAt(p []byte, off int64) (int, error) {
	n, err := s.memStore.ReadAt(p, off)
	s.read.advance(off + int64(n))
	return n, err
}

func (s *orderedStore) WriteAt(p []byte, off int64) (int, error) {
	if off >= 2*s.window {
		done := make(chan struct{})
		go func() {
			s.read.waitFor(s.window)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			s.late = true
			s.read.finish()
		}
	}
	return s.memStore.WriteAt(p, off)
}

// TestStreamIntoCachesWhileRendering checks that, rendering into a
// caller's store, the stimulus cache holds the raw movie whatever the
// order the cache writer and the others go in: it reads the store while
// the training movie renders; when its writer starts late (a slow file
// system), normalise scales the test movie in place only once it is
// written, and StreamStimuliInto does not return it before (the caller
// may change it); when the writer falls behind, EachTrainWindow's fn
// overwrites only windows it has read.
func TestStreamIntoCachesWhileRendering(t *testing.T) {
	ctx := context.Background()
	gs := goldenSessions[0]
	want := loadExpected(t, gs.name, fixmovie.OpenRetina)
	const window = 7
	for _, tc := range []struct {
		name      string
		normalise bool
		slowStart bool // the cache file takes 300 ms to create
		behind    bool // the cache writer's reads past the first window wait until 300 ms into the final pass
	}{
		{"while rendering", true, false, false},
		{"slow start", true, true, false},
		{"slow start, not normalised", false, true, false},
		{"behind the final pass", true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, path := copySession(t, gs.name, gs.zip)
			o := testOptions(t, fixmovie.OpenRetina, nil)
			o.Normalize = tc.normalise
			if tc.slowStart {
				defer func(orig func(string, npy.NPZOptions) (*npy.NPZWriter, error)) { createNPZ = orig }(createNPZ)
				createNPZ = func(p string, opt npy.NPZOptions) (*npy.NPZWriter, error) {
					time.Sleep(300 * time.Millisecond) // longer than render and statistics take
					return npy.CreateNPZ(p, opt)
				}
			}
			release := make(chan struct{})
			var once sync.Once
			releaseCache := func() { once.Do(func() { close(release) }) }
			var st *orderedStore
			if tc.behind {
				defer func(orig func(int64)) { beforeCacheRead = orig }(beforeCacheRead)
				beforeCacheRead = func(off int64) {
					if off >= st.window {
						<-release
					}
				}
			}
			sm, err := StreamStimuliInto(ctx, path, o, window, func(sh []int) (MovieStore, error) {
				if sh[1] < 3*window {
					t.Fatalf("%d frames: too few for this test", sh[1])
				}
				st = &orderedStore{memStore: memStore{b: make([]byte, 4*sh[1]*sh[2]*sh[3])}, window: int64(4 * window * sh[2] * sh[3])}
				if tc.slowStart || tc.behind {
					st.read.finish() // no order
				}
				return st, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sm.Close() })
			t.Cleanup(releaseCache) // first, should the test stop early
			if st.late {
				t.Error("the cache writer read nothing while the movie rendered")
			}
			if tc.normalise {
				checkNormalised(t, "test", sm.Split.Test, want.testRaw, want)
			} else {
				clear(sm.Split.Test) // the caller's to change
			}
			// the final pass writes the normalised windows over the store,
			// as prepare does (the cache writer held back until 300 ms into it)
			go func() {
				time.Sleep(300 * time.Millisecond)
				releaseCache()
			}()
			var off int64
			if err := sm.EachTrainWindow(func(v []float32) error {
				b := make([]byte, 4*len(v))
				for i, x := range v {
					binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
				}
				_, err := st.memStore.WriteAt(b, off)
				off += int64(len(b))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if err := sm.Close(); err != nil {
				t.Fatal(err)
			}
			checkRawCache(t, ctx, path, o, want)
		})
	}
}

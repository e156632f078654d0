// Package render reads a session prepared by 'retinaio prepare' (an .npz with
// stim_train, stim_test, resp_train, resp_test, resp_test_by_trial and the
// optional norm_mean/norm_std) lazily, frame by frame and cell by cell, and
// draws it: animated GIFs of the movie with an optional raster strip, PNG
// contact sheets and raster plots with axis labels drawn in a small built-in
// bitmap font. Arrays are read with package npy; otherwise only the standard
// library is used.
//
// Stored (uncompressed) .npz members are read in place with ReadAt; compressed
// members are decompressed once into a temporary file, so memory stays
// bounded by a few frames whatever the session size.
package render

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/prepared"
)

// Split selects the training, validation or test movie.
type Split string

// The movies of a prepared session (Val: the validation clips of a file
// written by 'retinaio split' or 'prepare --split', stim_val).
const (
	Train Split = "train"
	Test  Split = "test"
	Val   Split = "val"
)

// stimKey and respKey are the split's movie and responses in a prepared
// archive.
func (sp Split) stimKey() string {
	switch sp {
	case Train:
		return prepared.KeyStimTrain
	case Val:
		return prepared.KeyStimVal
	}
	return prepared.KeyStimTest
}

func (sp Split) respKey() string {
	switch sp {
	case Train:
		return prepared.KeyRespTrain
	case Val:
		return prepared.KeyRespVal
	}
	return prepared.KeyRespTest
}

// ParseSplit accepts "train", "test" or "val".
func ParseSplit(s string) (Split, error) {
	switch Split(s) {
	case Train, Test, Val:
		return Split(s), nil
	}
	return "", fmt.Errorf("unknown split %q: use train, test or val", s)
}

// Session is a prepared session opened for lazy reads. It is safe for
// concurrent use.
type Session struct {
	// Path is the .npz file.
	Path string
	// Name is the session name (the file name without .npz).
	Name string
	// Species is "mouse", "marmoset" or "" (from the name).
	Species string
	// FrameRate is the display rate in Hz (karamanlis.FrameRate): 85 for
	// marmoset, 75 otherwise.
	FrameRate float64
	// H, W are the prepared frame size.
	H, W int
	// TrainFrames, TestFrames and ValFrames are the movie lengths
	// (ValFrames 0 without stim_val).
	TrainFrames, TestFrames, ValFrames int
	// Cells is the number of neurons, Trials the number of test repeats
	// (0 when resp_test_by_trial is absent).
	Cells, Trials int
	// NormMean, NormStd are the normalisation statistics; HasNorm tells
	// whether the file carries them.
	NormMean, NormStd float64
	HasNorm           bool

	z *npzFile
}

// Open opens a prepared session file and checks the shapes of its arrays.
func Open(path string) (*Session, error) {
	z, err := openNPZ(path)
	if err != nil {
		return nil, err
	}
	s := &Session{Path: path, z: z}
	s.Name = strings.TrimSuffix(filepath.Base(path), ".npz")
	sp := karamanlis.SpeciesOf(s.Name)
	s.Species = string(sp)
	s.FrameRate, _ = karamanlis.FrameRate(sp)
	if err := s.check(); err != nil {
		z.close()
		return nil, err
	}
	return s, nil
}

func (s *Session) errf(format string, a ...any) error {
	return fmt.Errorf("%s: %s", s.Path, fmt.Sprintf(format, a...))
}

func movieShape(sh []int) (t, h, w int, ok bool) {
	switch len(sh) {
	case 4:
		if sh[0] < 1 {
			return 0, 0, 0, false
		}
		return sh[1], sh[2], sh[3], true
	case 3:
		return sh[0], sh[1], sh[2], true
	}
	return 0, 0, 0, false
}

func (s *Session) check() error {
	for _, name := range s.z.names {
		for _, d := range s.z.members[name].hdr.Shape {
			if d == 0 && name != prepared.KeyNormMean && name != prepared.KeyNormStd {
				return s.errf("array %q has shape %v with an empty dimension", name, s.z.members[name].hdr.Shape)
			}
		}
	}
	var h0, w0 int
	for _, key := range []string{prepared.KeyStimTrain, prepared.KeyStimTest, prepared.KeyStimVal} {
		m := s.z.members[key]
		if m == nil {
			continue
		}
		t, h, w, ok := movieShape(m.hdr.Shape)
		if !ok {
			return s.errf("array %q has shape %v; want (1, T, h, w)", key, m.hdr.Shape)
		}
		if h0 != 0 && (h != h0 || w != w0) {
			return s.errf("the movies differ in frame size: %dx%d and %s is %dx%d", h0, w0, key, h, w)
		}
		h0, w0 = h, w
		switch key {
		case prepared.KeyStimTrain:
			s.TrainFrames = t
		case prepared.KeyStimVal:
			s.ValFrames = t
		default:
			s.TestFrames = t
		}
	}
	if s.z.members[prepared.KeyStimTrain] == nil && s.z.members[prepared.KeyStimTest] == nil {
		return s.errf("no stim_train or stim_test array: not a 'retinaio prepare' session file (arrays: %s)", strings.Join(s.z.names, ", "))
	}
	s.H, s.W = h0, w0
	if m := s.z.members[prepared.KeyRespTest]; m != nil {
		if len(m.hdr.Shape) != 2 {
			return s.errf("resp_test has shape %v; want (N, T)", m.hdr.Shape)
		}
		s.Cells = m.hdr.Shape[0]
		if m.hdr.Shape[1] != s.TestFrames {
			return s.errf("resp_test has %d frames but stim_test has %d", m.hdr.Shape[1], s.TestFrames)
		}
	}
	if m := s.z.members[prepared.KeyRespTrain]; m != nil {
		if len(m.hdr.Shape) != 2 {
			return s.errf("resp_train has shape %v; want (N, T)", m.hdr.Shape)
		}
		if s.Cells != 0 && m.hdr.Shape[0] != s.Cells {
			return s.errf("resp_train has %d cells but resp_test has %d", m.hdr.Shape[0], s.Cells)
		}
		s.Cells = m.hdr.Shape[0]
		if m.hdr.Shape[1] != s.TrainFrames {
			return s.errf("resp_train has %d frames but stim_train has %d", m.hdr.Shape[1], s.TrainFrames)
		}
	}
	if m := s.z.members[prepared.KeyRespTestByTrial]; m != nil {
		sh := m.hdr.Shape
		if len(sh) != 3 || sh[1] != s.Cells || sh[2] != s.TestFrames {
			return s.errf("resp_test_by_trial has shape %v; want (K, %d, %d)", sh, s.Cells, s.TestFrames)
		}
		s.Trials = sh[0]
	}
	for _, key := range []string{prepared.KeyNormMean, prepared.KeyNormStd} {
		if m := s.z.members[key]; m != nil && m.n != 1 {
			return s.errf("%s has shape %v; want a scalar", key, m.hdr.Shape)
		}
	}
	if s.z.members[prepared.KeyNormMean] != nil && s.z.members[prepared.KeyNormStd] != nil {
		var v [1]float64
		if err := s.z.members[prepared.KeyNormMean].readFloat64(0, 1, v[:]); err != nil {
			return err
		}
		s.NormMean = v[0]
		if err := s.z.members[prepared.KeyNormStd].readFloat64(0, 1, v[:]); err != nil {
			return err
		}
		s.NormStd = v[0]
		if !(s.NormStd > 0) || math.IsInf(s.NormStd, 0) || math.IsNaN(s.NormMean) {
			return s.errf("norm_std %v / norm_mean %v are not usable", s.NormStd, s.NormMean)
		}
		s.HasNorm = true
	}
	return nil
}

// Close releases the file and any temporary files.
func (s *Session) Close() error { return s.z.close() }

// Arrays lists the array names in the file, in file order.
func (s *Session) Arrays() []string { return append([]string(nil), s.z.names...) }

// Shape returns an array's shape, or nil when absent.
func (s *Session) Shape(name string) []int {
	if m := s.z.members[name]; m != nil {
		return append([]int(nil), m.hdr.Shape...)
	}
	return nil
}

// Frames returns the number of frames of a split.
func (s *Session) Frames(sp Split) int {
	switch sp {
	case Train:
		return s.TrainFrames
	case Val:
		return s.ValFrames
	}
	return s.TestFrames
}

// Frame reads frame k of a split (channel 0) into dst (length H*W, row
// major), allocating when dst is too short.
func (s *Session) Frame(sp Split, k int, dst []float32) ([]float32, error) {
	m := s.z.members[sp.stimKey()]
	if m == nil {
		return nil, s.errf("no %s array", sp.stimKey())
	}
	n := s.Frames(sp)
	if k < 0 || k >= n {
		return nil, s.errf("%s frame %d out of range: the movie has %d frames (0..%d)", sp, k, n, n-1)
	}
	hw := s.H * s.W
	if cap(dst) < hw {
		dst = make([]float32, hw)
	}
	dst = dst[:hw]
	return dst, m.readFloat32(k*hw, hw, dst)
}

// Display maps a stored (possibly normalised) value to a grey level 0..255:
// normalised values are mapped back to the source's 0..255 scale with the
// session's norm_mean/norm_std; unnormalised values are clamped to 0..255.
func (s *Session) Display(v float32) uint8 {
	x := float64(v)
	if s.HasNorm {
		x = x*s.NormStd + s.NormMean
	}
	x = math.Round(x)
	if !(x > 0) { // also NaN
		return 0
	}
	if x > 255 {
		return 255
	}
	return uint8(x)
}

// FrameU8 reads frame k and quantises it with Display.
func (s *Session) FrameU8(sp Split, k int, dst []uint8) ([]uint8, error) {
	f, err := s.Frame(sp, k, nil)
	if err != nil {
		return nil, err
	}
	if cap(dst) < len(f) {
		dst = make([]uint8, len(f))
	}
	dst = dst[:len(f)]
	for i, v := range f {
		dst[i] = s.Display(v)
	}
	return dst, nil
}

func (s *Session) checkCell(n int) error {
	if n < 0 || n >= s.Cells {
		return s.errf("cell %d out of range: the session has %d cells (0..%d)", n, s.Cells, s.Cells-1)
	}
	return nil
}

// CellResponse returns cell n's response over a split: the trial average for
// test (resp_test), the single presentation for train (resp_train), in the
// file's units (spike counts per frame / fr-norm).
func (s *Session) CellResponse(sp Split, n int) ([]float64, error) {
	if err := s.checkCell(n); err != nil {
		return nil, err
	}
	m := s.z.members[sp.respKey()]
	if m == nil {
		return nil, s.errf("no %s array", sp.respKey())
	}
	T := m.hdr.Shape[1]
	out := make([]float64, T)
	return out, m.readFloat64(n*T, T, out)
}

// CellTrials returns cell n's test responses for every repeat, trial major
// (Trials rows of TestFrames values).
func (s *Session) CellTrials(n int) ([][]float64, error) {
	if err := s.checkCell(n); err != nil {
		return nil, err
	}
	m := s.z.members[prepared.KeyRespTestByTrial]
	if m == nil {
		return nil, s.errf("no resp_test_by_trial array")
	}
	T := s.TestFrames
	out := make([][]float64, s.Trials)
	for k := range out {
		out[k] = make([]float64, T)
		if err := m.readFloat64((k*s.Cells+n)*T, T, out[k]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TrialBlock reads trial k of resp_test_by_trial (Cells x TestFrames values,
// cell major) into dst.
func (s *Session) TrialBlock(k int, dst []float64) ([]float64, error) {
	m := s.z.members[prepared.KeyRespTestByTrial]
	if m == nil {
		return nil, s.errf("no resp_test_by_trial array")
	}
	if k < 0 || k >= s.Trials {
		return nil, s.errf("trial %d out of range (0..%d)", k, s.Trials-1)
	}
	n := s.Cells * s.TestFrames
	if cap(dst) < n {
		dst = make([]float64, n)
	}
	dst = dst[:n]
	return dst, m.readFloat64(k*n, n, dst)
}

// ReadArray reads a whole small array as float64 (for predictions and
// scalars); it refuses arrays larger than maxElems elements.
func (s *Session) ReadArray(name string, maxElems int) ([]float64, []int, error) {
	m := s.z.members[name]
	if m == nil {
		return nil, nil, s.errf("no %s array", name)
	}
	n := m.n
	if n > maxElems {
		return nil, nil, s.errf("array %s has %d elements, more than the %d allowed here", name, n, maxElems)
	}
	out := make([]float64, n)
	return out, m.hdr.Shape, m.readFloat64(0, n, out)
}

// OpenArrays opens any .npz (such as a prediction file) for lazy reads
// without the session checks; use Shape, ReadArray and ReadRow on it.
func OpenArrays(path string) (*Arrays, error) {
	z, err := openNPZ(path)
	if err != nil {
		return nil, err
	}
	return &Arrays{z: z}, nil
}

// Arrays is an .npz opened for lazy reads.
type Arrays struct{ z *npzFile }

// Close releases the file.
func (a *Arrays) Close() error { return a.z.close() }

// Shape returns an array's shape or nil when absent.
func (a *Arrays) Shape(name string) []int {
	if m := a.z.members[name]; m != nil {
		return append([]int(nil), m.hdr.Shape...)
	}
	return nil
}

// ReadRow reads row i of a 2-D array as float64.
func (a *Arrays) ReadRow(name string, i int) ([]float64, error) {
	m := a.z.members[name]
	if m == nil {
		return nil, fmt.Errorf("%s: no %s array", a.z.path, name)
	}
	if len(m.hdr.Shape) != 2 {
		return nil, fmt.Errorf("%s: %s has shape %v; want 2-D", a.z.path, name, m.hdr.Shape)
	}
	if i < 0 || i >= m.hdr.Shape[0] {
		return nil, fmt.Errorf("%s: %s row %d out of range (0..%d)", a.z.path, name, i, m.hdr.Shape[0]-1)
	}
	T := m.hdr.Shape[1]
	out := make([]float64, T)
	return out, m.readFloat64(i*T, T, out)
}

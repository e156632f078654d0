// Package fixmovie composes the fixation movies of the Karamanlis et al. 2024
// recordings: each frame shows one image of an ensemble, shifted so that the
// fixated image pixel (x, y) lands at the screen's centre, and the movie is
// downsampled with torchvision's antialiased bilinear Resize.
//
// Two semantics are supported (Semantics):
//   - OpenRetina (default): openretina's Python port (return_fix_movie_torch
//     and get_ranges) bit for bit, including its off-by-one: when the image's
//     top (left) edge lies inside the screen, one extra row (column) above
//     (left of) the image is painted with the image's last row (column),
//     because index -1 wraps; an image entirely off screen is an error
//     (*OffScreenError), where the port raises IndexError.
//   - MATLAB: the original returnFixMovie.m: 1-based screen column c shows
//     image column c + x - W/2, screen row r shows image row r + y - H/2;
//     pixels not covered stay 0; an image entirely off screen gives a blank
//     frame.
//
// ReturnFixMovie is the readable full-resolution reference. Render (and
// Renderer) is the fast pipeline: it computes every output frame directly at
// the target size from the source image and the fixation, never building a
// full-resolution frame, and agrees with ReturnFixMovie followed by
// resample's Resize bit for bit (same float32 operations in the same order).
package fixmovie

import (
	"fmt"
	"strings"
)

// Semantics selects how a fixation is turned into a frame.
type Semantics int

const (
	// OpenRetina reproduces openretina's port (the default).
	OpenRetina Semantics = iota
	// MATLAB reproduces the original returnFixMovie.m.
	MATLAB
)

// String returns "openretina" or "matlab".
func (s Semantics) String() string {
	switch s {
	case OpenRetina:
		return "openretina"
	case MATLAB:
		return "matlab"
	}
	return fmt.Sprintf("Semantics(%d)", int(s))
}

// ParseSemantics parses "openretina" or "matlab" (case-insensitive,
// surrounding spaces ignored); "" is OpenRetina, the default. It is the one
// parser of semantics names: the loaders, the pipeline and the command line
// all use it.
func ParseSemantics(s string) (Semantics, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "openretina", "":
		return OpenRetina, nil
	case "matlab":
		return MATLAB, nil
	}
	return 0, fmt.Errorf("unknown fixation semantics %q (want openretina or matlab)", s)
}

// Valid reports whether s is OpenRetina or MATLAB.
func (s Semantics) Valid() bool { return s == OpenRetina || s == MATLAB }

func (s Semantics) valid() bool { return s.Valid() }

// Ranges is the part of the screen one image covers, as returned by the
// seed's get_ranges, in 0-based indices.
//
// Screen columns XMin..XMax and rows YMin..YMax (inclusive) are painted.
// Screen column s in that range shows image column XOr + (s - XMin), and
// screen row r shows image row YOr + (r - YMin). XOr (YOr) is -1 exactly when
// openretina's port paints the extra column (row) left of (above) the image:
// numpy/torch index -1 is the image's LAST column (row), Nx-1 (Ny-1); every
// other index is inside the image. Empty is true when nothing is painted (only
// with MATLAB semantics; openretina raises instead); the other fields are
// then zero.
type Ranges struct {
	XMin, XMax, YMin, YMax int
	XOr, YOr               int
	Empty                  bool
}

// Col returns the image column shown at screen column s (wrapping -1 to
// nx-1), and false when s is not painted.
func (r Ranges) Col(s, nx int) (int, bool) { return r.shown(s, r.XMin, r.XMax, r.XOr, nx) }

// Row returns the image row shown at screen row s (wrapping -1 to ny-1),
// and false when s is not painted.
func (r Ranges) Row(s, ny int) (int, bool) { return r.shown(s, r.YMin, r.YMax, r.YOr, ny) }

// shown maps screen index s on one axis (painted lo..hi, showing image
// index or at lo) to the image index, wrapping -1 to n-1.
func (r Ranges) shown(s, lo, hi, or, n int) (int, bool) {
	if r.Empty || s < lo || s > hi {
		return 0, false
	}
	c := or + s - lo
	if c == -1 {
		c = n - 1
	}
	return c, true
}

// OffScreenError reports an image entirely off screen under openretina
// semantics (the port raises IndexError: np.where(...)[0][0] of an empty
// selection). Frame is -1 when unknown (GetRanges itself).
type OffScreenError struct {
	Frame          int
	Image          int // 1-based image index, 0 when unknown
	X, Y           int // the fixation
	Axis           string
	ScreenW        int
	ScreenH        int
	ImageW, ImageH int
}

// Error describes the frame, the fixation and what to do.
func (e *OffScreenError) Error() string {
	where := ""
	if e.Frame >= 0 {
		where = fmt.Sprintf("frame %d: ", e.Frame)
	}
	img := ""
	if e.Image > 0 {
		img = fmt.Sprintf("image %d ", e.Image)
	}
	return fmt.Sprintf("fixmovie: %s%s(%dx%d) at x=%d, y=%d lies entirely off the %dx%d screen along %s; "+
		"openretina's port raises IndexError here (use the matlab semantics for a blank frame)",
		where, img, e.ImageH, e.ImageW, e.X, e.Y, e.ScreenH, e.ScreenW, e.Axis)
}

// axisRange returns the painted screen interval [lo, hi] (0-based) and the
// image index shown at lo along one axis; ok is false when nothing is
// painted. tr is the fixation coordinate, ns the screen size, n the image size.
func axisRange(tr, ns, n int, sem Semantics) (lo, hi, or int, ok bool) {
	half := ns / 2
	switch sem {
	case MATLAB:
		// 1-based: first = max(ns/2 - tr + 1, 1), last = min(n + ns/2 - tr, ns).
		first := max(half-tr+1, 1)
		last := min(n+half-tr, ns)
		if first > last {
			return 0, 0, 0, false
		}
		return first - 1, last - 1, tr - half + first - 1, true
	default:
		// Seed: lo0 = max(ns//2 - tr, 0), hi0 = min(n + ns//2 - tr, ns), and the
		// 1-based screen indices rx in [lo0, hi0] are used: rx starts at 1.
		first := max(half-tr, 0, 1)
		last := min(n+half-tr, ns)
		if first > last {
			return 0, 0, 0, false
		}
		return first - 1, last - 1, tr - half + first - 1, true
	}
}

// GetRanges mirrors openretina's get_ranges(tr_x, tr_y, Nxs, Nys, Nx, Ny, ...):
// trX, trY the fixation, nxs x nys the screen (columns x rows), nx x ny the
// image. Under OpenRetina an image entirely off screen returns an
// *OffScreenError (x is checked first, as openretina does); under MATLAB it
// returns Ranges{Empty: true}. Screen sizes are halved with integer division
// (openretina's //; MATLAB itself needs even sizes).
func GetRanges(trX, trY, nxs, nys, nx, ny int, sem Semantics) (Ranges, error) {
	if nxs < 1 || nys < 1 || nx < 1 || ny < 1 {
		return Ranges{}, fmt.Errorf("fixmovie: screen %dx%d and image %dx%d must be positive", nys, nxs, ny, nx)
	}
	if !sem.valid() {
		return Ranges{}, fmt.Errorf("fixmovie: invalid semantics %d", int(sem))
	}
	if abs(trX) > MaxCoord || abs(trY) > MaxCoord {
		return Ranges{}, fmt.Errorf("fixmovie: fixation (%d, %d) beyond +-%d", trX, trY, MaxCoord)
	}
	off := func(axis string) error {
		return &OffScreenError{Frame: -1, X: trX, Y: trY, Axis: axis, ScreenW: nxs, ScreenH: nys, ImageW: nx, ImageH: ny}
	}
	x0, x1, xo, okx := axisRange(trX, nxs, nx, sem)
	if !okx {
		if sem == OpenRetina {
			return Ranges{}, off("x")
		}
		return Ranges{Empty: true}, nil
	}
	y0, y1, yo, oky := axisRange(trY, nys, ny, sem)
	if !oky {
		if sem == OpenRetina {
			return Ranges{}, off("y")
		}
		return Ranges{Empty: true}, nil
	}
	return Ranges{XMin: x0, XMax: x1, YMin: y0, YMax: y1, XOr: xo, YOr: yo}, nil
}

// Differs reports whether the two semantics paint a fixation at (x, y)
// differently on an nxs x nys screen for an nx x ny image: openretina paints
// a wrapped extra row or column, or raises where MATLAB shows a blank frame.
func Differs(x, y, nxs, nys, nx, ny int) bool {
	a, errA := GetRanges(x, y, nxs, nys, nx, ny, OpenRetina)
	b, errB := GetRanges(x, y, nxs, nys, nx, ny, MATLAB)
	if errA != nil || errB != nil {
		return true
	}
	return a != b
}

// MaxCoord bounds fixation coordinates (far beyond any screen), so that index
// arithmetic never overflows.
const MaxCoord = 1 << 30

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

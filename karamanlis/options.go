package karamanlis

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/internal/cachedir"
	"github.com/retinaio/retinaio/internal/version"
)

// StimType names a stimulus, and so the session file <stim>_data.mat.
type StimType string

// The stimulus types of the Karamanlis 2024 sessions.
const (
	FixationMovie        StimType = "fixationmovie"
	FrozenCheckerFlicker StimType = "frozencheckerflicker"
	GratingFlicker       StimType = "gratingflicker"
	ImageSequence        StimType = "imagesequence"
)

// ParseStimType checks a stimulus type name.
func ParseStimType(s string) (StimType, error) {
	switch t := StimType(s); t {
	case FixationMovie, FrozenCheckerFlicker, GratingFlicker, ImageSequence:
		return t, nil
	}
	return "", fmt.Errorf("unknown stimulus type %q: use fixationmovie, frozencheckerflicker, gratingflicker or imagesequence", s)
}

// StimulusOptions configures stimulus loading. Start from
// DefaultStimulusOptions: zero numeric fields and an empty StimType,
// Species or Semantics take openretina's defaults, but the zero Normalize is
// false.
type StimulusOptions struct {
	StimType StimType // default fixationmovie
	// Height and Width are the downsampled frame size (default 60x80).
	Height, Width int
	// Normalize subtracts the training movie's mean and divides by its
	// (N-1) standard deviation, train and test alike.
	Normalize bool
	// Species selects sessions in LoadAllStimuli (Mouse default).
	Species Species
	// ScreenHeight and ScreenWidth are the monitor size (default 600x800).
	ScreenHeight, ScreenWidth int
	// Semantics is fixmovie.OpenRetina (the zero value, default) or
	// fixmovie.MATLAB.
	Semantics fixmovie.Semantics
	// CacheDir holds unpacked zips and caches that cannot be written next
	// to a read-only .mat. Default: DefaultCacheDir().
	CacheDir string
	// UseOpenretinaCache reads and writes openretina's own cache file
	// (<stim>_data_extracted_stimuli_<h>_<w>.npz) for the OpenRetina
	// semantics. When false, results go under retinaio's own cache name.
	UseOpenretinaCache bool
	// DisableCache neither reads nor writes any stimulus cache.
	DisableCache bool
	// CompressCache deflates cache files (openretina uses
	// np.savez_compressed; a stored file loads the same and faster).
	CompressCache bool
	// Workers bounds the rendering goroutines (0: all cores).
	Workers int
	// ToolVersion is recorded in the cache provenance (default: the
	// module version from the build information, or "devel" and the VCS
	// revision).
	ToolVersion string
	// Progress, when set, is called with the frames composed so far and
	// the total (train + test) while a movie is rendered, possibly from
	// several goroutines at once.
	Progress func(done, total int)
	// Timing, when set, receives the seconds spent in the phases of
	// composing a movie: "read" (reading and inflating the images),
	// "render" (composing and resizing the frames), "std" (the streamed
	// movie's pass for its standard deviation) and "cache_write" (writing
	// the stimulus cache, which for a movie rendered into the caller's
	// store runs beside the render and the statistics, and includes
	// waiting for them). It may be called from another
	// goroutine, always before LoadStimuliForSession returns (for a
	// streamed movie, before its Close returns).
	// retinaio bench reports them.
	Timing func(phase string, seconds float64)
	// Warn receives warnings (no stimulus file, rejected caches, NaN
	// values); nil discards them.
	Warn func(msg string)
	// Info receives progress messages such as "Loading stimuli from cached
	// X" (openretina prints the same); nil discards them.
	Info func(msg string)
}

// DefaultStimulusOptions returns openretina's defaults: fixationmovie, 60x80,
// normalised, mouse, 600x800 screen, openretina semantics, openretina's
// cache used.
func DefaultStimulusOptions() StimulusOptions {
	return StimulusOptions{
		StimType:           FixationMovie,
		Height:             DefaultHeight,
		Width:              DefaultWidth,
		Normalize:          true,
		Species:            Mouse,
		ScreenHeight:       DefaultScreenHeight,
		ScreenWidth:        DefaultScreenWidth,
		Semantics:          fixmovie.OpenRetina,
		UseOpenretinaCache: true,
	}
}

// WithDefaults returns the options with the defaults filled in (see
// StimulusOptions) and checks them.
func (o StimulusOptions) WithDefaults() (StimulusOptions, error) {
	if o.StimType == "" {
		o.StimType = FixationMovie
	}
	if _, err := ParseStimType(string(o.StimType)); err != nil {
		return o, err
	}
	if o.Height == 0 {
		o.Height = DefaultHeight
	}
	if o.Width == 0 {
		o.Width = DefaultWidth
	}
	if o.ScreenHeight == 0 {
		o.ScreenHeight = DefaultScreenHeight
	}
	if o.ScreenWidth == 0 {
		o.ScreenWidth = DefaultScreenWidth
	}
	if o.Height < 0 || o.Width < 0 || o.Height > o.ScreenHeight || o.Width > o.ScreenWidth {
		return o, fmt.Errorf("downsampled size %dx%d must be between 1x1 and the screen size %dx%d", o.Height, o.Width, o.ScreenHeight, o.ScreenWidth)
	}
	if o.ScreenHeight < 0 || o.ScreenWidth < 0 || o.ScreenHeight > 1<<14 || o.ScreenWidth > 1<<14 {
		return o, fmt.Errorf("screen size %dx%d is out of range", o.ScreenHeight, o.ScreenWidth)
	}
	if o.Species == "" {
		o.Species = Mouse
	}
	if !o.Semantics.Valid() {
		return o, fmt.Errorf("unknown fixation semantics %v", o.Semantics)
	}
	if o.CacheDir == "" {
		o.CacheDir = DefaultCacheDir()
	}
	if o.ToolVersion == "" {
		o.ToolVersion = version.String()
	}
	return o, nil
}

// ResponseOptions configures response loading. Start from
// DefaultResponseOptions.
type ResponseOptions struct {
	StimType StimType // default fixationmovie
	// FrNormalisation divides every spike count (default 1.0).
	FrNormalisation float64
	// Species selects sessions in LoadAllResponses (Mouse default).
	Species Species
	// CacheDir holds unpacked zips (default DefaultCacheDir()).
	CacheDir string
	// Warn receives warnings (no response file, NaN spike counts).
	Warn func(msg string)
	// Info receives progress messages.
	Info func(msg string)
}

// DefaultResponseOptions returns openretina's defaults: fixationmovie, mouse,
// firing-rate normalisation 1.0.
func DefaultResponseOptions() ResponseOptions {
	return ResponseOptions{StimType: FixationMovie, FrNormalisation: 1, Species: Mouse}
}

func (o ResponseOptions) withDefaults() (ResponseOptions, error) {
	if o.StimType == "" {
		o.StimType = FixationMovie
	}
	if _, err := ParseStimType(string(o.StimType)); err != nil {
		return o, err
	}
	if o.FrNormalisation == 0 {
		o.FrNormalisation = 1
	}
	if o.FrNormalisation < 0 || o.FrNormalisation != o.FrNormalisation {
		return o, fmt.Errorf("firing-rate normalisation %v must be positive", o.FrNormalisation)
	}
	if o.Species == "" {
		o.Species = Mouse
	}
	if o.CacheDir == "" {
		o.CacheDir = DefaultCacheDir()
	}
	return o, nil
}

// DefaultCacheDir is the cache root shared with package hub
// ($RETINAIO_CACHE, else <user cache dir>/retinaio), else
// <temp dir>/retinaio-cache when the system has no user cache folder.
func DefaultCacheDir() string {
	if d, err := cachedir.Root(); err == nil {
		return d
	}
	return filepath.Join(os.TempDir(), version.Name+"-cache")
}

// ParseSize parses "60x80" (height x width).
func ParseSize(s string) (h, w int, err error) {
	a, b, ok := strings.Cut(strings.ToLower(s), "x")
	if ok {
		h, err = strconv.Atoi(strings.TrimSpace(a))
		if err == nil {
			w, err = strconv.Atoi(strings.TrimSpace(b))
		}
	}
	if !ok || err != nil || h <= 0 || w <= 0 {
		return 0, 0, fmt.Errorf("size %q: want HEIGHTxWIDTH such as 60x80", s)
	}
	return h, w, nil
}

func warnf(fn func(string), format string, args ...any) {
	if fn != nil {
		fn(fmt.Sprintf(format, args...))
	}
}

package viewer

import (
	"context"
	"os"
	"path/filepath"

	"github.com/retinaio/retinaio/fixmovie"
	"github.com/retinaio/retinaio/internal/render"
	"github.com/retinaio/retinaio/karamanlis"
)

// Screen is the stimulus monitor size (rows x columns) of the recordings
// (karamanlis' layout).
const (
	ScreenRows = karamanlis.DefaultScreenHeight
	ScreenCols = karamanlis.DefaultScreenWidth
)

// Source gives the full-resolution stimulus of a session: the fixation of
// every prepared frame and the source images. It is optional: without it
// the viewer shows the prepared movie and responses only.
type Source interface {
	// Fixations returns (image index 1-based, x, y) per frame of a split, in
	// the prepared movie's frame order (training blocks concatenated).
	Fixations(ctx context.Context, sp render.Split) ([][3]int32, error)
	// Image returns source image idx (1-based) of a split as rows x cols
	// grey levels, row major.
	Image(ctx context.Context, sp render.Split, idx int) (rows, cols int, pix []uint8, err error)
	// Images returns the number of images of a split and their size.
	Images(ctx context.Context, sp render.Split) (n, rows, cols int, err error)
	// Blocks returns the number of training blocks and frames per block.
	Blocks(ctx context.Context) (blocks, perBlock int, err error)
	// Close releases the source.
	Close() error
}

// SemanticsDiff returns the screen row and column (0-based) that openretina's
// port paints but the MATLAB original leaves blank for a fixation at image
// pixel (x, y) of an image with imgRows x imgCols pixels, or -1 when the
// two agree on that axis (or openretina cannot place the image at all).
// openretina's get_ranges starts the painted range one row (column) early
// when the image's top (left) edge lies inside the screen, filling it with
// the image's last row (column) (index -1 wraps): fixmovie.Differs tells
// whether the semantics differ, fixmovie.GetRanges where.
func SemanticsDiff(x, y, imgRows, imgCols int) (row, col int) {
	row, col = -1, -1
	if imgRows < 1 || imgCols < 1 || !fixmovie.Differs(x, y, ScreenCols, ScreenRows, imgCols, imgRows) {
		return row, col
	}
	r, err := fixmovie.GetRanges(x, y, ScreenCols, ScreenRows, imgCols, imgRows, fixmovie.OpenRetina)
	if err != nil {
		return row, col
	}
	if r.YOr == -1 {
		row = r.YMin
	}
	if r.XOr == -1 {
		col = r.XMin
	}
	return row, col
}

// FindMatSource looks for DIR/<session>/fixationmovie_data.mat under root.
func FindMatSource(root, session string) string {
	if root == "" {
		return ""
	}
	name := karamanlis.DataFileName(karamanlis.FixationMovie)
	for _, p := range []string{
		filepath.Join(root, session, name),
		filepath.Join(root, name),
	} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			if p == filepath.Join(root, name) && filepath.Base(root) != session {
				continue
			}
			return p
		}
	}
	return ""
}

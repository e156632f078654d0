package viewer

import (
	"context"
	"os"
	"path/filepath"

	"github.com/retinaio/retinaio/internal/render"
)

// Screen is the stimulus monitor size (rows x columns) of the recordings.
const (
	ScreenRows = 600
	ScreenCols = 800
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
// two agree on that axis. openretina's get_ranges starts the painted range
// one row (column) early when the image's top (left) edge lies inside the
// screen, filling it with the image's last row (column) (index -1 wraps).
func SemanticsDiff(x, y, imgRows, imgCols int) (row, col int) {
	row, col = -1, -1
	// MATLAB: 0-based screen row r shows image row r + y - ScreenRows/2.
	if r := ScreenRows/2 - y - 1; r >= 0 && r < ScreenRows && imgRows > 0 {
		row = r
	}
	if c := ScreenCols/2 - x - 1; c >= 0 && c < ScreenCols && imgCols > 0 {
		col = c
	}
	return row, col
}

// FindMatSource looks for DIR/<session>/fixationmovie_data.mat under root.
func FindMatSource(root, session string) string {
	if root == "" {
		return ""
	}
	for _, p := range []string{
		filepath.Join(root, session, "fixationmovie_data.mat"),
		filepath.Join(root, "fixationmovie_data.mat"),
	} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			if p == filepath.Join(root, "fixationmovie_data.mat") && filepath.Base(root) != session {
				continue
			}
			return p
		}
	}
	return ""
}

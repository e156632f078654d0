package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// ImageUse is which images of the ensembles a synthetic session's
// fixations show. The images themselves (and the files' layout) do not
// depend on it; the fixations, and so the responses, do.
type ImageUse string

// The image uses synth writes.
const (
	// ImageUseRandom draws each fixation period's image (one a second)
	// uniformly at random, independently: some images are shown several
	// times and others never (for the mouse profile about 105 of the 150
	// training images are shown, scattered over the ensemble). This is
	// synth's original behaviour and the default ("" means it); its files
	// are byte for byte those of synth before image uses existed.
	ImageUseRandom ImageUse = "random"
	// ImageUseAll shows every training image and every test image at
	// least once: the periods walk a seeded permutation of the ensemble,
	// then another one, as long as the session has periods.
	ImageUseAll ImageUse = "all"
	// ImageUseThirdUnused never shows exactly floor(n/3) of the n training
	// images and shows all the others, as in a real recording, where the
	// used images come in runs of consecutive indices: the unused images
	// are several runs of consecutive indices spread over the ensemble
	// (min(floor(n/3), used-1, max(1, n/5)) runs, of seeded lengths, each
	// between two runs of used images), and the periods walk seeded
	// permutations of the used images. Every test image is shown (as with
	// ImageUseAll).
	ImageUseThirdUnused ImageUse = "third-unused"
)

// ImageUses returns the image-use names, the default first.
func ImageUses() []ImageUse {
	return []ImageUse{ImageUseRandom, ImageUseAll, ImageUseThirdUnused}
}

// ParseImageUse returns the image use named s ("" means ImageUseRandom).
func ParseImageUse(s string) (ImageUse, error) {
	if s == "" {
		return ImageUseRandom, nil
	}
	for _, u := range ImageUses() {
		if string(u) == s {
			return u, nil
		}
	}
	names := make([]string, 0, 3)
	for _, u := range ImageUses() {
		names = append(names, string(u))
	}
	return "", fmt.Errorf("synth: unknown image use %q; choose one of %s", s, strings.Join(names, ", "))
}

// imagePlan is the image shown in each fixation period of an ensemble's
// blocks (nil for ImageUseRandom: drawn as the fixations are made).
type imagePlan struct {
	perImage int   // frames per period
	periods  int   // periods per block: ceil(T / perImage)
	seq      []int // 1-based image of period j of block b at b*periods+j
}

// block returns block b's images (nil for ImageUseRandom).
func (pl imagePlan) block(b int) []int {
	if pl.seq == nil {
		return nil
	}
	return pl.seq[b*pl.periods : (b+1)*pl.periods]
}

// planImages plans the images of an ensemble of n images shown in blocks
// of T frames, one image every perImage frames (about a second). For
// ImageUseAll and ImageUseThirdUnused, a session with fewer periods than
// images to show gets shorter periods: ceil(used / blocks) per block.
// training is true for the training ensemble (the one ImageUseThirdUnused
// thins out).
func planImages(name string, use ImageUse, n, blocks, T, perImage int, training bool, r *rand.Rand) (imagePlan, error) {
	pl := imagePlan{perImage: perImage, periods: (T + perImage - 1) / perImage}
	if use == ImageUseRandom {
		return pl, nil
	}
	used := make([]int, n)
	for i := range used {
		used[i] = i + 1
	}
	if use == ImageUseThirdUnused && training {
		used = thirdUnused(n, r)
	}
	if blocks*pl.periods < len(used) {
		k := (len(used) + blocks - 1) / blocks
		pl.perImage = T / k
		if pl.perImage < 1 {
			return pl, fmt.Errorf("synth: %s: %d blocks of %d frames cannot show %d images (image use %s)", name, blocks, T, len(used), use)
		}
		pl.periods = (T + pl.perImage - 1) / pl.perImage
	}
	total := blocks * pl.periods
	pl.seq = make([]int, 0, total+len(used))
	for len(pl.seq) < total {
		for _, i := range r.Perm(len(used)) {
			pl.seq = append(pl.seq, used[i])
		}
	}
	pl.seq = pl.seq[:total]
	return pl, nil
}

// thirdUnused returns the 1-based images ImageUseThirdUnused shows of an
// ensemble of n: all but floor(n/3), the unused ones in runs of consecutive
// indices between runs of used ones.
func thirdUnused(n int, r *rand.Rand) []int {
	unused := n / 3
	nused := n - unused
	gaps := min(unused, nused-1, max(1, n/5))
	if gaps <= 0 {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	}
	usedRuns := composition(nused, gaps+1, r)
	gapRuns := composition(unused, gaps, r)
	out := make([]int, 0, nused)
	img := 1
	for i, u := range usedRuns {
		for k := 0; k < u; k++ {
			out = append(out, img)
			img++
		}
		if i < gaps {
			img += gapRuns[i]
		}
	}
	return out
}

// composition splits total into parts positive integers (a seeded random
// composition; parts <= total).
func composition(total, parts int, r *rand.Rand) []int {
	cuts := r.Perm(total - 1)[:parts-1] // distinct cut points 1..total-1
	for i := range cuts {
		cuts[i]++
	}
	slices.Sort(cuts)
	out := make([]int, parts)
	prev := 0
	for i, c := range cuts {
		out[i] = c - prev
		prev = c
	}
	out[parts-1] = total - prev
	return out
}

// perImageFrames is the number of frames an image is shown for in
// ImageUseRandom (one second).
func perImageFrames(p Profile) int {
	return int(math.Round(p.Hz))
}

package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/retinaio/retinaio/internal/safetext"

	"github.com/retinaio/retinaio/karamanlis"
)

func init() {
	register(&command{
		name:    "inspect",
		summary: "summarise Karamanlis sessions: files, datasets, frames, cells, images",
		usage: `retinaio inspect ROOT|SESSION [--species S] [--stim TYPE] [--json]

For each session (a folder or .zip below ROOT, or ROOT itself when it is one
session): species, files, datasets and their shapes (h5py order), training
blocks and frames, test frames and trials, cells, images and their size, a
frame-rate guess (75 Hz mouse, 85 Hz marmoset), and how many frames the
openretina and matlab fixation semantics render differently. Zips are
unpacked into the cache folder (reused by prepare).`,
		run: runInspect,
	})
}

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["inspect"]
	fs := newFlagSet(c, stderr)
	species := fs.String("species", "", "only sessions whose name contains this word (default: all)")
	stim := fs.String("stim", string(karamanlis.FixationMovie), "stimulus type whose file is summarised")
	cacheDir := fs.String("cache-dir", "", "folder for unpacked zips (default $RETINAIO_CACHE or the user cache folder)")
	jsonOut := fs.Bool("json", false, "print JSON")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "one ROOT or SESSION (a folder or .zip)"); err != nil {
		return err
	}
	st, err := karamanlis.ParseStimType(*stim)
	if err != nil {
		return usagef("--stim: %w", err)
	}
	sp, err := parseSpecies(*species, true)
	if err != nil {
		return err
	}
	sessions, err := karamanlis.FindSessions(pos[0], sp)
	if err != nil {
		return err
	}
	var infos []*karamanlis.SessionInfo
	failed := 0
	for _, s := range sessions {
		info, err := karamanlis.Inspect(ctx, s, karamanlis.InspectOptions{StimType: st, CacheDir: *cacheDir})
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "retinaio inspect: %s: %s\n", safetext.Escape(s.Name), safetext.Message(err.Error()))
			continue
		}
		infos = append(infos, info)
		if bad := unreadableFiles(info); len(bad) > 0 {
			// The session is listed with the error under each file; the
			// exit status says that not everything could be read.
			failed++
		}
	}
	if *jsonOut {
		enc := newJSONEncoder(stdout)
		if err := enc.Encode(infos); err != nil {
			return err
		}
	} else {
		for i, info := range infos {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			printSessionInfo(stdout, info)
		}
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d sessions could not be inspected or have unreadable files (see the errors above)", failed, len(sessions))}
	}
	return nil
}

func printSessionInfo(w io.Writer, s *karamanlis.SessionInfo) {
	w = safetext.MessageWriter(w) // names from the session's files
	kind := "folder"
	if s.Zip {
		kind = "zip, unpacked in " + s.Folder
	}
	sp := string(s.Species)
	if sp == "" {
		sp = "unknown"
	}
	fmt.Fprintf(w, "%s  (%s)\n", s.Name, kind)
	rate := "unknown"
	if s.FrameRateHz > 0 {
		rate = fmt.Sprintf("%g Hz (guess)", s.FrameRateHz)
	}
	fmt.Fprintf(w, "  species %s, frame rate %s\n", sp, rate)
	for _, f := range s.Files {
		fmt.Fprintf(w, "  %s  %s\n", f.Name, humanBytes(f.Size))
		for _, d := range f.Datasets {
			cls := ""
			if d.MATLABClass != "" {
				cls = " (MATLAB " + d.MATLABClass + ")"
			}
			if d.Group {
				fmt.Fprintf(w, "    %-18s group%s\n", d.Name, cls)
				continue
			}
			fmt.Fprintf(w, "    %-18s %-16s %s%s\n", d.Name, shape64(d.Shape), d.Type, cls)
		}
		if f.Error != "" {
			fmt.Fprintf(w, "    error: %s\n", f.Error)
		}
	}
	if st := s.Stimulus; st != nil {
		fmt.Fprintf(w, "  stimulus %s: %d blocks x %d frames = %d training frames, %d test frames\n",
			st.File, st.Blocks, st.FramesPerBlock, st.TrainFrames, st.TestFrames)
		if st.RunningImages > 0 {
			fmt.Fprintf(w, "  images: %d training + %d test, %d x %d pixels (rows x columns)\n",
				st.RunningImages, st.FrozenImages, st.ImageHeight, st.ImageWidth)
		}
		if c := st.Semantics; c != nil {
			fmt.Fprintf(w, "  semantics: openretina and matlab differ on %d of %d training and %d of %d test frames",
				c.TrainDiffer, st.TrainFrames, c.TestDiffer, st.TestFrames)
			if c.OffScreen > 0 {
				fmt.Fprintf(w, "; %d frames off screen (openretina fails, matlab blank)", c.OffScreen)
			}
			fmt.Fprintln(w)
		}
	}
	if r := s.Responses; r != nil {
		fmt.Fprintf(w, "  responses: %d cells, %d test trials\n", r.Cells, r.Trials)
	}
	shown := map[string]bool{}
	for _, f := range s.Files {
		shown[f.Error] = true
	}
	for _, p := range s.Problems {
		if !shown[p] { // a file's error is printed under the file already
			fmt.Fprintf(w, "  note: %s\n", p)
		}
	}
}

func shape64(s []uint64) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// unreadableFiles lists the session's files that could not be read.
func unreadableFiles(info *karamanlis.SessionInfo) []string {
	var bad []string
	for _, f := range info.Files {
		if f.Error != "" {
			bad = append(bad, f.Name)
		}
	}
	return bad
}

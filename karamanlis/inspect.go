package karamanlis

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SessionInfo summarises a session for `retinaio inspect`.
type SessionInfo struct {
	Name    string `json:"name"`
	Path    string `json:"path"`
	Zip     bool   `json:"zip,omitempty"`
	Folder  string `json:"folder"` // where the files are (the unpack folder for a zip)
	Species string `json:"species"`
	// FrameRateHz is a guess from the species: 75 (mouse), 85 (marmoset),
	// 0 when unknown.
	FrameRateHz float64        `json:"frame_rate_hz_guess"`
	Files       []FileInfo     `json:"files"`
	Stimulus    *StimulusInfo  `json:"stimulus,omitempty"`
	Responses   *ResponsesInfo `json:"responses,omitempty"`
	Problems    []string       `json:"problems,omitempty"`
}

// FileInfo is one file of a session.
type FileInfo struct {
	Name     string        `json:"name"`
	Size     int64         `json:"size"`
	Datasets []DatasetInfo `json:"datasets,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// DatasetInfo is one top-level dataset (or group) of a .mat file.
type DatasetInfo struct {
	Name        string   `json:"name"`
	Shape       []uint64 `json:"shape"` // h5py order
	Type        string   `json:"type"`
	MATLABClass string   `json:"matlab_class,omitempty"`
	Group       bool     `json:"group,omitempty"`
}

// StimulusInfo summarises a fixation-movie file's stimulus datasets.
type StimulusInfo struct {
	File           string `json:"file"`
	Blocks         int    `json:"blocks"`
	FramesPerBlock int    `json:"frames_per_block"`
	TrainFrames    int    `json:"train_frames"`
	TestFrames     int    `json:"test_frames"`
	RunningImages  int    `json:"running_images"`
	FrozenImages   int    `json:"frozen_images"`
	ImageHeight    int    `json:"image_height"` // rows
	ImageWidth     int    `json:"image_width"`  // columns
	// Semantics counts the frames the two fixation semantics render
	// differently.
	Semantics *SemanticsCount `json:"semantics,omitempty"`
}

// SemanticsCount compares the openretina and MATLAB placements.
type SemanticsCount struct {
	// TrainDiffer and TestDiffer count frames whose painted screen ranges
	// differ between the semantics.
	TrainDiffer int `json:"train_frames_differ"`
	TestDiffer  int `json:"test_frames_differ"`
	// OffScreen counts frames whose image lies entirely off screen:
	// openretina fails on them, MATLAB leaves them blank.
	OffScreen int `json:"off_screen_frames"`
	// Invalid counts fixations that are not valid (NaN, non-integer, bad
	// image index); they are not compared.
	Invalid int `json:"invalid_fixations,omitempty"`
}

// ResponsesInfo summarises the bins.
type ResponsesInfo struct {
	Cells  int `json:"cells"`
	Trials int `json:"trials"`
}

// InspectOptions configures Inspect.
type InspectOptions struct {
	StimType                  StimType // default fixationmovie
	CacheDir                  string   // for zips; default DefaultCacheDir()
	ScreenHeight, ScreenWidth int      // default 600x800
}

// SpeciesOf returns "mouse" or "marmoset" when the name contains it, else "".
func SpeciesOf(name string) string {
	l := strings.ToLower(name)
	switch {
	case strings.Contains(l, Marmoset):
		return Marmoset
	case strings.Contains(l, Mouse):
		return Mouse
	}
	return ""
}

// FrameRateGuess is the display frame rate of a species' recordings: 75 Hz
// (mouse), 85 Hz (marmoset), 0 when unknown.
func FrameRateGuess(species string) float64 {
	switch species {
	case Mouse:
		return 75
	case Marmoset:
		return 85
	}
	return 0
}

// Inspect summarises one session (a folder or a zip, which is unpacked into
// the cache folder): files, datasets and shapes, frames, blocks, trials,
// cells, images, and how many frames the two semantics render differently.
// Problems with the files are listed in Problems rather than returned.
func Inspect(ctx context.Context, s Session, opt InspectOptions) (*SessionInfo, error) {
	if opt.StimType == "" {
		opt.StimType = FixationMovie
	}
	if opt.ScreenHeight == 0 {
		opt.ScreenHeight = DefaultScreenHeight
	}
	if opt.ScreenWidth == 0 {
		opt.ScreenWidth = DefaultScreenWidth
	}
	folder, err := SessionFolder(ctx, s.Path, opt.CacheDir)
	if err != nil {
		return nil, err
	}
	info := &SessionInfo{Name: s.Name, Path: s.Path, Zip: s.Zip, Folder: folder, Species: SpeciesOf(s.Name)}
	info.FrameRateHz = FrameRateGuess(info.Species)
	entries, err := os.ReadDir(folder)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		fi := FileInfo{Name: e.Name()}
		if st, err := e.Info(); err == nil {
			fi.Size = st.Size()
		}
		if strings.HasSuffix(e.Name(), ".mat") {
			fi.Datasets, err = listDatasets(filepath.Join(folder, e.Name()))
			if err != nil {
				fi.Error = err.Error()
			}
		}
		info.Files = append(info.Files, fi)
	}
	matPath, err := findDataFile(folder, opt.StimType)
	if err != nil {
		info.Problems = append(info.Problems, err.Error())
		return info, nil
	}
	if matPath == "" {
		info.Problems = append(info.Problems, fmt.Sprintf("no %s_data.mat", opt.StimType))
		return info, nil
	}
	m, err := openMat(matPath)
	if err != nil {
		info.Problems = append(info.Problems, err.Error())
		return info, nil
	}
	defer m.Close()
	if _, fsh, err := m.shape("frozenbin", "trials", "frames", "cells"); err == nil {
		info.Responses = &ResponsesInfo{Cells: fsh[2], Trials: fsh[0]}
		if _, rsh, err := m.shape("runningbin", "blocks", "frames", "cells"); err == nil {
			if err := checkBinsAgainstFixations(m, rsh, fsh); err != nil {
				info.Problems = append(info.Problems, err.Error())
			}
		} else {
			info.Problems = append(info.Problems, err.Error())
		}
	} else {
		info.Problems = append(info.Problems, err.Error())
	}
	if !hasAnyStimulus(m) {
		info.Problems = append(info.Problems, fmt.Sprintf("%s has no stimulus datasets (responses only)", filepath.Base(matPath)))
		return info, nil
	}
	sh, err := readStimShapes(m)
	if err != nil {
		info.Problems = append(info.Problems, err.Error())
		return info, nil
	}
	st := &StimulusInfo{File: filepath.Base(matPath), Blocks: sh.blocks, FramesPerBlock: sh.perBlock,
		TrainFrames: sh.blocks * sh.perBlock, TestFrames: sh.testFrames}
	info.Stimulus = st
	_, rsh, err1 := openImages(m, "runningImages")
	_, fsh, err2 := openImages(m, "frozenImages")
	if err := errors.Join(err1, err2); err != nil {
		info.Problems = append(info.Problems, err.Error())
		return info, nil
	}
	st.RunningImages, st.FrozenImages = rsh[0], fsh[0]
	st.ImageWidth, st.ImageHeight = rsh[1], rsh[2]
	if fsh[1] != rsh[1] || fsh[2] != rsh[2] {
		info.Problems = append(info.Problems, fmt.Sprintf("running images are %dx%d but frozen images %dx%d", rsh[2], rsh[1], fsh[2], fsh[1]))
	}
	cnt := &SemanticsCount{}
	for _, part := range []struct {
		name   string
		blocks int
		per    int
		shape  []int
		differ *int
	}{{"runningfixations", sh.blocks, sh.perBlock, rsh, &cnt.TrainDiffer}, {"frozenfixations", 1, sh.testFrames, fsh, &cnt.TestDiffer}} {
		ds, err := m.dataset(part.name)
		if err != nil {
			info.Problems = append(info.Problems, err.Error())
			continue
		}
		vals, err := m.readFloat64(ctx, part.name, ds)
		if err != nil {
			info.Problems = append(info.Problems, err.Error())
			continue
		}
		nx, ny := part.shape[1], part.shape[2]
		for i := 0; i+2 < len(vals); i += 3 {
			k, x, y := vals[i], vals[i+1], vals[i+2]
			if !isInt(k) || !isInt(x) || !isInt(y) || k < 1 || int(k) > part.shape[0] {
				cnt.Invalid++
				continue
			}
			o, oerr := GetRanges(int(x), int(y), opt.ScreenWidth, opt.ScreenHeight, nx, ny, OpenRetina)
			mr, merr := GetRanges(int(x), int(y), opt.ScreenWidth, opt.ScreenHeight, nx, ny, MATLAB)
			switch {
			case oerr != nil || merr != nil:
				cnt.OffScreen++
			case o != mr:
				*part.differ++
			}
		}
	}
	if cnt.Invalid > 0 {
		info.Problems = append(info.Problems, fmt.Sprintf("%d invalid fixations (NaN, non-integer or bad image index)", cnt.Invalid))
	}
	if cnt.OffScreen > 0 {
		info.Problems = append(info.Problems, fmt.Sprintf("%d frames place the image entirely off screen: the openretina semantics fail on them, matlab leaves them blank", cnt.OffScreen))
	}
	st.Semantics = cnt
	return info, nil
}

func isInt(v float64) bool { return v == v && v >= -1e7 && v <= 1e7 && v == float64(int64(v)) }

// listDatasets lists a .mat file's top-level objects, sorted by name.
func listDatasets(path string) ([]DatasetInfo, error) {
	m, err := openMat(path)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	links, err := m.f.Root().Links()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []DatasetInfo
	for _, l := range links {
		if strings.HasPrefix(l.Name, "#") {
			continue // MATLAB's #refs# and #subsystem#
		}
		di := DatasetInfo{Name: l.Name}
		if ds, err := m.f.OpenDataset("/" + l.Name); err == nil {
			di.Shape = ds.Shape()
			di.Type = ds.Datatype().String()
			if a, err := ds.Attr("MATLAB_class"); err == nil && a != nil {
				di.MATLABClass = a.String()
			}
		} else if g, err := m.f.OpenGroup("/" + l.Name); err == nil {
			di.Group, di.Type = true, "group"
			if a, err := g.Attr("MATLAB_class"); err == nil && a != nil {
				di.MATLABClass = a.String()
			}
		} else {
			di.Type = "?"
		}
		out = append(out, di)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

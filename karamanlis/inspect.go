package karamanlis

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/retinaio/retinaio/fixmovie"
)

// SessionInfo summarises a session for `retinaio inspect`.
type SessionInfo struct {
	Name    string  `json:"name"`
	Path    string  `json:"path"`
	Zip     bool    `json:"zip,omitempty"`
	Folder  string  `json:"folder"` // where the files are (the unpack folder for a zip)
	Species Species `json:"species"`
	// FrameRateHz is a guess from the species (see FrameRate): 75 (mouse),
	// 85 (marmoset), 0 when the species is unknown.
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

// Inspect summarises one session (a folder or a zip, which is unpacked into
// the cache folder): files, datasets and shapes, frames, blocks, trials,
// cells, images, and how many frames the two semantics render differently.
// Problems with the files are listed in Problems rather than returned.
func Inspect(ctx context.Context, s Session, opt InspectOptions) (*SessionInfo, error) {
	opt = opt.withDefaults()
	folder, err := SessionFolder(ctx, s.Path, opt.CacheDir)
	if err != nil {
		return nil, err
	}
	info := &SessionInfo{Name: s.Name, Path: s.Path, Zip: s.Zip, Folder: folder, Species: SpeciesOf(s.Name)}
	if hz, known := FrameRate(info.Species); known {
		info.FrameRateHz = hz
	}
	if info.Files, err = listFiles(folder); err != nil {
		return nil, err
	}
	matPath, err := FindDataFile(folder, opt.StimType)
	switch {
	case err != nil:
		info.problem(err.Error())
		return info, nil
	case matPath == "":
		info.problem("no " + DataFileName(opt.StimType))
		return info, nil
	}
	m, err := openMat(matPath)
	if err != nil {
		info.problem(err.Error())
		return info, nil
	}
	defer m.Close()
	info.Responses = inspectResponses(m, info)
	info.Stimulus = inspectStimulus(ctx, m, opt, info)
	return info, nil
}

func (o InspectOptions) withDefaults() InspectOptions {
	if o.StimType == "" {
		o.StimType = FixationMovie
	}
	if o.ScreenHeight == 0 {
		o.ScreenHeight = DefaultScreenHeight
	}
	if o.ScreenWidth == 0 {
		o.ScreenWidth = DefaultScreenWidth
	}
	return o
}

// problem records a problem with the session's files.
func (s *SessionInfo) problem(msg string) { s.Problems = append(s.Problems, msg) }

// listFiles lists the session folder's files, with the top-level datasets
// of the .mat files.
func listFiles(folder string) ([]FileInfo, error) {
	entries, err := os.ReadDir(folder)
	if err != nil {
		return nil, err
	}
	var out []FileInfo
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
		out = append(out, fi)
	}
	return out, nil
}

// inspectResponses reads the bins' shapes (metadata only) and checks them
// against the fixations; nil when the file has no usable bins.
func inspectResponses(m *matFile, info *SessionInfo) *ResponsesInfo {
	_, fsh, err := m.shape(DatasetFrozenBin, "trials", "frames", "cells")
	if err != nil {
		info.problem(err.Error())
		return nil
	}
	if _, rsh, err := m.shape(DatasetRunningBin, "blocks", "frames", "cells"); err != nil {
		info.problem(err.Error())
	} else if err := checkBinsAgainstFixations(m, rsh, fsh); err != nil {
		info.problem(err.Error())
	}
	return &ResponsesInfo{Cells: fsh[2], Trials: fsh[0]}
}

// inspectStimulus summarises the stimulus datasets and counts the frames
// the semantics render differently; nil when the file has no stimulus.
func inspectStimulus(ctx context.Context, m *matFile, opt InspectOptions, info *SessionInfo) *StimulusInfo {
	if !hasAnyStimulus(m) {
		info.problem(fmt.Sprintf("%s has no stimulus datasets (responses only)", filepath.Base(m.path)))
		return nil
	}
	sh, err := readStimShapes(m)
	if err != nil {
		info.problem(err.Error())
		return nil
	}
	st := &StimulusInfo{File: filepath.Base(m.path), Blocks: sh.blocks, FramesPerBlock: sh.perBlock,
		TrainFrames: sh.blocks * sh.perBlock, TestFrames: sh.testFrames}
	_, rsh, err1 := openImages(m, DatasetRunningImages)
	_, fsh, err2 := openImages(m, DatasetFrozenImages)
	if err := errors.Join(err1, err2); err != nil {
		info.problem(err.Error())
		return st
	}
	st.RunningImages, st.FrozenImages = rsh[0], fsh[0]
	st.ImageWidth, st.ImageHeight = rsh[1], rsh[2]
	if fsh[1] != rsh[1] || fsh[2] != rsh[2] {
		info.problem(fmt.Sprintf("running images are %dx%d but frozen images %dx%d", rsh[2], rsh[1], fsh[2], fsh[1]))
	}
	cnt := &SemanticsCount{}
	for _, part := range []struct {
		name   string
		shape  []int
		differ *int
	}{{DatasetRunningFixations, rsh, &cnt.TrainDiffer}, {DatasetFrozenFixations, fsh, &cnt.TestDiffer}} {
		vals, err := m.readFloat64(ctx, part.name)
		if err != nil {
			info.problem(err.Error())
			continue
		}
		countSemantics(vals, part.shape, opt, cnt, part.differ)
	}
	if cnt.Invalid > 0 {
		info.problem(fmt.Sprintf("%d invalid fixations (NaN, non-integer or bad image index)", cnt.Invalid))
	}
	if cnt.OffScreen > 0 {
		info.problem(fmt.Sprintf("%d frames place the image entirely off screen: the openretina semantics fail on them, matlab leaves them blank", cnt.OffScreen))
	}
	st.Semantics = cnt
	return st
}

// countSemantics counts, over fixation triples (image, x, y) on images of
// shape imgShape (N, Nx, Ny), the invalid ones, the frames openretina
// cannot place (off screen) and, in differ, the frames the two semantics
// paint differently (fixmovie.Differs).
func countSemantics(vals []float64, imgShape []int, opt InspectOptions, cnt *SemanticsCount, differ *int) {
	nx, ny := imgShape[1], imgShape[2]
	for i := 0; i+2 < len(vals); i += 3 {
		k, x, y := vals[i], vals[i+1], vals[i+2]
		if !isInt(k) || !isInt(x) || !isInt(y) || k < 1 || int(k) > imgShape[0] {
			cnt.Invalid++
			continue
		}
		if _, err := GetRanges(int(x), int(y), opt.ScreenWidth, opt.ScreenHeight, nx, ny, fixmovie.OpenRetina); err != nil {
			cnt.OffScreen++
			continue
		}
		if fixmovie.Differs(int(x), int(y), opt.ScreenWidth, opt.ScreenHeight, nx, ny) {
			*differ++
		}
	}
}

func isInt(v float64) bool { return v == v && v >= -1e7 && v <= 1e7 && v == float64(int64(v)) }

// listDatasets lists a .mat file's top-level variables (mat.Variables),
// sorted by name.
func listDatasets(path string) ([]DatasetInfo, error) {
	m, err := openMat(path)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	vars, err := m.f.Variables()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]DatasetInfo, 0, len(vars))
	for _, v := range vars {
		di := DatasetInfo{Name: v.Name, MATLABClass: v.Class}
		if ds := v.Dataset(); ds != nil {
			di.Shape = ds.Shape()
			di.Type = ds.Datatype().String()
		} else {
			di.Group, di.Type = true, "group"
		}
		out = append(out, di)
	}
	return out, nil
}

package prepared

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// ManifestName is the manifest's file name in a prepare output folder.
const ManifestName = "manifest.json"

// MaxManifestBytes bounds a manifest file read by ReadManifest.
const MaxManifestBytes = 256 << 20

// Session statuses in a manifest.
const (
	StatusOK      = "ok"
	StatusSkipped = "skipped" // no stimulus or responses of the requested type
	StatusFailed  = "failed"
	// StatusUnrecorded marks a <session>.npz found in the folder that no
	// run recorded (a run killed between writing it and recording it): its
	// settings are unknown; prepare the session again to record them.
	StatusUnrecorded = "unrecorded"
)

// Manifest describes the prepared files of an output folder (manifest.json):
// one entry per <session>.npz, each with the settings it was made with
// (SessionResult.Settings), merged across runs. The top-level fields
// describe the last run that wrote the manifest.
type Manifest struct {
	Tool        string           `json:"tool"`
	Version     string           `json:"version"`
	Created     string           `json:"created"`
	Root        string           `json:"root"`
	OutDir      string           `json:"out_dir"`
	Shard       string           `json:"shard,omitempty"`
	Settings    ManifestSettings `json:"settings"`
	Sessions    []SessionResult  `json:"sessions"`
	OK          int              `json:"ok"`
	Skipped     int              `json:"skipped"`
	Failed      int              `json:"failed"`
	WallSeconds float64          `json:"wall_seconds"`
}

// ManifestSettings are the settings of a prepare run.
type ManifestSettings struct {
	Species            string  `json:"species"`
	StimType           string  `json:"stim_type"`
	Height             int     `json:"height"`
	Width              int     `json:"width"`
	Normalize          bool    `json:"normalize"`
	FrNormalisation    float64 `json:"fr_normalisation"`
	Semantics          string  `json:"semantics"`
	ScreenHeight       int     `json:"screen_height"`
	ScreenWidth        int     `json:"screen_width"`
	UseOpenretinaCache bool    `json:"use_openretina_cache"`
	Compress           bool    `json:"compress"`
	Jobs               int     `json:"jobs"`
}

// SessionResult is one session's entry in the manifest.
type SessionResult struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	Zip    bool   `json:"zip,omitempty"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Output is the written .npz ("" unless ok).
	Output string `json:"output,omitempty"`
	// Shapes maps the archive's array names (Key*) to their shapes.
	Shapes   map[string][]int `json:"shapes,omitempty"`
	NormMean *float32         `json:"norm_mean,omitempty"`
	NormStd  *float32         `json:"norm_std,omitempty"`
	// StimulusSource is the .mat or cache the movie came from.
	StimulusSource string `json:"stimulus_source,omitempty"`
	FromCache      bool   `json:"from_cache,omitempty"`
	NaNSpikeCounts int    `json:"nan_spike_counts,omitempty"`
	// Checksums maps source files (the zip, or the .mat files) to their
	// SHA-256.
	Checksums map[string]string  `json:"sha256,omitempty"`
	Warnings  []string           `json:"warnings,omitempty"`
	Timings   map[string]float64 `json:"seconds,omitempty"`
	// Settings are the settings this session's file was made with (nil in
	// manifests written before settings were recorded per session: the
	// top-level Settings then apply).
	Settings *ManifestSettings `json:"settings,omitempty"`
	// Origin is where the session's source was downloaded from (the URL
	// recorded beside the cached zip), when it was downloaded.
	Origin string `json:"origin,omitempty"`
	// Created is when this entry was recorded (RFC 3339).
	Created string `json:"created,omitempty"`
	// Err is the error behind Error, for errors.Is and errors.As (not
	// written to the manifest).
	Err error `json:"-"`
}

// Count recomputes OK, Skipped and Failed from the sessions' statuses
// (unrecorded files count in none of them).
func (m *Manifest) Count() {
	m.OK, m.Skipped, m.Failed = 0, 0, 0
	for _, s := range m.Sessions {
		switch s.Status {
		case StatusOK:
			m.OK++
		case StatusSkipped:
			m.Skipped++
		case StatusUnrecorded:
		default:
			m.Failed++
		}
	}
}

// ReadManifest reads and decodes a manifest.json (at most
// MaxManifestBytes) with DecodeManifest.
func ReadManifest(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a folder; pass its %s", path, ManifestName)
	}
	if st.Size() > MaxManifestBytes {
		return nil, fmt.Errorf("%s: %d bytes is too large for a manifest (limit %d)", path, st.Size(), MaxManifestBytes)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return DecodeManifest(path, data)
}

// DecodeManifest decodes manifest JSON and checks that it is retinaio's
// (tool "retinaio", every session named); file names it in errors.
func DecodeManifest(file string, data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s is not a retinaio manifest: %w", file, err)
	}
	if m.Tool != Tool {
		return nil, fmt.Errorf("%s is not a retinaio manifest (tool %q, want %q)", file, m.Tool, Tool)
	}
	for i, s := range m.Sessions {
		if s.Name == "" {
			return nil, fmt.Errorf("%s: session %d has no name", file, i+1)
		}
	}
	return &m, nil
}

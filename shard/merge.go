package shard

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/retinaio/retinaio/internal/atomicfile"
	"github.com/retinaio/retinaio/prepared"
)

// Part is one shard's manifest.json.
type Part struct {
	// File is where the manifest was read from (for messages).
	File string
	// Manifest is the decoded manifest.
	Manifest *prepared.Manifest
	// Shard is the manifest's "shard" value ("I/N"), "" when the run was
	// not sharded or the manifest does not record it.
	Shard string
}

// Input describes one merged manifest in Merged.MergedFrom.
type Input struct {
	File     string  `json:"file"`
	Shard    string  `json:"shard,omitempty"`
	Root     string  `json:"root,omitempty"`
	OutDir   string  `json:"out_dir,omitempty"`
	Version  string  `json:"version,omitempty"`
	Created  string  `json:"created,omitempty"`
	Sessions int     `json:"sessions"`
	Wall     float64 `json:"wall_seconds"`
}

// Merged is the joined manifest: the fields of a prepare manifest (so the
// result can be merged again or read as a prepared.Manifest) plus the
// list of inputs.
type Merged struct {
	prepared.Manifest
	MergedFrom []Input `json:"merged_from"`
}

// ReadPart reads and decodes a manifest.json written by retinaio prepare
// (or by an earlier merge), with prepared.ReadManifest.
func ReadPart(path string) (Part, error) {
	m, err := prepared.ReadManifest(path)
	if err != nil {
		return Part{}, err
	}
	return Part{File: path, Manifest: m, Shard: m.Shard}, nil
}

// DecodePart decodes manifest JSON (prepared.DecodeManifest); file names
// it in errors.
func DecodePart(file string, data []byte) (Part, error) {
	m, err := prepared.DecodeManifest(file, data)
	if err != nil {
		return Part{}, err
	}
	return Part{File: file, Manifest: m, Shard: m.Shard}, nil
}

// ErrConflict is wrapped by Merge errors about inputs that cannot be joined.
var ErrConflict = errors.New("manifests cannot be merged")

// Merge joins shard manifests. The data settings (species, stimulus, size,
// normalisation, firing-rate normalisation, semantics, screen, cache and
// compression choices) must agree: differing settings are an error naming
// the setting, both values and both files, since the outputs would not form
// one dataset. The number of jobs may differ (the merged value is the
// largest). A session listed by two inputs is an error naming both files.
// Sessions are sorted by name; the counts are recomputed; wall_seconds is
// the slowest input's (shards run side by side).
//
// Merge returns warnings for what is suspicious but joinable: different
// tool versions, and, when the inputs record their shards, missing shards
// or shards of different N.
func Merge(parts []Part) (*Merged, []string, error) {
	if len(parts) == 0 {
		return nil, nil, fmt.Errorf("%w: no manifests given", ErrConflict)
	}
	var warns []string
	first := parts[0]
	out := &Merged{Manifest: prepared.Manifest{
		Tool: prepared.Tool, Version: first.Manifest.Version, Created: time.Now().UTC().Format(time.RFC3339),
		Root: first.Manifest.Root, OutDir: first.Manifest.OutDir, Settings: first.Manifest.Settings,
		Sessions: []prepared.SessionResult{},
	}}
	owner := map[string]int{}
	versions := map[string][]string{}
	for pi, p := range parts {
		m := p.Manifest
		if m == nil {
			return nil, nil, fmt.Errorf("%w: %s has no manifest", ErrConflict, p.File)
		}
		if err := sameSettings(first, p); err != nil {
			return nil, nil, err
		}
		versions[m.Version] = append(versions[m.Version], p.File)
		if m.Root != out.Root {
			out.Root = ""
		}
		if m.OutDir != out.OutDir {
			out.OutDir = ""
		}
		out.Settings.Jobs = max(out.Settings.Jobs, m.Settings.Jobs)
		out.WallSeconds = max(out.WallSeconds, m.WallSeconds)
		for _, s := range m.Sessions {
			if prev, dup := owner[s.Name]; dup {
				if prev == pi {
					return nil, nil, fmt.Errorf("%w: session %s is listed twice in %s", ErrConflict, s.Name, p.File)
				}
				return nil, nil, fmt.Errorf("%w: session %s is in both %s and %s (overlapping shards, or the same shard given twice); merge each shard's manifest once", ErrConflict, s.Name, parts[prev].File, p.File)
			}
			owner[s.Name] = pi
			out.Sessions = append(out.Sessions, s)
		}
		out.MergedFrom = append(out.MergedFrom, Input{
			File: p.File, Shard: p.Shard, Root: m.Root, OutDir: m.OutDir, Version: m.Version,
			Created: m.Created, Sessions: len(m.Sessions), Wall: m.WallSeconds,
		})
	}
	if len(versions) > 1 {
		var vs []string
		for v, files := range versions {
			vs = append(vs, fmt.Sprintf("%q (%s)", v, strings.Join(files, ", ")))
		}
		sort.Strings(vs)
		warns = append(warns, "the shards were made by different retinaio versions: "+strings.Join(vs, "; "))
		out.Version = ""
	}
	warns = append(warns, shardWarnings(parts)...)
	sort.SliceStable(out.Sessions, func(i, j int) bool { return out.Sessions[i].Name < out.Sessions[j].Name })
	out.Count()
	return out, warns, nil
}

// sameSettings compares every setting except Jobs.
func sameSettings(a, b Part) error {
	sa, sb := a.Manifest.Settings, b.Manifest.Settings
	sa.Jobs, sb.Jobs = 0, 0
	if sa == sb {
		return nil
	}
	va, vb := reflect.ValueOf(sa), reflect.ValueOf(sb)
	t := va.Type()
	for i := 0; i < t.NumField(); i++ {
		fa, fb := va.Field(i).Interface(), vb.Field(i).Interface()
		if fa != fb {
			name := t.Field(i).Name
			if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); tag != "" {
				name = tag
			}
			return fmt.Errorf("%w: setting %s is %v in %s but %v in %s; prepare every shard with the same flags", ErrConflict, name, fa, a.File, fb, b.File)
		}
	}
	return fmt.Errorf("%w: settings differ between %s and %s", ErrConflict, a.File, b.File)
}

// shardWarnings checks the recorded shard specs, when every input has one.
func shardWarnings(parts []Part) []string {
	var specs []Spec
	for _, p := range parts {
		if p.Shard == "" {
			return nil
		}
		sp, err := Parse(p.Shard)
		if err != nil {
			return []string{fmt.Sprintf("%s records shard %q, which is not I/N", p.File, p.Shard)}
		}
		specs = append(specs, sp)
	}
	n := specs[0].Count
	seen := map[int]bool{}
	for i, sp := range specs {
		if sp.Count != n {
			return []string{fmt.Sprintf("the shards have different N: %s is %s but %s is %s", parts[0].File, specs[0], parts[i].File, sp)}
		}
		seen[sp.Index] = true
	}
	var missing []string
	for i := 0; i < n; i++ {
		if !seen[i] {
			missing = append(missing, fmt.Sprintf("%d/%d", i, n))
			if len(missing) == 20 {
				missing = append(missing, "...")
				break
			}
		}
	}
	if len(missing) > 0 {
		return []string{"shards missing, the merged manifest does not cover the whole dataset: " + strings.Join(missing, ", ")}
	}
	return nil
}

// Write writes the merged manifest atomically as indented JSON.
func (m *Merged) Write(path string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'))
}

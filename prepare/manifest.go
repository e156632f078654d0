package prepare

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/retinaio/retinaio/internal/atomicfile"
	"github.com/retinaio/retinaio/internal/filelock"
	"github.com/retinaio/retinaio/internal/staletemp"
	"github.com/retinaio/retinaio/karamanlis"
	"github.com/retinaio/retinaio/prepared"
)

// The output folder's locks: one for the manifest, one per session file.
func manifestLockPath(out string) string {
	return filepath.Join(out, "."+prepared.ManifestName+".lock")
}
func sessionLockPath(out, name string) string {
	return filepath.Join(out, "."+name+".npz.lock")
}

// MergeManifest records results in the manifest of the output folder out,
// under the folder's manifest lock, and rewrites it atomically. Entries of
// other sessions are kept; a result replaces its session's entry, except
// that a failed or skipped result does not hide the entry of a file still
// in the folder (that entry stays, with a warning naming the failure). The
// entries are then reconciled with the folder: an ok entry whose file is
// gone is dropped and a <session>.npz without an entry is listed as
// prepared.StatusUnrecorded. The top-level fields are run's.
func MergeManifest(ctx context.Context, out string, run *prepared.Manifest, results []prepared.SessionResult) error {
	unlock, err := filelock.Lock(ctx, manifestLockPath(out), nil)
	if err != nil {
		return fmt.Errorf("manifest lock: %w", err)
	}
	defer unlock()
	path := filepath.Join(out, prepared.ManifestName)
	byName := map[string]prepared.SessionResult{}
	old, err := prepared.ReadManifest(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		// Never rebuild over a manifest we cannot read: its entries (each
		// session's settings, origin, checksums) would be lost.
		return fmt.Errorf("%s cannot be read (%w): move it aside and run again (the .npz files beside it are listed again as unrecorded)", path, err)
	}
	if old != nil {
		for _, e := range old.Sessions {
			if e.Settings == nil {
				st := old.Settings
				e.Settings = &st
			}
			byName[e.Name] = e
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	for _, r := range results {
		if r.Name == "" {
			continue // not run (cancelled)
		}
		if r.Created == "" {
			r.Created = now
		}
		old, had := byName[r.Name]
		if r.Status != prepared.StatusOK && had && old.Status == prepared.StatusOK && exists(filepath.Join(out, r.Name+".npz")) {
			old.Warnings = append(old.Warnings, fmt.Sprintf("a later run (%s) did not replace this file: %s: %s", now, r.Status, r.Error))
			byName[r.Name] = old
			continue
		}
		byName[r.Name] = r
	}
	// Reconcile with the files.
	for name, e := range byName {
		if e.Status == prepared.StatusOK || e.Status == prepared.StatusUnrecorded {
			if !exists(filepath.Join(out, name+".npz")) {
				delete(byName, name)
			}
		}
	}
	if ents, err := os.ReadDir(out); err == nil {
		for _, d := range ents {
			n := d.Name()
			if !d.Type().IsRegular() || strings.HasPrefix(n, ".") || !strings.HasSuffix(n, ".npz") || karamanlis.IsStimulusCache(n) {
				continue
			}
			name := strings.TrimSuffix(n, ".npz")
			if e, ok := byName[name]; ok && (e.Status == prepared.StatusOK || e.Status == prepared.StatusUnrecorded) {
				continue
			}
			prev := byName[name]
			byName[name] = prepared.SessionResult{Name: name, Source: prev.Source, Zip: prev.Zip, Status: prepared.StatusUnrecorded,
				Output: filepath.Join(out, n), Created: now,
				Error: "this file was written but never recorded (a killed run?): its settings are unknown; prepare the session again"}
		}
	}
	m := *run
	m.Sessions = make([]prepared.SessionResult, 0, len(byName))
	for _, e := range byName {
		m.Sessions = append(m.Sessions, e)
	}
	sort.Slice(m.Sessions, func(i, j int) bool { return m.Sessions[i].Name < m.Sessions[j].Name })
	m.Count()
	return writeManifest(path, &m)
}

func exists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// cleanOutTemps removes the temporaries that killed runs left in the
// output folder (".<session>.npz.tmp-<pid>-*", ".manifest.json.tmp-...":
// owner gone, untouched for staletemp.MinAge).
func cleanOutTemps(out string) {
	ents, err := os.ReadDir(out)
	if err != nil {
		return
	}
	done := map[string]bool{}
	for _, e := range ents {
		n := e.Name()
		base, _, ok := strings.Cut(strings.TrimPrefix(n, "."), ".tmp-")
		if !strings.HasPrefix(n, ".") || !ok || done[base] || !(strings.HasSuffix(base, ".npz") || base == prepared.ManifestName) {
			continue
		}
		done[base] = true
		staletemp.Clean(out, atomicfile.TempPrefix(base))
	}
}

// sessionSettings is a copy of the run's settings for one entry.
func sessionSettings(m *prepared.Manifest) *prepared.ManifestSettings {
	st := m.Settings
	return &st
}

// beforeRecord, when set (tests), is called between a session's file and
// its manifest entry.
var beforeRecord func(name string)

// lockedSession prepares one session holding its output's lock (so that
// two runs on one folder never interleave one session's file and entry)
// and records the result in the manifest at once (a kill loses at most
// the sessions in flight).
func lockedSession(ctx context.Context, s karamanlis.Session, man *prepared.Manifest, opt Options, prep func(karamanlis.Session) prepared.SessionResult) prepared.SessionResult {
	unlock, err := filelock.Lock(ctx, sessionLockPath(opt.OutDir, s.Name), func() {
		if opt.Info != nil {
			opt.Info(s.Name, "waiting for another run that is preparing this session into "+opt.OutDir)
		}
	})
	if err != nil {
		return prepared.SessionResult{Name: s.Name, Source: s.Path, Zip: s.Zip, Status: prepared.StatusFailed,
			Error: fmt.Sprintf("lock %s: %v", sessionLockPath(opt.OutDir, s.Name), err), Err: err}
	}
	defer unlock()
	r := prep(s)
	if beforeRecord != nil {
		beforeRecord(s.Name)
	}
	r.Settings = sessionSettings(man)
	if opt.Origin != nil {
		r.Origin = opt.Origin(s)
	}
	if err := MergeManifest(ctx, opt.OutDir, man, []prepared.SessionResult{r}); err != nil && opt.Warn != nil {
		opt.Warn(s.Name, "manifest: "+err.Error())
	}
	return r
}

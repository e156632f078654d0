package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/retinaio/retinaio/hub"
	"github.com/retinaio/retinaio/internal/progress"
	"github.com/retinaio/retinaio/internal/safedir"
	"github.com/retinaio/retinaio/internal/safetext"
	"github.com/retinaio/retinaio/karamanlis"
)

// fetchMultiFlag collects a repeatable string flag (also comma-separated).
type fetchMultiFlag []string

func (m *fetchMultiFlag) String() string { return strings.Join(*m, ",") }
func (m *fetchMultiFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*m = append(*m, s)
		}
	}
	return nil
}

func init() {
	register(&command{
		name:    "fetch",
		summary: "download session zips from the Hugging Face mirror (or G-Node GIN)",
		usage: `retinaio fetch [--species mouse|marmoset] [--session NAME ...] [--dest DIR] [--jobs N]
               [--revision R] [--source hf|gin] [--list] [--json]

Downloads the Karamanlis et al. 2024 session zips of the Hugging Face dataset
open-retina/open-retina (folder gollisch_lab/karamanlis_2024/sessions) as
DEST/<session>.zip, byte-identical to the mirror (size and sha256 checked).
Without --dest the zips go to the cache (RETINAIO_CACHE, else the user cache
folder + /retinaio), where 'retinaio prepare <mirror URL>' finds them.

Interrupted downloads resume; two processes never fetch the same file twice.
A transfer that receives less than 16 KiB in 60 s is cut, and given up after
3 such stalls (the partial file is kept: run again to resume). Zips already
present count only when their sha256 matches the listing (a record
.<name>.source.json beside each zip keeps its source and hash). A DNS or
network-unreachable error fails at once: use HF_HUB_OFFLINE=1 to work from
the cache.

--list shows the sessions, their species and sizes and whether they are
cached, without downloading.

Environment: HF_ENDPOINT (default https://huggingface.co), HF_TOKEN (access
token, sent only to HF_ENDPOINT or the default Hub, never to another host),
HF_HUB_OFFLINE=1 (no network: use the cache), RETINAIO_CACHE,
OPENRETINA_CACHE_DIRECTORY (openretina downloads are reused).

--source gin downloads <session>.zip files from the original G-Node GIN
repository (doi 10.12751/g-node.ejk8kx, default --repo
` + hub.GINRepo + `,
branch master) via its raw-file URLs; GIN cannot be listed, so name the
sessions with --session and, if needed, the folder with --path.`,
		run: runFetch,
	})
}

func runFetch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["fetch"]
	fs := newFlagSet(c, stderr)
	var sessions fetchMultiFlag
	species := fs.String("species", "", "only sessions of this species: mouse or marmoset")
	fs.Var(&sessions, "session", "session `NAME` to fetch (repeatable; default: all of --species)")
	dest := fs.String("dest", "", "folder for the zips (default: the cache)")
	jobs := fs.Int("jobs", 2, "parallel downloads")
	revision := fs.String("revision", "", "revision (branch, tag or commit; default main, master for gin)")
	source := fs.String("source", "hf", "server: hf (Hugging Face mirror) or gin (G-Node GIN)")
	repo := fs.String("repo", "", "repository owner/name (default "+hub.DefaultRepo+", or the GIN repository)")
	folder := fs.String("path", "", "folder inside the repository (default "+hub.SessionsPath+" for hf, the top for gin)")
	list := fs.Bool("list", false, "list the remote sessions and what is cached; download nothing")
	asJSON := fs.Bool("json", false, "machine-readable output")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, "no arguments (name sessions with --session)"); err != nil {
		return err
	}
	if _, err := parseSpecies(*species, true); err != nil {
		return err
	}
	if *source != hub.SourceHF && *source != hub.SourceGIN {
		return usagef("--source %q: use hf or gin", *source)
	}
	if *jobs < 1 {
		*jobs = 1
	}

	cl := hub.FromEnv()
	cl.Source = *source
	cl.Revision = *revision
	cl.Repo = *repo
	cl.Path = *folder
	if *source == hub.SourceGIN {
		cl.Endpoint, cl.Token = "", "" // the HF settings do not apply to GIN
	}
	cl.Logf = messageLogger(stderr, "retinaio fetch: ")

	cache, err := hub.CacheDir()
	if err != nil {
		return err
	}
	cacheDir := cl.LocalDir(cache)
	if err := safedir.MkdirAll(cache, cacheDir); err != nil {
		return err
	}
	dir := cacheDir
	if *dest != "" {
		if dir, err = filepath.Abs(*dest); err != nil {
			return err
		}
	}

	// The listing: fresh from the server, or the saved one when offline
	// (the policy lives in hub).
	sel, err := cl.Sessions(ctx, cacheDir, *species, sessions)
	if err != nil {
		return err
	}

	if *list {
		return fetchPrintListing(stdout, cl, sel, dir, cacheDir, *asJSON)
	}
	missing := cl.Missing(sel, dir)
	if len(sel) == 0 {
		return fmt.Errorf("no sessions match")
	}
	if err := cl.FetchAll(ctx, sel, dir, *jobs, stderr); err != nil {
		return err
	}
	type row struct {
		Session string `json:"session"`
		Path    string `json:"path"`
		Size    int64  `json:"size"`
		SHA256  string `json:"sha256,omitempty"`
		Fetched bool   `json:"fetched"`
	}
	isMissing := map[string]bool{}
	for _, f := range missing {
		isMissing[f.Path] = true
	}
	var rows []row
	var bytes int64
	for _, f := range sel {
		p := filepath.Join(dir, f.Name())
		size := f.Size
		if st, err := os.Stat(p); err == nil {
			size = st.Size()
		}
		if isMissing[f.Path] {
			bytes += size
		}
		rows = append(rows, row{Session: safetext.Escape(strings.TrimSuffix(f.Name(), ".zip")), Path: safetext.Escape(p), Size: size, SHA256: safetext.Escape(f.SHA256), Fetched: isMissing[f.Path]})
	}
	if *asJSON {
		enc := newJSONEncoder(stdout)
		return enc.Encode(rows)
	}
	fmt.Fprintf(stdout, "%d session zip(s) in %s: %d fetched (%s), %d already there\n",
		len(sel), safetext.Escape(dir), len(missing), progress.Bytes(bytes), len(sel)-len(missing))
	return nil
}

// fetchPrintListing prints the selection; every name from the server is
// escaped (safetext), in the table and in JSON.
func fetchPrintListing(w io.Writer, cl *hub.Client, sel []hub.RemoteFile, dir, cacheDir string, asJSON bool) error {
	type row struct {
		Session string `json:"session"`
		Species string `json:"species"`
		Size    int64  `json:"size"`
		SHA256  string `json:"sha256,omitempty"`
		Cached  bool   `json:"cached"`
		Local   string `json:"local,omitempty"`
	}
	var rows []row
	for _, f := range sel {
		name := strings.TrimSuffix(f.Name(), ".zip")
		r := row{Session: safetext.Escape(name), Species: string(karamanlis.SpeciesOf(name)), Size: f.Size, SHA256: safetext.Escape(f.SHA256)}
		for _, d := range []string{dir, cacheDir} {
			if len(cl.Missing([]hub.RemoteFile{f}, d)) == 0 {
				r.Cached, r.Local = true, safetext.Escape(filepath.Join(d, f.Name()))
				break
			}
		}
		rows = append(rows, r)
	}
	if asJSON {
		enc := newJSONEncoder(w)
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SESSION\tSPECIES\tSIZE\tCACHED")
	var total int64
	for _, r := range rows {
		cached := "no"
		if r.Cached {
			cached = "yes"
		}
		size := "?"
		if r.Size >= 0 {
			size = progress.Bytes(r.Size)
			total += r.Size
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Session, r.Species, size, cached)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d session(s), %s\n", len(rows), progress.Bytes(total))
	return nil
}

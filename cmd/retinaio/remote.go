package main

import (
	"context"
	"fmt"
	"io"

	"github.com/retinaio/retinaio/hub"
	"github.com/retinaio/retinaio/karamanlis"
)

// resolveRoot turns a data root into a local folder: a local path is
// returned as is; a Hugging Face mirror (or GIN) folder URL such as
// https://huggingface.co/datasets/open-retina/open-retina/tree/main/gollisch_lab/karamanlis_2024/sessions
// is resolved by package hub into the cache folder holding the species'
// session zips, downloading what is missing (progress drawn on progressTo
// when it is a terminal).
func resolveRoot(ctx context.Context, root string, species karamanlis.Species, cacheDir string, progressTo io.Writer) (string, error) {
	if !hub.IsRemote(root) {
		return root, nil
	}
	if cacheDir == "" {
		cacheDir = karamanlis.DefaultCacheDir()
	}
	dir, err := hub.Resolve(ctx, root, hub.ResolveOptions{Species: string(species), CacheDir: cacheDir, Progress: progressTo})
	if err != nil {
		return "", fmt.Errorf("fetch %s: %w", root, err)
	}
	return dir, nil
}

// downloadOrigin is the URL a session's zip was really downloaded from, as
// recorded beside it by package hub ("" when there is no record): the
// manifest records it, not the mirror URL the run was given.
func downloadOrigin(s karamanlis.Session) string {
	r, err := hub.ReadRecord(s.Path)
	if err != nil {
		return ""
	}
	if r.URL != "" {
		return r.URL
	}
	return r.Endpoint
}

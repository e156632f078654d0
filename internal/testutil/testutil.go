// Package testutil holds helpers shared by the project's tests: copying
// committed fixtures into a test's temporary folder, so that tests never
// write into testdata.
package testutil

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"testing"
)

// CopyFile copies the file src to dst (created or truncated), failing tb
// on any error.
func CopyFile(tb testing.TB, src, dst string) {
	tb.Helper()
	in, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
}

// CopyTree copies src to dst: a folder recursively (os.CopyFS; dst must not
// hold files of the same names), or a single file.
func CopyTree(tb testing.TB, src, dst string) {
	tb.Helper()
	st, err := os.Stat(src)
	if err != nil {
		tb.Fatal(err)
	}
	if !st.IsDir() {
		CopyFile(tb, src, dst)
		return
	}
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		tb.Fatal(err)
	}
}

// FileSHA256 returns the hex SHA-256 of the file at path (to check that a
// user's input was left byte-identical), failing tb on any error.
func FileSHA256(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

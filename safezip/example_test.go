package safezip_test

import (
	"archive/zip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/retinaio/retinaio/safezip"
)

func Example() {
	dir, _ := os.MkdirTemp("", "safezip-example")
	defer os.RemoveAll(dir)

	// A session zip with one top folder, and a hostile one.
	write := func(name string, entries ...string) string {
		p := filepath.Join(dir, name)
		f, _ := os.Create(p)
		w := zip.NewWriter(f)
		for _, e := range entries {
			fw, _ := w.Create(e)
			fmt.Fprintf(fw, "data of %s", e)
		}
		w.Close()
		f.Close()
		return p
	}
	good := write("20210115_252MEA_mouse_left_half_ventral.zip",
		"20210115_252MEA_mouse_left_half_ventral/expdata.mat", "__MACOSX/._expdata.mat")
	bad := write("evil.zip", "../../etc/passwd")

	top, err := safezip.Unpack(context.Background(), good, filepath.Join(dir, "sessions"), safezip.Limits{})
	fmt.Println(filepath.Base(top), err)
	ents, _ := safezip.List(good, safezip.DefaultLimits())
	fmt.Println(len(ents), ents[0].Name, ents[0].Size)

	_, err = safezip.List(bad, safezip.Limits{})
	fmt.Println(strings.TrimPrefix(err.Error(), dir+string(filepath.Separator)))
	// Output:
	// 20210115_252MEA_mouse_left_half_ventral <nil>
	// 1 20210115_252MEA_mouse_left_half_ventral/expdata.mat 59
	// evil.zip: entry ../../etc/passwd: path escapes the archive
}

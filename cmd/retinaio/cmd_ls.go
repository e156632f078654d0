package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/retinaio/retinaio/internal/safetext"

	"github.com/retinaio/retinaio/hdf5"
	"github.com/retinaio/retinaio/mat"
)

func init() {
	register(&command{
		name:    "ls",
		summary: "list the groups and datasets of a MATLAB v7.3 / HDF5 file",
		usage: `retinaio ls [--json] FILE

Prints one line per object of FILE (a MATLAB v7.3 .mat or any HDF5 file):
path, shape (h5py order, the reverse of MATLAB's), element type, MATLAB
class, storage layout, chunk shape and filters. Groups, soft and external
links are listed too. --json prints a JSON array of objects instead.

An object that cannot be read (damaged metadata, a bad MATLAB_class
attribute, a group whose members cannot be listed) is listed with an
"ERROR: <reason>" row (--json: an "error" field) and the exit status is 1;
the rest of the file is still listed.`,
		run: runLs,
	})
}

// lsEntry is one row of 'retinaio ls' (and one object of --json).
type lsEntry struct {
	Path       string     `json:"path"`
	Kind       string     `json:"kind"`             // group, dataset, soft-link, external-link
	Shape      []uint64   `json:"shape"`            // h5py order; null for groups, links and null dataspaces
	Dims       []uint64   `json:"matlab_dims"`      // MATLAB order (reverse of shape)
	Dtype      string     `json:"dtype,omitempty"`  // numpy descr when there is one
	Type       string     `json:"type,omitempty"`   // hdf5 type description
	Class      string     `json:"matlab_class"`     // MATLAB_class attribute, "" if absent
	Layout     string     `json:"layout,omitempty"` // compact, contiguous, chunked
	ChunkIndex string     `json:"chunk_index,omitempty"`
	Chunks     []uint64   `json:"chunks"`
	Filters    []lsFilter `json:"filters"`
	Target     string     `json:"target,omitempty"` // link target
	Null       bool       `json:"null,omitempty"`   // null dataspace (no data)
	Error      string     `json:"error,omitempty"`  // why the object (or its MATLAB_class) cannot be read
}

// lsFilter is one filter of a dataset's pipeline.
type lsFilter struct {
	ID     int      `json:"id"`
	Name   string   `json:"name"`
	Params []uint32 `json:"params"`
}

func runLs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["ls"]
	fs := newFlagSet(c, stderr)
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "one FILE (.mat or HDF5)"); err != nil {
		return err
	}
	f, err := openMAT(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	entries, err := listFile(ctx, f.HDF5())
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	nbad := 0
	for _, e := range entries {
		if e.Error != "" {
			nbad++
		}
	}
	var failed error
	if nbad > 0 {
		failed = &exitError{code: 1, err: fmt.Errorf("%s: %d object(s) cannot be read (the ERROR rows)", pos[0], nbad)}
	}
	if *asJSON {
		b, err := json.MarshalIndent(entries, "", "  ")
		if err != nil {
			return err
		}
		if _, err = fmt.Fprintf(stdout, "%s\n", safetext.JSON(b)); err != nil {
			return err
		}
		return failed
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tSHAPE\tTYPE\tCLASS\tLAYOUT\tCHUNKS\tFILTERS")
	for _, e := range entries {
		shape, typ, layout, chunks, filters, class := "-", e.Type, "-", "-", "-", e.Class
		switch e.Kind {
		case "group":
			typ = "group"
		case "soft-link", "external-link":
			typ = e.Kind + " -> " + e.Target
		case "error":
		default:
			shape = shapeString(e.Shape, e.Null)
			layout = e.Layout
			if e.ChunkIndex != "" {
				layout += " (" + e.ChunkIndex + ")"
			}
			if e.Chunks != nil {
				chunks = shapeString(e.Chunks, false)
			}
			if len(e.Filters) > 0 {
				filters = filterString(e.Filters)
			}
		}
		if class == "" {
			class = "-"
		}
		if e.Error != "" {
			typ = "ERROR: " + e.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", escText(e.Path), shape, escText(typ), escText(class), layout, chunks, escText(filters))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return failed
}

// openMAT opens a MATLAB v7.3 or plain HDF5 file; a v5 .mat file gets
// mat's ErrNotV73 message.
func openMAT(path string) (*mat.File, error) {
	return mat.Open(path)
}

// listFile walks the file and returns every group, dataset and link, in
// path order. An object that cannot be read is an entry with Error set;
// only a cancelled context aborts the listing.
func listFile(ctx context.Context, f *hdf5.File) ([]lsEntry, error) {
	var out []lsEntry
	err := f.Walk(func(path string, obj hdf5.Object) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		e := lsEntry{Path: path}
		if b, ok := obj.(*hdf5.BadObject); ok {
			e.Kind = "error"
			e.Error = b.Err().Error()
			out = append(out, e)
			return nil
		}
		// only the attribute ls shows is read: a damaged other attribute
		// does not matter, a damaged MATLAB_class is an error on this row
		if a, err := obj.Attr("MATLAB_class"); err != nil {
			e.Error = "attribute MATLAB_class: " + err.Error()
		} else if a != nil {
			e.Class = strings.TrimRight(a.String(), "\x00 ")
		}
		switch o := obj.(type) {
		case *hdf5.Group:
			e.Kind = "group"
			links, err := o.Links()
			if err != nil {
				// Walk reports the group again as a BadObject
				links = nil
			}
			for _, l := range links {
				if l.Type == hdf5.LinkHard {
					continue
				}
				kind := "soft-link"
				if l.Type == hdf5.LinkExternal {
					kind = "external-link"
				} else if l.Type != hdf5.LinkSoft {
					kind = fmt.Sprintf("link-type-%d", int(l.Type))
				}
				out = append(out, lsEntry{Path: joinH5(path, l.Name), Kind: kind, Target: l.Target})
			}
		case *hdf5.Dataset:
			e.Kind = "dataset"
			t := o.Datatype()
			e.Type = t.String()
			e.Dtype = t.NumpyDescr() // numpy dtype as h5py gives it
			if o.IsNull() {
				e.Null = true
			} else {
				e.Shape = o.Shape()
				e.Dims = reverseU64(e.Shape)
			}
			e.Layout = layoutName(o.Layout())
			if ci, ok := any(o).(interface{ ChunkIndex() string }); ok {
				e.ChunkIndex = ci.ChunkIndex()
			}
			e.Chunks = o.ChunkShape()
			for _, fl := range o.Filters() {
				e.Filters = append(e.Filters, lsFilter{ID: fl.ID, Name: fl.Name, Params: append([]uint32{}, fl.Params...)})
			}
		default:
			e.Kind = "other"
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return pathLess(out[i].Path, out[j].Path) })
	return out, nil
}

// pathLess orders paths component by component, so a group comes right
// before its members.
func pathLess(a, b string) bool {
	as, bs := strings.Split(strings.Trim(a, "/"), "/"), strings.Split(strings.Trim(b, "/"), "/")
	if a == "/" {
		return b != "/"
	}
	if b == "/" {
		return false
	}
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] != bs[i] {
			return as[i] < bs[i]
		}
	}
	return len(as) < len(bs)
}

func joinH5(dir, name string) string {
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

func reverseU64(s []uint64) []uint64 {
	out := make([]uint64, len(s))
	for i, x := range s {
		out[len(s)-1-i] = x
	}
	return out
}

// shapeString formats a shape as Python does: (3, 2), (5,), ().
func shapeString(s []uint64, null bool) string {
	if null {
		return "null"
	}
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = strconv.FormatUint(x, 10)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func layoutName(l hdf5.Layout) string {
	switch l {
	case hdf5.LayoutCompact:
		return "compact"
	case hdf5.LayoutContiguous:
		return "contiguous"
	case hdf5.LayoutChunked:
		return "chunked"
	case hdf5.LayoutVirtual:
		return "virtual"
	}
	return fmt.Sprintf("layout-%d", int(l))
}

func filterString(fs []lsFilter) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		name := strings.ToLower(f.Name)
		switch f.ID {
		case 1:
			name = "deflate"
		case 2:
			name = "shuffle"
		case 3:
			name = "fletcher32"
		case 4:
			name = "szip"
		case 32000:
			name = "lzf"
		}
		if name == "" {
			name = "filter"
		}
		if f.ID > 3 || name == "filter" {
			name += "#" + strconv.Itoa(f.ID)
		}
		if f.ID == 1 && len(f.Params) == 1 {
			name += "(" + strconv.FormatUint(uint64(f.Params[0]), 10) + ")"
		}
		parts[i] = name
	}
	return strings.Join(parts, "+")
}

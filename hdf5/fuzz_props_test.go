package hdf5

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// allocated returns the bytes allocated by fn (runtime.MemStats TotalAlloc
// delta).
func allocated(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// metaAllocBound is the most parsing n bytes of metadata may allocate: a
// small multiple of the input plus a constant for fixed-size structures.
func metaAllocBound(n int) uint64 { return 64*uint64(n) + 4<<20 }

// fuzzReadLimit is the per-read allocation cap the file fuzzers open with.
const fuzzReadLimit = 1 << 20

// FuzzOpenFile opens arbitrary bytes as a file and walks, lists and reads
// everything, checking properties: metadata parsing allocates within a
// small multiple of the input size; each read allocates within the read
// limit; a successful read returns exactly Len() x element size bytes;
// Walk is deterministic (the same objects and errors twice).
func FuzzOpenFile(f *testing.F) {
	for _, fn := range []string{"../testdata/golden/sessions/20220208_60MEA_marmoset_right_n1/frozencheckerflicker_data.mat"} {
		if b, err := os.ReadFile(fn); err == nil {
			f.Add(b)
		}
	}
	for _, pat := range []string{"testdata/corpus/*.h5", "testdata/unit/*.h5", "testdata/fixtures/*.h5", "testdata/fixtures/vds/*.h5"} {
		cp, _ := filepath.Glob(pat)
		for _, fn := range cp {
			if b, err := os.ReadFile(fn); err == nil && len(b) < 1<<16 {
				f.Add(b)
			}
		}
	}
	hostileSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		// the work on a file is bounded by its size: a small input that
		// keeps the reader busy for seconds is a hang in the making
		// (a watchdog: the fuzzing engine stops at -fuzztime without
		// reporting an input that never returns; a panic in the timer's
		// goroutine crashes the worker and the engine saves the input)
		bound := fuzzTimeBound(len(data))
		watchdog := time.AfterFunc(bound, func() {
			panic(fmt.Sprintf("a %d-byte file is still being opened, walked or read after %v", len(data), bound))
		})
		defer watchdog.Stop()
		var ff *File
		var walk1 []string
		var ds []*Dataset
		n := allocated(func() {
			var err error
			ff, err = NewFileWithOptions(bytes.NewReader(data), int64(len(data)), OpenOptions{ReadLimit: fuzzReadLimit})
			if err != nil {
				return
			}
			walk1 = walkSummary(ff, &ds)
		})
		if n > metaAllocBound(len(data)) {
			t.Fatalf("opening and walking a %d-byte file allocated %d bytes", len(data), n)
		}
		if ff == nil {
			return
		}
		if w2 := walkSummary(ff, nil); !equalStrings(walk1, w2) {
			t.Fatalf("Walk is not deterministic:\n%v\n%v", walk1, w2)
		}
		for _, d := range ds {
			var raw []byte
			var err error
			n := allocated(func() { raw, err = d.ReadRaw(context.Background()) })
			if n > 4*fuzzReadLimit+metaAllocBound(len(data)) {
				t.Fatalf("%s: reading allocated %d bytes (limit %d)", d.Path(), n, fuzzReadLimit)
			}
			if err == nil && uint64(len(raw)) != d.Len()*uint64(d.Datatype().Size) {
				t.Fatalf("%s: ReadRaw returned %d bytes for %d elements of %d bytes", d.Path(), len(raw), d.Len(), d.Datatype().Size)
			}
		}
	})
}

// fuzzTimeBound is the time FuzzOpenFile allows for one input: generous
// (the machine is shared and the race detector or coverage slow things
// down), but far below the minutes a runaway loop takes.
func fuzzTimeBound(n int) time.Duration {
	return 3*time.Second + time.Duration(n)*20*time.Microsecond
}

// walkSummary lists Walk's visits (path, kind, error) and collects the
// datasets.
func walkSummary(f *File, ds *[]*Dataset) []string {
	var out []string
	err := f.Walk(func(p string, obj Object) error {
		switch o := obj.(type) {
		case *BadObject:
			out = append(out, p+" bad "+o.Err().Error())
		case *Dataset:
			out = append(out, p+" dataset "+o.Datatype().String())
			if ds != nil {
				*ds = append(*ds, o)
			}
			if a, err := o.Attr("MATLAB_class"); err == nil && a != nil {
				_ = a.String()
			}
		default:
			out = append(out, p)
			obj.Attrs()
		}
		return nil
	})
	if err != nil {
		out = append(out, "walk error "+err.Error())
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzMessages feeds arbitrary bodies to the message parsers added for
// old and rare files (layout v1-v4 incl. virtual, fill value v1-v3 and
// old, external data files, attributes), checking that what they return is
// bounded by the message: a fill value or compact data never larger than
// the body, no zero chunk dimension, an attribute's values within the
// message, allocations within a small multiple of the input.
func FuzzMessages(f *testing.F) {
	f.Add(uint8(0), []byte{1, 3, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 4, 0, 0, 0})
	f.Add(uint8(0), []byte{2, 1, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3})
	f.Add(uint8(0), []byte{4, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(uint8(1), []byte{2, 1, 1, 1, 4, 0, 0, 0, 1, 2, 3, 4})
	f.Add(uint8(1), []byte{1, 1, 1, 0, 0xff, 0xff, 0xff, 0xff})
	f.Add(uint8(1), []byte{3, 0x20, 2, 0, 0, 0, 7, 7})
	f.Add(uint8(2), []byte{8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(uint8(3), []byte{1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(uint8(4), []byte{1, 0, 8, 0, 8, 0, 8, 0, 'M', 'A', 'T', 'L', 'A', 'B', 0, 0, 0x13, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		ff := memFile(data)
		n := allocated(func() {
			d := &dsInfo{}
			switch sel % 5 {
			case 0:
				if err := d.parseLayout(ff.cursor(data)); err == nil {
					if len(d.compact) > len(data) {
						t.Fatalf("compact data of %d bytes from a %d-byte message", len(d.compact), len(data))
					}
					for i, x := range d.chunk {
						if x == 0 {
							t.Fatalf("chunk dimension %d is 0", i)
						}
					}
				}
			case 1:
				if err := d.parseFill(ff.cursor(data)); err == nil && len(d.fill) > len(data) {
					t.Fatalf("fill value of %d bytes from a %d-byte message", len(d.fill), len(data))
				}
			case 2:
				if err := d.parseOldFill(ff.cursor(data)); err == nil && len(d.fill) > len(data) {
					t.Fatalf("fill value of %d bytes from a %d-byte message", len(d.fill), len(data))
				}
			case 3:
				if segs, err := ff.parseExternal(data); err == nil && len(segs)*3*8 > len(data) {
					t.Fatalf("%d external slots from a %d-byte message", len(segs), len(data))
				}
			case 4:
				if a, err := ff.parseAttribute(data, "/"); err == nil {
					if len(a.Raw) > len(data) || len(a.Strings)+len(a.Values) > 2*len(data) {
						t.Fatalf("attribute with %d raw bytes, %d strings, %d values from a %d-byte message", len(a.Raw), len(a.Strings), len(a.Values), len(data))
					}
				}
				_ = attrName(data)
			}
		})
		if n > metaAllocBound(len(data)) {
			t.Fatalf("parsing a %d-byte message allocated %d bytes", len(data), n)
		}
	})
}

// FuzzSharedTable reads a shared message table and heap IDs from
// arbitrary bytes (the superblock extension at address 0): it must fail
// cleanly, and a message it returns must come from inside the file.
func FuzzSharedTable(f *testing.F) {
	f.Add(uint16(msgDatatype), []byte{0, 0, 0, 0, 0, 0, 0, 0}, []byte("SMTB\x00\x01\x08\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, typ uint16, id, data []byte) {
		ff := memFile(data)
		ff.st.extAddr = 0
		if len(id) != 8 {
			return
		}
		n := allocated(func() {
			if b, err := ff.sohmMessage(msgType(typ), id); err == nil && len(b) > len(data) {
				t.Fatalf("shared message of %d bytes from a %d-byte file", len(b), len(data))
			}
		})
		if n > metaAllocBound(len(data)) {
			t.Fatalf("allocated %d bytes for a %d-byte file", n, len(data))
		}
	})
}

// FuzzSniff names the format of arbitrary non-HDF5 bytes: never empty,
// always the same answer, and the MAT v4 guess never claims data beyond
// the file.
func FuzzSniff(f *testing.F) {
	f.Add([]byte("CDF\x01\x00\x00\x00\x00"))
	f.Add([]byte("\x0e\x03\x13\x01"))
	f.Add([]byte("MATLAB 5.0 MAT-file, Platform: GLNXA64"))
	f.Add([]byte{0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 'x', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		a := sniffFormat(bytes.NewReader(data), int64(len(data)))
		b := sniffFormat(bytes.NewReader(data), int64(len(data)))
		if a == "" || a != b {
			t.Fatalf("sniffFormat: %q then %q", a, b)
		}
	})
}

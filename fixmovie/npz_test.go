package fixmovie

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// A minimal .npy/.npz reader for the tests (little-endian u1/f4/f8, C order),
// kept here so that fixmovie's tests depend on no other retinaio package.

type npyArray struct {
	descr string
	shape []int
	u8    []uint8
	f32   []float32
	f64   []float64
}

// readNPZ reads the named arrays (all when none are named).
func readNPZ(path string, keys ...string) (map[string]*npyArray, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out := map[string]*npyArray{}
	for _, f := range zr.File {
		name := strings.TrimSuffix(f.Name, ".npy")
		if len(keys) > 0 && !slices.Contains(keys, name) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		a, err := parseNPY(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, f.Name, err)
		}
		out[name] = a
	}
	return out, nil
}

func parseNPY(b []byte) (*npyArray, error) {
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("not a .npy file")
	}
	var hlen, off int
	switch b[6] {
	case 1:
		hlen, off = int(binary.LittleEndian.Uint16(b[8:])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, fmt.Errorf("short header")
		}
		hlen, off = int(binary.LittleEndian.Uint32(b[8:])), 12
	default:
		return nil, fmt.Errorf("npy version %d", b[6])
	}
	if off+hlen > len(b) {
		return nil, fmt.Errorf("short header")
	}
	h := string(b[off : off+hlen])
	data := b[off+hlen:]
	a := &npyArray{}
	i := strings.Index(h, "'descr':")
	if i < 0 {
		return nil, fmt.Errorf("no descr in %q", h)
	}
	rest := strings.TrimSpace(h[i+8:])
	a.descr = rest[1 : 1+strings.IndexByte(rest[1:], '\'')]
	if strings.Contains(h, "'fortran_order': True") {
		return nil, fmt.Errorf("fortran order not supported")
	}
	i = strings.Index(h, "'shape':")
	if i < 0 {
		return nil, fmt.Errorf("no shape")
	}
	rest = h[i+8:]
	sh := rest[strings.IndexByte(rest, '(')+1 : strings.IndexByte(rest, ')')]
	n := 1
	for _, p := range strings.Split(sh, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil {
			return nil, err
		}
		a.shape = append(a.shape, v)
		n *= v
	}
	switch a.descr {
	case "|u1", "<u1":
		if len(data) < n {
			return nil, fmt.Errorf("short data")
		}
		a.u8 = data[:n]
	case "<f4":
		if len(data) < 4*n {
			return nil, fmt.Errorf("short data")
		}
		a.f32 = make([]float32, n)
		for k := range a.f32 {
			a.f32[k] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*k:]))
		}
	case "<f8":
		if len(data) < 8*n {
			return nil, fmt.Errorf("short data")
		}
		a.f64 = make([]float64, n)
		for k := range a.f64 {
			a.f64[k] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*k:]))
		}
	default:
		return nil, fmt.Errorf("dtype %s not supported", a.descr)
	}
	return a, nil
}

package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"unsafe"
)

// numeric storage kinds
const (
	kNone = iota
	kU8
	kI8
	kU16
	kI16
	kU32
	kI32
	kU64
	kI64
	kF32
	kF64
)

func numKind(t Datatype) int {
	if t.Class == ClassEnum && t.Base != nil {
		return numKind(*t.Base)
	}
	switch t.Class {
	case ClassFixed:
		s := 0
		if t.Signed {
			s = 1
		}
		switch t.Size {
		case 1:
			return kU8 + s
		case 2:
			return kU16 + s
		case 4:
			return kU32 + s
		case 8:
			return kU64 + s
		}
	case ClassFloat:
		switch t.Size {
		case 4:
			return kF32
		case 8:
			return kF64
		}
	}
	return kNone
}

type number interface {
	~uint8 | ~int8 | ~uint16 | ~int16 | ~uint32 | ~int32 | ~uint64 | ~int64 | ~float32 | ~float64
}

// sink receives runs of stored elements at a destination element index.
type sink interface {
	put(dst uint64, src []byte) error
}

type rawSink struct {
	b     []byte
	esize uint64
}

func (s *rawSink) put(i uint64, src []byte) error {
	copy(s.b[i*s.esize:], src)
	return nil
}

type numSink[T number] struct {
	dst   []T
	kind  int
	be    bool
	esize uint64
}

func (s *numSink[T]) put(i uint64, src []byte) error {
	n := uint64(len(src)) / s.esize
	convNum(s.dst[i:i+n], src, s.kind, s.be)
	return nil
}

func convNum[T number](dst []T, src []byte, kind int, be bool) {
	var o binary.ByteOrder = binary.LittleEndian
	if be {
		o = binary.BigEndian
	}
	switch kind {
	case kU8:
		for i := range dst {
			dst[i] = T(src[i])
		}
	case kI8:
		for i := range dst {
			dst[i] = T(int8(src[i]))
		}
	case kU16:
		for i := range dst {
			dst[i] = T(o.Uint16(src[2*i:]))
		}
	case kI16:
		for i := range dst {
			dst[i] = T(int16(o.Uint16(src[2*i:])))
		}
	case kU32:
		for i := range dst {
			dst[i] = T(o.Uint32(src[4*i:]))
		}
	case kI32:
		for i := range dst {
			dst[i] = T(int32(o.Uint32(src[4*i:])))
		}
	case kU64:
		for i := range dst {
			dst[i] = T(o.Uint64(src[8*i:]))
		}
	case kI64:
		for i := range dst {
			dst[i] = T(int64(o.Uint64(src[8*i:])))
		}
	case kF32:
		for i := range dst {
			dst[i] = T(math.Float32frombits(o.Uint32(src[4*i:])))
		}
	case kF64:
		for i := range dst {
			dst[i] = T(math.Float64frombits(o.Uint64(src[8*i:])))
		}
	}
}

// grow returns a slice of length n, reusing p's storage when possible.
func grow[T any](p *[]T, n uint64) []T {
	if uint64(cap(*p)) >= n {
		*p = (*p)[:n]
	} else {
		*p = make([]T, n)
	}
	return *p
}

func byteView[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(z)))
}

func makeNumSink[T number](p *[]T, n uint64, t Datatype, dstKind int) (sink, error) {
	if t.needsNumpyConversion() {
		// n-bit integers and non-IEEE floats: converted to h5py's numpy
		// type first (numpyconv.go), then as that type
		inner, err := makeNumSink(p, n, t.numpyType(), dstKind)
		if err != nil {
			return nil, fmt.Errorf("cannot convert %s to %T", t, *p)
		}
		return &numpyConvSink{t: t, inner: inner}, nil
	}
	k := numKind(t)
	if k == kNone {
		return nil, fmt.Errorf("cannot convert %s to %T", t, *p)
	}
	s := grow(p, n)
	if k == dstKind && (!t.BigEndian || t.Size == 1) {
		return &rawSink{b: byteView(s), esize: uint64(t.Size)}, nil
	}
	return &numSink[T]{dst: s, kind: k, be: t.BigEndian, esize: uint64(t.Size)}, nil
}

type stringSink struct {
	f   *File
	t   Datatype
	dst []string
}

func (s *stringSink) put(i uint64, src []byte) error {
	sz := s.t.Size
	for j := 0; j+sz <= len(src); j += sz {
		e := src[j : j+sz]
		if s.t.Class == ClassString {
			s.dst[i] = trimString(e, s.t.strPad)
		} else {
			b, err := s.f.vlenBytes(e)
			if err != nil {
				return err
			}
			s.dst[i] = trimString(b, s.t.strPad)
		}
		i++
	}
	return nil
}

type refSink struct {
	dst []Reference
}

func (s *refSink) put(i uint64, src []byte) error {
	for j := 0; j+8 <= len(src); j += 8 {
		s.dst[i] = Reference(binary.LittleEndian.Uint64(src[j:]))
		i++
	}
	return nil
}

type complexSink[T complex64 | complex128] struct {
	dst    []T
	t      Datatype
	re, im *Field
}

func (s *complexSink[T]) put(i uint64, src []byte) error {
	sz := s.t.Size
	for j := 0; j+sz <= len(src); j += sz {
		e := src[j : j+sz]
		if s.re == nil {
			v, _, _ := decodeNumber(e, s.t)
			s.dst[i] = T(complex(v, 0))
		} else {
			r, _, _ := decodeNumber(e[s.re.Offset:s.re.Offset+s.re.Type.Size], s.re.Type)
			m, _, _ := decodeNumber(e[s.im.Offset:s.im.Offset+s.im.Type.Size], s.im.Type)
			s.dst[i] = T(complex(r, m))
		}
		i++
	}
	return nil
}

func complexFields(t Datatype) (*Field, *Field, error) {
	if t.isNumeric() && t.Class != ClassEnum {
		return nil, nil, nil
	}
	if t.Class == ClassComplex && t.Base != nil && numKind(*t.Base) >= kU8 {
		// HDF5 2.0's complex class: real part, then imaginary part
		return &Field{Name: "r", Type: *t.Base}, &Field{Name: "i", Offset: t.Base.Size, Type: *t.Base}, nil
	}
	if t.Class == ClassCompound && len(t.Fields) == 2 && numKind(t.Fields[0].Type) >= kU8 && numKind(t.Fields[1].Type) >= kU8 {
		return &t.Fields[0], &t.Fields[1], nil
	}
	return nil, nil, fmt.Errorf("cannot convert %s to complex", t)
}

var errDst = errors.New("destination must be a pointer to a slice of a supported type")

// makeSink builds the destination writer for n elements of type t.
func (f *File) makeSink(dst any, n uint64, t Datatype, raw bool) (sink, error) {
	if raw {
		p, ok := dst.(*[]byte)
		if !ok {
			return nil, errDst
		}
		nb, ok := mulCheck(n, uint64(t.Size))
		if !ok {
			return nil, errors.New("size overflows")
		}
		return &rawSink{b: grow(p, nb), esize: uint64(t.Size)}, nil
	}
	switch p := dst.(type) {
	case *[]uint8:
		return makeNumSink(p, n, t, kU8)
	case *[]int8:
		return makeNumSink(p, n, t, kI8)
	case *[]uint16:
		return makeNumSink(p, n, t, kU16)
	case *[]int16:
		return makeNumSink(p, n, t, kI16)
	case *[]uint32:
		return makeNumSink(p, n, t, kU32)
	case *[]int32:
		return makeNumSink(p, n, t, kI32)
	case *[]uint64:
		return makeNumSink(p, n, t, kU64)
	case *[]int64:
		return makeNumSink(p, n, t, kI64)
	case *[]float32:
		return makeNumSink(p, n, t, kF32)
	case *[]float64:
		return makeNumSink(p, n, t, kF64)
	case *[]string:
		if t.Class != ClassString && !(t.Class == ClassVarLen && t.VarString) {
			return nil, fmt.Errorf("cannot convert %s to string", t)
		}
		return &stringSink{f: f, t: t, dst: grow(p, n)}, nil
	case *[]Reference:
		if t.Class != ClassReference || t.Size != 8 {
			return nil, fmt.Errorf("cannot convert %s to Reference", t)
		}
		return &refSink{dst: grow(p, n)}, nil
	case *[]complex64:
		re, im, err := complexFields(t)
		if err != nil {
			return nil, err
		}
		return &complexSink[complex64]{dst: grow(p, n), t: t, re: re, im: im}, nil
	case *[]complex128:
		re, im, err := complexFields(t)
		if err != nil {
			return nil, err
		}
		return &complexSink[complex128]{dst: grow(p, n), t: t, re: re, im: im}, nil
	}
	return nil, fmt.Errorf("%w (got %s)", errDst, reflect.TypeOf(dst))
}

// dstElemSize is the in-memory element size for the allocation check.
func dstElemSize(dst any, t Datatype, raw bool) uint64 {
	if raw {
		return uint64(t.Size)
	}
	rt := reflect.TypeOf(dst)
	if rt != nil && rt.Kind() == reflect.Pointer && rt.Elem().Kind() == reflect.Slice {
		return uint64(rt.Elem().Elem().Size())
	}
	return 8
}

package inflate_test

import (
	"bytes"
	"compress/zlib"
	"errors"
	"testing"

	"github.com/retinaio/retinaio/internal/inflate"
)

// FuzzZlib is differential: for any input, Zlib decodes exactly what
// compress/zlib decodes when compress/zlib succeeds (into a dst of the
// exact size and into a larger one, refusing a smaller one with
// ErrTooLong), and returns an error when compress/zlib fails. It must
// never panic nor write outside dst (a guard after dst is checked).
func FuzzZlib(f *testing.F) {
	for _, s := range [][]byte{
		{0x78, 0x01, 1, 0, 0, 0xff, 0xff, 0, 0, 0, 1},
		{0x78, 0x9c, 0x4b, 0x4c, 0x4a, 0x04, 0x02, 0x00, 0x03, 0x8f, 0x01, 0x36},
	} {
		f.Add(s)
	}
	for _, level := range []int{-2, 0, 1, 3, 6, 9} {
		var b bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&b, level)
		zw.Write([]byte("the retina's images: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, abcabcabcabcabcabcabc, 0123456789"))
		zw.Close()
		f.Add(b.Bytes())
	}
	const limit = 1 << 20
	f.Fuzz(func(t *testing.T, src []byte) {
		want, werr := stdlibZlib(src, limit)
		if werr == errLimit {
			return
		}
		buf := fuzzBuf
		if werr != nil {
			setGuard(buf[limit:])
			n, err := inflate.Zlib(buf[:limit], src)
			if err == nil {
				t.Fatalf("compress/zlib: %v; we decode %d bytes", werr, n)
			}
			var e *inflate.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not *inflate.Error", err, err)
			}
			checkGuard(t, buf[limit:])
			return
		}
		for _, room := range []int{len(want), len(want) + 64} {
			setGuard(buf[room : room+64])
			n, err := inflate.Zlib(buf[:room], src)
			if err != nil || n != len(want) || !bytes.Equal(buf[:n], want) {
				t.Fatalf("dst %d: got %d bytes, %v; compress/zlib %d bytes", room, n, err, len(want))
			}
			checkGuard(t, buf[room:room+64])
		}
		if len(want) > 0 {
			room := len(want) - 1
			setGuard(buf[room : room+64])
			if _, err := inflate.Zlib(buf[:room], src); !errors.Is(err, inflate.ErrTooLong) {
				t.Fatalf("dst %d of %d: %v, want ErrTooLong", room, len(want), err)
			}
			checkGuard(t, buf[room:room+64])
		}
	})
}

// fuzzBuf is the output buffer of FuzzZlib (calls are sequential): 1 MiB
// of room, 64 bytes more and a 64-byte guard.
var fuzzBuf = make([]byte, 1<<20+128)

func setGuard(guard []byte) {
	for i := range guard {
		guard[i] = 0xa5
	}
}

func checkGuard(t *testing.T, guard []byte) {
	t.Helper()
	for i, b := range guard {
		if b != 0xa5 {
			t.Fatalf("byte %d after dst was written", i)
		}
	}
}

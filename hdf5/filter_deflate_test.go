package hdf5

import (
	"bytes"
	"compress/zlib"
	"strings"
	"testing"
)

// TestDeflateContract checks the deflate filter's contract with libhdf5's
// behaviour (zlib's inflate): bytes after the stream are ignored, a
// truncated stream and a wrong Adler-32 are errors, and output beyond the
// chunk size is refused with the message callers show.
func TestDeflateContract(t *testing.T) {
	data := bytes.Repeat([]byte("retinaio deflate chunk "), 40)
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, 3)
	zw.Write(data)
	zw.Close()
	z := b.Bytes()

	got, err := inflate(append(append([]byte{}, z...), 1, 2, 3), len(data), nil)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("trailing bytes: %d bytes, %v", len(got), err)
	}
	out := make([]byte, len(data))
	if err := inflateExact(append(append([]byte{}, z...), 9, 9), out); err != nil || !bytes.Equal(out, data) {
		t.Fatalf("inflateExact with trailing bytes: %v", err)
	}
	for _, cut := range []int{len(z) - 1, len(z) - 4, len(z) / 2, 3} {
		if got, err := inflate(z[:cut], len(data)+64, nil); err == nil {
			t.Errorf("inflate cut to %d of %d bytes: %d bytes and no error", cut, len(z), len(got))
		}
		if err := inflateExact(z[:cut], out); err == nil {
			t.Errorf("inflateExact cut to %d of %d bytes: no error", cut, len(z))
		}
	}
	bad := append([]byte{}, z...)
	bad[len(bad)-2] ^= 0x40
	if _, err := inflate(bad, len(data), nil); err == nil || !strings.Contains(err.Error(), "adler32") {
		t.Errorf("bad checksum: %v", err)
	}
	if err := inflateExact(bad, out); err == nil || !strings.Contains(err.Error(), "adler32") {
		t.Errorf("inflateExact bad checksum: %v", err)
	}
	want := "data expands beyond the chunk size 100"
	if _, err := inflate(z, 100, nil); err == nil || err.Error() != want {
		t.Errorf("too long: %v, want %q", err, want)
	}
	if err := inflateExact(z, out[:100]); err == nil || err.Error() != "deflate: "+want {
		t.Errorf("inflateExact too long: %v", err)
	}
	long := make([]byte, len(data)+5)
	if err := inflateExact(z, long); err == nil || err.Error() != "chunk decodes to 920 bytes, expected 925" {
		t.Errorf("inflateExact short: %v", err)
	}
	// dst reused when large enough
	buf := make([]byte, 0, 2000)
	got, err = inflate(z, len(data)+64, buf)
	if err != nil || &got[0] != &buf[:1][0] {
		t.Errorf("dst not reused: %v", err)
	}
}

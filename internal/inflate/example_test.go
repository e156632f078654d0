package inflate_test

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"

	"github.com/retinaio/retinaio/internal/inflate"
)

// A chunk whose decoded size is known is decoded straight into its place;
// a stream that decodes to more is refused with ErrTooLong.
func Example() {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write([]byte("retina retina retina"))
	zw.Close()

	dst := make([]byte, 20)
	n, err := inflate.Zlib(dst, b.Bytes())
	fmt.Println(n, err, string(dst[:n]))

	_, err = inflate.Zlib(make([]byte, 10), b.Bytes())
	fmt.Println(errors.Is(err, inflate.ErrTooLong))
	// Output:
	// 20 <nil> retina retina retina
	// true
}

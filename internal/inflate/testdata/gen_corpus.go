//go:build ignore

// gen_corpus writes the seed corpus of FuzzZlib: zlib streams of image-like,
// run-like, text and empty data at levels -2, 0, 1, 3, 9, and truncated,
// bad-checksum and corrupted copies. Run: go run gen_corpus.go fuzz/FuzzZlib

package main

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
)

func write(dir string, b []byte) {
	h := sha256.Sum256(b)
	name := filepath.Join(dir, fmt.Sprintf("seed-%x", h[:6]))
	os.WriteFile(name, []byte("go test fuzz v1\n[]byte("+strconv.Quote(string(b))+")\n"), 0o644)
}

func main() {
	dir := os.Args[1]
	os.MkdirAll(dir, 0o755)
	r := rand.New(rand.NewSource(1))
	img := make([]byte, 3000)
	for i := range img {
		img[i] = byte(i/40) + byte(r.Intn(6))
	}
	runs := bytes.Repeat([]byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}, 200)
	text := []byte("the retina's images: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, abcabcabcabcabcabc, 0123456789")
	for _, data := range [][]byte{img, runs, text, nil} {
		for _, level := range []int{-2, 0, 1, 3, 9} {
			var b bytes.Buffer
			zw, _ := zlib.NewWriterLevel(&b, level)
			zw.Write(data)
			zw.Close()
			write(dir, b.Bytes())
			if len(data) > 0 && level == 3 {
				z := b.Bytes()
				write(dir, z[:len(z)/2]) // truncated
				c := append([]byte{}, z...)
				c[len(c)-1] ^= 1 // bad checksum
				write(dir, c)
				c = append([]byte{}, z...)
				c[len(c)/2] ^= 0x10 // corrupt
				write(dir, c)
			}
		}
	}
}

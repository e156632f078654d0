package fixmovie

// sum8 adds eight taps' products to acc in order (set: the first product
// starts the sum): acc[i] = acc[i] + t[c0[i]] + t[256+c1[i]] + ... +
// t[1792+c7[i]], each addition rounded to float32; t packs the eight taps'
// product tables.
func sum8(acc []float32, img []uint8, off *[8]int, a int, t *[2048]float32, set bool) {
	n := len(acc)
	c0 := img[off[0]+a:][:n]
	c1 := img[off[1]+a:][:n]
	c2 := img[off[2]+a:][:n]
	c3 := img[off[3]+a:][:n]
	c4 := img[off[4]+a:][:n]
	c5 := img[off[5]+a:][:n]
	c6 := img[off[6]+a:][:n]
	c7 := img[off[7]+a:][:n]
	_ = t[0]
	if set {
		for i := range acc {
			acc[i] = t[c0[i]] + t[256+int(c1[i])] + t[512+int(c2[i])] + t[768+int(c3[i])] +
				t[1024+int(c4[i])] + t[1280+int(c5[i])] + t[1536+int(c6[i])] + t[1792+int(c7[i])]
		}
		return
	}
	for i := range acc {
		acc[i] = acc[i] + t[c0[i]] + t[256+int(c1[i])] + t[512+int(c2[i])] + t[768+int(c3[i])] +
			t[1024+int(c4[i])] + t[1280+int(c5[i])] + t[1536+int(c6[i])] + t[1792+int(c7[i])]
	}
}

// tail1f3 finishes a sum with one rounded-product tap (table t) and three
// fused taps (exact float64 product tables f1, f2, f3), in that order, for
// filters whose partial sums are exact in float64 (productTables.exactSum).
func tail1f3(acc []float32, img []uint8, off *[4]int, a int, t *[256]float32, f1, f2, f3 *[256]float64) {
	n := len(acc)
	c0 := img[off[0]+a:][:n]
	c1 := img[off[1]+a:][:n]
	c2 := img[off[2]+a:][:n]
	c3 := img[off[3]+a:][:n]
	_, _, _, _ = t[0], f1[0], f2[0], f3[0]
	for i := range acc {
		s := acc[i] + t[c0[i]]
		s = float32(f1[c1[i]] + float64(s))
		s = float32(f2[c2[i]] + float64(s))
		acc[i] = float32(f3[c3[i]] + float64(s))
	}
}

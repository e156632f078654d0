package inflate

// SetFastAsm switches the assembly fast loop on or off (on only where it
// can run) and returns the previous setting; tests of package inflate_test
// decode with and without it.
func SetFastAsm(on bool) bool {
	old := useFastAsm
	useFastAsm = on && fastAsmOK
	return old
}

// FastAsmOK reports whether the assembly fast loop can run here.
func FastAsmOK() bool { return fastAsmOK }

// RandomData is randomData (fast_test.go) for the tests of package
// inflate_test.
var RandomData = randomData

package karamanlis

// SetBinSliceBytes sets the bound on the bins read at a time and returns a
// function that restores it.
func SetBinSliceBytes(n int) (restore func()) {
	old := binSliceBytes
	binSliceBytes = n
	return func() { binSliceBytes = old }
}

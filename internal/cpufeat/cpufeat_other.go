//go:build !amd64 || purego

package cpufeat

// hasAVX2 is false: no x86-64 assembly in this build.
func hasAVX2() bool { return false }

// hasFMA is false: no x86-64 assembly in this build.
func hasFMA() bool { return false }

// hasBMI2 is false: no x86-64 assembly in this build.
func hasBMI2() bool { return false }

// hasSSSE3 is false: no x86-64 assembly in this build.
func hasSSSE3() bool { return false }

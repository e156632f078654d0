package cpufeat

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

// TestLinuxFlags compares with the flags the Linux kernel lists in
// /proc/cpuinfo (it clears avx and avx2 when it does not save YMM state).
func TestLinuxFlags(t *testing.T) {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil || runtime.GOARCH != "amd64" {
		t.Skip("needs Linux on amd64")
	}
	var flags []string
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			flags = strings.Fields(v)
			break
		}
	}
	has := func(f string) bool {
		for _, g := range flags {
			if g == f {
				return true
			}
		}
		return false
	}
	if purego {
		if AVX2 || FMA || BMI2 || SSSE3 {
			t.Fatalf("purego build: AVX2 %v, FMA %v, BMI2 %v, SSSE3 %v; want false", AVX2, FMA, BMI2, SSSE3)
		}
		return
	}
	if want := has("avx2"); AVX2 != want {
		t.Errorf("AVX2 = %v, /proc/cpuinfo says %v", AVX2, want)
	}
	if want := has("ssse3"); SSSE3 != want {
		t.Errorf("SSSE3 = %v, /proc/cpuinfo says %v", SSSE3, want)
	}
	if want := has("bmi1") && has("bmi2"); BMI2 != want {
		t.Errorf("BMI2 = %v, /proc/cpuinfo says %v", BMI2, want)
	}
	if want := has("fma") && has("avx"); FMA != want {
		t.Errorf("FMA = %v, /proc/cpuinfo says %v", FMA, want)
	}
}

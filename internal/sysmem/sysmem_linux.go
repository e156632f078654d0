//go:build linux

package sysmem

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

func total() (uint64, error) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("sysmem: %w", err)
	}
	t, err := meminfoField(data, "MemTotal")
	if err != nil {
		return 0, err
	}
	if lim, ok := cgroupLimit(); ok && lim < t {
		t = lim
	}
	return t, nil
}

// cgroupLimit reads the cgroup v2 or v1 memory limit of this process's
// cgroup ("max" and the v1 "unlimited" value are no limit).
func cgroupLimit() (uint64, bool) {
	for _, p := range cgroupFiles() {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" || s == "" {
			continue
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 || n >= 1<<62 {
			continue
		}
		return n, true
	}
	return 0, false
}

// cgroupFiles lists the candidate limit files: this process's own cgroup
// (from /proc/self/cgroup) first, then the mount roots.
func cgroupFiles() []string {
	var out []string
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			parts := strings.SplitN(line, ":", 3)
			if len(parts) != 3 || strings.Contains(parts[2], "..") {
				continue
			}
			switch {
			case parts[0] == "0" && parts[1] == "":
				out = append(out, "/sys/fs/cgroup"+strings.TrimSuffix(parts[2], "/")+"/memory.max")
			case strings.Contains(","+parts[1]+",", ",memory,"):
				out = append(out, "/sys/fs/cgroup/memory"+strings.TrimSuffix(parts[2], "/")+"/memory.limit_in_bytes")
			}
		}
	}
	return append(out, "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
}

// statusHWM reads VmHWM from /proc/self/status.
func statusHWM() (uint64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("sysmem: %w", err)
	}
	return meminfoField(data, "VmHWM")
}

// CurrentRSS returns this process's resident set size (VmRSS) in bytes.
func CurrentRSS() (uint64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("sysmem: %w", err)
	}
	return meminfoField(data, "VmRSS")
}

// ResetPeakRSS resets this process's peak RSS to its current RSS (Linux
// 4.0+: writes 5 to /proc/self/clear_refs). Call it before starting a child
// whose peak you read with ChildPeakRSS: Go starts children with vfork
// semantics, and Linux counts the parent's peak at exec time into the
// child's ru_maxrss.
func ResetPeakRSS() error {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("sysmem: reset peak RSS: %w", err)
	}
	return nil
}

package bench_test

import (
	"fmt"

	"github.com/retinaio/retinaio/internal/bench"
)

// The reference numbers the benchmarks are compared with.
func Example() {
	ref := bench.References["mouse"]
	fmt.Printf("openretina: %.0f s, %.2f GB\ntargets: %s\n", ref.Seconds, float64(ref.PeakRSSBytes)/1e9, bench.ProfileTargets["mouse"].Text)
	// A full run synthesises and prepares a session:
	//   rep, err := bench.Run(ctx, bench.Options{Profile: "mouse", Runs: 5, Command: []string{exe, "prepare"}})
	//   bench.Summarise([]*bench.Report{rep})
	//   rep.WriteText(os.Stdout)
	// Output:
	// openretina: 333 s, 4.74 GB
	// targets: median wall <= 2.5 s, peak RSS <= 700 MB, every layout x image use within 1.25x of the fastest, first run <= 1.15x (issue 13)
}

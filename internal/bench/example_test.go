package bench_test

import (
	"fmt"

	"github.com/retinaio/retinaio/internal/bench"
)

// The reference numbers the benchmarks are compared with.
func Example() {
	ref := bench.References["mouse"]
	fmt.Printf("openretina: %.0f s, %.2f GB; target: %s\n", ref.Seconds, float64(ref.PeakRSSBytes)/1e9, ref.Target)
	// A full run synthesises and prepares a session:
	//   rep, err := bench.Run(ctx, bench.Options{Profile: "mouse", Command: []string{exe, "prepare"}})
	//   rep.WriteText(os.Stdout)
	// Output:
	// openretina: 333 s, 4.74 GB; target: < 5 s wall and < 1 GB peak RSS (acceptance: < 1.5 GB)
}

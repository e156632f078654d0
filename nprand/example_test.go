package nprand_test

import (
	"fmt"

	"github.com/retinaio/retinaio/nprand"
)

func Example() {
	// numpy: np.random.RandomState(42).choice(100, 20, replace=False)
	idx, err := nprand.New(42).Choice(100, 20)
	if err != nil {
		panic(err)
	}
	fmt.Println(idx)
	// Output:
	// [83 53 70 45 44 39 22 80 10 0 18 30 73 33 90 4 76 77 12 31]
}

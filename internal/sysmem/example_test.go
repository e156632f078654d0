package sysmem_test

import (
	"context"
	"fmt"

	"github.com/retinaio/retinaio/internal/sysmem"
)

func Example() {
	n, err := sysmem.ParseSize("1.5G")
	fmt.Println(n, err, sysmem.FormatSize(n))

	// Two jobs of 1 GiB each fit a 2 GiB budget at once; a third waits.
	b := sysmem.NewBudget(2 << 30)
	r1, _ := b.Acquire(context.Background(), 1<<30)
	r2, _ := b.Acquire(context.Background(), 1<<30)
	fmt.Println(sysmem.FormatSize(b.InUse()))
	r1()
	r2()
	fmt.Println(b.InUse())
	// Output:
	// 1610612736 <nil> 1.5 GiB
	// 2.0 GiB
	// 0
}

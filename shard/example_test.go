package shard_test

import (
	"fmt"

	"github.com/retinaio/retinaio/shard"
)

func Example() {
	sessions := []string{
		"20210115_252MEA_mouse_left_half_ventral",
		"20210122_252MEA_mouse_left_half_dorsal",
		"20210129_252MEA_mouse_right_half_ventral",
		"20210205_252MEA_mouse_right_half_dorsal",
	}
	// SLURM: --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT
	for i := 0; i < 2; i++ {
		sp, err := shard.Parse(fmt.Sprintf("%d/2", i))
		if err != nil {
			panic(err)
		}
		fmt.Println(sp, sp.Select(sessions))
	}
	_, err := shard.Parse("2/2")
	fmt.Println(err != nil)
	// Output:
	// 0/2 [20210115_252MEA_mouse_left_half_ventral]
	// 1/2 [20210122_252MEA_mouse_left_half_dorsal 20210129_252MEA_mouse_right_half_ventral 20210205_252MEA_mouse_right_half_dorsal]
	// true
}

package karamanlis_test

import (
	"fmt"

	"github.com/retinaio/retinaio/karamanlis"
)

// ExampleMatchesSpecies shows openretina's session filter: a substring of
// the name, compared without regard to case, and the empty species
// matching every session.
func ExampleMatchesSpecies() {
	for _, name := range []string{"20210115_252MEA_mouse_left_half_ventral", "20220301_60MEA_marmoset_left_s1", "20220301_Mouse_x"} {
		fmt.Println(name, karamanlis.MatchesSpecies(name, karamanlis.Mouse), karamanlis.MatchesSpecies(name, ""))
	}
	// Output:
	// 20210115_252MEA_mouse_left_half_ventral true true
	// 20220301_60MEA_marmoset_left_s1 false true
	// 20220301_Mouse_x true true
}

package prepared_test

import (
	"fmt"

	"github.com/retinaio/retinaio/prepared"
)

// Example decodes a manifest.json as 'retinaio prepare' writes it and
// lists the arrays each prepared session archive holds.
func Example() {
	data := []byte(`{"tool": "retinaio", "version": "v1.0.0",
		"sessions": [
			{"name": "20210115_252MEA_mouse_left_half_ventral", "source": "x", "status": "ok", "output": "20210115_252MEA_mouse_left_half_ventral.npz"},
			{"name": "20220301_60MEA_marmoset_left_s1", "source": "y", "status": "skipped"}
		]}`)
	m, err := prepared.DecodeManifest(prepared.ManifestName, data)
	if err != nil {
		fmt.Println(err)
		return
	}
	m.Count()
	fmt.Println(m.OK, m.Skipped, m.Failed)
	for _, s := range m.Sessions {
		if s.Status == prepared.StatusOK {
			fmt.Println(s.Output, prepared.SessionKeys)
		}
	}
	// Output:
	// 1 1 0
	// 20210115_252MEA_mouse_left_half_ventral.npz [resp_train resp_test resp_test_by_trial stim_train stim_test norm_mean norm_std]
}

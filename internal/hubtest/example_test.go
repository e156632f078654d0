package hubtest_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/retinaio/retinaio/internal/hubtest"
)

func Example() {
	s := hubtest.NewServer()
	defer s.Close()
	s.Add("gollisch_lab/karamanlis_2024/sessions/20210115_252MEA_mouse_left_half_ventral.zip", []byte("zip bytes"))
	s.DropFirst = true // the first download of every file is cut halfway

	u := s.URL() + "/datasets/open-retina/open-retina/resolve/main/gollisch_lab/karamanlis_2024/sessions/20210115_252MEA_mouse_left_half_ventral.zip"
	for i := 0; i < 2; i++ {
		resp, err := http.Get(u) // follows the 302 to the CDN
		if err != nil {
			fmt.Println(err)
			continue
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %q %v\n", resp.StatusCode, b, err != nil)
	}
	hub, cdn := s.Counts()
	fmt.Println(hub, cdn)
	// Output:
	// 200 "zip " true
	// 200 "zip bytes" false
	// 2 2
}

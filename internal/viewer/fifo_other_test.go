//go:build !unix

package viewer

import "errors"

func mkfifo(string) error { return errors.New("no FIFOs here") }

//go:build !unix

package karamanlis

func isReadOnlyFS(err error) bool { return false }

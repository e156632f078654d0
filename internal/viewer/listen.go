package viewer

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// IsLoopback reports whether a listen address ("host:port") binds only to
// the loopback interface. An empty host (":8080") binds every interface.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckAddr refuses a non-loopback listen address unless allowRemote is
// set; with allowRemote it returns a warning to print.
func CheckAddr(addr string, allowRemote bool) (warning string, err error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "", fmt.Errorf("--addr %q: want host:port such as 127.0.0.1:8080", addr)
	}
	if IsLoopback(addr) {
		return "", nil
	}
	if !allowRemote {
		return "", fmt.Errorf("--addr %s is not a loopback address: the viewer would serve your data to the network; pass --allow-remote if you mean it", addr)
	}
	return fmt.Sprintf("WARNING: serving on %s, reachable from other machines; the viewer has no authentication", addr), nil
}

// LoopbackHostOnly rejects requests whose Host header is not a loopback
// name or address (protection against DNS rebinding when the server
// listens on loopback).
func LoopbackHostOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		host = strings.Trim(host, "[]")
		ip := net.ParseIP(host)
		if !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
			httpError(w, http.StatusForbidden, "host "+r.Host+" is not a loopback address")
			return
		}
		h.ServeHTTP(w, r)
	})
}

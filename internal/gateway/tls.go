package gateway

import (
	"crypto/tls"
	"fmt"
	"net"
)

// ListenTLS is Listen serving TLS with cfg (nil: plain Listen): connections are decrypted
// first, so the smuggling guard reads the HTTP inside. cfg should offer "h2" and "http/1.1"
// through ALPN (NextProtos) for a server from NewServer to speak HTTP/2.
func ListenTLS(addr string, cfg *tls.Config) (net.Listener, error) {
	if cfg == nil {
		return Listen(addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gateway: listen on %s: %w", addr, err)
	}
	return GuardListener(tls.NewListener(ln, cfg)), nil
}

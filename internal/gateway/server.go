package gateway

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server limits set by NewServer.
const (
	// ReadHeaderTimeout bounds how long a client may take to send a request's headers.
	ReadHeaderTimeout = 10 * time.Second
	// IdleTimeout bounds how long a keep-alive connection may wait for its next request.
	IdleTimeout = 120 * time.Second
	// MaxHeaderBytes bounds the size of a request's headers (and, for HTTP/2, the header list).
	MaxHeaderBytes = 128 << 10
	// MaxConcurrentStreams bounds the requests in flight on one HTTP/2 connection.
	MaxConcurrentStreams = 250
)

// NewServer returns an http.Server for addr that serves h over HTTP/1.1 with keep-alive and over
// cleartext HTTP/2 with prior knowledge (h2c; the HTTP/1.1 "Upgrade: h2c" dance is not
// supported). Served with TLS, it offers HTTP/2 and HTTP/1.1 through ALPN. It bounds header read
// time, header size and idle time, paces request bodies (a body must keep arriving at a minimum
// rate) and caps connections per client IP, but does not bound request or response duration,
// because bodies stream and the scheduler enforces the workers' time limits.
func NewServer(addr string, h http.Handler) *http.Server {
	return NewServerWith(addr, h, ServerLimits{})
}

// ServerLimits override the server's time limits; a zero field keeps the default above.
type ServerLimits struct {
	// ReadHeaderTimeout bounds how long a client may take to send a request's headers (a
	// slowloris client is cut off after it).
	ReadHeaderTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection may wait for its next request.
	IdleTimeout time.Duration
	// BodyIdleTimeout, BodyGrace and BodyMinRate pace request bodies (see guard.go).
	BodyIdleTimeout time.Duration
	BodyGrace       time.Duration
	BodyMinRate     int
	// MaxConnsPerClient caps one client IP's open connections.
	MaxConnsPerClient int
}

// NewServerWith is NewServer with limits.
func NewServerWith(addr string, h http.Handler, limits ServerLimits) *http.Server {
	if limits.ReadHeaderTimeout <= 0 {
		limits.ReadHeaderTimeout = ReadHeaderTimeout
	}
	if limits.IdleTimeout <= 0 {
		limits.IdleTimeout = IdleTimeout
	}
	if limits.BodyIdleTimeout <= 0 {
		limits.BodyIdleTimeout = BodyIdleTimeout
	}
	if limits.BodyGrace <= 0 {
		limits.BodyGrace = BodyGrace
	}
	if limits.BodyMinRate <= 0 {
		limits.BodyMinRate = BodyMinRate
	}
	if limits.MaxConnsPerClient <= 0 {
		limits.MaxConnsPerClient = MaxConnsPerClient
	}
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(true)
	return &http.Server{
		Addr:              addr,
		Handler:           guardBodies(h, limits.BodyIdleTimeout, limits.BodyGrace, limits.BodyMinRate),
		ConnState:         newConnCounter(limits.MaxConnsPerClient).connState,
		Protocols:         &p,
		ReadHeaderTimeout: limits.ReadHeaderTimeout,
		IdleTimeout:       limits.IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams: MaxConcurrentStreams,
		},
	}
}

// Listen opens a TCP listener on addr ("host:port"; port 0 picks a free one).
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gateway: listen on %s: %w", addr, err)
	}
	return ln, nil
}

package gateway

import (
	"context"
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
// because bodies stream and the scheduler enforces the workers' time limits. Served on a
// listener from Listen or GuardListener it refuses requests whose framing is ambiguous (request
// smuggling; see GuardListener) with the platform's error page; its ConnState must be kept, as
// it tells those connections when they are hijacked.
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
	counter := newConnCounter(limits.MaxConnsPerClient)
	return &http.Server{
		Addr:    addr,
		Handler: answerRefusals(withTLSState(guardBodies(h, limits.BodyIdleTimeout, limits.BodyGrace, limits.BodyMinRate))),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if g, ok := c.(*guardConn); ok && g.isTLS() {
				return context.WithValue(ctx, tlsConnKey{}, g)
			}
			return ctx
		},
		ConnState: func(c net.Conn, st http.ConnState) {
			counter.connState(c, st)
			if g, ok := c.(*guardConn); ok && st == http.StateHijacked {
				g.hijacked()
			}
		},
		Protocols:         &p,
		ReadHeaderTimeout: limits.ReadHeaderTimeout,
		IdleTimeout:       limits.IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams: MaxConcurrentStreams,
		},
	}
}

// Listen opens a TCP listener on addr ("host:port"; port 0 picks a free one), guarded against
// request smuggling (GuardListener).
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gateway: listen on %s: %w", addr, err)
	}
	return GuardListener(ln), nil
}

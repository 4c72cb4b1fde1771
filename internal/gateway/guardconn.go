package gateway

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// GuardListener returns ln with every accepted connection guarded against request smuggling:
// the framing of each HTTP/1.x request is checked on the raw bytes, before net/http parses it
// (see framer), and a request whose framing two parsers could read differently never reaches
// net/http. Serve it with a server from NewServer or NewServerWith, which answers those
// requests with an error page (400, or 431 / 505) and keeps hijacked connections unchecked. A
// listener GuardListener already returned is returned as it is. Served with TLS, the guard
// must be inside the TLS listener (it reads plain HTTP); the server then restores
// Request.TLS, and HTTP/2 negotiated by ALPN reaches it through its preface.
//
// Because net/http sees a head only once all of it arrived, the head of a keep-alive
// connection's next request must arrive within the server's IdleTimeout (net/http alone gives
// it IdleTimeout for its first bytes and ReadHeaderTimeout for the rest); a connection's first
// head is bound by ReadHeaderTimeout as before.
func GuardListener(ln net.Listener) net.Listener {
	if _, ok := ln.(guardListener); ok {
		return ln
	}
	return guardListener{ln}
}

type guardListener struct{ net.Listener }

func (l guardListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &guardConn{Conn: c}, nil
}

// guardConn is a connection whose reads pass through a framer. Bytes reach the reader only
// once the framer accepted them, and a request head only once all of it is accepted, so that
// net/http never sees part of a head that is then refused: a head that arrives in pieces is
// held in buf until it is whole. A refused head is replaced by a stand-in request (see
// appendStandIn) that the server's handler answers, after which reads end (io.EOF). A refusal
// inside a body, whose head was already handed on, ends reads with errFramingBody instead, so
// net/http's body read fails and it closes the connection; no byte after the refusal is ever
// read as a request.
//
// Reads are not concurrent (net/http reads a connection from one goroutine at a time, and
// hands it to a hijacker only after its own reads stopped).
type guardConn struct {
	net.Conn
	f framer
	// buf holds bytes read but not returned yet: buf[off:rel] are accepted (returned next),
	// buf[rel:] are the open head's, held until it is whole.
	buf      []byte
	off, rel int
	// err is returned once buf is drained: io.EOF after a stand-in, errFramingBody after a
	// refusal in a body, or the underlying connection's error that came with data.
	err     error
	refused atomic.Bool
	closed  atomic.Bool
}

// errFramingBody is what reads fail with after a request body was refused.
var errFramingBody = &framingError{}

type framingError struct{}

func (*framingError) Error() string { return "gateway: " + refusedChunked.String() }

// minRead is the size of the buffers that hold heads (one grows, by doubling, for a head
// larger than about 3.5 KiB).
const minRead = 4 << 10

// heldBufs are the buffers of minRead bytes that connections hold heads in: a connection
// takes one when a head arrives in pieces (as when net/http's one-byte background read
// catches the start of the next keep-alive request) and gives it back once the head is
// handed on, so that neither a request nor an idle connection costs a buffer.
var heldBufs = sync.Pool{New: func() any { return new([minRead]byte) }}

// newBuf returns an empty buffer from heldBufs.
func (c *guardConn) newBuf() []byte {
	return heldBufs.Get().(*[minRead]byte)[:0]
}

// dropBuf empties buf, giving it back to heldBufs if it came from there.
func (c *guardConn) dropBuf() {
	if cap(c.buf) == minRead {
		heldBufs.Put((*[minRead]byte)(c.buf[:minRead]))
	}
	c.buf, c.off, c.rel = nil, 0, 0
}

// Read returns the connection's next accepted bytes (see guardConn).
func (c *guardConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if c.off < c.rel {
			n := copy(p, c.buf[c.off:c.rel])
			c.off += n
			return n, nil
		}
		if c.err != nil {
			err := c.err
			if err != io.EOF && err != errFramingBody {
				c.err = nil // a read error that came with data is returned once
			}
			return 0, err
		}
		if c.f.state == stPassthrough {
			return c.Conn.Read(p)
		}
		if c.rel == len(c.buf) {
			// Nothing is held: read straight into p, and keep only an open head's bytes.
			c.dropBuf()
			n, err := c.Conn.Read(p)
			if n == 0 {
				return 0, err
			}
			c.err = err
			if k := c.absorb(p[:n], 0); k > 0 {
				return k, nil
			}
			continue
		}
		// A head is held: read more of it into buf.
		if c.off > 0 {
			c.buf = c.buf[:copy(c.buf, c.buf[c.off:])]
			c.rel -= c.off
			c.off = 0
		}
		if cap(c.buf)-len(c.buf) < minRead/8 {
			c.buf = append(make([]byte, 0, max(2*cap(c.buf), minRead)), c.buf...)
		}
		start := len(c.buf)
		n, err := c.Conn.Read(c.buf[start:cap(c.buf)])
		if n == 0 {
			return 0, err // a timeout keeps the held bytes for the next read
		}
		c.buf = c.buf[:start+n]
		c.err = err
		c.absorb(c.buf[start:], start)
	}
}

// absorb runs the framer over b, bytes just read: they are p (nothing held, at == 0) or the
// tail of buf from at. It returns how many leading bytes of p the caller returns now, and
// updates buf: the bytes of a head still open are kept (copied from p), a refused head is
// replaced by its stand-in.
func (c *guardConn) absorb(b []byte, at int) int {
	n, r := c.f.scan(b)
	inBuf := at > 0 || len(c.buf) > 0
	if r == refusalNone {
		open := c.f.head
		if !inBuf {
			if open > 0 {
				c.buf = append(c.newBuf(), b[len(b)-open:]...)
			}
			return len(b) - open
		}
		c.rel = at + len(b) - open
		return 0
	}
	c.refused.Store(true)
	// The bytes before the refused head (or before the refused byte of a body) are accepted.
	keep := n - c.f.head // may be negative: the head started in buf, before b
	if r.answered() {
		c.err = io.EOF
	} else {
		c.err = errFramingBody
	}
	if !inBuf {
		if r.answered() {
			c.buf = appendStandIn(c.newBuf(), r)
			c.rel = len(c.buf)
		}
		return keep
	}
	c.buf = c.buf[:at+keep]
	if r.answered() {
		c.buf = appendStandIn(c.buf, r)
	}
	c.rel = len(c.buf)
	return 0
}

// hijacked stops checking the connection, which is not HTTP/1 any more; held bytes are
// returned as they are.
func (c *guardConn) hijacked() {
	c.f.passthrough()
	if c.err == nil {
		c.rel = len(c.buf)
	}
}

// tlsConnKey is the context key under which NewServerWith's ConnContext keeps a guarded
// connection that is TLS.
type tlsConnKey struct{}

// isTLS reports whether the guarded connection is TLS (the guard reads inside it).
func (c *guardConn) isTLS() bool {
	_, ok := c.Conn.(*tls.Conn)
	return ok
}

// withTLSState wraps h so that a request that came over a guarded TLS connection has its
// Request.TLS, which net/http sets only for a connection that is a *tls.Conn itself. (The
// guard cannot offer net/http the state as a ConnectionState method: net/http would then take
// the connection for TLS from its start and no longer find HTTP/2's preface in it, which is
// how HTTP/2 negotiated by ALPN reaches it through the guard.)
func withTLSState(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			if c, ok := r.Context().Value(tlsConnKey{}).(*guardConn); ok {
				st := c.Conn.(*tls.Conn).ConnectionState()
				r.TLS = &st
			}
		}
		h.ServeHTTP(w, r)
	})
}

// CloseWrite half-closes the connection when the underlying one can (net/http uses it to
// avoid resetting a connection whose client is still sending).
func (c *guardConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// ReadFrom lets responses use the underlying connection's sendfile or splice.
func (c *guardConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// Refused connections are closed gently: the rest of a refused request may still be arriving,
// and closing a socket with unread bytes resets it, which can destroy the error page before
// the client reads it. So the write side is closed first and what arrives is read and
// dropped, for at most drainTime or drainBytes.
const (
	drainTime  = 500 * time.Millisecond
	drainBytes = 256 << 10
)

// Close closes the connection; a refused one is closed gently (see drainTime) in the
// background.
func (c *guardConn) Close() error {
	cw, ok := c.Conn.(interface{ CloseWrite() error })
	if !c.refused.Load() || !ok || c.closed.Swap(true) {
		return c.Conn.Close()
	}
	if err := cw.CloseWrite(); err != nil {
		return c.Conn.Close()
	}
	go func() {
		c.Conn.SetReadDeadline(time.Now().Add(drainTime))
		io.CopyN(io.Discard, c.Conn, drainBytes)
		c.Conn.Close()
	}()
	return nil
}

package gateway

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
)

// chunkConn is a net.Conn whose reads return chunks, one a read (split further when the
// reader's buffer is smaller), then io.EOF; an empty chunk is a read deadline that passed.
type chunkConn struct {
	net.Conn
	chunks [][]byte
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	if len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
		return 0, os.ErrDeadlineExceeded
	}
	n := copy(p, c.chunks[0])
	if c.chunks[0] = c.chunks[0][n:]; len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}

// readGuarded reads a guardConn over chunks with reads of size bufSize until an error other
// than a timeout, and returns what it read and that error.
func readGuarded(chunks [][]byte, bufSize int) ([]byte, error) {
	c := &guardConn{Conn: &chunkConn{chunks: chunks}}
	var out []byte
	p := make([]byte, bufSize)
	for {
		n, err := c.Read(p)
		out = append(out, p[:n]...)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			continue
		}
		if err != nil {
			return out, err
		}
		if n == 0 {
			return out, errors.New("a read returned nothing and no error")
		}
	}
}

func TestGuardConnReads(t *testing.T) {
	standIn := func(r refusal) string { return string(appendStandIn(nil, r)) }
	cases := []struct {
		name, in, out string
		err           error
	}{
		{"requests pass", plainGet + plainGet, plainGet + plainGet, io.EOF},
		{"an open head is held", plainGet + "GET / HTTP/1.1\r\nHost:", plainGet, io.EOF},
		{"a body passes as it comes", "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nhello", "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nhello", io.EOF},
		{"a refused head becomes the stand-in", plainGet + "POST / HTTP/1.1\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden,
			plainGet + standIn(refusedBothLengths), io.EOF},
		{"a refused first head", "GET / HTTP/1.1\nHost: a\n\n" + plainGet, standIn(refusedLineEnd), io.EOF},
		{"a refused body is cut", chunkedHead + "5\r\nhelloXX" + hidden, chunkedHead + "5\r\nhello", errFramingBody},
		{"http/2 passes", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\n\n\r", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\n\n\r", io.EOF},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := []byte(c.in)
			chunkings := [][][]byte{{in}}
			for i := 1; i < len(in); i++ {
				chunkings = append(chunkings, [][]byte{in[:i], {}, in[i:]})
			}
			var bytewise [][]byte
			for i := range in {
				bytewise = append(bytewise, in[i:i+1])
			}
			chunkings = append(chunkings, bytewise)
			for _, chunks := range chunkings {
				for _, size := range []int{1, 7, 4096} {
					copied := make([][]byte, len(chunks))
					for i, ch := range chunks {
						copied[i] = append([]byte(nil), ch...)
					}
					out, err := readGuarded(copied, size)
					if string(out) != c.out || err != c.err {
						t.Fatalf("%d chunks (first %d bytes), reads of %d: read %q, %v; want %q, %v",
							len(chunks), len(chunks[0]), size, out, err, c.out, c.err)
					}
				}
			}
		})
	}
}

// A hijacked connection returns the held bytes and everything after as they are.
func TestGuardConnHijacked(t *testing.T) {
	frames := "\x81\x05hello\n\n\r garbage"
	c := &guardConn{Conn: &chunkConn{chunks: [][]byte{[]byte(plainGet + frames[:4]), []byte(frames[4:])}}}
	p := make([]byte, 4096)
	n, err := c.Read(p)
	if err != nil || string(p[:n]) != plainGet {
		t.Fatalf("first read %q %v", p[:n], err)
	}
	c.hijacked()
	var out []byte
	for {
		n, err := c.Read(p)
		out = append(out, p[:n]...)
		if err != nil {
			break
		}
	}
	if string(out) != frames {
		t.Fatalf("after the hijack: %q, want %q", out, frames)
	}
}

// A large head held across many reads does not keep its buffer afterwards.
func TestGuardConnLargeHead(t *testing.T) {
	head := "GET / HTTP/1.1\r\nX: " + string(bytes.Repeat([]byte("v"), 100<<10)) + "\r\n\r\n"
	var chunks [][]byte
	for i := 0; i < len(head); i += 1000 {
		chunks = append(chunks, []byte(head[i:min(i+1000, len(head))]))
	}
	chunks = append(chunks, []byte(plainGet))
	c := &guardConn{Conn: &chunkConn{chunks: chunks}}
	var out []byte
	p := make([]byte, 4096)
	for len(out) < len(head) {
		n, err := c.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p[:n]...)
	}
	n, err := c.Read(p)
	if err != nil || string(p[:n]) != plainGet || string(out) != head {
		t.Fatalf("after the large head: %q %v (head intact: %v)", p[:n], err, string(out) == head)
	}
	if cap(c.buf) > minRead {
		t.Errorf("the connection keeps a %d-byte buffer", cap(c.buf))
	}
}

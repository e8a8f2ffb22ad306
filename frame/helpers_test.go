package frame_test

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// stream adapts a reader and a writer to a conn.ReadWriteCloser, counting
// the calls and bytes that cross it.
type stream struct {
	r      io.Reader
	w      io.Writer
	reads  int
	writes int
	read   int // bytes read from r
	closed bool
}

func (s *stream) Read(p []byte) (int, error) {
	s.reads++
	if s.r == nil {
		return 0, io.EOF
	}
	n, err := s.r.Read(p)
	s.read += n
	return n, err
}

func (s *stream) Write(p []byte) (int, error) {
	s.writes++
	if s.w == nil {
		return 0, io.ErrClosedPipe
	}
	return s.w.Write(p)
}

func (s *stream) Close() error { s.closed = true; return nil }

func reading(b []byte) *stream    { return &stream{r: bytes.NewReader(b)} }
func writing(w io.Writer) *stream { return &stream{w: w} }

// trickle returns at most one byte a read.
type trickle struct{ r io.Reader }

func (t trickle) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return t.r.Read(p)
}

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t testing.TB) (*net.TCPConn, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	deadline := time.Now().Add(30 * time.Second)
	a.SetDeadline(deadline)
	b.SetDeadline(deadline)
	return a.(*net.TCPConn), b.(*net.TCPConn)
}

func repeat(c byte, n int) []byte { return bytes.Repeat([]byte{c}, n) }

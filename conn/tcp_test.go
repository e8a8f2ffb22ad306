package conn_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/errs"
)

// TCPStream is every kind of stream the layers above look for.
var (
	_ io.ReadWriteCloser   = (*conn.TCPStream)(nil)
	_ conn.RemoteAddresser = (*conn.TCPStream)(nil)
	_ conn.StateReporter   = (*conn.TCPStream)(nil)
	_ conn.BuffersWriter   = (*conn.TCPStream)(nil)
	_ interface {
		SetDeadline(time.Time) error
		SetReadDeadline(time.Time) error
		SetWriteDeadline(time.Time) error
		CloseWrite() error
	} = (*conn.TCPStream)(nil)
)

// guard is how long a test waits on a socket before it gives up: a bound
// against hangs, never a measurement.
const guard = 10 * time.Second

// tcpPair listens on addr (a loopback address with port 0), dials it, and
// returns a TCPStream on the dialled end and the accepted end as the peer.
// Both are closed when the test ends.
func tcpPair(t *testing.T, network, addr string) (*conn.TCPStream, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	peer, c := dialAccept(t, ln)
	s := conn.NewTCPStream(c)
	t.Cleanup(func() { _ = s.Close() })
	return s, peer
}

// dialAccept dials ln, accepts the connection and closes ln. It returns the
// accepted end and the dialled end; both are closed when the test ends.
func dialAccept(t *testing.T, ln net.Listener) (*net.TCPConn, net.Conn) {
	t.Helper()
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	c, err := net.Dial(ln.Addr().Network(), ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer := <-accepted
	if peer == nil {
		c.Close()
		t.FailNow()
	}
	t.Cleanup(func() { _ = peer.Close(); _ = c.Close() })
	if err := peer.SetDeadline(time.Now().Add(guard)); err != nil {
		t.Fatal(err)
	}
	if err := c.SetDeadline(time.Now().Add(guard)); err != nil {
		t.Fatal(err)
	}
	return peer.(*net.TCPConn), c
}

func tcp4Pair(t *testing.T) (*conn.TCPStream, *net.TCPConn) {
	return tcpPair(t, "tcp4", "127.0.0.1:0")
}

// tcp6Pair is tcpPair on [::1], skipping the test only where the machine
// cannot listen there.
func tcp6Pair(t *testing.T) (*conn.TCPStream, *net.TCPConn) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	return tcpPair(t, "tcp6", "[::1]:0")
}

// wantClosed checks that err is an *errs.ConnectionClosedError from a
// TCPStream that matches every one of targets, and returns it.
func wantClosed(t *testing.T, err error, targets ...error) *errs.ConnectionClosedError {
	t.Helper()
	var cc *errs.ConnectionClosedError
	if !errors.As(err, &cc) {
		t.Fatalf("err = %v (%T), want *errs.ConnectionClosedError", err, err)
	}
	if cc.Transport != "tcp" {
		t.Errorf("Transport = %q, want tcp", cc.Transport)
	}
	for _, target := range append(targets, errs.ErrConnectionClosed, errs.ErrIO) {
		if !errors.Is(err, target) {
			t.Errorf("err = %v does not match %v", err, target)
		}
	}
	if !strings.Contains(err.Error(), "transport tcp, after") {
		t.Errorf("error text %q does not name the transport", err)
	}
	return cc
}

// wantResetOrPipe checks that err is a ConnectionClosedError caused by
// ECONNRESET or EPIPE.
func wantResetOrPipe(t *testing.T, err error) {
	t.Helper()
	wantClosed(t, err)
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Errorf("err = %v, want ECONNRESET or EPIPE", err)
	}
}

// reset closes c so that the kernel sends a RST instead of a FIN.
func reset(t *testing.T, c *net.TCPConn) {
	t.Helper()
	if err := c.SetLinger(0); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// families are the loopback pairs a test runs on; ipv6 skips where the
// machine has no [::1].
var families = []struct {
	name string
	pair func(*testing.T) (*conn.TCPStream, *net.TCPConn)
}{
	{"ipv4", tcp4Pair},
	{"ipv6", tcp6Pair},
}

func TestTCPResetOnRead(t *testing.T) {
	t.Parallel()
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			t.Parallel()
			s, peer := fam.pair(t)
			reset(t, peer)
			n, err := s.Read(make([]byte, 16))
			if n != 0 {
				t.Errorf("n = %d, want 0", n)
			}
			cc := wantClosed(t, err, syscall.ECONNRESET)
			if cc.Age <= 0 {
				t.Errorf("Age = %v, want > 0", cc.Age)
			}
			if errors.Is(err, io.EOF) {
				t.Errorf("a reset must not look like a clean close: %v", err)
			}
		})
	}
}

// writeUntilError writes to s until a write fails, which it must within a
// bounded number of attempts once the peer is gone.
func writeUntilError(t *testing.T, write func([]byte) error) error {
	t.Helper()
	chunk := make([]byte, 4096)
	for i := 0; i < 2000; i++ {
		if err := write(chunk); err != nil {
			return err
		}
		time.Sleep(time.Millisecond) // let the peer's RST come back
	}
	t.Fatal("writes to a dead peer kept succeeding")
	return nil
}

func TestTCPResetOnWrite(t *testing.T) {
	t.Parallel()
	writers := map[string]func(*conn.TCPStream) func([]byte) error{
		"Write": func(s *conn.TCPStream) func([]byte) error {
			return func(p []byte) error { _, err := s.Write(p); return err }
		},
		"WriteBuffers": func(s *conn.TCPStream) func([]byte) error {
			return func(p []byte) error {
				bufs := net.Buffers{p[:10], p[10:]}
				_, err := s.WriteBuffers(&bufs)
				return err
			}
		},
	}
	for name, writer := range writers {
		t.Run(name+"/reset", func(t *testing.T) {
			t.Parallel()
			s, peer := tcp4Pair(t)
			reset(t, peer)
			wantResetOrPipe(t, writeUntilError(t, writer(s)))
		})
		t.Run(name+"/peer closed", func(t *testing.T) {
			// A peer that has closed answers data with a RST: the first
			// write may succeed, a later one breaks the pipe.
			t.Parallel()
			s, peer := tcp4Pair(t)
			if err := peer.Close(); err != nil {
				t.Fatal(err)
			}
			wantResetOrPipe(t, writeUntilError(t, writer(s)))
		})
	}
}

func TestTCPGracefulClose(t *testing.T) {
	t.Parallel()
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			t.Parallel()
			s, peer := fam.pair(t)
			if _, err := peer.Write([]byte("bye")); err != nil {
				t.Fatal(err)
			}
			if err := peer.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(s)
			if err != nil || string(got) != "bye" {
				t.Fatalf("ReadAll = %q, %v; want bye, nil", got, err)
			}
			n, err := s.Read(make([]byte, 4))
			if n != 0 || err != io.EOF { // unwrapped: callers compare with ==
				t.Fatalf("Read at end = %d, %v (%T); want 0, io.EOF", n, err, err)
			}
		})
	}
}

func TestTCPHalfClose(t *testing.T) {
	t.Parallel()
	s, peer := tcp4Pair(t)
	if _, err := s.Write([]byte("request")); err != nil {
		t.Fatal(err)
	}
	if err := s.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(peer) // ends at our FIN
	if err != nil || string(got) != "request" {
		t.Fatalf("peer read %q, %v; want request", got, err)
	}
	if _, err := peer.Write([]byte("reply")); err != nil { // the other direction still works
		t.Fatal(err)
	}
	if err := peer.Close(); err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(s)
	if err != nil || string(got) != "reply" {
		t.Fatalf("read %q, %v; want reply", got, err)
	}
	_, err = s.Write([]byte("more"))
	wantClosed(t, err, syscall.EPIPE)
}

func TestTCPCloseWriteUnsupported(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer b.Close()
	s := conn.NewTCPStream(a)
	defer s.Close()
	err := s.CloseWrite()
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("CloseWrite on a pipe = %v, want errors.ErrUnsupported", err)
	}
	go func() { _, _ = b.Write([]byte("x")) }()
	if _, err := io.ReadFull(s, make([]byte, 1)); err != nil {
		t.Fatalf("stream unusable after a refused CloseWrite: %v", err)
	}
}

func TestTCPDeadlines(t *testing.T) {
	t.Parallel()
	s, peer := tcp4Pair(t)
	past := time.Now().Add(-time.Second)
	buf := make([]byte, 8)

	wantDeadline := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("%s = %v, want os.ErrDeadlineExceeded", what, err)
		}
		var cc *errs.ConnectionClosedError
		if errors.As(err, &cc) {
			t.Fatalf("%s: a deadline must pass through, got %v", what, err)
		}
	}

	if err := s.SetReadDeadline(past); err != nil {
		t.Fatal(err)
	}
	_, err := s.Read(buf)
	wantDeadline("Read", err)
	if err := s.SetWriteDeadline(past); err != nil {
		t.Fatal(err)
	}
	_, err = s.Write([]byte("x"))
	wantDeadline("Write", err)
	bufs := net.Buffers{[]byte("x")}
	_, err = s.WriteBuffers(&bufs)
	wantDeadline("WriteBuffers", err)

	// A deadline that passes while Read is blocked.
	if err := s.SetDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err = s.Read(buf)
	wantDeadline("blocked Read", err)

	// Moving the deadline makes the stream usable again.
	if err := s.SetDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(peer, buf[:4]); err != nil || string(buf[:4]) != "ping" {
		t.Fatalf("peer read %q, %v", buf[:4], err)
	}
	if _, err := peer.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(s, buf[:4]); err != nil || string(buf[:4]) != "pong" {
		t.Fatalf("read %q, %v", buf[:4], err)
	}
}

func TestTCPAfterLocalClose(t *testing.T) {
	t.Parallel()
	s, peer := tcp4Pair(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	n, err := s.Write([]byte("lost?"))
	if n != 0 {
		t.Errorf("Write after Close wrote %d bytes", n)
	}
	wantClosed(t, err, net.ErrClosed)
	bufs := net.Buffers{[]byte("lost?")}
	_, err = s.WriteBuffers(&bufs)
	wantClosed(t, err, net.ErrClosed)
	_, err = s.Read(make([]byte, 4))
	wantClosed(t, err, net.ErrClosed)
	wantClosed(t, s.CloseWrite(), net.ErrClosed)
	wantClosed(t, s.Close(), net.ErrClosed)

	if n, err := s.Read(nil); n != 0 || err != nil {
		t.Errorf("Read(nil) after Close = %d, %v; want 0, nil", n, err)
	}
	// Nothing written after Close reached the peer.
	got, err := io.ReadAll(peer)
	if err != nil || len(got) != 0 {
		t.Errorf("peer read %q, %v; want nothing", got, err)
	}
}

func TestTCPCloseUnblocks(t *testing.T) {
	t.Parallel()
	s, _ := tcp4Pair(t) // the peer neither writes nor reads
	readErr := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 4))
		readErr <- err
	}()
	writeErr := make(chan error, 1)
	go func() {
		big := make([]byte, 64<<20) // more than the socket buffers hold
		_, err := s.Write(big)
		writeErr <- err
	}()
	time.Sleep(10 * time.Millisecond) // let them block; the test passes either way
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wantClosed(t, <-readErr, net.ErrClosed)
	wantClosed(t, <-writeErr, net.ErrClosed)
}

func TestTCPCloseUnblocksPipe(t *testing.T) {
	// A net.Conn that reports its own closed error (io.ErrClosedPipe) still
	// yields one matching net.ErrClosed.
	t.Parallel()
	a, b := net.Pipe()
	defer b.Close()
	s := conn.NewTCPStream(a)
	readErr := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 4))
		readErr <- err
	}()
	time.Sleep(10 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wantClosed(t, <-readErr, net.ErrClosed)
}

func TestTCPReadEmpty(t *testing.T) {
	t.Parallel()
	s, _ := tcp4Pair(t)
	// Nothing was sent: a Read that touched the socket would block until the
	// guard deadline.
	if n, err := s.Read([]byte{}); n != 0 || err != nil {
		t.Fatalf("Read(empty) = %d, %v; want 0, nil", n, err)
	}
}

func TestTCPRemoteAddress(t *testing.T) {
	t.Parallel()
	loopback := map[string]netip.Addr{"ipv4": netip.MustParseAddr("127.0.0.1"), "ipv6": netip.IPv6Loopback()}
	for _, tc := range families {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, peer := tc.pair(t)
			port := peer.LocalAddr().(*net.TCPAddr).Port
			want := netip.AddrPortFrom(loopback[tc.name], uint16(port))
			if got, ok := s.RemoteAddress(); !ok || got != want {
				t.Fatalf("RemoteAddress = %v, %v; want %v", got, ok, want)
			}
			// The stream works on this family.
			if _, err := s.Write([]byte("hi")); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 2)
			if _, err := io.ReadFull(peer, buf); err != nil || string(buf) != "hi" {
				t.Fatalf("peer read %q, %v", buf, err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if got, ok := s.RemoteAddress(); !ok || got != want {
				t.Fatalf("after Close: RemoteAddress = %v, %v; want %v", got, ok, want)
			}
		})
	}
}

func TestTCPRemoteAddressUnknown(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer b.Close()
	s := conn.NewTCPStream(a)
	defer s.Close()
	if got, ok := s.RemoteAddress(); ok {
		t.Fatalf("RemoteAddress over a pipe = %v, true; want false", got)
	}
}

func TestTCPConnState(t *testing.T) {
	t.Parallel()
	s, _ := tcp4Pair(t)
	time.Sleep(2 * time.Millisecond)
	st := s.ConnState()
	if st.Transport != "tcp" {
		t.Errorf("Transport = %q, want tcp", st.Transport)
	}
	if st.Age < 2*time.Millisecond {
		t.Errorf("Age = %v, want at least 2ms", st.Age)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if later := s.ConnState(); later.Age < st.Age || later.Transport != "tcp" {
		t.Errorf("after Close: ConnState = %+v, want tcp and Age >= %v", later, st.Age)
	}
}

func TestNewTCPStreamNil(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("NewTCPStream(nil) did not panic")
		}
	}()
	conn.NewTCPStream(nil)
}

// choppyConn writes each Write in small pieces with a yield between them, as
// a slow kernel or a user-space transport might, so that only the TCPStream's
// own lock keeps concurrent writes whole.
type choppyConn struct{ net.Conn }

func (c choppyConn) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k, err := c.Conn.Write(p[:min(len(p), 512)])
		n += k
		if err != nil {
			return n, err
		}
		p = p[k:]
		runtime.Gosched()
	}
	return n, nil
}

func TestTCPConcurrentWritesStayWhole(t *testing.T) {
	t.Parallel()
	const writers, chunks, size = 8, 12, 32 << 10
	fill := func(id, seq int) []byte {
		b := make([]byte, size)
		b[0], b[1] = byte(id), byte(seq)
		for i := 2; i < size; i++ {
			b[i] = byte(id*131 + seq*29 + i)
		}
		return b
	}
	for _, choppy := range []bool{false, true} {
		name := "tcp"
		if choppy {
			name = "choppy"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			peer, c := dialAccept(t, ln)
			if choppy {
				c = choppyConn{c}
			}
			s := conn.NewTCPStream(c)
			defer s.Close()

			var wg sync.WaitGroup
			for id := 0; id < writers; id++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for seq := 0; seq < chunks; seq++ {
						b := fill(id, seq)
						var err error
						if id%2 == 0 {
							_, err = s.Write(b)
						} else {
							bufs := net.Buffers{b[:100], b[100 : size/2], b[size/2:]}
							_, err = s.WriteBuffers(&bufs)
						}
						if err != nil {
							if !errors.Is(err, net.ErrClosed) {
								t.Error(err)
							}
							return
						}
					}
				}()
			}
			next := make([]int, writers)
			buf := make([]byte, size)
			for i := 0; i < writers*chunks; i++ {
				if _, err := io.ReadFull(peer, buf); err != nil {
					t.Errorf("chunk %d: %v", i, err)
					break
				}
				id, seq := int(buf[0]), int(buf[1])
				if id >= writers || seq != next[id] || !bytes.Equal(buf, fill(id, seq)) {
					t.Errorf("chunk %d (writer %d, seq %d) is not whole: writes were interleaved", i, id, seq)
					break
				}
				next[id]++
			}
			if t.Failed() {
				_ = s.Close() // unblock the writers, which may now fail too
			}
			wg.Wait()
		})
	}
}

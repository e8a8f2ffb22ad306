package conn

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/iox"
)

// tcpTransport is the transport name a TCPStream reports and puts in its errors.
const tcpTransport = "tcp"

// TCPStream is a byte stream over a TCP connection (py-libp2p's
// TrioTCPStream), made by NewTCPStream. It is an io.ReadWriteCloser, a
// RemoteAddresser, a StateReporter, a HalfCloser, a DeadlineSetter and a
// BuffersWriter.
//
// A Framer over a plain net.Conn already reports resets, broken pipes and
// closed connections as *errs.ConnectionClosedError, half-closes, and passes
// deadlines through. What TCPStream adds: the transport and the connection's
// age in the text of every error raised above it, a peer address cached so
// that RemoteAddress answers after Close, and the same typed errors for its
// own callers when no Framer is stacked on it.
//
// Errors: a graceful close by the peer reads as io.EOF, unwrapped. A reset by
// the peer (ECONNRESET, ECONNABORTED) or a broken pipe (EPIPE), on a read or a
// write, is an *errs.ConnectionClosedError with Transport "tcp" that wraps the
// system error. Every call after a local Close (and a pending call that Close
// unblocks) fails with an *errs.ConnectionClosedError matching net.ErrClosed:
// nothing is ever dropped silently. Other errors, deadlines among them
// (os.ErrDeadlineExceeded), are returned as the connection returned them.
//
// Concurrency: all methods are safe for concurrent use. Write, WriteBuffers
// and CloseWrite are serialized, so the bytes of one call are never
// interleaved with those of another. Reads take no lock, so Close from another
// goroutine unblocks a pending Read (and a pending Write); concurrent Reads
// are allowed but divide the incoming bytes between them in no set order.
type TCPStream struct {
	c       net.Conn
	opened  time.Time      // when NewTCPStream was called, for ConnState's Age
	remote  netip.AddrPort // the peer's address, taken once in NewTCPStream
	hasAddr bool           // whether remote is known
	closed  atomic.Bool    // set by the first Close
	wmu     sync.Mutex     // serializes Write, WriteBuffers and CloseWrite
}

// NewTCPStream returns a TCPStream on c, which it owns from then on: Close
// closes c, and reading or writing c directly while the TCPStream is in use
// corrupts the stream. c is usually a *net.TCPConn, but any net.Conn works;
// CloseWrite then needs c to have a CloseWrite method. The peer's address is
// read once here and cached. NewTCPStream panics if c is nil.
func NewTCPStream(c net.Conn) *TCPStream {
	if c == nil {
		panic("conn: NewTCPStream with a nil net.Conn")
	}
	s := &TCPStream{c: c, opened: time.Now()}
	s.remote, s.hasAddr = addrPortOf(c.RemoteAddr())
	return s
}

// addrPortOf converts a net.Addr to a netip.AddrPort, with an IPv4 address
// carried in IPv6 form (::ffff:a.b.c.d) unmapped to plain IPv4 and an IPv6
// zone kept. ok is false for an address with no IP and port.
func addrPortOf(a net.Addr) (netip.AddrPort, bool) {
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.TCPAddr:
		if a == nil {
			return netip.AddrPort{}, false
		}
		ap = a.AddrPort()
	case *net.UDPAddr:
		if a == nil {
			return netip.AddrPort{}, false
		}
		ap = a.AddrPort()
	case nil:
		return netip.AddrPort{}, false
	default:
		var err error
		if ap, err = netip.ParseAddrPort(a.String()); err != nil {
			return netip.AddrPort{}, false
		}
	}
	if !ap.Addr().IsValid() {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
}

// Read reads up to len(p) bytes into p, blocking until at least one byte
// arrives, the read deadline passes or the stream ends. With len(p) == 0 it
// returns (0, nil) at once, without touching the socket. At a graceful end of
// stream it returns io.EOF, unwrapped; other errors are described on
// TCPStream. Read keeps no reference to p.
func (s *TCPStream) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if s.closed.Load() {
		return 0, s.closedError(net.ErrClosed)
	}
	n, err := s.c.Read(p)
	return n, s.wrap(err)
}

// Write writes all of p in one serialized call: no other Write, WriteBuffers
// or CloseWrite runs until it returns. It returns len(p) or an error, with n
// the bytes that went out before it; errors are described on TCPStream.
// Write keeps no reference to p.
func (s *TCPStream) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Load() {
		return 0, s.closedError(net.ErrClosed)
	}
	n, err := s.c.Write(p)
	return n, s.wrap(err)
}

// WriteBuffers writes the slices of bufs in order, in one vectored write
// (writev) when the connection supports it, serialized with Write as one
// call. It consumes bufs as net.Buffers.WriteTo does (bufs must not be nil)
// and returns the bytes written; errors are those of Write. It keeps no
// reference to the slices. It implements BuffersWriter.
func (s *TCPStream) WriteBuffers(bufs *net.Buffers) (int64, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Load() {
		return 0, s.closedError(net.ErrClosed)
	}
	n, err := bufs.WriteTo(s.c)
	return n, s.wrap(err)
}

// CloseWrite shuts down the sending side of the connection (a TCP
// half-close): the peer reads io.EOF once it has read what was sent, while
// this side can still read what the peer sends back, and later writes fail
// with a broken pipe. It waits for a Write in progress to finish. If the
// connection has no CloseWrite method (it is not a *net.TCPConn or similar),
// CloseWrite returns an error matching errors.ErrUnsupported and changes
// nothing. After Close it fails with an error matching net.ErrClosed.
func (s *TCPStream) CloseWrite() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Load() {
		return s.closedError(net.ErrClosed)
	}
	cw, ok := s.c.(HalfCloser)
	if !ok {
		return fmt.Errorf("conn: half-close of a %T: %w", s.c, errors.ErrUnsupported)
	}
	return s.wrap(cw.CloseWrite())
}

// Close closes the connection. It does not wait for a pending Read or Write:
// both are unblocked and fail with an error matching net.ErrClosed, as does
// every later call. RemoteAddress and ConnState still answer. A second Close
// returns an *errs.ConnectionClosedError matching net.ErrClosed.
func (s *TCPStream) Close() error {
	if s.closed.Swap(true) {
		return s.closedError(net.ErrClosed)
	}
	return s.c.Close()
}

// SetDeadline sets the read and write deadlines, as net.Conn.SetDeadline
// does. A Read or Write that passes its deadline fails with an error matching
// os.ErrDeadlineExceeded, returned as the connection made it; the stream
// stays usable once the deadline is moved.
func (s *TCPStream) SetDeadline(t time.Time) error { return s.c.SetDeadline(t) }

// SetReadDeadline sets the read deadline, as net.Conn.SetReadDeadline does.
func (s *TCPStream) SetReadDeadline(t time.Time) error { return s.c.SetReadDeadline(t) }

// SetWriteDeadline sets the write deadline, as net.Conn.SetWriteDeadline
// does. It is the way to bound a Write (and so a Framer's Close) blocked on a
// peer that does not read.
func (s *TCPStream) SetWriteDeadline(t time.Time) error { return s.c.SetWriteDeadline(t) }

// RemoteAddress returns the peer's IP address and port, taken when the stream
// was made, so it answers after Close too. An IPv4 peer reached over an IPv6
// socket is reported as plain IPv4. ok is false if the connection had no IP
// address (a Unix socket, say). It implements RemoteAddresser.
func (s *TCPStream) RemoteAddress() (addr netip.AddrPort, ok bool) {
	return s.remote, s.hasAddr
}

// ConnState reports the transport "tcp" and the time since NewTCPStream. It
// implements StateReporter.
func (s *TCPStream) ConnState() State {
	return State{Transport: tcpTransport, Age: time.Since(s.opened)}
}

// wrap turns an error that says the connection is gone (iox.Gone) into an
// *errs.ConnectionClosedError and returns every other error as it is.
func (s *TCPStream) wrap(err error) error {
	switch {
	case err == nil || err == io.EOF:
		return err
	case s.closed.Load() && !errors.Is(err, net.ErrClosed): // a call that Close cut short, on a conn that says so in its own words
		return s.closedError(fmt.Errorf("%w: %w", net.ErrClosed, err))
	case iox.Gone(err):
		return s.closedError(err)
	}
	return err
}

func (s *TCPStream) closedError(cause error) error {
	return &errs.ConnectionClosedError{Transport: tcpTransport, Age: time.Since(s.opened), Err: cause}
}

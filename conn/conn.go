// Package conn holds the stream side of framekit: the byte-stream interfaces
// every layer is stacked on (py-libp2p's libp2p.io.abc), the optional
// interfaces a stream may implement to describe itself, and ReadExactly.
//
// The interfaces have the method sets of their io counterparts, so every
// io.Reader, net.Conn, pipe or file satisfies them as it is.
package conn

import (
	"io"
	"net"
	"net/netip"
	"time"
)

// Reader is a byte stream that can be read (io.Reader).
type Reader interface{ io.Reader }

// Writer is a byte stream that can be written (io.Writer).
type Writer interface{ io.Writer }

// Closer is a stream that can be closed (io.Closer).
type Closer interface{ io.Closer }

// ReadWriter is io.ReadWriter.
type ReadWriter interface {
	io.Reader
	io.Writer
}

// ReadCloser is io.ReadCloser.
type ReadCloser interface {
	io.Reader
	io.Closer
}

// WriteCloser is io.WriteCloser.
type WriteCloser interface {
	io.Writer
	io.Closer
}

// ReadWriteCloser is io.ReadWriteCloser: what a Framer is stacked on.
type ReadWriteCloser interface {
	io.Reader
	io.Writer
	io.Closer
}

// RemoteAddresser is implemented by streams that know their peer's address
// (py-libp2p's get_remote_address). Layers stacked on such a stream pass the
// answer through. ok is false when the address is unknown.
type RemoteAddresser interface {
	RemoteAddress() (addr netip.AddrPort, ok bool)
}

// State describes a connection for error messages: "transport tcp, after 3.2s".
type State struct {
	Transport string        // a short name: "tcp", "quic", "memory"
	Age       time.Duration // time since the connection was opened
}

// StateReporter is implemented by streams that can describe themselves
// (py-libp2p's conn_state). ReadExactly and the framer put the answer in the
// errors they return.
type StateReporter interface {
	ConnState() State
}

// BuffersWriter is implemented by streams that can write several slices in
// one call, the way net.Buffers does on a TCP connection (writev). The framer
// uses it to send a large message after its header without copying it.
// WriteBuffers consumes bufs, as net.Buffers.WriteTo does.
type BuffersWriter interface {
	WriteBuffers(bufs *net.Buffers) (int64, error)
}

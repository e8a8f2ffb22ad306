// Package conn is the stream side of framekit: what it adds to package io for
// the byte streams that message layers are stacked on. It has TCPStream, an
// adapter that turns a TCP connection's failures into the errs taxonomy
// (py-libp2p's TrioTCPStream); ReadExactly, a read of exactly n bytes with an
// exact truncation error (py-libp2p's read_exactly); and the optional
// interfaces a stream may implement to describe itself or to write several
// buffers at once. Any io.ReadWriteCloser is a stream: a net.Conn, a pipe, a
// file.
package conn

import (
	"net"
	"net/netip"
	"time"
)

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

// StateOf returns s's ConnState when s is a StateReporter, and the zero
// State otherwise: what a layer stacked on s puts in its errors, and reports
// as its own ConnState.
func StateOf(s any) State {
	if sr, ok := s.(StateReporter); ok {
		return sr.ConnState()
	}
	return State{}
}

// HalfCloser is implemented by streams that can shut down their sending side
// and go on reading: *net.TCPConn, *net.UnixConn and TCPStream; and by the
// message layers stacked on them (a Framer, package secure's Encrypted),
// which pass the call down.
type HalfCloser interface {
	CloseWrite() error
}

// DeadlineSetter is implemented by streams with deadlines, as every net.Conn
// is, and by the message layers stacked on them, which pass the calls down.
type DeadlineSetter interface {
	SetDeadline(t time.Time) error
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

// BuffersWriter is implemented by streams that can write several slices in
// one call, the way net.Buffers does on a TCP connection (writev). The framer
// uses it to send a large message after its header without copying it.
// WriteBuffers consumes bufs, as net.Buffers.WriteTo does.
type BuffersWriter interface {
	WriteBuffers(bufs *net.Buffers) (int64, error)
}

package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
)

const dialHelp = `
Dial connects to ADDR over TCP and sends each line of stdin, without its
line ending, as a frame in codec C, while it prints every frame it
receives as a line on stdout. -split cuts stdin as in encode (lines, the
default, drops a \r before the \n; lf keeps it). When stdin ends it
half-closes the connection (its write side) and goes on printing until the
peer closes.

A line over -max or a bad frame from the peer ends it with an error. So
does a peer that resets the connection: the error says which frame we had
sent by then, and, if the peer sent nothing back, that it may have refused
a frame over its own limit.

  printf 'hello\nworld\n' | framecat dial -codec uvarint 127.0.0.1:7000
`

// runDial is framecat dial.
func runDial(a *app, cl *cmdline) error {
	split := cl.addSplitFlag()
	if err := a.parse(cl); err != nil {
		return err
	}
	c := cl.codec("codec")
	conn, err := net.Dial("tcp", cl.operand())
	if err != nil {
		return err
	}
	maxMsg := cl.limit(c)
	f := c.newFramer(conn, frame.WithMaxSize(maxMsg))
	defer f.Close()

	d := &dialer{split: *split}
	sent := make(chan error, 1)
	go func() {
		err := d.send(newSplitter(a.stdin, *split, maxMsg), f)
		sent <- err
		if err != nil {
			f.Close() // unblock the receiving side: Close never waits for it
		}
	}()
	var line []byte
	err = eachFrame(c, f, func(_ int, _ int64, msg []byte) error {
		d.received.Add(1)
		line = append(append(line[:0], msg...), '\n')
		_, err := a.stdout.Write(line)
		return err
	})
	select {
	case serr := <-sent:
		if serr != nil {
			return serr // the cause; err is only its consequence
		}
	default: // the peer closed while stdin was still open: we are done
	}
	var input *inputError
	switch {
	case peerGone(err):
		return d.peerGoneError(err)
	case errors.As(err, &input):
		input.unit = "received frame" // not one of ours
	}
	return err
}

// dialer is what dial's two directions know of each other: the frames
// sent and received so far, for an error that says where things stood.
type dialer struct {
	split    string       // how stdin is cut
	received atomic.Int64 // frames received in full

	// mu is held while a frame is written, so that the receiving side,
	// finding the connection gone, reads the counts once the write has
	// returned, which it does promptly on a connection the peer reset.
	mu       sync.Mutex
	started  int64 // frames whose writing began
	sent     int64 // frames written in full
	lastSize int   // the size of the last frame started
}

// send writes every message of in to f, then half-closes it. A write
// failing because the peer is gone is a *peerGoneError.
func (d *dialer) send(in *splitter, f frame.MsgConn) error {
	for {
		msg, err := in.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := d.write(f, msg); err != nil {
			if peerGone(err) {
				return d.peerGoneError(err)
			}
			return messageError(in.index, in.start, err)
		}
	}
	if err := f.CloseWrite(); err != nil {
		if peerGone(err) {
			return d.peerGoneError(err)
		}
		return err
	}
	return nil
}

// write writes msg to f as the next frame, counting it.
func (d *dialer) write(f frame.MsgConn, msg []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.started++
	d.lastSize = len(msg)
	err := f.WriteMsg(msg)
	if err == nil {
		d.sent++
	}
	return err
}

// peerGone reports whether err says the peer reset or closed the
// connection, rather than a framing error or our own Close.
func peerGone(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ENOTCONN) ||
		errors.Is(err, errs.ErrConnectionClosed) && !errors.Is(err, net.ErrClosed)
}

// peerGoneError returns the error for a connection the peer reset or
// closed, found by either direction, with what d had sent and received.
func (d *dialer) peerGoneError(cause error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := &peerGoneError{cause: cause, split: d.split, sent: d.sent, size: d.lastSize, received: d.received.Load()}
	if d.started > d.sent {
		e.sending = d.started
	}
	return e
}

// peerGoneError is a connection the peer reset or closed while dial was
// still using it. The frames sent are the most likely cause: a peer with a
// smaller limit refuses a frame by closing, often with a reset, since what
// we sent is left unread.
type peerGoneError struct {
	cause    error
	split    string // how stdin was cut, to name what a frame came from
	sending  int64  // the frame being written when it happened, 0 if none
	sent     int64  // frames sent in full
	size     int    // the size of frame sending, else of frame sent
	received int64  // frames received
}

func (e *peerGoneError) Error() string {
	var b strings.Builder
	if errors.Is(e.cause, syscall.ECONNRESET) {
		b.WriteString("the peer reset the connection")
	} else {
		b.WriteString("the peer closed the connection")
	}
	switch {
	case e.sending > 0:
		fmt.Fprintf(&b, " while we sent frame %d (%s)", e.sending, e.frameSource(e.sending))
	case e.sent > 0:
		fmt.Fprintf(&b, " after we sent frame %d (%s)", e.sent, e.frameSource(e.sent))
	default:
		b.WriteString(" before we sent a frame")
	}
	switch {
	case e.received > 0:
		fmt.Fprintf(&b, "; it had sent %s back", count(e.received, "frame"))
	case e.sending > 0 || e.sent > 0:
		b.WriteString("; it sent nothing back, so it may have refused a frame over its limit")
	}
	return b.String()
}

// frameSource says where in stdin frame n came from, and its size.
func (e *peerGoneError) frameSource(n int64) string {
	size := count(e.size, "byte")
	switch e.split {
	case splitWhole:
		return "all of stdin, " + size
	case splitNull:
		return fmt.Sprintf("record %d of stdin, %s", n, size)
	}
	return fmt.Sprintf("line %d of stdin, %s", n, size)
}

func (e *peerGoneError) Unwrap() error { return e.cause }

package frame

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/iox"
)

// CloseWrite sends the batched frames, then shuts down the sending side of
// the stream (a TCP half-close): the peer reads io.EOF once it has read every
// frame, while this side goes on reading what the peer sends until the peer
// closes (io.EOF). Afterwards every write fails with an
// *errs.ConnectionClosedError matching net.ErrClosed.
//
// The stream must be a conn.HalfCloser (a *net.TCPConn, a *net.UnixConn, a
// conn.TCPStream, or any stream with a CloseWrite method); otherwise
// CloseWrite returns an error matching errors.ErrUnsupported and changes
// nothing. It waits for a write in progress to finish. Errors are those of
// Flush, then the stream's CloseWrite error, classified as a stream error is
// (see Framer).
func (f *Framer[L]) CloseWrite() error {
	hc, ok := f.stream().(conn.HalfCloser)
	if !ok {
		return fmt.Errorf("frame: half-close of a %T: %w", f.stream(), errors.ErrUnsupported)
	}
	return f.wr.closeWrite(hc)
}

// SetDeadline sets the read and write deadlines of the stream, as
// net.Conn.SetDeadline does, when the stream is a conn.DeadlineSetter (a
// net.Conn is); otherwise it returns an error matching errors.ErrUnsupported.
// A read or write that passes its deadline fails with an error matching
// os.ErrDeadlineExceeded.
func (f *Framer[L]) SetDeadline(t time.Time) error {
	d, err := deadlines(f.stream())
	if err != nil {
		return err
	}
	return d.SetDeadline(t)
}

// SetReadDeadline sets the stream's read deadline; see SetDeadline.
func (f *Framer[L]) SetReadDeadline(t time.Time) error {
	d, err := deadlines(f.stream())
	if err != nil {
		return err
	}
	return d.SetReadDeadline(t)
}

// SetWriteDeadline sets the stream's write deadline; see SetDeadline. It is
// the way to bound a write blocked on a peer that does not read.
func (f *Framer[L]) SetWriteDeadline(t time.Time) error {
	d, err := deadlines(f.stream())
	if err != nil {
		return err
	}
	return d.SetWriteDeadline(t)
}

// deadlines returns s as a conn.DeadlineSetter, or an error matching
// errors.ErrUnsupported.
func deadlines(s any) (conn.DeadlineSetter, error) {
	if d, ok := s.(conn.DeadlineSetter); ok {
		return d, nil
	}
	return nil, fmt.Errorf("frame: deadlines on a %T: %w", s, errors.ErrUnsupported)
}

// streamError classifies an error that the stream s returned: one that says
// the connection is gone (a reset, a broken pipe, a closed pipe or a closed
// connection: iox.Gone) becomes an
// *errs.ConnectionClosedError wrapping it (naming s's transport and age when
// s is a conn.StateReporter); an error that already is one, io.EOF, and every
// other error (a deadline, say) are returned as they are.
func streamError(s any, err error) error {
	var closed *errs.ConnectionClosedError
	switch {
	case err == nil || err == io.EOF || errors.As(err, &closed):
		return err
	case iox.Gone(err):
		st := conn.StateOf(s)
		return &errs.ConnectionClosedError{Transport: st.Transport, Age: st.Age, Err: err}
	}
	return err
}

// ErrWriteQueued is matched by the error of a write (WriteMsg, WriteMsgFunc,
// Write) that a timeout cut short after part of its frame went out. The
// message counts as sent: the rest of its frame waits in the Framer and goes
// out before anything else, on the next write, Flush, CloseWrite or Close, so
// the peer only ever sees whole frames. The caller must not write the
// message again. The error matches the stream's error too
// (os.ErrDeadlineExceeded).
//
// A WriteMsg or Write that a timeout cuts short before any byte of its frame
// went out fails with the stream's error alone: the message was not sent, and
// may be written again. A WriteMsgFunc whose body was built queues its whole
// frame then too, and returns an error matching ErrWriteQueued, since the
// builder cannot be run again. A flush cut short keeps the unsent part of the
// batch for the next one; the messages in it count as sent.
var ErrWriteQueued = errors.New("frame: message written in part; the rest is queued")

// resumable reports whether err is a timeout: a deadline of the stream that
// passed. A read that a timeout cuts short keeps what arrived, and the next
// read call goes on from there.
func resumable(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// errClosed returns the error of a call after Close.
func errClosed() error {
	return &errs.ConnectionClosedError{Reason: "framer closed locally", Err: net.ErrClosed}
}

// closedBy returns the error of a call that Close cut short with cause, the
// stream's own error: one that matches errs.ErrConnectionClosed and
// net.ErrClosed, whatever the stream said.
func closedBy(cause error) error {
	var closed *errs.ConnectionClosedError
	switch {
	case errors.As(cause, &closed) && errors.Is(cause, net.ErrClosed):
		return cause
	case errors.Is(cause, net.ErrClosed):
		return &errs.ConnectionClosedError{Reason: "framer closed locally", Err: cause}
	}
	return &errs.ConnectionClosedError{Reason: "framer closed locally", Err: fmt.Errorf("%w: %w", net.ErrClosed, cause)}
}

// errWriteClosed returns the error of a write after CloseWrite.
func errWriteClosed() error {
	return &errs.ConnectionClosedError{Reason: "framer closed for writing", Err: net.ErrClosed}
}

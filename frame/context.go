package frame

import (
	"context"
	"errors"
	"time"

	"github.com/framekit/framekit/conn"
)

// ReadContext runs read, one read call on r (any of its read methods, a
// method value such as f.ReadMsg), bounded by ctx as well as by r's read
// deadline. When ctx ends before the read does, the read stops and
// ReadContext returns an error matching ctx.Err() (context.Canceled or
// context.DeadlineExceeded) and not os.ErrDeadlineExceeded, so it can be told
// from the stream's own deadline. Nothing is lost: like a read cut short by a
// timeout, the next read call goes on where this one stopped, and r stays
// usable. If ctx has already ended, read is not called.
//
// r is a Framer, or a layer over one, on a stream with deadlines (a
// conn.DeadlineSetter, as a net.Conn is): ReadContext cuts the read short by
// moving the read deadline into the past, and clears it (to none) afterwards
// when it did so. Reads on r must not run concurrently with ReadContext's.
// Over a stream without deadlines ctx cannot cut the read short, and
// ReadContext waits for it as read would.
//
//	msg, err := frame.ReadContext(ctx, f, f.ReadMsg)
func ReadContext[T any](ctx context.Context, r conn.DeadlineSetter, read func() (T, error)) (T, error) {
	var v T
	err := bounded(ctx, r.SetReadDeadline, func() error {
		var err error
		v, err = read()
		return err
	})
	return v, err
}

// WriteContext runs write, one write call on w (WriteMsg, WriteMsgFunc,
// Flush), bounded by ctx as well as by w's write deadline. When ctx ends
// before the write does, the write stops and WriteContext returns an error
// matching ctx.Err() and not os.ErrDeadlineExceeded; as after a write
// timeout, the peer never sees half a frame: if part of the frame went out
// the error matches ErrWriteQueued too, the message counts as sent and its
// rest goes out first on the next write; if none did, the message was not
// sent. w must be a conn.DeadlineSetter; WriteContext moves its write
// deadline into the past to stop the write, and clears it afterwards when it
// did so. Writes on w must not run concurrently with WriteContext's.
//
//	err := frame.WriteContext(ctx, f, func() error { return f.WriteMsg(msg) })
func WriteContext(ctx context.Context, w conn.DeadlineSetter, write func() error) error {
	return bounded(ctx, w.SetWriteDeadline, write)
}

// bounded runs call, cutting it short through setDeadline when ctx ends.
func bounded(ctx context.Context, setDeadline func(time.Time) error, call func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ctx.Done() == nil { // never ends
		return call()
	}
	cut := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = setDeadline(time.Unix(1, 0)) // long past: the call in progress fails with a timeout
		close(cut)
	})
	err := call()
	if stop() {
		return err
	}
	<-cut
	_ = setDeadline(time.Time{})
	if err != nil && resumable(err) {
		return &contextError{cause: ctx.Err(), queued: errors.Is(err, ErrWriteQueued)}
	}
	return err
}

// contextError is the error of a call that ctx cut short: it matches ctx's
// error, and ErrWriteQueued when part of a frame went out.
type contextError struct {
	cause  error
	queued bool
}

func (e *contextError) Error() string {
	if e.queued {
		return "frame: write stopped by its context after part of the frame went out; the rest is queued: " + e.cause.Error()
	}
	return "frame: stopped by its context: " + e.cause.Error()
}

func (e *contextError) Unwrap() []error {
	if e.queued {
		return []error{e.cause, ErrWriteQueued}
	}
	return []error{e.cause}
}

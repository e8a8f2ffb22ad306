package main

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/framekit/framekit/errs"
)

// describe words a framing error from its type and numbers, without the
// library's "framekit:" prefix, for a one-line report. Errors that are not
// framing errors keep their own text.
func describe(err error) string {
	var (
		tooLarge   *errs.MessageTooLargeError
		incomplete *errs.IncompleteReadError
		malformed  *errs.MalformedLengthError
		closed     *errs.ConnectionClosedError
	)
	switch {
	case errors.As(err, &tooLarge):
		return fmt.Sprintf("message of %s exceeds the limit of %s", count(tooLarge.Size, "byte"), count(tooLarge.Max, "byte"))
	case errors.As(err, &incomplete) && errors.Is(err, errs.ErrMissingLength):
		return fmt.Sprintf("truncated length header: expected %s, got %d", count(incomplete.Expected, "byte"), incomplete.Received)
	case errors.As(err, &incomplete) && errors.Is(err, errs.ErrMissingMessage):
		return fmt.Sprintf("truncated message body: expected %s, got %d", count(incomplete.Expected, "byte"), incomplete.Received)
	case errors.As(err, &malformed):
		return fmt.Sprintf("malformed %s length header: %v", malformed.Codec, malformed.Err)
	case errors.Is(err, syscall.ECONNRESET):
		return "the peer reset the connection"
	case errors.Is(err, syscall.EPIPE):
		return "the peer closed the connection"
	case errors.As(err, &closed) && closed.Err != nil:
		return "connection closed: " + closed.Err.Error()
	}
	return err.Error()
}

// inputError places an error in the input: the frame or message it
// concerns, counted from 1, and the input offset of that one's first byte.
type inputError struct {
	unit   string // what is counted: "frame", "message", "received frame"...
	index  int
	offset int64
	err    error
}

// frameError places err at frame index, which starts at input offset.
func frameError(index int, offset int64, err error) error {
	return &inputError{"frame", index, offset, err}
}

// messageError places err at message index, which starts at input offset.
func messageError(index int, offset int64, err error) error {
	return &inputError{"message", index, offset, err}
}

func (e *inputError) Error() string {
	return fmt.Sprintf("%s %d at offset %d: %s", e.unit, e.index, e.offset, describe(e.err))
}

func (e *inputError) Unwrap() error { return e.err }

package main

import (
	"errors"
	"fmt"
	"math"
	"syscall"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/layout"
)

// describe words a framing error from its type and numbers, without the
// library's "framekit:" prefix, for a one-line report. Errors that are not
// framing errors keep their own text.
func describe(err error) string {
	var (
		tooLarge   *errs.MessageTooLargeError
		incomplete *errs.IncompleteReadError
		malformed  *errs.MalformedLengthError
		trailer    *errs.MalformedTrailerError
		closed     *errs.ConnectionClosedError
	)
	switch {
	case errors.As(err, &tooLarge):
		return fmt.Sprintf("message of %s exceeds the limit of %s", count(tooLarge.Size, "byte"), count(tooLarge.Max, "byte"))
	case errors.As(err, &incomplete) && incomplete.Field == "trailer":
		return fmt.Sprintf("truncated trailer: expected %s of body and trailer, got %d", count(incomplete.Expected, "byte"), incomplete.Received)
	case errors.As(err, &incomplete) && incomplete.Field != "":
		return fmt.Sprintf("truncated header, in field %s: expected %s, got %d", incomplete.Field, count(incomplete.Expected, "byte"), incomplete.Received)
	case errors.As(err, &incomplete) && errors.Is(err, errs.ErrMissingLength):
		return fmt.Sprintf("truncated length header: expected %s, got %d", count(incomplete.Expected, "byte"), incomplete.Received)
	case errors.As(err, &incomplete) && errors.Is(err, errs.ErrMissingMessage):
		return fmt.Sprintf("truncated message body: expected %s, got %d", count(incomplete.Expected, "byte"), incomplete.Received)
	case errors.As(err, &malformed):
		return fmt.Sprintf("malformed %s length header: %v", malformed.Codec, malformed.Err)
	case errors.As(err, &trailer):
		return fmt.Sprintf("malformed trailer: got % x, want % x", trailer.Got, trailer.Want)
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
	within layout.Preset // if set, a message over a -max below what its frames carry says so
}

// frameError places err at frame index, which starts at input offset.
func frameError(index int, offset int64, err error) error {
	return &inputError{unit: "frame", index: index, offset: offset, err: err}
}

// messageError places err at message index, which starts at input offset.
func messageError(index int, offset int64, err error) error {
	return &inputError{unit: "message", index: index, offset: offset, err: err}
}

func (e *inputError) Error() string {
	why := describe(e.err)
	var incomplete *errs.IncompleteReadError
	if e.within != nil && trailerSize(e.within) > 0 && errors.As(e.err, &incomplete) && incomplete.Part == errs.ErrMissingMessage && incomplete.Field == "" {
		// The count includes the trailer: say so, since the header's length does not.
		why = fmt.Sprintf("truncated body and trailer: expected %s, got %d", count(incomplete.Expected, "byte"), incomplete.Received)
	}
	msg := fmt.Sprintf("%s %d at offset %d: %s", e.unit, e.index, e.offset, why)
	var tooLarge *errs.MessageTooLargeError
	if e.within != nil && errors.As(e.err, &tooLarge) {
		// The most -max can raise the limit to; no more would help.
		most := min(e.within.MaxBody(), math.MaxInt)
		if tooLarge.Max < most && tooLarge.Size <= most {
			msg += fmt.Sprintf(" (-max raises the limit; %s frames carry up to %s)", e.within, count(most, "byte"))
		}
	}
	return msg
}

// hintMax returns err, and if it is an *inputError without a framing yet,
// sets it to p: its message then says when -max, not p, sets the limit a
// message went over.
func hintMax(err error, p layout.Preset) error {
	var e *inputError
	if errors.As(err, &e) && e.within == nil {
		e.within = p
	}
	return err
}

func (e *inputError) Unwrap() error { return e.err }

package main

import (
	"errors"
	"fmt"

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
	)
	switch {
	case errors.As(err, &tooLarge):
		return fmt.Sprintf("message of %d bytes exceeds the limit of %d bytes", tooLarge.Size, tooLarge.Max)
	case errors.As(err, &incomplete) && errors.Is(err, errs.ErrMissingLength):
		return fmt.Sprintf("truncated length header: expected %d bytes, got %d", incomplete.Expected, incomplete.Received)
	case errors.As(err, &incomplete) && errors.Is(err, errs.ErrMissingMessage):
		return fmt.Sprintf("truncated message body: expected %d bytes, got %d", incomplete.Expected, incomplete.Received)
	case errors.As(err, &malformed):
		return fmt.Sprintf("malformed %s length header: %v", malformed.Codec, malformed.Err)
	}
	return err.Error()
}

// inputError places an error in the input: the frame or message it
// concerns, counted from 1, and the input offset of that one's first byte.
type inputError struct {
	unit   string // "frame" or "message"
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

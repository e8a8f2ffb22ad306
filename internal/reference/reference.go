// Package reference is a plain parse of a framed stream, written from the
// codecs' DecodeLength alone, against which tests and fuzz targets hold the
// Framer and the layers stacked on it.
package reference

import (
	"io"
	"math"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
)

// Result is what a Framer must return for one read, by the reference parse.
type Result struct {
	Msg  []byte
	Err  error // io.EOF or a typed error, compared by value
	Next int   // where the following frame starts, for a message or a skip
	Cut  error // for an oversized frame whose body is cut short: the error skipping it meets
}

// Next parses the frame at pos of data, with lengths in L and a limit of
// limit bytes, as a Framer must read it: straight from the codec's
// DecodeLength, without any of the Framer's buffering.
func Next[L codec.LengthCodec](data []byte, pos, limit int) Result {
	var c L
	if pos == len(data) {
		return Result{Err: io.EOF}
	}
	n, size, err := c.DecodeLength(data[pos:])
	switch {
	case err == codec.ErrShortHeader:
		return Result{Err: &errs.IncompleteReadError{Expected: size, Received: len(data) - pos, Part: errs.ErrMissingLength}}
	case err != nil:
		return Result{Err: err}
	}
	body := pos + size
	if n > uint64(limit) {
		res := Result{Err: &errs.MessageTooLargeError{Size: n, Max: uint64(limit)}}
		if n <= uint64(len(data)-body) {
			res.Next = body + int(n)
		} else {
			res.Cut = &errs.IncompleteReadError{Expected: int(min(n, math.MaxInt)), Received: len(data) - body, Part: errs.ErrMissingMessage}
		}
		return res
	}
	if int(n) > len(data)-body {
		return Result{Err: &errs.IncompleteReadError{Expected: int(n), Received: len(data) - body, Part: errs.ErrMissingMessage}}
	}
	return Result{Msg: data[body : body+int(n)], Next: body + int(n)}
}

// SameError reports whether got is want: io.EOF itself, or an error of the
// same type with the same fields.
func SameError(got, want error) bool {
	switch w := want.(type) {
	case *errs.IncompleteReadError:
		g, ok := got.(*errs.IncompleteReadError)
		return ok && *g == *w
	case *errs.MessageTooLargeError:
		g, ok := got.(*errs.MessageTooLargeError)
		return ok && *g == *w
	case *errs.MalformedLengthError:
		g, ok := got.(*errs.MalformedLengthError)
		return ok && *g == *w
	}
	return got == want
}

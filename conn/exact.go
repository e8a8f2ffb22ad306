package conn

import (
	"io"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/iox"
)

// ReadExactly reads exactly n bytes from r into a new slice, which the caller
// owns. It panics if n is negative.
//
// If the stream ends first it returns an *errs.IncompleteReadError with
// Expected n and Received the bytes that did arrive (IsCleanClose when none
// did); the error matches io.ErrUnexpectedEOF and names the transport and the
// connection's age when r is a StateReporter. Reads may return any number of
// bytes: progress is never capped. Only a run of 100 reads that return
// neither bytes nor an error ends with io.ErrNoProgress. Any other read error
// is returned as it is, with the bytes read so far.
func ReadExactly(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, n)
	k, err := ReadExactlyInto(r, buf)
	return buf[:k], err
}

// ReadExactlyInto is ReadExactly into the caller's buffer: it fills all of
// buf, and allocates nothing unless it fails. It returns the number of bytes
// read, len(buf) exactly when err is nil. Errors are those of ReadExactly.
func ReadExactlyInto(r io.Reader, buf []byte) (int, error) {
	k, err := iox.ReadFull(r, buf)
	if err == io.EOF {
		return k, incomplete(r, len(buf), k)
	}
	return k, err
}

// incomplete returns the *errs.IncompleteReadError for a read from r that
// ended after received of expected bytes, naming r's transport and age when r
// is a StateReporter.
func incomplete(r io.Reader, expected, received int) *errs.IncompleteReadError {
	st := StateOf(r)
	return &errs.IncompleteReadError{Expected: expected, Received: received, Transport: st.Transport, Age: st.Age}
}

// Package iox holds the one read loop every layer shares.
package iox

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// MaxEmptyReads is how many reads in a row may return neither bytes nor an
// error before a loop gives up with io.ErrNoProgress, as bufio does.
const MaxEmptyReads = 100

// ReadFull fills p from r and returns how many bytes it read. Unlike
// io.ReadFull it returns io.EOF itself however many bytes had arrived, leaving
// the caller to say what was cut short, and it gives up with io.ErrNoProgress
// after MaxEmptyReads reads in a row that return nothing.
func ReadFull(r io.Reader, p []byte) (int, error) {
	got, empty := 0, 0
	for got < len(p) {
		k, err := r.Read(p[got:])
		got += k
		switch {
		case got == len(p):
			return got, nil
		case err != nil:
			return got, err
		case k == 0:
			if empty++; empty == MaxEmptyReads {
				return got, io.ErrNoProgress
			}
		default:
			empty = 0
		}
	}
	return got, nil
}

// Gone reports whether err, from a stream, says that the connection is gone:
// reset or aborted by the peer, a broken pipe, a closed pipe, or a closed
// connection. Every layer turns such an error into an
// *errs.ConnectionClosedError.
func Gone(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed)
}

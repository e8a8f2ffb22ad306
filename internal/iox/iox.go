// Package iox holds the one read loop every layer shares.
package iox

import "io"

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

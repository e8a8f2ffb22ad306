package main

import (
	"errors"
	"io"
	"os"
)

// stream adapts stdin and stdout to the conn.ReadWriteCloser a Framer is
// stacked on. Either side may be nil when the command only reads or only
// writes. Close closes neither: the process owns its standard streams.
type stream struct {
	r io.Reader
	w io.Writer
}

var errNotOpen = errors.New("stream not open in this direction")

func (s stream) Read(p []byte) (int, error) {
	if s.r == nil {
		return 0, errNotOpen
	}
	return s.r.Read(p)
}

func (s stream) Write(p []byte) (int, error) {
	if s.w == nil {
		return 0, errNotOpen
	}
	return s.w.Write(p)
}

func (stream) Close() error { return nil }

// countingReader counts the bytes read through it, for progress reports.
type countingReader struct {
	r io.Reader
	p *progress
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.p.addBytes(n)
	return n, err
}

// isTerminal reports whether f is a character device, such as a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

package main

import (
	"bufio"
	"errors"
	"io"
	"os"
)

// bufferSize is the size of the buffers between framecat and its standard
// streams: what it reads ahead of the message or frame it is on, and what
// it holds of its output before writing it.
const bufferSize = 64 << 10

// withOutput runs fn for command name with a progress counter and stdout
// behind a buffer, and flushes the buffer whatever fn returns: the output
// before an error goes out too. It returns fn's error, else the flush's.
func (a *app) withOutput(name string, fn func(out *bufio.Writer, p *progress) error) error {
	p := a.startProgress(name)
	defer p.stop()
	out := bufio.NewWriterSize(a.stdout, bufferSize)
	err := fn(out, p)
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	return err
}

// stream adapts stdin and stdout to the io.ReadWriteCloser a Framer is
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

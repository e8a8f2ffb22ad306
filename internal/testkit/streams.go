package testkit

import (
	"bytes"
	"io"
	"os"
	"slices"
)

// Stream is an in-memory io.ReadWriteCloser for tests of a layer stacked on a
// stream. Reads come from R (io.EOF when R is nil) and writes go to W (they
// are accepted and dropped when W is nil); R and W may be one bytes.Buffer,
// which makes a stream that reads back what was written to it (Buffer is
// that stream without the counting). Stream counts
// what crosses it and keeps the slice of the last Write, so a test can tell
// how many calls a layer made and from which buffer it wrote. It is not safe
// for concurrent use.
type Stream struct {
	R     io.Reader
	W     io.Writer
	Steps []int // if set, read i returns at most Steps[i % len(Steps)] bytes; a 0 step returns (0, nil)

	Reads     int    // Read calls
	BytesRead int    // bytes Read returned
	Writes    int    // Write calls
	LastWrite []byte // the slice passed to the last Write, as it was passed
	Closed    bool   // Close was called
}

// Reading returns a Stream whose reads serve b.
func Reading(b []byte) *Stream { return &Stream{R: bytes.NewReader(b)} }

// Buffer is a bytes.Buffer that is also an io.Closer: a stream that reads
// back, in order, what was written to it, and reads io.EOF when it holds
// nothing. Close does nothing.
type Buffer struct{ bytes.Buffer }

// Close returns nil.
func (*Buffer) Close() error { return nil }

// Read reads from R, at most the next step's size.
func (s *Stream) Read(p []byte) (int, error) {
	if len(s.Steps) > 0 {
		p = p[:min(len(p), s.Steps[s.Reads%len(s.Steps)])]
	}
	s.Reads++
	if s.R == nil {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := s.R.Read(p)
	s.BytesRead += n
	return n, err
}

// Write writes p to W, or accepts it whole when W is nil.
func (s *Stream) Write(p []byte) (int, error) {
	s.Writes++
	s.LastWrite = p
	if s.W == nil {
		return len(p), nil
	}
	return s.W.Write(p)
}

// Close records the call and returns nil.
func (s *Stream) Close() error {
	s.Closed = true
	return nil
}

// FailingWriter accepts Limit more bytes into Got, then fails: the write that
// crosses the limit returns the bytes it took and Err, and every later one
// returns (0, Err). Raise Limit to let writes through again.
type FailingWriter struct {
	Limit int
	Err   error
	Got   bytes.Buffer
}

// Write takes what the limit allows.
func (w *FailingWriter) Write(p []byte) (int, error) {
	n := min(len(p), w.Limit)
	w.Limit -= n
	w.Got.Write(p[:n])
	if n < len(p) {
		return n, w.Err
	}
	return n, nil
}

// Repeat returns a reader that serves b over and over, never ending.
func Repeat(b []byte) io.Reader {
	return &repeater{r: bytes.NewReader(b), b: b}
}

type repeater struct {
	r *bytes.Reader
	b []byte
}

func (r *repeater) Read(p []byte) (int, error) {
	if r.r.Len() == 0 {
		r.r.Reset(r.b)
	}
	return r.r.Read(p)
}

// Scheduled returns a Stream serving data in reads whose sizes a fuzzer
// chose: steps, cut to their first 64 and taken in turn, a 0 being a read
// that returns nothing. A schedule of nothing but zeros is dropped, so that
// the fuzzer never drives a reader into io.ErrNoProgress, which takes 100
// empty reads in a row. BytesRead tells how far a reader got.
func Scheduled(data, steps []byte) *Stream {
	s := Reading(data)
	for _, step := range steps[:min(len(steps), 64)] {
		s.Steps = append(s.Steps, int(step))
	}
	if !slices.ContainsFunc(s.Steps, func(n int) bool { return n > 0 }) {
		s.Steps = nil
	}
	return s
}

// Pipe returns a stream made of the reading end of one io.Pipe and the
// writing end of another, and the far ends: what is written to the stream is
// read from far's reader, and what is written to far's writer is read from
// the stream. Close closes the stream's two ends, which unblocks a Read or
// Write in progress on them with io.ErrClosedPipe.
func Pipe() (stream io.ReadWriteCloser, farR *io.PipeReader, farW *io.PipeWriter) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	return &pipeStream{inR, outW}, outR, inW
}

type pipeStream struct {
	r *io.PipeReader
	w *io.PipeWriter
}

func (p *pipeStream) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p *pipeStream) Write(b []byte) (int, error) { return p.w.Write(b) }

func (p *pipeStream) Close() error {
	p.w.Close()
	return p.r.Close()
}

// TimeoutAt returns a reader that serves r, except that a read reaching one
// of the offsets (in increasing order) first fails once with
// os.ErrDeadlineExceeded, which is a net.Error whose Timeout is true, as a
// net.Conn's read fails when its deadline passes. Reads never cross an offset:
// the bytes before it come first.
func TimeoutAt(r io.Reader, offsets ...int) io.Reader {
	return &timeouts{r: r, at: offsets}
}

type timeouts struct {
	r   io.Reader
	at  []int
	pos int
}

func (t *timeouts) Read(p []byte) (int, error) {
	if len(t.at) > 0 {
		if t.pos == t.at[0] {
			t.at = t.at[1:]
			return 0, os.ErrDeadlineExceeded
		}
		p = p[:min(len(p), t.at[0]-t.pos)]
	}
	n, err := t.r.Read(p)
	t.pos += n
	return n, err
}

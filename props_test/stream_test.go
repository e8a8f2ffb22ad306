package props_test

import (
	"errors"
	"io"
	"net"

	"pgregory.net/rapid"
)

// stream is an in-memory byte stream that a writer Framer appends to and a
// reader Framer reads from, adversarially: each read returns as many bytes
// as the next step of a schedule allows, which may be none at all (0, nil),
// and the last bytes may come with io.EOF. A schedule always has a step that
// makes progress, so no 100 empty reads come in a row.
type stream struct {
	data   []byte // everything written, plus bytes put straight on the wire
	pos    int    // bytes the reader has taken: where the stream is positioned
	cut    int    // the reader sees the stream end here; -1: at the end of data
	steps  []int  // read sizes, in turn; 0 is an empty read
	step   int
	eofEnd bool // the read that takes the last byte also returns io.EOF

	writes  []int // the size of every Write call
	budget  int   // bytes writes may still take before failing; -1: no limit
	failed  bool  // a write has failed
	failedK int   // the bytes the first failing write took
	closed  bool
	readErr error // returned by reads once the data runs out, instead of io.EOF
}

// errWriteFailed is the error writes return once the stream's budget is spent.
var errWriteFailed = errors.New("props: write failed")

func (s *stream) Read(p []byte) (int, error) {
	end := len(s.data)
	if s.cut >= 0 {
		end = min(end, s.cut)
	}
	if s.pos >= end {
		if s.readErr != nil {
			return 0, s.readErr
		}
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := s.steps[s.step%len(s.steps)]
	s.step++
	n = copy(p[:min(len(p), n)], s.data[s.pos:end])
	s.pos += n
	if s.eofEnd && s.pos == end && s.readErr == nil {
		return n, io.EOF
	}
	return n, nil
}

func (s *stream) Write(p []byte) (int, error) {
	if s.closed {
		return 0, net.ErrClosed
	}
	s.writes = append(s.writes, len(p))
	if s.budget >= 0 && len(p) > s.budget {
		n := s.budget
		s.data = append(s.data, p[:n]...)
		s.budget = 0
		if !s.failed {
			s.failed, s.failedK = true, n
		}
		return n, errWriteFailed
	}
	if s.budget >= 0 {
		s.budget -= len(p)
	}
	s.data = append(s.data, p...)
	return len(p), nil
}

func (s *stream) Close() error {
	s.closed = true
	return nil
}

// rest returns the bytes the reader has not taken, up to the cut.
func (s *stream) rest() []byte {
	end := len(s.data)
	if s.cut >= 0 {
		end = min(end, s.cut)
	}
	return s.data[min(s.pos, end):end]
}

// replay returns a fresh stream holding data, cut at cut (-1: not cut), read
// on s's schedule.
func (s *stream) replay(data []byte, cut int) *stream {
	return &stream{data: data, cut: cut, steps: s.steps, eofEnd: s.eofEnd, budget: -1}
}

// drawStream draws an adversarial stream holding data.
func drawStream(t *rapid.T, data []byte) *stream {
	steps := rapid.SliceOfN(rapid.OneOf(
		rapid.Just(0),
		rapid.IntRange(1, 3),
		rapid.IntRange(4, 64),
		rapid.IntRange(65, 1<<20),
	), 1, 12).Draw(t, "steps")
	large := false
	for _, n := range steps {
		large = large || n >= 4096
	}
	if !large { // keep reads of large messages quick: one step takes a lot
		steps = append(steps, rapid.IntRange(4096, 1<<20).Draw(t, "largeStep"))
	}
	return &stream{
		data:   data,
		cut:    -1,
		steps:  steps,
		eofEnd: rapid.Bool().Draw(t, "eofWithLastBytes"),
		budget: -1,
	}
}

// Package frametest checks that a message layer behaves as framekit's message
// interfaces promise, in the spirit of testing/fstest.TestFS and x/net's
// nettest.TestConn: given a function that makes a connected pair of
// frame.MsgReadWriteCloser, TestMsgPipe runs a set of subtests against it.
//
// The subtests are:
//
//   - RoundTrip: messages of many sizes (0, every varint and fixed-width
//     header boundary, the maximum) arrive whole and in order, in both
//     directions, and slices from ReadMsg stay intact after later reads;
//   - Limit (with WithMaxSize): a message one byte above the maximum fails
//     with an error matching errs.ErrMessageTooLarge whose
//     *errs.MessageTooLargeError holds the exact sizes, and writes nothing,
//     so the next message still arrives intact; a message of exactly the
//     maximum arrives;
//   - Concurrent: many writers and one reader; every message arrives whole
//     exactly once, in each writer's order;
//   - Close: messages written before a Close arrive, then the peer reads
//     io.EOF itself, and a write after Close fails with an error matching
//     errs.ErrConnectionClosed or net.ErrClosed;
//   - Truncation (with WithStream): the writer's output cut at every byte
//     yields the whole messages before the cut, then io.EOF exactly at a
//     message boundary and an error matching io.ErrUnexpectedEOF anywhere
//     else.
//
// Writers may batch: when an end has a Flush() error method the harness calls
// it after writing. Every subtest has a timeout (WithTimeout); when it fires
// the subtest fails and the pair is stopped, which must unblock pending reads
// and writes.
package frametest

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/framekit/framekit/frame"
)

// MakePipe returns a connected pair of message streams: what a writes b
// reads, and what b writes a reads. stop releases whatever the pair holds (a
// listener, goroutines); the harness calls it when a subtest ends, after
// closing both ends, and when a subtest times out or a write fails, when it
// must unblock pending reads and writes. It may be called more than once, and
// from any goroutine. stop may be nil. MakePipe is called once per subtest,
// from the subtest's goroutine.
type MakePipe func() (a, b frame.MsgReadWriteCloser, stop func(), err error)

// MakeStream returns a message writer that writes to w and a message reader
// that reads from r, configured alike (same limit, same keys), so that the
// reader understands the writer. It gives the harness the raw stream between
// them: w collects every byte the writer sends, and r serves a prefix of
// those bytes and then io.EOF. Writes to r and reads from w fail; closing
// either does nothing.
//
// The harness writes all messages before it reads. The writer must have sent
// each message on w by the time its WriteMsg, or its Flush when it has one,
// returns.
type MakeStream func(w, r io.ReadWriteCloser) (frame.MsgWriter, frame.MsgReader, error)

// Option configures TestMsgPipe.
type Option func(*config)

type config struct {
	maxSize int           // largest message the layer carries; 0 when unknown
	stream  MakeStream    // nil: no truncation subtest
	timeout time.Duration // per subtest
}

// WithMaxSize tells the harness the largest message, inclusive, that both
// ends of the pipe write and read. It enables the Limit subtest, and the
// RoundTrip subtest then sends a message of exactly n bytes. Without it the
// harness sends messages up to 64 KiB + 1 and checks no limit. It panics if
// n is less than 1.
func WithMaxSize(n int) Option {
	return func(c *config) {
		if n < 1 {
			panic("frametest: WithMaxSize needs a positive size")
		}
		c.maxSize = n
	}
}

// WithStream gives the harness access to the raw byte stream, which enables
// the Truncation subtest.
func WithStream(ms MakeStream) Option {
	return func(c *config) { c.stream = ms }
}

// WithTimeout sets how long one subtest may take before it fails and its pair
// is stopped: 1 minute unless set.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// TestMsgPipe runs the conformance subtests against pairs made by mp, each
// as a subtest of t named as in the package doc. It reports failures through
// t and returns when all subtests have ended. Subtests that need an option
// (Limit, Truncation) are skipped without it.
func TestMsgPipe(t *testing.T, mp MakePipe, opts ...Option) {
	cfg := config{timeout: time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	run := func(name string, test func(*testing.T, *pair)) {
		t.Run(name, func(t *testing.T) {
			p := newPair(t, mp)
			defer p.end()
			watchdog := startWatchdog(t, cfg.timeout, p)
			defer watchdog()
			test(t, p)
		})
	}
	limit := limitFor(cfg.maxSize)
	run("RoundTrip", func(t *testing.T, p *pair) { testRoundTrip(t, p, limit) })
	run("Limit", func(t *testing.T, p *pair) {
		if cfg.maxSize == 0 {
			t.Skip("frametest: no WithMaxSize, no limit to check")
		}
		testLimit(t, p, cfg.maxSize)
	})
	run("Concurrent", func(t *testing.T, p *pair) { testConcurrent(t, p, limit) })
	run("Close", func(t *testing.T, p *pair) { testClose(t, p, limit) })
	t.Run("Truncation", func(t *testing.T) {
		if cfg.stream == nil {
			t.Skip("frametest: no WithStream, no raw stream to cut")
		}
		testTruncation(t, cfg.stream, limit)
	})
}

// pair is one connected pair under test.
type pair struct {
	a, b frame.MsgReadWriteCloser
	stop func()
}

func newPair(t *testing.T, mp MakePipe) *pair {
	t.Helper()
	a, b, stop, err := mp()
	if err != nil {
		t.Fatalf("frametest: MakePipe: %v", err)
	}
	if a == nil || b == nil {
		t.Fatalf("frametest: MakePipe returned a nil end")
	}
	if stop == nil {
		stop = func() {}
	}
	return &pair{a: a, b: b, stop: stop}
}

// end closes both ends and stops the pair.
func (p *pair) end() {
	p.a.Close()
	p.b.Close()
	p.stop()
}

// startWatchdog fails t and stops p if the subtest outlives d. The returned
// function ends the watchdog; it must be called before the subtest returns.
func startWatchdog(t *testing.T, d time.Duration, p *pair) func() {
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
			t.Errorf("frametest: subtest still running after %v; stopping the pair", d)
			p.stop()
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}

// flush flushes w when it is a frame.Flusher.
func flush(w any) error {
	if f, ok := w.(frame.Flusher); ok {
		return f.Flush()
	}
	return nil
}

// limitFor returns the largest message any subtest sends under a WithMaxSize
// of maxSize: maxSize itself, or unlimited when there is none.
func limitFor(maxSize int) int {
	if maxSize == 0 {
		return unlimited
	}
	return maxSize
}

// message returns message i of size n of the sequence named seq: bytes from a
// ChaCha8 stream seeded by all three, so that a message that is cut, shifted,
// swapped or taken from another sequence is noticed.
func message(seq string, i, n int) []byte {
	var seed [32]byte
	copy(seed[:16], seq)
	binary.LittleEndian.PutUint64(seed[16:], uint64(i))
	binary.LittleEndian.PutUint64(seed[24:], uint64(n))
	m := make([]byte, n)
	rand.NewChaCha8(seed).Read(m)
	return m
}

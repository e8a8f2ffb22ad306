package frame_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// wantClosed fails t unless err is what a call cut short by Close, or made
// after it, must return.
func wantClosed(t *testing.T, what string, err error) {
	t.Helper()
	var closed *errs.ConnectionClosedError
	if !errors.As(err, &closed) || !errors.Is(err, errs.ErrConnectionClosed) || !errors.Is(err, net.ErrClosed) {
		t.Errorf("%s: %v (%T), want an *errs.ConnectionClosedError matching net.ErrClosed", what, err, err)
	}
}

// within fails t if done does not deliver within d, and returns what it
// delivered.
func within[T any](t *testing.T, d time.Duration, what string, done <-chan T) T {
	t.Helper()
	select {
	case v := <-done:
		return v
	case <-time.After(d):
		t.Fatalf("%s: still blocked after %v", what, d)
		panic("unreachable")
	}
}

// blockedWrite starts writing large messages to f until a WriteMsg blocks
// (the peer reads nothing), and returns the channel that will carry that
// write's error.
func blockedWrite(t *testing.T, f *frame.Framer[codec.BE32]) <-chan error {
	t.Helper()
	var wrote atomic.Int64
	errc := make(chan error, 1)
	go func() {
		msg := make([]byte, 1<<20)
		for {
			if err := f.WriteMsg(msg); err != nil {
				errc <- err
				return
			}
			wrote.Add(1)
		}
	}()
	// Blocked: no write finished for a while.
	for last := int64(-1); ; {
		time.Sleep(50 * time.Millisecond)
		if n := wrote.Load(); n == last {
			break
		} else {
			last = n
		}
	}
	return errc
}

// Close does not wait for a WriteMsg blocked on a peer that reads nothing:
// it closes the stream, which cuts the write short, and both that write and
// every call after Close fail as closed. Over TCP with full socket buffers,
// and over an io.Pipe with no reader.
func TestCloseUnblocksABlockedWrite(t *testing.T) {
	streams := map[string]func(t *testing.T) io.ReadWriteCloser{
		"tcp": func(t *testing.T) io.ReadWriteCloser { a, _ := testkit.TCPPair(t); return a },
		"pipe": func(t *testing.T) io.ReadWriteCloser {
			s, _, _ := testkit.Pipe()
			return s
		},
	}
	for name, stream := range streams {
		t.Run(name, func(t *testing.T) {
			f := frame.New[codec.BE32](stream(t), frame.WithMaxSize(1<<20))
			errc := blockedWrite(t, f)
			closed := make(chan error, 1)
			go func() { closed <- f.Close() }()
			within(t, 5*time.Second, "Close", closed)
			wantClosed(t, "the blocked WriteMsg", within(t, 5*time.Second, "WriteMsg after Close", errc))
			wantClosed(t, "WriteMsg after Close", f.WriteMsg([]byte("late")))
		})
	}
}

// Close unblocks a read waiting on the stream, and every call after Close,
// a second Close included, fails as closed.
func TestCloseUnblocksABlockedReadAndEndsEverything(t *testing.T) {
	a, _ := testkit.TCPPair(t)
	f := frame.New[codec.Uvarint](a)
	readErr := make(chan error, 1)
	go func() { _, err := f.ReadMsg(); readErr <- err }()
	time.Sleep(50 * time.Millisecond) // let the read block
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wantClosed(t, "the blocked ReadMsg", within(t, 5*time.Second, "ReadMsg after Close", readErr))
	calls := map[string]func() error{
		"ReadMsg":     func() error { _, err := f.ReadMsg(); return err },
		"AppendMsg":   func() error { _, err := f.AppendMsg(nil); return err },
		"ReadMsgView": func() error { _, err := f.ReadMsgView(); return err },
		"NextMsgLen":  func() error { _, err := f.NextMsgLen(); return err },
		"Read":        func() error { _, err := f.Read(make([]byte, 8)); return err },
		"WriteMsg":    func() error { return f.WriteMsg([]byte("x")) },
		"WriteMsgFunc": func() error {
			return f.WriteMsgFunc(1, func(dst []byte) ([]byte, error) { return append(dst, 'x'), nil })
		},
		"Flush":      f.Flush,
		"CloseWrite": f.CloseWrite,
		"Close":      f.Close,
	}
	for name, call := range calls {
		wantClosed(t, name+" after Close", call())
	}
}

// With no write in progress, Close sends the batched frames before it closes.
func TestCloseSendsTheBatchWhenIdle(t *testing.T) {
	a, b := testkit.TCPPair(t)
	w := frame.New[codec.BE16](a, frame.WithWriteBuffer(4096))
	for _, m := range []string{"one", "two"} {
		if err := w.WriteMsg([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := frame.New[codec.BE16](b)
	for _, want := range []string{"one", "two"} {
		if got, err := r.ReadMsg(); err != nil || string(got) != want {
			t.Fatalf("%q, %v; want %q", got, err, want)
		}
	}
	if _, err := r.ReadMsg(); err != io.EOF {
		t.Fatalf("after the batch: %v, want io.EOF", err)
	}
}

// CloseWrite sends the batch and half-closes: the peer reads every frame and
// then io.EOF, this side goes on reading the peer's replies until it closes,
// and writes fail from then on.
func TestCloseWriteHalfCloses(t *testing.T) {
	a, b := testkit.TCPPair(t)
	go func() { // echo every message, then close
		peer := frame.New[codec.Uvarint](b)
		for msg, err := range peer.Messages() {
			if err != nil || peer.WriteMsg(msg) != nil {
				break
			}
		}
		peer.Close()
	}()
	f := frame.New[codec.Uvarint](a, frame.WithWriteBuffer(4096))
	sent := []string{"a", "bb", "ccc"}
	for _, m := range sent {
		if err := f.WriteMsg([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for msg, err := range f.Messages() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(msg))
	}
	if !slices.Equal(got, sent) {
		t.Fatalf("echoed %q, want %q", got, sent)
	}
	err := f.WriteMsg([]byte("late"))
	var closed *errs.ConnectionClosedError
	if !errors.As(err, &closed) || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("WriteMsg after CloseWrite: %v", err)
	}
}

// Over a stream that cannot half-close, CloseWrite says so and changes
// nothing: the batch stays, and writes go on.
func TestCloseWriteUnsupported(t *testing.T) {
	var wire bytes.Buffer
	f := frame.New[codec.BE8](&testkit.Stream{W: &wire}, frame.WithWriteBuffer(64))
	if err := f.WriteMsg([]byte("kept")); err != nil {
		t.Fatal(err)
	}
	if err := f.CloseWrite(); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("CloseWrite: %v, want errors.ErrUnsupported", err)
	}
	if wire.Len() != 0 {
		t.Fatal("CloseWrite sent the batch, then refused")
	}
	if err := errors.Join(f.WriteMsg([]byte("more")), f.Flush()); err != nil {
		t.Fatal(err)
	}
	if want := "\x04kept\x04more"; wire.String() != want {
		t.Fatalf("wire %q, want %q", wire.String(), want)
	}
}

// Deadlines pass through to the stream: a read past its deadline fails with
// an error matching os.ErrDeadlineExceeded that is a net.Error whose Timeout
// is true, and reads go on once it is moved. A stream without deadlines says
// so.
func TestDeadlinesPassThrough(t *testing.T) {
	a, b := testkit.TCPPair(t)
	f := frame.New[codec.BE16](a)
	if err := f.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := f.ReadMsg()
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past the deadline: %v", err)
	}
	if err := f.SetDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := frame.New[codec.BE16](b).WriteMsg([]byte("late")); err != nil {
		t.Fatal(err)
	}
	if msg, err := f.ReadMsg(); err != nil || string(msg) != "late" {
		t.Fatalf("after moving the deadline: %q, %v", msg, err)
	}
	if err := f.SetWriteDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	plain := frame.New[codec.BE16](&testkit.Stream{})
	for name, set := range map[string]func(time.Time) error{
		"SetDeadline": plain.SetDeadline, "SetReadDeadline": plain.SetReadDeadline, "SetWriteDeadline": plain.SetWriteDeadline,
	} {
		if err := set(time.Now()); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("%s on a stream without deadlines: %v", name, err)
		}
	}
}

// Over a plain net.Conn, a reset by the peer is an *errs.ConnectionClosedError
// wrapping ECONNRESET, from reads and from writes; over a pipe whose reader is
// gone, a write fails the same way wrapping io.ErrClosedPipe.
func TestStreamErrorsJoinTheTaxonomy(t *testing.T) {
	a, b := testkit.TCPPair(t)
	f := frame.New[codec.BE32](a)
	if err := b.SetLinger(0); err != nil { // close with a reset
		t.Fatal(err)
	}
	b.Close()
	_, err := f.ReadMsg()
	var closed *errs.ConnectionClosedError
	if !errors.As(err, &closed) || !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after a reset: %v (%T)", err, err)
	}
	err = nil
	for range 100 { // the first writes after a reset may still be accepted
		if err = f.WriteMsg([]byte("x")); err != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if !errors.As(err, &closed) || !(errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)) {
		t.Fatalf("write after a reset: %v (%T)", err, err)
	}

	s, farR, _ := testkit.Pipe()
	farR.Close()
	err = frame.New[codec.BE32](s).WriteMsg([]byte("nobody reads"))
	if !errors.As(err, &closed) || !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("write to a closed pipe: %v (%T)", err, err)
	}
}

// A read that waits on the stream first sends what waits in the batch: a
// request followed by a read for its reply needs no Flush.
func TestReadSendsTheBatchBeforeItWaits(t *testing.T) {
	for _, readBuffer := range []int{frame.DefaultReadBuffer, 0} {
		a, b := testkit.TCPPair(t)
		go func() { // answer each request
			peer := frame.New[codec.BE16](b)
			for msg, err := range peer.Messages() {
				if err != nil || peer.WriteMsg(append([]byte("re: "), msg...)) != nil {
					return
				}
			}
		}()
		f := frame.New[codec.BE16](a, frame.WithWriteBuffer(4096), frame.WithReadBuffer(readBuffer))
		if err := f.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		for _, req := range []string{"one", "two"} {
			if err := f.WriteMsg([]byte(req)); err != nil {
				t.Fatal(err)
			}
			if reply, err := f.ReadMsg(); err != nil || string(reply) != "re: "+req {
				t.Fatalf("read buffer %d: reply %q, %v; want the batched request sent", readBuffer, reply, err)
			}
		}
	}
}

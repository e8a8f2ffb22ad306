package frame_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// writeThroughTimeouts writes msgs to a stream that accepts limit bytes and
// then times out, letting 'more' bytes through after each timeout. A message
// whose write says ErrWriteQueued counts as sent; one that fails otherwise is
// written again. It returns what reached the wire after a final Flush.
func writeThroughTimeouts(t *testing.T, msgs [][]byte, limit, more int, built bool, opts ...frame.Option) []byte {
	t.Helper()
	w := &testkit.FailingWriter{Limit: limit, Err: os.ErrDeadlineExceeded}
	f := frame.New[codec.Uvarint](&testkit.Stream{W: w}, opts...)
	ran := false // the builder ran: the message must count as sent
	write := func(m []byte) error {
		ran = false
		if built {
			return f.WriteMsgFunc(len(m), func(dst []byte) ([]byte, error) { ran = true; return append(dst, m...), nil })
		}
		return f.WriteMsg(m)
	}
	for i := 0; i < len(msgs); {
		err := write(msgs[i])
		if ran && err != nil && !errors.Is(err, frame.ErrWriteQueued) {
			t.Fatalf("message %d: %v after its body was built: the message is lost", i, err)
		}
		switch {
		case err == nil || errors.Is(err, frame.ErrWriteQueued):
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("queued write: %v does not match the stream's timeout", err)
			}
			i++
		case errors.Is(err, os.ErrDeadlineExceeded):
			// not sent: written again below
		default:
			t.Fatalf("message %d: %v", i, err)
		}
		if err != nil {
			w.Limit += more
		}
	}
	for range len(msgs) + 100000 {
		err := f.Flush()
		if err == nil {
			return w.Got.Bytes()
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Flush: %v", err)
		}
		w.Limit += more
	}
	t.Fatal("Flush never finished")
	return nil
}

// A write that a timeout cuts short, anywhere in its frame, never leaves
// half a frame on the wire and never loses or doubles a message: whatever was
// cut, the wire ends up holding every frame once, in order. Batched or not,
// through WriteMsg and WriteMsgFunc, with one timeout or many.
func TestWritesNeverLeaveHalfAFrame(t *testing.T) {
	cases := []struct {
		msgs  [][]byte
		mores []int // bytes let through after each timeout
	}{
		{[][]byte{[]byte("one"), repeat('2', 300), {}, []byte("four")}, []int{1, 7, 1000}},
		{[][]byte{[]byte("one"), repeat('2', 20<<10), []byte("three")}, []int{1000, 1 << 20}},
	}
	for _, c := range cases {
		msgs := c.msgs
		want := encode[codec.Uvarint](t, msgs...)
		for _, batch := range []int{0, 64, 4096} {
			for _, built := range []bool{false, true} {
				for limit := 0; limit <= len(want); limit += 1 + limit/64 {
					for _, more := range c.mores {
						got := writeThroughTimeouts(t, msgs, limit, more, built, frame.WithWriteBuffer(batch))
						if !bytes.Equal(got, want) {
							t.Fatalf("batch %d, built %v, first timeout at byte %d, then every %d: the wire differs (%d bytes, want %d)",
								batch, built, limit, more, len(got), len(want))
						}
					}
				}
			}
		}
	}
}

// Over real TCP: a 32 MiB message whose write deadline passes while the peer
// is not reading goes out in part; the rest follows on Flush once the peer
// reads, and the next message comes after it, whole.
func TestLargeWriteCutByADeadlineOverTCP(t *testing.T) {
	a, b := testkit.TCPPair(t)
	msg := repeat('W', 32<<20)
	w := frame.New[codec.BE32](a, frame.WithMaxSize(64<<20))
	if err := w.SetWriteDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	err := w.WriteMsg(msg)
	if !errors.Is(err, frame.ErrWriteQueued) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write past its deadline: %v, want ErrWriteQueued and the timeout", err)
	}
	got := readsInOrder(b, msg, []byte("after"))
	if err := w.SetWriteDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteMsg([]byte("after")); err != nil { // sends the rest first
		t.Fatal(err)
	}
	if err := within(t, 30*time.Second, "reading the messages", got); err != nil {
		t.Fatal(err)
	}
}

// readsInOrder reads c's messages in a goroutine and sends nil on the
// returned channel once they are want, whole and in order, or the first
// difference.
func readsInOrder(c io.ReadWriteCloser, want ...[]byte) <-chan error {
	got := make(chan error, 1)
	go func() {
		r := frame.New[codec.BE32](c, frame.WithMaxSize(64<<20))
		for i, w := range want {
			m, err := r.ReadMsg()
			if err == nil && !bytes.Equal(m, w) {
				err = fmt.Errorf("message %d differs: %d bytes, want %d", i, len(m), len(w))
			}
			if err != nil {
				got <- err
				return
			}
		}
		got <- nil
	}()
	return got
}

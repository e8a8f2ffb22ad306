package frame_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// A read bounded by a context that is cancelled halfway through a large body
// stops with the context's error, not a deadline's; the Framer stays usable,
// and once the rest arrives the next read returns the whole message.
func TestReadContextCancelResumes(t *testing.T) {
	a, b := testkit.TCPPair(t)
	f := frame.New[codec.Uvarint](a, frame.WithMaxSize(2<<20))
	msg := repeat('C', 1<<20)
	wire := encode[codec.Uvarint](t, msg)
	if _, err := b.Write(wire[:len(wire)/3]); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := frame.ReadContext(ctx, f, f.ReadMsg)
	if !errors.Is(err, context.Canceled) || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("cancelled read: %v, want context.Canceled and not a deadline", err)
	}
	if _, err := b.Write(wire[len(wire)/3:]); err != nil {
		t.Fatal(err)
	}
	got, err := frame.ReadContext(context.Background(), f, f.ReadMsg)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("after the rest arrived: %d bytes, %v", len(got), err)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := frame.ReadContext(ctx, f, f.ReadMsgView); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the context's deadline: %v", err)
	}
	if _, err := frame.ReadContext(ctx, f, f.ReadMsg); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read with an ended context: %v", err)
	}
}

// A write bounded by a context that ends while the peer reads nothing stops
// with the context's error; the part of the frame that went out is completed
// before the next message, which arrives whole.
func TestWriteContextCancelNeverLeavesHalfAFrame(t *testing.T) {
	a, b := testkit.TCPPair(t)
	w := frame.New[codec.BE32](a, frame.WithMaxSize(64<<20))
	big := repeat('K', 32<<20)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := frame.WriteContext(ctx, w, func() error { return w.WriteMsg(big) })
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, frame.ErrWriteQueued) || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write stopped by its context: %v", err)
	}
	got := readsInOrder(b, big, []byte("next"))
	if err := frame.WriteContext(context.Background(), w, func() error { return w.WriteMsg([]byte("next")) }); err != nil {
		t.Fatal(err)
	}
	if err := within(t, 30*time.Second, "reading", got); err != nil {
		t.Fatal(err)
	}
}

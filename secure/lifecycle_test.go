package secure_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/secure"
)

// The encrypted layer passes CloseWrite and the deadlines down: over TCP the
// peer opens every message and then reads io.EOF while this side still reads
// its reply, a read past its deadline times out, and over an inner stream
// without them both say errors.ErrUnsupported.
func TestEncryptedPassesLifecycleDown(t *testing.T) {
	t.Parallel()
	a, b := testkit.TCPPair(t)
	ea, eb := encPair(t, 0)
	w := secure.NewEncrypted(frame.New[codec.BE16](a, frame.WithWriteBuffer(4096)), ea)
	r := secure.NewEncrypted(frame.New[codec.BE16](b), eb)
	if err := w.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ReadMsg(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v", err)
	}
	if err := w.SetDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(w.WriteMsg([]byte("request")), w.CloseWrite()); err != nil {
		t.Fatal(err)
	}
	if got, err := r.ReadMsg(); err != nil || string(got) != "request" {
		t.Fatalf("%q, %v", got, err)
	}
	if _, err := r.ReadMsg(); err != io.EOF {
		t.Fatalf("the peer after the half-close: %v, want io.EOF", err)
	}
	if err := r.WriteMsg([]byte("reply")); err != nil {
		t.Fatal(err)
	}
	if got, err := w.ReadMsg(); err != nil || string(got) != "reply" {
		t.Fatalf("reply after the half-close: %q, %v", got, err)
	}
	if err := w.WriteMsg([]byte("late")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("WriteMsg after CloseWrite: %v", err)
	}

	opaque := secure.NewEncrypted(encOpaque{frame.New[codec.BE16](&testkit.Stream{})}, ea)
	if err := opaque.CloseWrite(); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("CloseWrite over an inner stream without it: %v", err)
	}
	if err := opaque.SetDeadline(time.Now()); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("SetDeadline over an inner stream without it: %v", err)
	}
}

// A read of the encrypted layer bounded by a context that ends stops with
// the context's error and loses nothing: the next read opens the message.
func TestEncryptedReadContextResumes(t *testing.T) {
	t.Parallel()
	a, b := testkit.TCPPair(t)
	ea, eb := encPair(t, 0)
	w := secure.NewEncrypted(frame.New[codec.BE32](a), ea)
	r := secure.NewEncrypted(frame.New[codec.BE32](b, frame.WithMaxSize(1<<20)), eb)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := frame.ReadContext(ctx, r, r.ReadMsg); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read with nothing sent: %v, want the context's deadline", err)
	}
	msg := bytes.Repeat([]byte("s"), 300<<10)
	if err := w.WriteMsg(msg); err != nil {
		t.Fatal(err)
	}
	if got, err := frame.ReadContext(context.Background(), r, r.ReadMsg); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("after the context ended: %d bytes, %v", len(got), err)
	}
}

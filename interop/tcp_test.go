package interop

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/frame"
)

// echoCount is how many messages each TCP echo test sends.
const echoCount = 3000

// echoMessages returns n messages: the boundary sizes, then sizes mostly
// below 200 bytes with some up to 64 KiB, about 16 MB in all.
func echoMessages(seed uint64, n int) [][]byte {
	rng := rand.New(rand.NewPCG(seed, 3))
	sizes := append([]int(nil), boundarySizes...)
	for len(sizes) < n {
		switch rng.IntN(10) {
		case 0:
			sizes = append(sizes, boundarySizes[rng.IntN(13)]) // up to 65536
		case 1:
			sizes = append(sizes, rng.IntN(70000))
		default:
			sizes = append(sizes, rng.IntN(200))
		}
	}
	return makeMessages(seed, sizes)
}

// dial connects a Framer to addr on the loopback, with a deadline that turns
// a hang into a failure; it is closed when t's test ends.
func dial(t *testing.T, addr string, opts ...frame.Option) *frame.Framer[codec.Uvarint] {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	f := frame.New[codec.Uvarint](conn.NewTCPStream(c), opts...)
	if err := f.SetDeadline(time.Now().Add(nodeTimeout)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// notHung fails t if err is our deadline: the exchange hung.
func notHung(t *testing.T, what string, err error) {
	t.Helper()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s hung: no progress within %v (%v)", what, nodeTimeout, err)
	}
}

// served is what our echo server saw on its one connection.
type served struct {
	count int   // messages read (and echoed)
	err   error // what ended the connection; nil for io.EOF
}

// ourEchoServer accepts one connection on 127.0.0.1 and echoes every message
// with a Framer made with opts, until the first error. It returns the
// address and a channel that gets what it saw.
func ourEchoServer(t *testing.T, opts ...frame.Option) (string, <-chan served) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	done := make(chan served, 1)
	go func() {
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			done <- served{err: err}
			return
		}
		f := frame.New[codec.Uvarint](conn.NewTCPStream(c), opts...)
		defer f.Close()
		f.SetDeadline(time.Now().Add(nodeTimeout))
		var s served
		for {
			msg, err := f.ReadMsgView()
			if err != nil {
				if err != io.EOF {
					s.err = err
				}
				done <- s
				return
			}
			s.count++
			if err := f.WriteMsg(msg); err != nil {
				s.err = err
				done <- s
				return
			}
		}
	}()
	return ln.Addr().String(), done
}

// wait returns what our echo server saw, failing t if it is still going.
func wait(t *testing.T, done <-chan served) served {
	t.Helper()
	select {
	case s := <-done:
		return s
	case <-time.After(nodeTimeout + 10*time.Second):
		t.Fatalf("our echo server hung")
	}
	panic("unreachable")
}

// TestTCPOurClientTheirEchoServer sends thousands of messages from a Framer
// to a Node echo server (it-length-prefixed-stream), reads them back while
// it writes, half-closes, and gets io.EOF once the server has seen the end.
func TestTCPOurClientTheirEchoServer(t *testing.T) {
	t.Parallel()
	srv := startServer(t, 0)
	msgs := echoMessages(3, echoCount)
	for _, writeBuffer := range []int{0, 1 << 16} {
		f := dial(t, srv.addr, frame.WithWriteBuffer(writeBuffer))
		written := make(chan error, 1)
		go func() {
			for _, m := range msgs {
				if err := f.WriteMsg(m); err != nil {
					written <- err
					return
				}
			}
			written <- f.CloseWrite()
		}()
		for i, want := range msgs {
			got, err := f.ReadMsgView()
			notHung(t, "reading echoes from the node server", err)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("write buffer %d: echo %d: %d bytes, %v; want %d bytes", writeBuffer, i, len(got), err, len(want))
			}
		}
		if err := <-written; err != nil {
			t.Fatalf("write buffer %d: writing: %v", writeBuffer, err)
		}
		if _, err := f.ReadMsg(); err != io.EOF {
			notHung(t, "waiting for the node server to close", err)
			t.Fatalf("write buffer %d: after the last echo: %v, want io.EOF", writeBuffer, err)
		}
		if ev := srv.next(t); ev.Event != "end" || ev.Count != len(msgs) {
			t.Fatalf("write buffer %d: node server reported %+v (error %v), want the end after %d messages",
				writeBuffer, ev, ev.Error, len(msgs))
		}
	}
}

// TestTCPTheirClientOurEchoServer sends thousands of messages from a Node
// client (it-length-prefixed-stream) to a Framer that echoes them, batching
// its replies: a read that has to wait sends the batch first.
func TestTCPTheirClientOurEchoServer(t *testing.T) {
	t.Parallel()
	msgs := echoMessages(4, echoCount)
	addr, done := ourEchoServer(t, frame.WithWriteBuffer(1<<16))
	r, got := runClient(t, addr, msgs, 0)
	if r.Sent != len(msgs) || r.Received != len(msgs) || r.ReadError != nil || r.WriteError != nil {
		t.Fatalf("node client: %+v (read error %v, write error %v), want %d messages both ways",
			r, r.ReadError, r.WriteError, len(msgs))
	}
	if d := sameMessages(got, msgs); d != "" {
		t.Fatalf("node client's echoes: %s", d)
	}
	if s := wait(t, done); s.count != len(msgs) || s.err != nil {
		t.Fatalf("our echo server read %d messages and ended with %v; want %d and io.EOF", s.count, s.err, len(msgs))
	}
}

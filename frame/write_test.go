package frame_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

func TestUnbatchedOneWritePerFrame(t *testing.T) {
	for _, size := range []int{0, 1, 100, 20000, 300000} {
		var wire bytes.Buffer
		s := &testkit.Stream{W: &wire}
		f := frame.New[codec.Uvarint](s)
		msg := repeat('m', size)
		if err := f.WriteMsg(msg); err != nil {
			t.Fatal(err)
		}
		if s.Writes != 1 {
			t.Fatalf("size %d: %d writes, want 1", size, s.Writes)
		}
		if want := encode[codec.Uvarint](t, msg); !bytes.Equal(wire.Bytes(), want) {
			t.Fatalf("size %d: wire differs from AppendFrame", size)
		}
	}
}

// vectored records the vectored writes it is given.
type vectored struct {
	testkit.Stream
	calls [][]int // lengths of the buffers of each call
	wire  bytes.Buffer
}

func (v *vectored) WriteBuffers(b *net.Buffers) (int64, error) {
	var lens []int
	for _, p := range *b {
		lens = append(lens, len(p))
	}
	v.calls = append(v.calls, lens)
	return b.WriteTo(&v.wire)
}

func TestLargeBodiesGoVectored(t *testing.T) {
	v := &vectored{}
	f := frame.New[codec.BE32](v)
	small, large := repeat('s', 100), repeat('L', 1<<20)
	if err := f.WriteMsg(large); err != nil {
		t.Fatal(err)
	}
	if len(v.calls) != 1 || len(v.calls[0]) != 2 || v.calls[0][0] != 4 || v.calls[0][1] != 1<<20 || v.Writes != 0 {
		t.Fatalf("vectored calls %v, plain writes %d; want one call with the header and the body", v.calls, v.Writes)
	}
	v.Stream.W = &v.wire
	if err := f.WriteMsg(small); err != nil {
		t.Fatal(err)
	}
	if len(v.calls) != 1 || v.Writes != 1 {
		t.Fatalf("a small body: %d vectored calls, %d writes; want it copied behind its header", len(v.calls), v.Writes)
	}
	if !bytes.Equal(v.wire.Bytes(), encode[codec.BE32](t, large, small)) {
		t.Fatal("wire differs")
	}
}

func TestLargeFrameOverTCP(t *testing.T) {
	a, b := testkit.TCPPair(t)
	w, r := frame.New[codec.BE32](a), frame.New[codec.BE32](b)
	msgs := [][]byte{repeat('1', 1<<20), repeat('2', 17), repeat('3', 64<<10)}
	go func() {
		for _, m := range msgs {
			if err := w.WriteMsg(m); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i, want := range msgs {
		got, err := r.ReadMsg()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("message %d: %d bytes, %v", i, len(got), err)
		}
	}
}

func TestBatching(t *testing.T) {
	var wire bytes.Buffer
	s := &testkit.Stream{W: &wire}
	f := frame.New[codec.BE16](s, frame.WithWriteBuffer(64))
	for i := 0; i < 3; i++ {
		if err := f.WriteMsg(repeat('a', 10)); err != nil { // 12 bytes a frame
			t.Fatal(err)
		}
	}
	if s.Writes != 0 {
		t.Fatalf("%d writes before the batch filled", s.Writes)
	}
	for i := 0; i < 3; i++ { // the fifth frame does not fit: the first four go
		f.WriteMsg(repeat('b', 10))
	}
	if s.Writes != 1 || wire.Len() != 60 {
		t.Fatalf("%d writes, %d bytes; want the first five frames in one write", s.Writes, wire.Len())
	}
	if err := f.Flush(); err != nil || s.Writes != 2 || wire.Len() != 72 {
		t.Fatalf("after Flush: %d writes, %d bytes, %v", s.Writes, wire.Len(), err)
	}
	if err := f.Flush(); err != nil || s.Writes != 2 {
		t.Fatalf("an empty Flush wrote: %d writes, %v", s.Writes, err)
	}
	// A frame larger than the batch goes on its own, after what is waiting.
	f.WriteMsg([]byte("x"))
	f.WriteMsg(repeat('c', 100))
	if s.Writes != 4 {
		t.Fatalf("%d writes; want the waiting frame, then the large one", s.Writes)
	}
	f.WriteMsg([]byte("last"))
	if err := f.Close(); err != nil || s.Writes != 5 || !s.Closed {
		t.Fatalf("Close: %v, %d writes, closed %v; want a flush and a close", err, s.Writes, s.Closed)
	}
	want := encode[codec.BE16](t, repeat('a', 10), repeat('a', 10), repeat('a', 10), repeat('b', 10), repeat('b', 10), repeat('b', 10), []byte("x"), repeat('c', 100), []byte("last"))
	if !bytes.Equal(wire.Bytes(), want) {
		t.Fatal("wire differs")
	}
}

func TestWriteAfterClose(t *testing.T) {
	f := frame.New[codec.BE32](&testkit.Stream{W: io.Discard})
	f.Close()
	err := f.WriteMsg([]byte("x"))
	if !errors.Is(err, net.ErrClosed) || !errors.Is(err, errs.ErrConnectionClosed) {
		t.Fatalf("%v", err)
	}
	if err := f.Flush(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Flush: %v", err)
	}
}

func TestWriteErrors(t *testing.T) {
	broken := errors.New("broken pipe")
	// Nothing went out: the error is returned and the Framer can go on.
	w := &testkit.FailingWriter{Limit: 0, Err: broken}
	f := frame.New[codec.BE8](&testkit.Stream{W: w})
	if err := f.WriteMsg([]byte("abc")); err != broken {
		t.Fatalf("%v", err)
	}
	w.Limit = 100
	if err := f.WriteMsg([]byte("abc")); err != nil {
		t.Fatalf("retry: %v", err)
	}
	// Part of a frame went out: the stream is out of step for good.
	w = &testkit.FailingWriter{Limit: 2, Err: broken}
	f = frame.New[codec.BE8](&testkit.Stream{W: w})
	if err := f.WriteMsg([]byte("abc")); err != broken {
		t.Fatalf("%v", err)
	}
	w.Limit = 100
	if err := f.WriteMsg([]byte("def")); err != broken {
		t.Fatalf("after a partial frame: %v, want the sticky error", err)
	}
	// A writer that reports a short write without an error.
	f = frame.New[codec.BE8](&testkit.Stream{W: shortWriter{}})
	if err := f.WriteMsg([]byte("abc")); err != io.ErrShortWrite {
		t.Fatalf("%v", err)
	}
	// A batch whose flush fails in part.
	w = &testkit.FailingWriter{Limit: 3, Err: broken}
	f = frame.New[codec.BE8](&testkit.Stream{W: w}, frame.WithWriteBuffer(100))
	f.WriteMsg([]byte("abc"))
	f.WriteMsg([]byte("def"))
	if err := f.Close(); err != broken {
		t.Fatalf("Close: %v", err)
	}
}

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) - 1, nil }

func TestConcurrentWritersNeverInterleave(t *testing.T) {
	for _, batch := range []int{0, 4096} {
		a, b := testkit.TCPPair(t)
		w := frame.New[codec.Uvarint](a, frame.WithWriteBuffer(batch))
		r := frame.New[codec.Uvarint](b)
		const writers, each = 8, 200
		var wg sync.WaitGroup
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				for j := 0; j < each; j++ {
					size := []int{0, 10, 3000, 70000}[j%4]
					msg := repeat(byte('A'+i), size)
					if len(msg) > 0 {
						msg[0] = byte(j)
					}
					if err := w.WriteMsg(msg); err != nil {
						t.Error(err)
						return
					}
				}
				w.Flush()
			}(i)
		}
		next := make([]int, writers) // the j each writer sends next
		for k := 0; k < writers*each; k++ {
			msg, err := r.ReadMsg()
			if err != nil {
				t.Fatal(err)
			}
			if len(msg) == 0 {
				continue
			}
			i := int(msg[len(msg)-1] - 'A')
			if i < 0 || i >= writers || !bytes.Equal(msg[1:], repeat(byte('A'+i), len(msg)-1)) {
				t.Fatalf("batch %d: message %d is mixed", batch, k)
			}
			for next[i]%4 == 0 { // zero-length messages carry no writer
				next[i]++
			}
			if int(msg[0]) != next[i]%256 {
				t.Fatalf("batch %d: writer %d: got message %d, want %d", batch, i, msg[0], next[i])
			}
			next[i]++
		}
		wg.Wait()
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	a, _ := testkit.TCPPair(t)
	f := frame.New[codec.BE32](a)
	done := make(chan error)
	go func() {
		_, err := f.ReadMsg()
		done <- err
	}()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("%v, want net.ErrClosed", err)
	}
}

func TestRemoteAddressPassthrough(t *testing.T) {
	if _, ok := frame.New[codec.BE32](&testkit.Stream{W: io.Discard}).RemoteAddress(); ok {
		t.Fatal("a stream without an address reported one")
	}
	if st := frame.New[codec.BE32](&testkit.Stream{W: io.Discard}).ConnState(); st.Transport != "" {
		t.Fatalf("%+v", st)
	}
}

// Frames that exactly fill the batch wait in it; only the next one sends it.
func TestBatchFilledExactly(t *testing.T) {
	var wire bytes.Buffer
	s := &testkit.Stream{W: &wire}
	f := frame.New[codec.BE16](s, frame.WithWriteBuffer(24))
	f.WriteMsg(repeat('a', 10)) // 12 bytes with its header
	f.WriteMsg(repeat('b', 10)) // the batch is now exactly full
	if s.Writes != 0 {
		t.Fatalf("%d writes for frames that fit the batch exactly", s.Writes)
	}
	f.WriteMsg(repeat('c', 22)) // 24 bytes: exactly the batch size, still batched
	if s.Writes != 1 || wire.Len() != 24 {
		t.Fatalf("%d writes, %d bytes; want the full batch sent once", s.Writes, wire.Len())
	}
	if err := f.Flush(); err != nil || s.Writes != 2 || wire.Len() != 48 {
		t.Fatalf("after Flush: %d writes, %d bytes, %v", s.Writes, wire.Len(), err)
	}
}

// Bodies from 16 KiB up go out in one vectored write, header and body, without
// being copied; smaller ones are copied behind their header.
func TestVectoredFromSixteenKiB(t *testing.T) {
	for _, tc := range []struct {
		n        int
		vectored bool
	}{{16<<10 - 1, false}, {16 << 10, true}} {
		v := &vectored{}
		v.Stream.W = &v.wire
		f := frame.New[codec.BE32](v)
		if err := f.WriteMsg(repeat('v', tc.n)); err != nil {
			t.Fatal(err)
		}
		if got := len(v.calls) == 1; got != tc.vectored || len(v.calls)+v.Writes != 1 {
			t.Errorf("%d-byte body: %d vectored calls, %d writes; want vectored %v", tc.n, len(v.calls), v.Writes, tc.vectored)
		}
	}
}

// A flush that sends nothing (a deadline, say) keeps the batch for the next
// Flush, which sends all of it.
func TestFailedFlushKeepsTheBatch(t *testing.T) {
	timeout := errors.New("i/o timeout")
	w := &testkit.FailingWriter{Limit: 0, Err: timeout}
	f := frame.New[codec.BE8](&testkit.Stream{W: w}, frame.WithWriteBuffer(100))
	f.WriteMsg([]byte("abc"))
	f.WriteMsg([]byte("de"))
	if err := f.Flush(); err != timeout {
		t.Fatalf("Flush: %v, want the stream's error", err)
	}
	w.Limit = 100
	if err := f.Flush(); err != nil {
		t.Fatalf("second Flush: %v", err)
	}
	if got, want := w.Got.String(), "\x03abc\x02de"; got != want {
		t.Fatalf("wire %q, want %q", got, want)
	}
}

// Write is WriteMsg with go-msgio's return values: len(p) and one frame per
// call, or 0 and WriteMsg's error, having written nothing.
func TestMsgioStyleWrite(t *testing.T) {
	var wire bytes.Buffer
	s := &testkit.Stream{W: &wire}
	f := frame.New[codec.BE16](s, frame.WithMaxSize(5))
	if n, err := f.Write([]byte("hello")); n != 5 || err != nil {
		t.Fatalf("Write: %d, %v", n, err)
	}
	var tooLarge *errs.MessageTooLargeError
	if n, err := f.Write([]byte("hello!")); n != 0 || !errors.As(err, &tooLarge) || tooLarge.Max != 5 {
		t.Fatalf("Write over the limit: %d, %v", n, err)
	}
	if got, want := wire.Bytes(), encode[codec.BE16](t, []byte("hello")); !bytes.Equal(got, want) || s.Writes != 1 {
		t.Fatalf("wire % x after %d writes, want % x once", got, s.Writes, want)
	}
}

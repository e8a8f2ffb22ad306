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
)

func TestUnbatchedOneWritePerFrame(t *testing.T) {
	for _, size := range []int{0, 1, 100, 20000, 300000} {
		var wire bytes.Buffer
		s := writing(&wire)
		f := frame.New[codec.Uvarint](s)
		msg := repeat('m', size)
		if err := f.WriteMsg(msg); err != nil {
			t.Fatal(err)
		}
		if s.writes != 1 {
			t.Fatalf("size %d: %d writes, want 1", size, s.writes)
		}
		if want := encode[codec.Uvarint](t, msg); !bytes.Equal(wire.Bytes(), want) {
			t.Fatalf("size %d: wire differs from AppendFrame", size)
		}
	}
}

// vectored records the vectored writes it is given.
type vectored struct {
	stream
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
	if len(v.calls) != 1 || len(v.calls[0]) != 2 || v.calls[0][0] != 4 || v.calls[0][1] != 1<<20 || v.writes != 0 {
		t.Fatalf("vectored calls %v, plain writes %d; want one call with the header and the body", v.calls, v.writes)
	}
	v.stream.w = &v.wire
	if err := f.WriteMsg(small); err != nil {
		t.Fatal(err)
	}
	if len(v.calls) != 1 || v.writes != 1 {
		t.Fatalf("a small body: %d vectored calls, %d writes; want it copied behind its header", len(v.calls), v.writes)
	}
	if !bytes.Equal(v.wire.Bytes(), encode[codec.BE32](t, large, small)) {
		t.Fatal("wire differs")
	}
}

func TestLargeFrameOverTCP(t *testing.T) {
	a, b := tcpPair(t)
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
	s := writing(&wire)
	f := frame.New[codec.BE16](s, frame.WithWriteBuffer(64))
	for i := 0; i < 3; i++ {
		if err := f.WriteMsg(repeat('a', 10)); err != nil { // 12 bytes a frame
			t.Fatal(err)
		}
	}
	if s.writes != 0 {
		t.Fatalf("%d writes before the batch filled", s.writes)
	}
	for i := 0; i < 3; i++ { // the fifth frame does not fit: the first four go
		f.WriteMsg(repeat('b', 10))
	}
	if s.writes != 1 || wire.Len() != 60 {
		t.Fatalf("%d writes, %d bytes; want the first five frames in one write", s.writes, wire.Len())
	}
	if err := f.Flush(); err != nil || s.writes != 2 || wire.Len() != 72 {
		t.Fatalf("after Flush: %d writes, %d bytes, %v", s.writes, wire.Len(), err)
	}
	if err := f.Flush(); err != nil || s.writes != 2 {
		t.Fatalf("an empty Flush wrote: %d writes, %v", s.writes, err)
	}
	// A frame larger than the batch goes on its own, after what is waiting.
	f.WriteMsg([]byte("x"))
	f.WriteMsg(repeat('c', 100))
	if s.writes != 4 {
		t.Fatalf("%d writes; want the waiting frame, then the large one", s.writes)
	}
	f.WriteMsg([]byte("last"))
	if err := f.Close(); err != nil || s.writes != 5 || !s.closed {
		t.Fatalf("Close: %v, %d writes, closed %v; want a flush and a close", err, s.writes, s.closed)
	}
	want := encode[codec.BE16](t, repeat('a', 10), repeat('a', 10), repeat('a', 10), repeat('b', 10), repeat('b', 10), repeat('b', 10), []byte("x"), repeat('c', 100), []byte("last"))
	if !bytes.Equal(wire.Bytes(), want) {
		t.Fatal("wire differs")
	}
}

func TestWriteAfterClose(t *testing.T) {
	f := frame.New[codec.BE32](writing(io.Discard))
	f.Close()
	err := f.WriteMsg([]byte("x"))
	if !errors.Is(err, net.ErrClosed) || !errors.Is(err, errs.ErrConnectionClosed) {
		t.Fatalf("%v", err)
	}
	if err := f.Flush(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Flush: %v", err)
	}
}

// failing accepts limit bytes, then fails every write with err.
type failing struct {
	limit int
	err   error
	got   bytes.Buffer
}

func (w *failing) Write(p []byte) (int, error) {
	if w.limit == 0 {
		return 0, w.err
	}
	n := min(len(p), w.limit)
	w.limit -= n
	w.got.Write(p[:n])
	if n < len(p) {
		return n, w.err
	}
	return n, nil
}

func TestWriteErrors(t *testing.T) {
	broken := errors.New("broken pipe")
	// Nothing went out: the error is returned and the Framer can go on.
	w := &failing{limit: 0, err: broken}
	f := frame.New[codec.BE8](writing(w))
	if err := f.WriteMsg([]byte("abc")); err != broken {
		t.Fatalf("%v", err)
	}
	w.limit = 100
	if err := f.WriteMsg([]byte("abc")); err != nil {
		t.Fatalf("retry: %v", err)
	}
	// Part of a frame went out: the stream is out of step for good.
	w = &failing{limit: 2, err: broken}
	f = frame.New[codec.BE8](writing(w))
	if err := f.WriteMsg([]byte("abc")); err != broken {
		t.Fatalf("%v", err)
	}
	w.limit = 100
	if err := f.WriteMsg([]byte("def")); err != broken {
		t.Fatalf("after a partial frame: %v, want the sticky error", err)
	}
	// A writer that reports a short write without an error.
	f = frame.New[codec.BE8](writing(shortWriter{}))
	if err := f.WriteMsg([]byte("abc")); err != io.ErrShortWrite {
		t.Fatalf("%v", err)
	}
	// A batch whose flush fails in part.
	w = &failing{limit: 3, err: broken}
	f = frame.New[codec.BE8](writing(w), frame.WithWriteBuffer(100))
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
		a, b := tcpPair(t)
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
	a, _ := tcpPair(t)
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
	if _, ok := frame.New[codec.BE32](writing(io.Discard)).RemoteAddress(); ok {
		t.Fatal("a stream without an address reported one")
	}
	if st := frame.New[codec.BE32](writing(io.Discard)).ConnState(); st.Transport != "" {
		t.Fatalf("%+v", st)
	}
}

// Frames that exactly fill the batch wait in it; only the next one sends it.
func TestBatchFilledExactly(t *testing.T) {
	var wire bytes.Buffer
	s := writing(&wire)
	f := frame.New[codec.BE16](s, frame.WithWriteBuffer(24))
	f.WriteMsg(repeat('a', 10)) // 12 bytes with its header
	f.WriteMsg(repeat('b', 10)) // the batch is now exactly full
	if s.writes != 0 {
		t.Fatalf("%d writes for frames that fit the batch exactly", s.writes)
	}
	f.WriteMsg(repeat('c', 22)) // 24 bytes: exactly the batch size, still batched
	if s.writes != 1 || wire.Len() != 24 {
		t.Fatalf("%d writes, %d bytes; want the full batch sent once", s.writes, wire.Len())
	}
	if err := f.Flush(); err != nil || s.writes != 2 || wire.Len() != 48 {
		t.Fatalf("after Flush: %d writes, %d bytes, %v", s.writes, wire.Len(), err)
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
		v.stream.w = &v.wire
		f := frame.New[codec.BE32](v)
		if err := f.WriteMsg(repeat('v', tc.n)); err != nil {
			t.Fatal(err)
		}
		if got := len(v.calls) == 1; got != tc.vectored || len(v.calls)+v.writes != 1 {
			t.Errorf("%d-byte body: %d vectored calls, %d writes; want vectored %v", tc.n, len(v.calls), v.writes, tc.vectored)
		}
	}
}

// A flush that sends nothing (a deadline, say) keeps the batch for the next
// Flush, which sends all of it.
func TestFailedFlushKeepsTheBatch(t *testing.T) {
	timeout := errors.New("i/o timeout")
	w := &failing{limit: 0, err: timeout}
	f := frame.New[codec.BE8](writing(w), frame.WithWriteBuffer(100))
	f.WriteMsg([]byte("abc"))
	f.WriteMsg([]byte("de"))
	if err := f.Flush(); err != timeout {
		t.Fatalf("Flush: %v, want the stream's error", err)
	}
	w.limit = 100
	if err := f.Flush(); err != nil {
		t.Fatalf("second Flush: %v", err)
	}
	if got, want := w.got.String(), "\x03abc\x02de"; got != want {
		t.Fatalf("wire %q, want %q", got, want)
	}
}

// A sealed write that fails before anything joins the batch (here the nonce
// counter is spent) leaves no empty write for Flush to send.
func TestFlushAfterFailedSealSendsNothing(t *testing.T) {
	enc, err := frame.NewAEADEncrypterAt(encGCM(t, encKeyAB, 12), encGCM(t, encKeyBA, 12), 1<<64-1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var wire bytes.Buffer
	s := writing(&wire)
	e := frame.NewEncrypted(frame.New[codec.BE16](s, frame.WithWriteBuffer(1024)), enc)
	if err := e.WriteMsg([]byte("first")); err != nil {
		t.Fatal(err) // counter 2^64-1: the last nonce
	}
	if err := e.Flush(); err != nil || s.writes != 1 {
		t.Fatalf("Flush: %v after %d writes", err, s.writes)
	}
	if err := e.WriteMsg([]byte("second")); !errors.Is(err, errs.ErrNonceExhausted) {
		t.Fatalf("WriteMsg with the counter spent: %v", err)
	}
	if err := e.Flush(); err != nil || s.writes != 1 {
		t.Fatalf("Flush with nothing waiting: %v, %d writes; want no new write", err, s.writes)
	}
}

// Write is WriteMsg with go-msgio's return values: len(p) and one frame per
// call, or 0 and WriteMsg's error, having written nothing.
func TestMsgioStyleWrite(t *testing.T) {
	var wire bytes.Buffer
	s := writing(&wire)
	f := frame.New[codec.BE16](s, frame.WithMaxSize(5))
	if n, err := f.Write([]byte("hello")); n != 5 || err != nil {
		t.Fatalf("Write: %d, %v", n, err)
	}
	var tooLarge *errs.MessageTooLargeError
	if n, err := f.Write([]byte("hello!")); n != 0 || !errors.As(err, &tooLarge) || tooLarge.Max != 5 {
		t.Fatalf("Write over the limit: %d, %v", n, err)
	}
	if got, want := wire.Bytes(), encode[codec.BE16](t, []byte("hello")); !bytes.Equal(got, want) || s.writes != 1 {
		t.Fatalf("wire % x after %d writes, want % x once", got, s.writes, want)
	}
}

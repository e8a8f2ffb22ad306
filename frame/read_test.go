package frame_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// readModes are the read-buffer sizes every read test runs under: exact, the
// smallest, one that makes large frames go around the buffer, the default.
var readModes = []int{0, 16, 100, 4096, frame.DefaultReadBuffer}

func encode[L codec.LengthCodec](t testing.TB, msgs ...[]byte) []byte {
	t.Helper()
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = frame.AppendFrame[L](b, m); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// readers are the ways to read one message; each returns a copy.
var readers = map[string]func(*frame.Framer[codec.Uvarint]) ([]byte, error){
	"ReadMsg":   (*frame.Framer[codec.Uvarint]).ReadMsg,
	"AppendMsg": func(f *frame.Framer[codec.Uvarint]) ([]byte, error) { return f.AppendMsg([]byte{}) },
	"ReadMsgView": func(f *frame.Framer[codec.Uvarint]) ([]byte, error) {
		v, err := f.ReadMsgView()
		return bytes.Clone(v), err
	},
	"Read": func(f *frame.Framer[codec.Uvarint]) ([]byte, error) {
		p := make([]byte, 300000)
		n, err := f.Read(p)
		return p[:n], err
	},
}

func TestRoundTripEveryReader(t *testing.T) {
	msgs := [][]byte{{}, []byte("a"), repeat('b', 127), repeat('c', 128), {}, repeat('d', 5000), repeat('e', 200000), []byte("end")}
	stream := encode[codec.Uvarint](t, msgs...)
	for name, read := range readers {
		for _, rb := range readModes {
			f := frame.New[codec.Uvarint](testkit.Reading(stream), frame.WithReadBuffer(rb))
			for i, want := range msgs {
				got, err := read(f)
				if err != nil || !bytes.Equal(got, want) || got == nil && name != "Read" {
					t.Fatalf("%s, buffer %d, message %d: %d bytes (nil %v), %v; want %d bytes", name, rb, i, len(got), got == nil, err, len(want))
				}
			}
			if got, err := read(f); err != io.EOF || len(got) != 0 {
				t.Fatalf("%s, buffer %d: after the last message: %q, %v; want io.EOF", name, rb, got, err)
			}
		}
	}
}

func TestZeroLengthIsAMessage(t *testing.T) {
	var wire bytes.Buffer
	w := frame.New[codec.BE32](&testkit.Stream{W: &wire})
	if err := w.WriteMsg(nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wire.Bytes(), []byte{0, 0, 0, 0}) {
		t.Fatalf("wire % x", wire.Bytes())
	}
	for _, rb := range readModes {
		r := frame.New[codec.BE32](testkit.Reading(wire.Bytes()), frame.WithReadBuffer(rb))
		msg, err := r.ReadMsg()
		if err != nil || msg == nil || len(msg) != 0 {
			t.Fatalf("buffer %d: %v, %v; want an empty non-nil message", rb, msg, err)
		}
		view, err := frame.New[codec.BE32](testkit.Reading(wire.Bytes()), frame.WithReadBuffer(rb)).ReadMsgView()
		if err != nil || view == nil || len(view) != 0 {
			t.Fatalf("buffer %d: view %v, %v; want an empty non-nil message", rb, view, err)
		}
		if _, err := r.ReadMsg(); err != io.EOF {
			t.Fatalf("buffer %d: %v, want io.EOF", rb, err)
		}
	}
}

func TestTruncationAtEveryByte(t *testing.T) {
	msgs := [][]byte{[]byte("hi"), {}, repeat('x', 200), []byte("bye")}
	full := encode[codec.Uvarint](t, msgs...)
	// Frame boundaries and, for each byte, what a cut there leaves.
	type cut struct {
		whole    int   // messages before the cut
		part     error // nil at a boundary
		expected int
		received int
	}
	var cuts []cut
	for i, m := range msgs {
		hdr := codec.Uvarint{}.AppendLength(nil, uint64(len(m)))
		cuts = append(cuts, cut{whole: i})
		for k := 1; k < len(hdr); k++ {
			cuts = append(cuts, cut{i, errs.ErrMissingLength, k + 1, k})
		}
		for k := 0; k < len(m); k++ {
			cuts = append(cuts, cut{i, errs.ErrMissingMessage, len(m), k})
		}
	}
	if len(cuts) != len(full) {
		t.Fatalf("test bug: %d cuts for %d bytes", len(cuts), len(full))
	}
	for at, want := range cuts {
		for _, rb := range readModes {
			f := frame.New[codec.Uvarint](&testkit.Stream{R: bytes.NewReader(full[:at]), Steps: []int{1}}, frame.WithReadBuffer(rb))
			for i := 0; i < want.whole; i++ {
				if got, err := f.ReadMsg(); err != nil || !bytes.Equal(got, msgs[i]) {
					t.Fatalf("cut at %d, buffer %d: message %d: %q, %v", at, rb, i, got, err)
				}
			}
			_, err := f.ReadMsg()
			if want.part == nil {
				if err != io.EOF {
					t.Fatalf("cut at %d (a boundary), buffer %d: %v, want io.EOF", at, rb, err)
				}
				continue
			}
			var ir *errs.IncompleteReadError
			if !errors.As(err, &ir) || ir.Part != want.part || ir.Expected != want.expected || ir.Received != want.received {
				t.Fatalf("cut at %d, buffer %d: %v; want %v expected %d received %d", at, rb, err, want.part, want.expected, want.received)
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, want.part) {
				t.Fatalf("cut at %d: %v does not match io.ErrUnexpectedEOF and its part", at, err)
			}
			if _, again := f.ReadMsg(); again != err {
				t.Fatalf("cut at %d, buffer %d: the error is not sticky: %v then %v", at, rb, err, again)
			}
		}
	}
}

func TestHeaderWithoutBody(t *testing.T) {
	for _, rb := range readModes {
		f := frame.New[codec.BE16](testkit.Reading([]byte{0, 10}), frame.WithReadBuffer(rb))
		if n, err := f.NextMsgLen(); n != 10 || err != nil {
			t.Fatalf("NextMsgLen = %d, %v", n, err)
		}
		_, err := f.ReadMsg()
		var ir *errs.IncompleteReadError
		if !errors.As(err, &ir) || ir.Expected != 10 || ir.Received != 0 || !ir.IsCleanClose() || !errors.Is(err, errs.ErrMissingMessage) {
			t.Fatalf("buffer %d: %v; want a missing message, 0 of 10", rb, err)
		}
	}
}

func TestFixedHeaderTruncated(t *testing.T) {
	f := frame.New[codec.BE32](testkit.Reading([]byte{0, 0}))
	_, err := f.NextMsgLen()
	var ir *errs.IncompleteReadError
	if !errors.As(err, &ir) || ir.Expected != 4 || ir.Received != 2 || !errors.Is(err, errs.ErrMissingLength) {
		t.Fatalf("%v; want a missing length, 2 of 4", err)
	}
}

func TestNextMsgLenIsIdempotent(t *testing.T) {
	for _, rb := range readModes {
		src := &testkit.Stream{R: bytes.NewReader(encode[codec.Uvarint](t, repeat('a', 300), []byte("b")))}
		f := frame.New[codec.Uvarint](src, frame.WithReadBuffer(rb))
		for i := 0; i < 3; i++ {
			if n, err := f.NextMsgLen(); n != 300 || err != nil {
				t.Fatalf("buffer %d, call %d: %d, %v", rb, i, n, err)
			}
		}
		if rb == 0 && src.BytesRead != 2 {
			t.Fatalf("exact mode: NextMsgLen read %d bytes, want the 2-byte header", src.BytesRead)
		}
		if msg, err := f.ReadMsg(); len(msg) != 300 || err != nil {
			t.Fatalf("buffer %d: %d, %v", rb, len(msg), err)
		}
		if n, err := f.NextMsgLen(); n != 1 || err != nil {
			t.Fatalf("buffer %d: next %d, %v", rb, n, err)
		}
	}
}

func TestMalformedVarintIsSticky(t *testing.T) {
	for _, rb := range readModes {
		f := frame.New[codec.Uvarint](testkit.Reading(append(encode[codec.Uvarint](t, []byte("ok")), 0x80, 0x00, 'x')), frame.WithReadBuffer(rb))
		if msg, err := f.ReadMsg(); string(msg) != "ok" || err != nil {
			t.Fatalf("%q, %v", msg, err)
		}
		_, err := f.ReadMsg()
		if !errors.Is(err, errs.ErrMalformedLength) {
			t.Fatalf("buffer %d: %v", rb, err)
		}
		if _, again := f.NextMsgLen(); again != err {
			t.Fatalf("buffer %d: not sticky: %v", rb, again)
		}
	}
}

func TestExactModeNeverReadsAhead(t *testing.T) {
	msgs := [][]byte{repeat('a', 200), {}, []byte("xyz")}
	wire := encode[codec.Uvarint](t, msgs...)
	tail := []byte("another protocol")
	src := &testkit.Stream{R: bytes.NewReader(append(wire, tail...))}
	f := frame.New[codec.Uvarint](src, frame.WithReadBuffer(0))
	pos := 0
	for _, m := range msgs {
		got, err := f.ReadMsg()
		if err != nil || !bytes.Equal(got, m) {
			t.Fatal(err)
		}
		pos += codec.Uvarint{}.HeaderSize(uint64(len(m))) + len(m)
		if src.BytesRead != pos {
			t.Fatalf("after a frame ending at %d the stream is at %d", pos, src.BytesRead)
		}
	}
	rest, _ := io.ReadAll(src.R)
	if !bytes.Equal(rest, tail) {
		t.Fatalf("hand-off lost bytes: %q", rest)
	}
}

func TestBufferedHandOff(t *testing.T) {
	wire := encode[codec.BE16](t, []byte("one"), []byte("two"))
	tail := []byte("raw bytes of the next protocol")
	src := testkit.Reading(append(wire, tail...))
	f := frame.New[codec.BE16](src)
	for _, want := range []string{"one", "two"} {
		if got, err := f.ReadMsg(); string(got) != want || err != nil {
			t.Fatalf("%q, %v", got, err)
		}
	}
	rest, _ := io.ReadAll(src.R)
	if got := append(bytes.Clone(f.Buffered()), rest...); !bytes.Equal(got, tail) {
		t.Fatalf("Buffered plus the stream = %q, want %q", got, tail)
	}
}

func TestReadShortBuffer(t *testing.T) {
	for _, rb := range readModes {
		f := frame.New[codec.BE32](testkit.Reading(encode[codec.BE32](t, []byte("hello"))), frame.WithReadBuffer(rb))
		p := make([]byte, 4)
		if n, err := f.Read(p); n != 0 || err != io.ErrShortBuffer {
			t.Fatalf("%d, %v; want io.ErrShortBuffer", n, err)
		}
		p = make([]byte, 5)
		if n, err := f.Read(p); n != 5 || err != nil || string(p) != "hello" {
			t.Fatalf("after a short buffer: %d, %v, %q", n, err, p)
		}
	}
}

// onceErr fails its first read with err, then reads from r.
type onceErr struct {
	r   io.Reader
	err error
}

func (o *onceErr) Read(p []byte) (int, error) {
	if err := o.err; err != nil {
		o.err = nil
		return 0, err
	}
	return o.r.Read(p)
}

func TestErrorAtBoundaryIsRetryable(t *testing.T) {
	timeout := errors.New("i/o timeout")
	for _, rb := range readModes {
		f := frame.New[codec.BE16](&testkit.Stream{R: &onceErr{bytes.NewReader(encode[codec.BE16](t, []byte("late"))), timeout}}, frame.WithReadBuffer(rb))
		if _, err := f.ReadMsg(); err != timeout {
			t.Fatalf("buffer %d: %v, want the stream's error as it is", rb, err)
		}
		if msg, err := f.ReadMsg(); string(msg) != "late" || err != nil {
			t.Fatalf("buffer %d: retry got %q, %v", rb, msg, err)
		}
	}
}

func TestDataArrivingWithEOF(t *testing.T) {
	f := frame.New[codec.BE8](&testkit.Stream{R: iotest.DataErrReader(bytes.NewReader(encode[codec.BE8](t, []byte("a"), []byte("b"))))})
	for _, want := range []string{"a", "b"} {
		if msg, err := f.ReadMsg(); string(msg) != want || err != nil {
			t.Fatalf("%q, %v", msg, err)
		}
	}
	if _, err := f.ReadMsg(); err != io.EOF {
		t.Fatalf("%v, want io.EOF", err)
	}
}

func TestNoProgress(t *testing.T) {
	for _, rb := range readModes {
		if _, err := frame.New[codec.BE32](&testkit.Stream{R: bytes.NewReader(nil), Steps: []int{0}}, frame.WithReadBuffer(rb)).ReadMsg(); err != io.ErrNoProgress {
			t.Fatalf("buffer %d: %v, want io.ErrNoProgress", rb, err)
		}
	}
}

func TestMessagesIterator(t *testing.T) {
	f := frame.New[codec.Uvarint](testkit.Reading(encode[codec.Uvarint](t, []byte("a"), []byte{}, []byte("c"))))
	var got []string
	for msg, err := range f.Messages() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(msg))
	}
	if len(got) != 3 || got[0] != "a" || got[1] != "" || got[2] != "c" {
		t.Fatalf("%q", got)
	}

	// A truncated frame is yielded as an error, and ends the loop.
	f = frame.New[codec.Uvarint](testkit.Reading([]byte{1, 'a', 5, 'b'}))
	var errCount, msgCount int
	for _, err := range f.Messages() {
		if err != nil {
			errCount++
			if !errors.Is(err, errs.ErrMissingMessage) {
				t.Fatal(err)
			}
		} else {
			msgCount++
		}
	}
	if msgCount != 1 || errCount != 1 {
		t.Fatalf("%d messages, %d errors", msgCount, errCount)
	}

	// Breaking out early stops reading.
	f = frame.New[codec.Uvarint](testkit.Reading(encode[codec.Uvarint](t, []byte("a"), []byte("b"))))
	for range f.Messages() {
		break
	}
	if msg, err := f.ReadMsg(); string(msg) != "b" || err != nil {
		t.Fatalf("%q, %v", msg, err)
	}
}

// A peeked zero-length message is still pending: in exact mode its header is
// already consumed, so the next read must not decode another one.
func TestPeekedEmptyMessage(t *testing.T) {
	for _, rb := range readModes {
		f := frame.New[codec.BE8](testkit.Reading([]byte{0, 1, 'a'}), frame.WithReadBuffer(rb))
		if n, err := f.NextMsgLen(); n != 0 || err != nil {
			t.Fatalf("buffer %d: NextMsgLen = %d, %v", rb, n, err)
		}
		if msg, err := f.ReadMsg(); len(msg) != 0 || err != nil {
			t.Fatalf("buffer %d: %q, %v; want the empty message", rb, msg, err)
		}
		if msg, err := f.ReadMsg(); string(msg) != "a" || err != nil {
			t.Fatalf("buffer %d: %q, %v; want \"a\"", rb, msg, err)
		}
	}
}

package frame_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

func TestMaxSizeClipping(t *testing.T) {
	cases := []struct {
		got, want int
	}{
		{frame.New[codec.BE16](testkit.Reading(nil)).MaxSize(), 65535},
		{frame.New[codec.BE8](testkit.Reading(nil), frame.WithMaxSize(1000)).MaxSize(), 255},
		{frame.New[codec.BE32](testkit.Reading(nil)).MaxSize(), frame.DefaultMaxSize},
		{frame.New[codec.Uvarint](testkit.Reading(nil), frame.WithMaxSize(10)).MaxSize(), 10},
		{frame.New[codec.BE64](testkit.Reading(nil), frame.WithMaxSize(math.MaxInt)).MaxSize(), math.MaxInt},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: MaxSize() = %d, want %d", i, c.got, c.want)
		}
	}
}

func TestOversizedRejectedBeforeBody(t *testing.T) {
	huge := []struct {
		name string
		wire []byte
		size uint64
	}{
		{"uvarint 2^63-1", codec.Uvarint{}.AppendLength(nil, 1<<63-1), 1<<63 - 1},
		{"uvarint max+1", codec.Uvarint{}.AppendLength(nil, 1<<20+1), 1<<20 + 1},
	}
	for _, h := range huge {
		for _, rb := range readModes {
			body := repeat('z', 4096)
			src := &testkit.Stream{R: bytes.NewReader(append(h.wire, body...))}
			f := frame.New[codec.Uvarint](src, frame.WithMaxSize(1<<20), frame.WithReadBuffer(rb))
			var err error
			if n := testkit.Allocated(func() { _, err = f.ReadMsg() }); n > 64<<10 {
				t.Errorf("%s, buffer %d: rejecting allocated %d bytes", h.name, rb, n)
			}
			var tl *errs.MessageTooLargeError
			if !errors.As(err, &tl) || tl.Size != h.size || tl.Max != 1<<20 {
				t.Fatalf("%s, buffer %d: %v", h.name, rb, err)
			}
			if rb == 0 && src.BytesRead != len(h.wire) {
				t.Fatalf("%s: exact mode read %d bytes, want only the %d-byte header", h.name, src.BytesRead, len(h.wire))
			}
			if rb > 0 && src.BytesRead > rb {
				t.Fatalf("%s: read %d bytes with a %d-byte buffer", h.name, src.BytesRead, rb)
			}
			// Without WithSkipOversized the stream is out of step for good.
			if _, again := f.ReadMsg(); again != err {
				t.Fatalf("%s: not sticky: %v", h.name, again)
			}
		}
	}
	// A BE64 length above what a slice can hold.
	f := frame.New[codec.BE64](testkit.Reading([]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}), frame.WithMaxSize(math.MaxInt))
	var tl *errs.MessageTooLargeError
	if _, err := f.ReadMsg(); !errors.As(err, &tl) || tl.Size != math.MaxUint64 || tl.Max != math.MaxInt {
		t.Fatalf("BE64 2^64-1: %v", err)
	}
}

func TestLiarCannotForceAllocation(t *testing.T) {
	// The peer declares 8 MiB, the limit, and sends 10 bytes.
	wire := append(codec.Uvarint{}.AppendLength(nil, frame.DefaultMaxSize), repeat('x', 10)...)
	for _, rb := range readModes {
		for name, read := range readers {
			if name == "Read" {
				continue // the caller's buffer
			}
			f := frame.New[codec.Uvarint](testkit.Reading(wire), frame.WithReadBuffer(rb))
			var err error
			if n := testkit.Allocated(func() { _, err = read(f) }); n > 256<<10 {
				t.Errorf("%s, buffer %d: allocated %d bytes for 10 received", name, rb, n)
			}
			var ir *errs.IncompleteReadError
			if !errors.As(err, &ir) || ir.Expected != frame.DefaultMaxSize || ir.Received != 10 {
				t.Fatalf("%s, buffer %d: %v", name, rb, err)
			}
		}
	}
}

func TestSkipOversized(t *testing.T) {
	big := repeat('B', 5000)
	wire := encode[codec.BE32](t, []byte("before"), big, []byte("after"), big)
	for _, rb := range readModes {
		f := frame.New[codec.BE32](testkit.Reading(wire), frame.WithMaxSize(100), frame.WithSkipOversized(), frame.WithReadBuffer(rb))
		if msg, err := f.ReadMsg(); string(msg) != "before" || err != nil {
			t.Fatalf("%q, %v", msg, err)
		}
		var tl *errs.MessageTooLargeError
		if _, err := f.ReadMsg(); !errors.As(err, &tl) || tl.Size != 5000 || tl.Max != 100 {
			t.Fatalf("buffer %d: %v", rb, err)
		}
		if msg, err := f.ReadMsg(); string(msg) != "after" || err != nil {
			t.Fatalf("buffer %d: after a skipped frame: %q, %v", rb, msg, err)
		}
		if _, err := f.NextMsgLen(); !errors.As(err, &tl) {
			t.Fatalf("buffer %d: %v", rb, err)
		}
		if _, err := f.ReadMsg(); err != io.EOF {
			t.Fatalf("buffer %d: %v, want io.EOF after the last skipped frame", rb, err)
		}
	}
	// A skipped frame cut short is a missing message.
	f := frame.New[codec.BE32](testkit.Reading(encode[codec.BE32](t, big)[:1000]), frame.WithMaxSize(100), frame.WithSkipOversized())
	f.ReadMsg()
	var ir *errs.IncompleteReadError
	if _, err := f.ReadMsg(); !errors.As(err, &ir) || ir.Expected != 5000 || ir.Received != 996 || ir.Part != errs.ErrMissingMessage {
		t.Fatalf("%v", err)
	}
}

func TestSkipNeverBuffersWhole(t *testing.T) {
	wire := append(encode[codec.BE32](t, repeat('B', 4<<20)), encode[codec.BE32](t, []byte("next"))...)
	f := frame.New[codec.BE32](testkit.Reading(wire), frame.WithMaxSize(1024), frame.WithSkipOversized())
	f.ReadMsg()
	var msg []byte
	var err error
	if n := testkit.Allocated(func() { msg, err = f.ReadMsg() }); n > 256<<10 {
		t.Errorf("skipping 4 MiB allocated %d bytes", n)
	}
	if string(msg) != "next" || err != nil {
		t.Fatalf("%q, %v", msg, err)
	}
}

func TestWriteAboveMaxWritesNothing(t *testing.T) {
	for _, batch := range []int{0, 1 << 10} {
		var wire bytes.Buffer
		s := &testkit.Stream{W: &wire}
		f := frame.New[codec.BE16](s, frame.WithWriteBuffer(batch))
		err := f.WriteMsg(make([]byte, 65536))
		var tl *errs.MessageTooLargeError
		if !errors.As(err, &tl) || tl.Size != 65536 || tl.Max != 65535 {
			t.Fatalf("%v", err)
		}
		if err := f.Flush(); err != nil || wire.Len() != 0 || s.Writes != 0 {
			t.Fatalf("batch %d: %d bytes in %d writes went out", batch, wire.Len(), s.Writes)
		}
		// The Framer is still usable.
		if err := f.WriteMsg([]byte("ok")); err != nil {
			t.Fatal(err)
		}
		f.Flush()
		if !bytes.Equal(wire.Bytes(), []byte{0, 2, 'o', 'k'}) {
			t.Fatalf("% x", wire.Bytes())
		}
	}
	f := frame.New[codec.Uvarint](&testkit.Stream{W: io.Discard}, frame.WithMaxSize(3))
	if err := f.WriteMsg([]byte("four")); !errors.Is(err, errs.ErrMessageTooLarge) {
		t.Fatal(err)
	}
}

func TestAppendFrameLimit(t *testing.T) {
	dst := []byte("keep")
	out, err := frame.AppendFrame[codec.BE8](dst, make([]byte, 256))
	var tl *errs.MessageTooLargeError
	if !errors.As(err, &tl) || tl.Size != 256 || tl.Max != 255 || string(out) != "keep" {
		t.Fatalf("%q, %v", out, err)
	}
	out, err = frame.AppendFrame[codec.BE8](dst, make([]byte, 255))
	if err != nil || len(out) != 4+1+255 || out[4] != 255 {
		t.Fatalf("%d bytes, %v", len(out), err)
	}
}

func TestReadLength(t *testing.T) {
	src := &testkit.Stream{R: bytes.NewReader([]byte{0xAC, 0x02, 'x'})}
	if n, err := frame.ReadLength[codec.Uvarint](src); n != 300 || err != nil || src.BytesRead != 2 {
		t.Fatalf("%d, %v, read %d bytes", n, err, src.BytesRead)
	}
	if _, err := frame.ReadLength[codec.BE32](testkit.Reading(nil)); err != io.EOF {
		t.Fatalf("%v, want io.EOF", err)
	}
	var ir *errs.IncompleteReadError
	if _, err := frame.ReadLength[codec.BE32](testkit.Reading([]byte{1, 2, 3})); !errors.As(err, &ir) || ir.Expected != 4 || ir.Received != 3 || ir.Part != errs.ErrMissingLength {
		t.Fatalf("%v", err)
	}
	if _, err := frame.ReadLength[codec.Uvarint](testkit.Reading([]byte{0x80, 0x00})); !errors.Is(err, errs.ErrMalformedLength) {
		t.Fatalf("%v", err)
	}
}

// A large body read into the caller's slice grows with what arrives and
// stops at the declared length: the last step adds only what is missing, so
// the slice does not end up twice the message.
func TestAppendMsgGrowsToTheBodyOnly(t *testing.T) {
	for _, n := range []int{64<<10 + 1, 128<<10 + 1, 1<<20 + 1} {
		msg := repeat('g', n)
		for _, rb := range []int{0, 4096} {
			f := frame.New[codec.BE32](testkit.Reading(encode[codec.BE32](t, msg)), frame.WithReadBuffer(rb))
			got, err := f.AppendMsg(nil)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("%d bytes, read buffer %d: got %d bytes, %v", n, rb, len(got), err)
			}
			if cap(got) > n+n/8 {
				t.Errorf("%d-byte body, read buffer %d: capacity %d", n, rb, cap(got))
			}
		}
	}
}

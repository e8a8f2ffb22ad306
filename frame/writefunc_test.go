package frame_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"pgregory.net/rapid"
)

// A frame built in place is byte for byte the frame WriteMsg writes for the
// same body, whatever bound was given, batched or not, for every codec: the
// header is the body's actual length, even when the bound needs a longer one.
func TestWriteMsgFuncMatchesWriteMsg(t *testing.T) {
	t.Run("BE8", writeFuncMatches[codec.BE8])
	t.Run("BE16", writeFuncMatches[codec.BE16])
	t.Run("BE32", writeFuncMatches[codec.BE32])
	t.Run("LE64", writeFuncMatches[codec.LE64])
	t.Run("Uvarint", writeFuncMatches[codec.Uvarint])
}

func writeFuncMatches[L codec.LengthCodec](t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		batch := rapid.SampledFrom([]int{0, 64, 4096}).Draw(t, "batch")
		var built, written bytes.Buffer
		fb := frame.New[L](&testkit.Stream{W: &built}, frame.WithWriteBuffer(batch), frame.WithMaxSize(40000))
		fw := frame.New[L](&testkit.Stream{W: &written}, frame.WithWriteBuffer(batch), frame.WithMaxSize(40000))
		for _, msg := range rapid.SliceOfN(rapid.SliceOfN(rapid.Byte(), 0, 20000), 1, 6).Draw(t, "msgs") {
			if len(msg) > fb.MaxSize() {
				continue
			}
			bound := rapid.IntRange(len(msg), fb.MaxSize()).Draw(t, "bound")
			err := fb.WriteMsgFunc(bound, testkit.AppendBody(t, msg, bound, rapid.Bool().Draw(t, "own slice")))
			if err != nil {
				t.Fatal(err)
			}
			if err := fw.WriteMsg(msg); err != nil {
				t.Fatal(err)
			}
		}
		if err := errors.Join(fb.Flush(), fw.Flush()); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(built.Bytes(), written.Bytes()) {
			t.Fatalf("built in place: % x\nwritten: % x", built.Bytes(), written.Bytes())
		}
	})
}

// What fails writes nothing and leaves the Framer usable: a bound above the
// limit (before the body is built), a builder's error (returned as it is),
// and a body longer than its bound.
func TestWriteMsgFuncFailuresWriteNothing(t *testing.T) {
	for _, batch := range []int{0, 4096} {
		var wire bytes.Buffer
		f := frame.New[codec.Uvarint](&testkit.Stream{W: &wire}, frame.WithWriteBuffer(batch), frame.WithMaxSize(100))
		called := false
		err := f.WriteMsgFunc(101, func(dst []byte) ([]byte, error) { called = true; return dst, nil })
		var tooLarge *errs.MessageTooLargeError
		if !errors.As(err, &tooLarge) || tooLarge.Size != 101 || tooLarge.Max != 100 || called {
			t.Errorf("batch %d: bound over the limit: %v, builder called: %v", batch, err, called)
		}
		mine := errors.New("cannot marshal")
		if err := f.WriteMsgFunc(10, func(dst []byte) ([]byte, error) { return append(dst, "half"...), mine }); err != mine {
			t.Errorf("batch %d: builder's error: got %v, want it as it is", batch, err)
		}
		err = f.WriteMsgFunc(3, func(dst []byte) ([]byte, error) { return append(dst, "four"...), nil })
		if !errors.As(err, &tooLarge) || tooLarge.Size != 4 || tooLarge.Max != 3 {
			t.Errorf("batch %d: body over its bound: %v", batch, err)
		}
		if err := f.WriteMsgFunc(5, func(dst []byte) ([]byte, error) { return append(dst, "after"...), nil }); err != nil {
			t.Fatal(err)
		}
		if err := f.Flush(); err != nil {
			t.Fatal(err)
		}
		if want := "\x05after"; wire.String() != want {
			t.Errorf("batch %d: wire %q, want only %q", batch, wire.String(), want)
		}
	}
}

// Builders run under the write lock: concurrent WriteMsgFunc and WriteMsg
// calls never interleave their frames, and the order in which builders ran
// is the order of the frames.
func TestWriteMsgFuncOrderIsWireOrder(t *testing.T) {
	a, b := testkit.TCPPair(t)
	w, r := frame.New[codec.BE16](a), frame.New[codec.BE16](b)
	const writers, each = 4, 100
	var order []byte // builders' sequence numbers, in the order they ran
	done := make(chan error, writers)
	for i := range writers {
		go func() {
			for range each {
				done <- w.WriteMsgFunc(1, func(dst []byte) ([]byte, error) {
					order = append(order, byte(len(order)))
					return append(dst, order[len(order)-1]), nil
				})
				if i == 0 {
					done <- w.WriteMsg([]byte("plain"))
				}
			}
		}()
	}
	for range writers*each + each {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	next := byte(0)
	for range writers*each + each {
		msg, err := r.ReadMsg()
		if err != nil {
			t.Fatal(err)
		}
		if string(msg) == "plain" {
			continue
		}
		if len(msg) != 1 || msg[0] != next {
			t.Fatalf("frame %q, want the builder that ran %dth", msg, next)
		}
		next++
	}
}

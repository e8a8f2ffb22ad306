package secure_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/secure"
	"pgregory.net/rapid"
)

// A plaintext built in place with WriteMsgFunc goes on the wire exactly as
// WriteMsg would send it, over every kind of inner stream, whatever the bound
// and whether the builder appends to its argument or returns a slice of its
// own; the peer opens every message.
func TestEncryptedWriteMsgFuncMatchesWriteMsg(tt *testing.T) {
	tt.Parallel()
	rapid.Check(tt, func(t *rapid.T) {
		inners := encInners[codec.Uvarint]()
		kind := rapid.SampledFrom([]string{"framer", "appender", "opaque"}).Draw(t, "inner")
		built, written := new(testkit.Buffer), new(testkit.Buffer)
		encB, _ := encPair(tt, 0)
		encW, peer := encPair(tt, 0)
		eb := secure.NewEncrypted(inners[kind](frame.New[codec.Uvarint](built, frame.WithMaxSize(1<<16))), encB)
		ew := secure.NewEncrypted(frame.New[codec.Uvarint](written, frame.WithMaxSize(1<<16)), encW)
		msgs := rapid.SliceOfN(rapid.SliceOfN(rapid.Byte(), 0, 3000), 1, 5).Draw(t, "msgs")
		for _, msg := range msgs {
			bound := rapid.IntRange(len(msg), min(eb.MaxSize(), 1<<16-16)).Draw(t, "bound")
			err := eb.WriteMsgFunc(bound, testkit.AppendBody(t, msg, bound, rapid.Bool().Draw(t, "own slice")))
			if err != nil {
				t.Fatal(err)
			}
			if err := ew.WriteMsg(msg); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(built.Bytes(), written.Bytes()) {
			t.Fatalf("built in place and sealed: % x\nwritten: % x", built.Bytes(), written.Bytes())
		}
		r := secure.NewEncrypted(frame.New[codec.Uvarint](built, frame.WithMaxSize(1<<16)), peer)
		for i, want := range msgs {
			if got, err := r.ReadMsg(); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("message %d: %q, %v", i, got, err)
			}
		}
	})
}

// A builder that fails, a plaintext over its bound and a bound over the limit
// write nothing, spend no nonce, and leave the session usable: they are not
// sticky, unlike an error of the inner stream.
func TestEncryptedWriteMsgFuncFailuresAreNotSticky(t *testing.T) {
	t.Parallel()
	wire := new(testkit.Buffer)
	a, b := encPair(t, 0)
	w := secure.NewEncrypted(frame.New[codec.BE16](wire), a)
	mine := errors.New("cannot marshal")
	if err := w.WriteMsgFunc(10, func(dst []byte) ([]byte, error) { return append(dst, "half"...), mine }); err != mine {
		t.Errorf("builder's error: %v, want it as it is", err)
	}
	var tooLarge *errs.MessageTooLargeError
	err := w.WriteMsgFunc(3, func(dst []byte) ([]byte, error) { return append(dst, "four"...), nil })
	if !errors.As(err, &tooLarge) || tooLarge.Size != 4 || tooLarge.Max != 3 {
		t.Errorf("plaintext over its bound: %v", err)
	}
	called := false
	err = w.WriteMsgFunc(w.MaxSize()+1, func(dst []byte) ([]byte, error) { called = true; return dst, nil })
	if !errors.As(err, &tooLarge) || tooLarge.Max != uint64(w.MaxSize()) || called {
		t.Errorf("bound over the limit: %v, builder called: %v", err, called)
	}
	if wire.Len() != 0 {
		t.Fatalf("%d bytes written by failed writes", wire.Len())
	}
	if err := w.WriteMsgFunc(5, func(dst []byte) ([]byte, error) { return append(dst, "after"...), nil }); err != nil {
		t.Fatal(err)
	}
	r := secure.NewEncrypted(frame.New[codec.BE16](wire), b)
	if got, err := r.ReadMsg(); err != nil || string(got) != "after" {
		t.Fatalf("%q, %v: the first message did not open under the first nonce", got, err)
	}
}

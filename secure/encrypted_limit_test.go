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
)

// An inner limit equal to the overhead leaves room for empty plaintexts
// only; one byte less leaves room for nothing, and NewEncrypted refuses it.
func TestEncryptedInnerLimitAtTheOverhead(t *testing.T) {
	a, b := encPair(t, 0)
	var wire bytes.Buffer
	w := secure.NewEncrypted(frame.New[codec.BE8](&testkit.Stream{W: &wire}, frame.WithMaxSize(16)), a)
	if w.MaxSize() != 0 {
		t.Fatalf("MaxSize() = %d, want 0", w.MaxSize())
	}
	if err := w.WriteMsg(nil); err != nil {
		t.Fatal(err)
	}
	r := secure.NewEncrypted(frame.New[codec.BE8](testkit.Reading(wire.Bytes()), frame.WithMaxSize(16)), b)
	if msg, err := r.ReadMsg(); err != nil || len(msg) != 0 {
		t.Fatalf("%q, %v", msg, err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("an inner limit below the overhead was accepted")
		}
	}()
	secure.NewEncrypted(frame.New[codec.BE8](&testkit.Stream{W: &wire}, frame.WithMaxSize(15)), a)
}

func TestEncryptedMessagesRangesOverAll(t *testing.T) {
	a, b := encPair(t, 0)
	var wire bytes.Buffer
	w := secure.NewEncrypted(frame.New[codec.Uvarint](&testkit.Stream{W: &wire}), a)
	for _, m := range []string{"one", "", "three"} {
		if err := w.WriteMsg([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	r := secure.NewEncrypted(frame.New[codec.Uvarint](testkit.Reading(wire.Bytes())), b)
	var got []string
	for msg, err := range r.Messages() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(msg))
	}
	if len(got) != 3 || got[0] != "one" || got[1] != "" || got[2] != "three" {
		t.Fatalf("%q", got)
	}
}

// xorEncrypter is an Encrypter with no overhead (and no security): it shows
// that the layer works with any Encrypter, not only the AEAD one.
type xorEncrypter struct{}

func (xorEncrypter) Encrypt(dst, p []byte) ([]byte, error) { return xorAppend(dst, p), nil }
func (xorEncrypter) Decrypt(dst, c []byte) ([]byte, error) { return xorAppend(dst, c), nil }
func (xorEncrypter) Overhead() int                         { return 0 }

func xorAppend(dst, src []byte) []byte {
	for _, b := range src {
		dst = append(dst, b^0x5A)
	}
	return dst
}

func TestEncryptedWithoutOverhead(t *testing.T) {
	var wire bytes.Buffer
	w := secure.NewEncrypted(frame.New[codec.BE8](&testkit.Stream{W: &wire}), xorEncrypter{})
	if w.MaxSize() != 255 {
		t.Fatalf("MaxSize() = %d, want the inner 255", w.MaxSize())
	}
	if err := w.WriteMsg([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	if want := []byte{2, 'h' ^ 0x5A, 'i' ^ 0x5A}; !bytes.Equal(wire.Bytes(), want) {
		t.Fatalf("wire % x, want % x", wire.Bytes(), want)
	}
	r := secure.NewEncrypted(frame.New[codec.BE8](testkit.Reading(wire.Bytes())), xorEncrypter{})
	if msg, err := r.ReadMsg(); string(msg) != "hi" || err != nil {
		t.Fatalf("%q, %v", msg, err)
	}
}

// dstRecorder is an xorEncrypter that keeps the dst each Encrypt was given.
type dstRecorder struct {
	xorEncrypter
	dst []byte
}

func (r *dstRecorder) Encrypt(dst, p []byte) ([]byte, error) {
	r.dst = dst
	return r.xorEncrypter.Encrypt(dst, p)
}

// Any Encrypter, not only the library's own, seals straight into the frame a
// Framer sends: the dst it is handed lies right behind the frame's header in
// the very buffer that goes to the stream.
func TestThirdPartyEncrypterSealsInPlace(t *testing.T) {
	s := &testkit.Stream{}
	enc := &dstRecorder{}
	w := secure.NewEncrypted(frame.New[codec.BE16](s), enc)
	if err := w.WriteMsg([]byte("in place")); err != nil {
		t.Fatal(err)
	}
	if len(s.LastWrite) != 2+len("in place") || &enc.dst[:1][0] != &s.LastWrite[2] {
		t.Fatalf("Encrypt's dst is not the frame's body: the sealed message was copied")
	}
}

// keeper is an inner stream whose ReadMsgView lends bytes it still needs:
// every view is a slice of kept, which must stay as it was.
type keeper struct {
	frame.MsgReadWriteCloser
	kept [][]byte
}

func (k *keeper) ReadMsgView() ([]byte, error) {
	m, err := k.ReadMsg()
	if err != nil {
		return nil, err
	}
	k.kept = append(k.kept, m)
	return m, nil
}

// The layer only reads what an inner stream's ReadMsgView lends it: opening
// a message never writes into the inner stream's memory, whichever way the
// message is read.
func TestInnerViewsAreNotOverwritten(t *testing.T) {
	a, b := encPair(t, 0)
	msgs := [][]byte{[]byte("one"), []byte("two"), []byte("three")}
	wire := encWire[codec.BE16](t, a, msgs...)
	inner := &keeper{MsgReadWriteCloser: frame.New[codec.BE16](testkit.Reading(wire))}
	r := secure.NewEncrypted(inner, b)
	reads := []func() ([]byte, error){r.ReadMsgView, r.ReadMsg, func() ([]byte, error) { return r.AppendMsg(nil) }}
	frames, headers := encFrames[codec.BE16](t, wire)
	for i, read := range reads {
		if got, err := read(); err != nil || !bytes.Equal(got, msgs[i]) {
			t.Fatalf("read %d: %q, %v", i, got, err)
		}
		if sealed := frames[i][headers[i]:]; !bytes.Equal(inner.kept[i], sealed) {
			t.Fatalf("read %d: the inner stream's view was overwritten: % x, was % x", i, inner.kept[i], sealed)
		}
	}
}

// Over a Framer with a read limit apart from its write limit, MaxSize is the
// plaintext a read lets through and MaxWriteSize what WriteMsg and
// WriteMsgFunc accept, each the inner limit minus the overhead.
func TestEncryptedAsymmetricInnerLimits(t *testing.T) {
	a, _ := encPair(t, 0)
	var wire bytes.Buffer
	inner := frame.New[codec.BE32](&testkit.Stream{W: &wire}, frame.WithMaxReadSize(100), frame.WithMaxWriteSize(1000))
	w := secure.NewEncrypted(inner, a)
	if w.MaxSize() != 100-16 || w.MaxWriteSize() != 1000-16 {
		t.Fatalf("MaxSize() = %d, MaxWriteSize() = %d, want 84 and 984", w.MaxSize(), w.MaxWriteSize())
	}
	if err := w.WriteMsg(make([]byte, 984)); err != nil {
		t.Fatal(err)
	}
	var tl *errs.MessageTooLargeError
	if err := w.WriteMsg(make([]byte, 985)); !errors.As(err, &tl) || tl.Size != 985 || tl.Max != 984 {
		t.Fatal(err)
	}
	if err := w.WriteMsgFunc(985, nil); !errors.As(err, &tl) || tl.Size != 985 || tl.Max != 984 {
		t.Fatal(err)
	}
	if wire.Len() != 4+1000 {
		t.Fatalf("%d bytes on the wire", wire.Len())
	}
}

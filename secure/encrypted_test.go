package secure_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/secure"
)

// encRoundTrip sends msgs from A to B, B echoes each one back, and A checks
// the echoes; B reads with every read method in turn. ca and cb are the two
// ends of one stream.
func encRoundTrip[L codec.LengthCodec](t *testing.T, ca, cb net.Conn, wrap func(*frame.Framer[L]) frame.MsgReadWriteCloser,
	maxPlain int, opts ...frame.Option) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // a message stuck in a batch fails the test
	ca.SetDeadline(deadline)
	cb.SetDeadline(deadline)
	ea, eb := encPair(t, 0)
	innerA := wrap(frame.New[L](ca, opts...))
	a := secure.NewEncrypted(innerA, ea)
	b := secure.NewEncrypted(wrap(frame.New[L](cb, opts...)), eb)
	wantMax := math.MaxInt - 16 // no limit known without the inner's MaxSize
	if _, ok := innerA.(interface{ MaxSize() int }); ok {
		wantMax = maxPlain
	}
	if a.MaxSize() != wantMax {
		t.Fatalf("MaxSize() = %d, want %d", a.MaxSize(), wantMax)
	}
	msgs := [][]byte{{}, []byte("hello"), bytes.Repeat([]byte("0123456789"), 100), {}, bytes.Repeat([]byte{'m'}, maxPlain),
		[]byte("bye")}
	errc := make(chan error, 2)
	go func() {
		for _, m := range msgs {
			if err := a.WriteMsg(m); err != nil {
				errc <- fmt.Errorf("A write: %w", err)
				return
			}
		}
		errc <- nil
	}()
	go func() {
		for i := range msgs {
			var got []byte
			var err error
			switch i % 3 {
			case 0:
				got, err = b.ReadMsg()
				if err == nil && got == nil {
					err = errors.New("ReadMsg returned nil")
				}
			case 1:
				got, err = b.AppendMsg([]byte("prefix"))
				if err == nil && !bytes.HasPrefix(got, []byte("prefix")) {
					err = errors.New("AppendMsg lost the prefix")
				}
				got = got[6:]
			case 2:
				got, err = b.ReadMsgView()
			}
			if err != nil {
				errc <- fmt.Errorf("B read %d: %w", i, err)
				return
			}
			if err := b.WriteMsg(got); err != nil {
				errc <- fmt.Errorf("B write %d: %w", i, err)
				return
			}
		}
		errc <- nil
	}()
	for i, m := range msgs {
		got, err := a.ReadMsg()
		if err != nil {
			t.Fatalf("A read %d: %v (%v)", i, err, <-errc)
		}
		if !bytes.Equal(got, m) {
			t.Fatalf("echo %d: %d bytes, want %d", i, len(got), len(m))
		}
	}
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ReadMsg(); err != io.EOF {
		t.Fatalf("read after the peer closed: %v, want io.EOF", err)
	}
}

func TestEncryptedRoundTrip(t *testing.T) {
	t.Parallel()
	transports := map[string]func(t *testing.T) (net.Conn, net.Conn){
		"pipe": func(*testing.T) (net.Conn, net.Conn) { return net.Pipe() },
		"tcp":  func(t *testing.T) (net.Conn, net.Conn) { return testkit.TCPPair(t) },
	}
	for tname, transport := range transports {
		for iname, wrap := range encInners[codec.BE16]() {
			t.Run(tname+"/be16/"+iname, func(t *testing.T) {
				t.Parallel()
				ca, cb := transport(t)
				encRoundTrip(t, ca, cb, wrap, 65535-16)
			})
		}
		for iname, wrap := range encInners[codec.Uvarint]() {
			t.Run(tname+"/uvarint/"+iname, func(t *testing.T) {
				t.Parallel()
				ca, cb := transport(t)
				encRoundTrip(t, ca, cb, wrap, 1<<20-16, frame.WithMaxSize(1<<20))
			})
		}
		t.Run(tname+"/uvarint/batched", func(t *testing.T) {
			t.Parallel()
			ca, cb := transport(t)
			// Every WriteMsg of a batched Framer must be flushed for the echo
			// to go on: wrap it in something that flushes.
			wrap := func(f *frame.Framer[codec.Uvarint]) frame.MsgReadWriteCloser { return encFlushing{f} }
			encRoundTrip(t, ca, cb, wrap, 1<<20-16, frame.WithMaxSize(1<<20), frame.WithWriteBuffer(4096))
		})
	}
}

// encFlushing flushes a batched Framer after each message. It changes what
// WriteMsg does, so it overrides the Framer's WriteMsgFunc too, as package
// frame asks of a type that embeds a Framer.
type encFlushing struct{ *frame.Framer[codec.Uvarint] }

func (f encFlushing) WriteMsg(msg []byte) error {
	if err := f.Framer.WriteMsg(msg); err != nil {
		return err
	}
	return f.Flush()
}

func (f encFlushing) WriteMsgFunc(maxLen int, appendBody func([]byte) ([]byte, error)) error {
	if err := f.Framer.WriteMsgFunc(maxLen, appendBody); err != nil {
		return err
	}
	return f.Flush()
}

// A type that embeds a Framer and overrides its write methods is written
// through its own methods, not the Framer's.
func TestEncryptedOverFramerWrapper(t *testing.T) {
	t.Parallel()
	ea, eb := encPair(t, 0)
	var wire testkit.Buffer
	w := secure.NewEncrypted(encFlushing{frame.New[codec.Uvarint](&wire, frame.WithWriteBuffer(4096))}, ea)
	if err := w.WriteMsg([]byte("flushed by the wrapper")); err != nil {
		t.Fatal(err)
	}
	r, _ := encReading[codec.Uvarint](wire.Bytes(), eb)
	if got, err := r.ReadMsg(); err != nil || string(got) != "flushed by the wrapper" {
		t.Fatalf("%q, %v: the wrapper's WriteMsg was bypassed", got, err)
	}
}

func TestEncryptedBatchedFramer(t *testing.T) {
	t.Parallel()
	ea, eb := encPair(t, 0)
	var wire testkit.Buffer
	w := secure.NewEncrypted(frame.New[codec.BE32](&wire, frame.WithWriteBuffer(256)), ea)
	msgs := [][]byte{[]byte("one"), {}, bytes.Repeat([]byte{'b'}, 200), bytes.Repeat([]byte{'c'}, 1000), []byte("last")}
	for _, m := range msgs[:3] {
		if err := w.WriteMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	if wire.Len() != 4+3+16+4+16 { // the third did not fit: the first two went out
		t.Fatalf("%d bytes on the wire after three writes into a 256-byte batch", wire.Len())
	}
	for _, m := range msgs[3:] {
		if err := w.WriteMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r, _ := encReading[codec.BE32](wire.Bytes(), eb)
	for i, m := range msgs {
		if got, err := r.ReadMsg(); err != nil || !bytes.Equal(got, m) {
			t.Fatalf("message %d: %q, %v", i, got, err)
		}
	}
}

func TestEncryptedPassesThroughAddressAndState(t *testing.T) {
	t.Parallel()
	ca, cb := testkit.TCPPair(t)
	ea, _ := encPair(t, 0)
	e := secure.NewEncrypted(frame.New[codec.BE16](encAddressed{ca}), ea)
	addr, ok := e.RemoteAddress()
	if want := cb.LocalAddr().(*net.TCPAddr).AddrPort(); !ok || addr != want {
		t.Fatalf("RemoteAddress() = %v, %v; want %v", addr, ok, want)
	}
	if st := e.ConnState(); st.Transport != "tcp" {
		t.Fatalf("ConnState() = %+v", st)
	}
	stacked := secure.NewEncrypted(e, ea)
	if got, ok := stacked.RemoteAddress(); !ok || got != addr {
		t.Fatalf("stacked RemoteAddress() = %v, %v", got, ok)
	}
	plain := secure.NewEncrypted(frame.New[codec.BE16](ca), ea) // a bare *net.TCPConn reports nothing
	if got, ok := plain.RemoteAddress(); ok || got != (netip.AddrPort{}) {
		t.Fatalf("RemoteAddress() without a RemoteAddresser = %v, %v", got, ok)
	}
	if st := plain.ConnState(); st != (conn.State{}) {
		t.Fatalf("ConnState() without a StateReporter = %+v", st)
	}
	if st := secure.NewEncrypted(encOpaque{e}, ea).ConnState(); st != (conn.State{}) {
		t.Fatalf("ConnState() of an inner stream without ConnState = %+v", st)
	}
}

func TestEncryptedStacks(t *testing.T) {
	t.Parallel()
	ca, cb := net.Pipe()
	ca.SetDeadline(time.Now().Add(30 * time.Second)) // a write nobody reads fails the test
	outerA, outerB := encPair(t, 0)
	innerA, innerB := encPair(t, 7)
	a := secure.NewEncrypted(secure.NewEncrypted(frame.New[codec.BE16](ca), innerA), outerA)
	b := secure.NewEncrypted(secure.NewEncrypted(frame.New[codec.BE16](cb), innerB), outerB)
	if a.MaxSize() != 65535-32 {
		t.Fatalf("MaxSize() = %d, want %d", a.MaxSize(), 65535-32)
	}
	msgs := [][]byte{[]byte("twice sealed"), {}, bytes.Repeat([]byte{'s'}, 65535-32)}
	go func() {
		for _, m := range msgs {
			if err := a.WriteMsg(m); err != nil {
				return
			}
		}
	}()
	for i, m := range msgs {
		got, err := b.ReadMsgView()
		if err != nil || !bytes.Equal(got, m) {
			t.Fatalf("message %d: %d bytes, %v", i, len(got), err)
		}
	}
	if err := a.WriteMsg(make([]byte, 65535-31)); !errors.Is(err, errs.ErrMessageTooLarge) {
		t.Fatalf("oversized write through two layers: %v", err)
	}
}

func TestEncryptedDetectsEveryByteFlip(t *testing.T) {
	t.Parallel()
	t.Run("be16", encTestFlips[codec.BE16])
	t.Run("uvarint", encTestFlips[codec.Uvarint])
}

func encTestFlips[L codec.LengthCodec](t *testing.T) {
	t.Parallel()
	secret := []byte("second message, secret")
	a, _ := encPair(t, 0)
	wire := encWire[L](t, a, []byte("first"), secret, []byte("third"))
	frames, headers := encFrames[L](t, wire)
	target := len(frames[0]) // the second frame starts here
	for pos := target; pos < target+len(frames[1]); pos++ {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			tampered := bytes.Clone(wire)
			tampered[pos] ^= mask
			_, b := encPair(t, 0)
			r, _ := encReading[L](tampered, b)
			if got, err := r.ReadMsg(); err != nil || string(got) != "first" {
				t.Fatalf("first message: %q, %v", got, err)
			}
			got, err := r.ReadMsg()
			if err == nil {
				t.Fatalf("byte %d ^ %#x: read %q, want an error", pos-target, mask, got)
			}
			if pos >= target+headers[1] && !errors.Is(err, errs.ErrDecryptionFailed) {
				t.Fatalf("body byte %d ^ %#x: %v, want errs.ErrDecryptionFailed", pos-target-headers[1], mask, err)
			}
			if got != nil || strings.Contains(err.Error(), "secret") {
				t.Fatalf("byte %d ^ %#x: leaked %q, %v", pos-target, mask, got, err)
			}
		}
	}
}

func TestEncryptedDetectsReplayReorderDrop(t *testing.T) {
	t.Parallel()
	a, _ := encPair(t, 0)
	other, _ := encPair(t, 0)
	if _, err := other.Encrypt(nil, nil); err != nil { // another session's keys, one message on
		t.Fatal(err)
	}
	msgs := [][]byte{[]byte("m0"), []byte("m1"), []byte("m2"), []byte("m3")}
	f, _ := encFrames[codec.BE16](t, encWire[codec.BE16](t, a, msgs...))
	alien, _ := encFrames[codec.BE16](t, encWire[codec.BE16](t, encMustOther(t), []byte("m1")))
	cases := []struct {
		name   string
		frames [][]byte
		good   int // messages read before the failure
	}{
		{"replay", [][]byte{f[0], f[1], f[1], f[2]}, 2},
		{"replay first", [][]byte{f[0], f[0]}, 1},
		{"reorder", [][]byte{f[0], f[2], f[1], f[3]}, 1},
		{"drop", [][]byte{f[0], f[1], f[3]}, 2},
		{"drop first", [][]byte{f[1], f[2]}, 0},
		{"swap first two", [][]byte{f[1], f[0]}, 0},
		{"other session", [][]byte{f[0], alien[0]}, 1},
	}
	for _, c := range cases {
		_, b := encPair(t, 0)
		r, _ := encReading[codec.BE16](bytes.Join(c.frames, nil), b)
		for i := 0; i < c.good; i++ {
			if got, err := r.ReadMsg(); err != nil || !bytes.Equal(got, msgs[i]) {
				t.Fatalf("%s: message %d: %q, %v", c.name, i, got, err)
			}
		}
		if got, err := r.ReadMsg(); !errors.Is(err, errs.ErrDecryptionFailed) || !errors.Is(err, errs.ErrIO) {
			t.Fatalf("%s: message %d: %q, %v; want errs.ErrDecryptionFailed", c.name, c.good, got, err)
		}
	}
}

// encMustOther returns the sending encrypter of a session with other keys.
func encMustOther(t *testing.T) secure.Encrypter {
	e, err := secure.NewAEADEncrypter(encGCM(t, []byte("another-key-0123"), 12), encGCM(t, []byte("another-key-3210"), 12))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEncryptedFailureIsSticky(t *testing.T) {
	t.Parallel()
	for iname, wrap := range encInners[codec.Uvarint]() {
		a, b := encPair(t, 0)
		f, headers := encFrames[codec.Uvarint](t, encWire[codec.Uvarint](t, a, []byte("m0"), []byte("m1"), []byte("m2")))
		bad := bytes.Clone(f[1])
		bad[headers[1]] ^= 1
		// The genuine frame follows the bad one: it must not be read.
		wire := bytes.Join([][]byte{f[0], bad, f[1], f[2]}, nil)
		src := bytes.NewReader(wire)
		r := secure.NewEncrypted(wrap(frame.New[codec.Uvarint](&testkit.Stream{R: src}, frame.WithReadBuffer(0))), b)
		if got, err := r.ReadMsg(); err != nil || string(got) != "m0" {
			t.Fatalf("%s: first message: %q, %v", iname, got, err)
		}
		_, failure := r.ReadMsg()
		if !errors.Is(failure, errs.ErrDecryptionFailed) {
			t.Fatalf("%s: tampered message: %v", iname, failure)
		}
		left := src.Len()
		reads := map[string]func() error{
			"ReadMsg":     func() error { _, err := r.ReadMsg(); return err },
			"AppendMsg":   func() error { _, err := r.AppendMsg(nil); return err },
			"ReadMsgView": func() error { _, err := r.ReadMsgView(); return err },
			"Messages": func() error {
				var errsSeen []error
				for msg, err := range r.Messages() {
					if msg != nil {
						return errors.New("Messages yielded a message")
					}
					errsSeen = append(errsSeen, err)
				}
				if len(errsSeen) != 1 {
					return fmt.Errorf("Messages yielded %d errors, want 1", len(errsSeen))
				}
				return errsSeen[0]
			},
		}
		for name, read := range reads {
			if err := read(); err != failure {
				t.Errorf("%s: %s after the failure: %v, want the same failure", iname, name, err)
			}
		}
		if src.Len() != left {
			t.Errorf("%s: %d more bytes read from the stream after the failure", iname, left-src.Len())
		}
	}
}

func TestEncryptedNonceExhaustion(t *testing.T) {
	t.Parallel()
	for iname, wrap := range encInners[codec.BE16]() {
		a, b := encPair(t, math.MaxUint64-1)
		var wire testkit.Buffer
		w := secure.NewEncrypted(wrap(frame.New[codec.BE16](&wire)), a)
		for i := 0; i < 2; i++ {
			if err := w.WriteMsg([]byte("near the end")); err != nil {
				t.Fatalf("%s: message %d: %v", iname, i, err)
			}
		}
		sent := wire.Len()
		for i := 0; i < 2; i++ {
			err := w.WriteMsg([]byte("one too many"))
			if !errors.Is(err, errs.ErrNonceExhausted) || !errors.Is(err, errs.ErrIO) {
				t.Fatalf("%s: write past the end: %v, want ErrNonceExhausted", iname, err)
			}
			if wire.Len() != sent {
				t.Fatalf("%s: the failed write put %d bytes on the wire", iname, wire.Len()-sent)
			}
		}
		// The last nonce's message arrives; anything after it is refused,
		// here a frame sealed with counter 0, which the end must not wrap to.
		first := encWire[codec.BE16](t, encMustPairAt(t, 0), []byte("wrapped"))
		r, _ := encReading[codec.BE16](append(bytes.Clone(wire.Bytes()), first...), b)
		for i := 0; i < 2; i++ {
			if got, err := r.ReadMsg(); err != nil || string(got) != "near the end" {
				t.Fatalf("%s: message %d: %q, %v", iname, i, got, err)
			}
		}
		if got, err := r.ReadMsg(); !errors.Is(err, errs.ErrNonceExhausted) {
			t.Fatalf("%s: read past the end: %q, %v; want ErrNonceExhausted", iname, got, err)
		}
	}
}

// encMustPairAt returns A's encrypter of the test session with its counters at start.
func encMustPairAt(t *testing.T, start uint64) secure.Encrypter {
	a, _ := encPair(t, start)
	return a
}

func TestEncryptedConcurrentWriters(t *testing.T) {
	t.Parallel()
	const writers, each = 8, 150
	cases := map[string]func(*frame.Framer[codec.Uvarint]) frame.MsgReadWriteCloser{
		"framer": func(f *frame.Framer[codec.Uvarint]) frame.MsgReadWriteCloser { return f },
		"opaque": func(f *frame.Framer[codec.Uvarint]) frame.MsgReadWriteCloser { return encOpaque{f} },
	}
	for name, wrap := range cases {
		for _, batch := range []int{0, 8192} {
			t.Run(fmt.Sprintf("%s/batch%d", name, batch), func(t *testing.T) {
				t.Parallel()
				ca, cb := testkit.TCPPair(t)
				ea, eb := encPair(t, 0)
				fa := frame.New[codec.Uvarint](ca, frame.WithWriteBuffer(batch))
				w := secure.NewEncrypted(wrap(fa), ea)
				r := secure.NewEncrypted(frame.New[codec.Uvarint](cb), eb)
				var wg sync.WaitGroup
				errc := make(chan error, writers)
				for id := 0; id < writers; id++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for seq := 0; seq < each; seq++ {
							msg := fmt.Appendf(nil, "%d:%d:", id, seq)
							msg = append(msg, bytes.Repeat([]byte{byte(id)}, seq*131%5000)...)
							if err := w.WriteMsg(msg); err != nil {
								errc <- err
								return
							}
						}
					}()
				}
				go func() {
					wg.Wait()
					if err := fa.Flush(); err != nil { // encOpaque hides Flush
						errc <- err
					}
					close(errc)
				}()
				next := make([]int, writers)
				for i := 0; i < writers*each; i++ {
					msg, err := r.ReadMsgView()
					if err != nil {
						t.Fatalf("message %d: %v (writers: %v)", i, err, <-errc)
					}
					var id, seq int
					if _, err := fmt.Sscanf(string(msg), "%d:%d:", &id, &seq); err != nil || id < 0 || id >= writers {
						t.Fatalf("message %d: garbled", i)
					}
					if seq != next[id] {
						t.Fatalf("writer %d: message %d arrived after %d", id, seq, next[id]-1)
					}
					next[id]++
				}
				for err := range errc {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestEncryptedPlaintextNeverOnWire(t *testing.T) {
	t.Parallel()
	marker := []byte("PLAINTEXT-MARKER")
	msgs := [][]byte{marker, {}, bytes.Repeat(marker, 4000), append([]byte("prefix "), marker...)}
	ca, cb := testkit.TCPPair(t)
	ea, eb := encPair(t, 0)
	w := secure.NewEncrypted(frame.New[codec.BE32](ca), ea)
	go func() {
		for _, m := range msgs {
			if w.WriteMsg(m) != nil {
				break
			}
		}
		w.Close()
	}()
	wire, err := io.ReadAll(cb)
	if err != nil {
		t.Fatal(err)
	}
	for _, probe := range [][]byte{marker, marker[:8], marker[8:], []byte("prefix")} {
		if bytes.Contains(wire, probe) {
			t.Fatalf("%q found on the wire", probe)
		}
	}
	// And what was captured is the session itself.
	r, _ := encReading[codec.BE32](wire, eb)
	for i, m := range msgs {
		if got, err := r.ReadMsg(); err != nil || !bytes.Equal(got, m) {
			t.Fatalf("message %d: %d bytes, %v", i, len(got), err)
		}
	}
	if _, err := r.ReadMsg(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

func TestEncryptedPrintsNoKeys(t *testing.T) {
	t.Parallel()
	a, b := encPair(t, math.MaxUint64)
	var wire testkit.Buffer
	w := secure.NewEncrypted(frame.New[codec.BE16](&wire), a)
	var texts []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d", "%q"} {
		out := fmt.Sprintf(verb, w)
		if !strings.HasPrefix(out, "encrypted(aead-encrypter(") {
			t.Errorf("%s printed %q", verb, out)
		}
		texts = append(texts, out)
	}
	texts = append(texts, fmt.Sprintf("%v", struct{ E *secure.Encrypted }{w}))
	for _, m := range [][]byte{[]byte("ok"), []byte("exhausted"), make([]byte, 70000)} {
		if err := w.WriteMsg(m); err != nil {
			texts = append(texts, err.Error())
		}
	}
	r, _ := encReading[codec.BE16](append(bytes.Clone(wire.Bytes()), wire.Bytes()...), b)
	for {
		if _, err := r.ReadMsg(); err != nil {
			texts = append(texts, err.Error())
			break
		}
	}
	if len(texts) != 7+1+2+1 {
		t.Fatalf("test bug: %d texts: %q", len(texts), texts)
	}
	for _, text := range texts {
		for _, key := range [][]byte{encKeyAB, encKeyBA} {
			for _, leak := range encKeyForms(key) {
				if strings.Contains(text, leak) {
					t.Errorf("key in %q", text)
				}
			}
		}
	}
}

func TestEncryptedZeroLengthMessages(t *testing.T) {
	t.Parallel()
	a, b := encPair(t, 0)
	wire := encWire[codec.Uvarint](t, a, nil, []byte{}, []byte("x"), nil)
	frames, headers := encFrames[codec.Uvarint](t, wire)
	if len(frames) != 4 || len(frames[0])-headers[0] != 16 {
		t.Fatalf("empty message sent as %d frames, first %d bytes", len(frames), len(frames[0]))
	}
	r, _ := encReading[codec.Uvarint](wire, b)
	if got, err := r.ReadMsg(); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("ReadMsg: %q (nil %v), %v; want an empty, non-nil message", got, got == nil, err)
	}
	if got, err := r.AppendMsg([]byte("p")); err != nil || string(got) != "p" {
		t.Fatalf("AppendMsg: %q, %v", got, err)
	}
	if got, err := r.ReadMsgView(); err != nil || string(got) != "x" {
		t.Fatalf("ReadMsgView: %q, %v", got, err)
	}
	if got, err := r.ReadMsgView(); err != nil || len(got) != 0 {
		t.Fatalf("ReadMsgView: %q, %v", got, err)
	}
	if _, err := r.ReadMsg(); err != io.EOF {
		t.Fatalf("end: %v, want io.EOF", err)
	}
}

func TestEncryptedOversizeWritesNothing(t *testing.T) {
	t.Parallel()
	check := func(name string, w *secure.Encrypted, wire *testkit.Buffer, b secure.Encrypter, reading func([]byte, secure.Encrypter) *secure.Encrypted, limit int) {
		t.Helper()
		if w.MaxSize() != limit {
			t.Fatalf("%s: MaxSize() = %d, want %d", name, w.MaxSize(), limit)
		}
		err := w.WriteMsg(make([]byte, limit+1))
		var tooLarge *errs.MessageTooLargeError
		if !errors.As(err, &tooLarge) || tooLarge.Size != uint64(limit+1) || tooLarge.Max != uint64(limit) {
			t.Fatalf("%s: %v, want a MessageTooLargeError{%d, %d}", name, err, limit+1, limit)
		}
		if wire.Len() != 0 {
			t.Fatalf("%s: %d bytes written", name, wire.Len())
		}
		// No nonce was spent and the session goes on.
		msg := bytes.Repeat([]byte{'z'}, limit)
		if err := w.WriteMsg(msg); err != nil {
			t.Fatalf("%s: message at the limit: %v", name, err)
		}
		if got, err := reading(wire.Bytes(), b).ReadMsg(); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("%s: %d bytes, %v", name, len(got), err)
		}
	}
	{
		a, b := encPair(t, 0)
		var wire testkit.Buffer
		w := secure.NewEncrypted(frame.New[codec.BE16](&wire), a)
		check("be16", w, &wire, b, func(p []byte, e secure.Encrypter) *secure.Encrypted {
			r, _ := encReading[codec.BE16](p, e)
			return r
		}, 65519)
	}
	{
		a, b := encPair(t, 0)
		var wire testkit.Buffer
		w := secure.NewEncrypted(frame.New[codec.Uvarint](&wire, frame.WithMaxSize(100)), a)
		check("uvarint", w, &wire, b, func(p []byte, e secure.Encrypter) *secure.Encrypted {
			r, _ := encReading[codec.Uvarint](p, e)
			return r
		}, 84)
	}
}

func TestEncryptedWriteErrorIsSticky(t *testing.T) {
	t.Parallel()
	for iname, wrap := range encInners[codec.BE16]() {
		a, _ := encPair(t, 0)
		stream := &encFlaky{}
		w := secure.NewEncrypted(wrap(frame.New[codec.BE16](stream)), a)
		if err := w.WriteMsg([]byte("lost")); err != errEncFlaky {
			t.Fatalf("%s: %v, want the stream's error", iname, err)
		}
		// The stream works again, but the lost message spent a nonce: the
		// peer could not open the next one.
		if err := w.WriteMsg([]byte("next")); err != errEncFlaky {
			t.Fatalf("%s: write after a failed one: %v, want the same error", iname, err)
		}
		if stream.Len() != 0 {
			t.Fatalf("%s: %d bytes written after the failure", iname, stream.Len())
		}
	}
	// An inner stream without MaxSize enforces its own limit, after the
	// message was sealed: that too ends the write side.
	a, _ := encPair(t, 0)
	w := secure.NewEncrypted(encOpaque{frame.New[codec.BE8](&testkit.Buffer{})}, a)
	if w.MaxSize() != math.MaxInt-16 {
		t.Fatalf("MaxSize() without an inner MaxSize: %d", w.MaxSize())
	}
	err := w.WriteMsg(make([]byte, 250))
	if !errors.Is(err, errs.ErrMessageTooLarge) {
		t.Fatalf("%v, want the inner's MessageTooLargeError", err)
	}
	if err2 := w.WriteMsg(nil); err2 != err {
		t.Fatalf("write after that: %v", err2)
	}
}

func TestEncryptedClose(t *testing.T) {
	t.Parallel()
	ca, cb := net.Pipe()
	ea, eb := encPair(t, 0)
	a := secure.NewEncrypted(frame.New[codec.BE16](ca), ea)
	b := secure.NewEncrypted(frame.New[codec.BE16](cb), eb)
	done := make(chan error, 1)
	go func() { _, err := b.ReadMsg(); done <- err }()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("a read pending at Close succeeded")
	}
	if err := b.WriteMsg([]byte("x")); !errors.Is(err, errs.ErrConnectionClosed) || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
	a.Close()
}

func TestNewEncryptedPanics(t *testing.T) {
	t.Parallel()
	a, _ := encPair(t, 0)
	cases := map[string]func(){
		"nil inner":     func() { secure.NewEncrypted(nil, a) },
		"nil encrypter": func() { secure.NewEncrypted(frame.New[codec.BE16](&testkit.Buffer{}), nil) },
		"tiny inner":    func() { secure.NewEncrypted(frame.New[codec.BE16](&testkit.Buffer{}, frame.WithMaxSize(15)), a) },
	}
	for name, f := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	// An inner maximum equal to the overhead leaves room for empty messages.
	if w := secure.NewEncrypted(frame.New[codec.BE16](&testkit.Buffer{}, frame.WithMaxSize(16)), a); w.MaxSize() != 0 {
		t.Fatalf("MaxSize() = %d", w.MaxSize())
	}
}

func TestEncryptedSteadyStateAllocations(t *testing.T) {
	if testkit.Race {
		t.Skip("the race detector makes sync.Pool drop buffers at random")
	}
	const runs = 100
	for _, size := range []int{16, 4096, 65519} {
		msg := bytes.Repeat([]byte{'a'}, size)
		a, _ := encPair(t, 0)
		w := secure.NewEncrypted(frame.New[codec.Uvarint](&testkit.Stream{}), a)
		wg := secure.NewEncrypted(encOpaque{frame.New[codec.Uvarint](&testkit.Stream{})}, a)
		// Enough frames for every read below: a warm-up and runs+1 calls each.
		msgs := make([][]byte, 3*(runs+2))
		for i := range msgs {
			msgs[i] = msg
		}
		ea, eb := encPair(t, 0)
		wire := encWire[codec.Uvarint](t, ea, msgs...)
		r := secure.NewEncrypted(frame.New[codec.Uvarint](&testkit.Stream{R: bytes.NewReader(wire)}), eb)
		ea, eb = encPair(t, 0)
		wire = encWire[codec.Uvarint](t, ea, msgs...)
		fa := frame.New[codec.Uvarint](&testkit.Stream{R: bytes.NewReader(wire)})
		ra := secure.NewEncrypted(encAppender{fa, fa.AppendMsg}, eb)
		dst := make([]byte, 0, size)
		cases := []struct {
			name string
			fn   func()
			max  float64
		}{
			{"WriteMsg", func() { encMust(t, w.WriteMsg(msg)) }, 0},
			{"WriteMsg (generic)", func() { encMust(t, wg.WriteMsg(msg)) }, 0},
			{"ReadMsgView", func() { _, err := r.ReadMsgView(); encMust(t, err) }, 0},
			{"AppendMsg", func() { var err error; dst, err = r.AppendMsg(dst[:0]); encMust(t, err) }, 0},
			{"ReadMsg", func() { _, err := r.ReadMsg(); encMust(t, err) }, 1},
			{"ReadMsgView (appender)", func() { _, err := ra.ReadMsgView(); encMust(t, err) }, 0},
			{"AppendMsg (appender)", func() { var err error; dst, err = ra.AppendMsg(dst[:0]); encMust(t, err) }, 0},
			{"ReadMsg (appender)", func() { _, err := ra.ReadMsg(); encMust(t, err) }, 1},
		}
		for _, c := range cases {
			c.fn() // warm the pools
			if got := testing.AllocsPerRun(runs, c.fn); got > c.max {
				t.Errorf("size %d: %s: %v allocations a message, want at most %v", size, c.name, got, c.max)
			}
		}
	}
}

func encMust(t *testing.T, err error) {
	if err != nil {
		t.Fatal(err)
	}
}

// ReadMsg's slice is exactly the plaintext: a caller who keeps many messages
// keeps no AEAD overhead with each.
func TestEncryptedReadMsgIsExact(t *testing.T) {
	a, b := encPair(t, 0)
	var wire bytes.Buffer
	w := secure.NewEncrypted(frame.New[codec.BE16](&testkit.Stream{W: &wire}), a)
	for _, n := range []int{0, 1, 100, 5000} {
		if err := w.WriteMsg(bytes.Repeat([]byte{'p'}, n)); err != nil {
			t.Fatal(err)
		}
	}
	r := secure.NewEncrypted(frame.New[codec.BE16](testkit.Reading(wire.Bytes())), b)
	for _, n := range []int{0, 1, 100, 5000} {
		msg, err := r.ReadMsg()
		if err != nil || !bytes.Equal(msg, bytes.Repeat([]byte{'p'}, n)) {
			t.Fatalf("%d-byte message: got %d bytes, %v", n, len(msg), err)
		}
		if cap(msg) != n {
			t.Errorf("%d-byte message in a slice of capacity %d", n, cap(msg))
		}
	}
}

// A sealed write that fails before anything joins the batch (here the nonce
// counter is spent) leaves no empty write for Flush to send.
func TestFlushAfterFailedSealSendsNothing(t *testing.T) {
	enc, err := secure.NewAEADEncrypterAt(encGCM(t, encKeyAB, 12), encGCM(t, encKeyBA, 12), 1<<64-1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var wire bytes.Buffer
	s := &testkit.Stream{W: &wire}
	e := secure.NewEncrypted(frame.New[codec.BE16](s, frame.WithWriteBuffer(1024)), enc)
	if err := e.WriteMsg([]byte("first")); err != nil {
		t.Fatal(err) // counter 2^64-1: the last nonce
	}
	if err := e.Flush(); err != nil || s.Writes != 1 {
		t.Fatalf("Flush: %v after %d writes", err, s.Writes)
	}
	if err := e.WriteMsg([]byte("second")); !errors.Is(err, errs.ErrNonceExhausted) {
		t.Fatalf("WriteMsg with the counter spent: %v", err)
	}
	if err := e.Flush(); err != nil || s.Writes != 1 {
		t.Fatalf("Flush with nothing waiting: %v, %d writes; want no new write", err, s.Writes)
	}
}

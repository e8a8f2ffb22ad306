package frame

import (
	"fmt"
	"io"
	"iter"
	"math"
	"net/netip"
	"sync"

	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/bufpool"
)

// Optional methods of an inner message stream that Encrypted makes use of.
type (
	msgViewer   interface{ ReadMsgView() ([]byte, error) }
	msgAppender interface{ AppendMsg([]byte) ([]byte, error) }
	maxSizer    interface{ MaxSize() int }
	flusher     interface{ Flush() error }
)

// Encrypted is an encrypted message stream (py-libp2p's
// EncryptedMsgReadWriter): every message written is sealed by an Encrypter
// and sent as one message of an inner stream, usually a *Framer, and every
// message read is opened. Encrypted is itself a MsgReadWriteCloser, so layers
// stack. Create one with NewEncrypted.
//
// The largest plaintext is the inner stream's MaxSize minus the encrypter's
// overhead (65519 bytes over a BE16 Framer with AES-GCM); a larger WriteMsg
// fails with an *errs.MessageTooLargeError naming that limit and writes
// nothing. Zero-length plaintexts are ordinary messages.
//
// A message that fails to decrypt (altered, replayed, reordered or dropped,
// for the AEAD encrypter) makes the read fail with the Encrypter's error,
// matching errs.ErrDecryptionFailed and errs.ErrIO, and ends the session: every
// later read returns the same error without touching the inner stream. On the
// write side, an error from the inner stream is sticky too, since the message
// it lost had used up a nonce and the peer could not open the next one. Other
// errors of the inner stream, io.EOF included, pass through unchanged. Under
// an inner Framer made WithSkipOversized, a skipped frame counts as dropped:
// the frame after it fails to decrypt. A
// stream cut at a message boundary ends with a plain io.EOF: protocols that
// must tell a truncation from a close need their own closing message.
//
// Encrypted is safe for concurrent use: any number of goroutines may write,
// and each message is sealed and handed to the inner stream under one lock,
// so nonce order is wire order; reads are serialized. Close may be called from
// any goroutine.
//
// Memory: messages are sealed into a pooled buffer (over a Framer, straight
// into the frame it sends) and opened in place, so that in steady state
// nothing is allocated per message except the slice ReadMsg returns, as long
// as the inner stream has a ReadMsgView or AppendMsg method; over one that has
// only ReadMsg, each read costs what that ReadMsg costs. When the inner stream
// has ReadMsgView (Framer and Encrypted do), the view is decrypted in place,
// overwriting it: an inner stream's ReadMsgView must return bytes that it no
// longer needs.
type Encrypted struct {
	inner    MsgReadWriteCloser
	viewer   msgViewer   // inner, if it has ReadMsgView
	appender msgAppender // inner, if it has AppendMsg (used without viewer)
	enc      Encrypter
	aead     *aeadEncrypter // enc, when inner is a Framer that seals in place
	sealer   sealWriter     // inner, then
	overhead int            // enc.Overhead()
	maxSize  int            // largest plaintext, inclusive

	wmu  sync.Mutex
	werr error // sticky write error: a sealed message may not have reached the peer

	rmu  sync.Mutex
	rerr error   // sticky read error: decryption failed, the session is over
	view *[]byte // pooled buffer behind the last ReadMsgView, without a viewer
	last int     // size of the last ciphertext read through AppendMsg, to size the next buffer
}

// NewEncrypted returns an encrypted message stream over inner, sealing and
// opening with enc. It owns inner from then on: using inner directly corrupts
// the session, and Close closes it. enc must be used by no one else.
//
// NewEncrypted panics if inner or enc is nil, if enc.Overhead() is negative,
// or if inner has a MaxSize method whose answer is below the overhead, so
// that not even an empty message would fit.
func NewEncrypted(inner MsgReadWriteCloser, enc Encrypter) *Encrypted {
	if inner == nil || enc == nil {
		panic("frame: NewEncrypted with a nil stream or encrypter")
	}
	e := &Encrypted{inner: inner, enc: enc, overhead: enc.Overhead()}
	if e.overhead < 0 {
		panic(fmt.Sprintf("frame: NewEncrypted: negative overhead %d", e.overhead))
	}
	e.maxSize = math.MaxInt - e.overhead
	if m, ok := inner.(maxSizer); ok {
		if m.MaxSize() < e.overhead {
			panic(fmt.Sprintf("frame: NewEncrypted: inner maximum of %d bytes is below the overhead of %d",
				m.MaxSize(), e.overhead))
		}
		e.maxSize = m.MaxSize() - e.overhead
	}
	e.viewer, _ = inner.(msgViewer)
	if a, ok := enc.(*aeadEncrypter); ok {
		if sw, ok := inner.(sealWriter); ok && sw.sealer() == any(inner) {
			e.aead, e.sealer = a, sw
		}
	}
	e.appender, _ = inner.(msgAppender)
	return e
}

// MaxSize returns the largest plaintext WriteMsg accepts: the inner stream's
// MaxSize minus the encrypter's overhead. When the inner stream has no MaxSize
// method, no limit is known here and MaxSize returns math.MaxInt minus the
// overhead; the inner stream still enforces its own.
func (e *Encrypted) MaxSize() int { return e.maxSize }

// WriteMsg seals msg and writes it as one message of the inner stream. msg is
// not retained. It allocates nothing in steady state.
//
// A msg above MaxSize fails with an *errs.MessageTooLargeError and writes
// nothing. An Encrypter error (errs.ErrNonceExhausted) is returned as it is, and
// nothing is written. An error of the inner stream is returned as it is and
// is sticky: every later WriteMsg returns it.
func (e *Encrypted) WriteMsg(msg []byte) error {
	if len(msg) > e.maxSize {
		return &errs.MessageTooLargeError{Size: uint64(len(msg)), Max: uint64(e.maxSize)}
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	if e.werr != nil {
		return e.werr
	}
	if e.sealer != nil {
		err := e.sealer.writeSealed(e.aead, msg)
		if err != nil && err != errs.ErrNonceExhausted {
			e.werr = err
		}
		return err
	}
	p := bufpool.Get(len(msg) + e.overhead)
	sealed, err := e.enc.Encrypt((*p)[:0], msg)
	if err == nil {
		if err = e.inner.WriteMsg(sealed); err != nil {
			e.werr = err
		}
	}
	bufpool.Put(p)
	return err
}

// Flush flushes the inner stream if it batches writes (a Framer with
// WithWriteBuffer) and returns its error; otherwise it does nothing.
func (e *Encrypted) Flush() error {
	if f, ok := e.inner.(flusher); ok {
		return f.Flush()
	}
	return nil
}

// ReadMsg reads and opens the next message into a new slice that the caller
// owns; a zero-length message is an empty, non-nil slice. It allocates that
// slice and nothing else in steady state. At a clean end of the inner stream
// it returns io.EOF; see Encrypted for the other errors.
func (e *Encrypted) ReadMsg() ([]byte, error) {
	e.rmu.Lock()
	defer e.rmu.Unlock()
	sealed, owned, err := e.next()
	if err != nil {
		return nil, err
	}
	dst := sealed[:0] // the inner's ReadMsg gave us a slice of our own
	if !owned {
		dst = make([]byte, 0, max(len(sealed)-e.overhead, 0))
	}
	msg, err := e.open(dst, sealed)
	e.releaseView()
	if err != nil {
		return nil, err
	}
	return msg, nil
}

// AppendMsg reads and opens the next message, appending the plaintext to dst,
// and returns the extended slice. It allocates nothing in steady state when
// dst has room. Errors are those of ReadMsg; on error dst is returned with its
// length unchanged.
func (e *Encrypted) AppendMsg(dst []byte) ([]byte, error) {
	e.rmu.Lock()
	defer e.rmu.Unlock()
	sealed, _, err := e.next()
	if err != nil {
		return dst, err
	}
	dst, err = e.open(dst, sealed)
	e.releaseView()
	return dst, err
}

// ReadMsgView reads and opens the next message in place and returns the
// plaintext as a view the Encrypted (or its inner stream) owns: valid only
// until the next read call (ReadMsg, AppendMsg, ReadMsgView, Messages), and
// free to be overwritten by a layer stacked above. It allocates nothing in
// steady state. Errors are those of ReadMsg.
func (e *Encrypted) ReadMsgView() ([]byte, error) {
	e.rmu.Lock()
	defer e.rmu.Unlock()
	sealed, _, err := e.next()
	if err != nil {
		return nil, err
	}
	msg, err := e.open(sealed[:0], sealed)
	if err != nil {
		return nil, err
	}
	return msg, nil
}

// Messages returns an iterator over incoming messages, for use with range.
// Each message is a ReadMsgView: valid only until the loop moves on. The
// iteration ends quietly at io.EOF, and ends after yielding any other error.
func (e *Encrypted) Messages() iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		for {
			msg, err := e.ReadMsgView()
			if err == io.EOF || !yield(msg, err) || err != nil {
				return
			}
		}
	}
}

// next reads the next sealed message from the inner stream. The bytes may be
// overwritten; owned reports that they are a slice of their own, which may be
// handed to the caller. The caller holds rmu.
func (e *Encrypted) next() (sealed []byte, owned bool, err error) {
	e.releaseView()
	if e.rerr != nil {
		return nil, false, e.rerr
	}
	switch {
	case e.viewer != nil:
		sealed, err = e.viewer.ReadMsgView()
	case e.appender != nil:
		e.view = bufpool.Get(max(e.last, 1))
		sealed, err = e.appender.AppendMsg((*e.view)[:0])
		*e.view = sealed[:cap(sealed)] // AppendMsg may have grown it
		e.last = len(sealed)
	default:
		sealed, err = e.inner.ReadMsg()
		owned = true
	}
	return sealed, owned, err
}

// open decrypts sealed, appending to dst; a failure ends the session. The
// caller holds rmu.
func (e *Encrypted) open(dst, sealed []byte) ([]byte, error) {
	msg, err := e.enc.Decrypt(dst, sealed)
	if err != nil {
		e.rerr = err
		return dst, err
	}
	return msg, nil
}

// releaseView gives back the pooled buffer of the last read. The caller holds
// rmu.
func (e *Encrypted) releaseView() {
	if e.view != nil {
		bufpool.Put(e.view)
		e.view = nil
	}
}

// Close closes the inner stream and returns its error. It does not wait for
// pending reads or writes, which fail as the inner stream's do after Close.
func (e *Encrypted) Close() error { return e.inner.Close() }

// RemoteAddress returns the peer's address when the inner stream knows it
// (implements conn.RemoteAddresser, as a Framer does), and ok == false
// otherwise.
func (e *Encrypted) RemoteAddress() (addr netip.AddrPort, ok bool) {
	if ra, isRA := e.inner.(conn.RemoteAddresser); isRA {
		return ra.RemoteAddress()
	}
	return netip.AddrPort{}, false
}

// ConnState returns the inner stream's conn.State when it reports one, and
// the zero State otherwise.
func (e *Encrypted) ConnState() conn.State {
	if sr, ok := e.inner.(conn.StateReporter); ok {
		return sr.ConnState()
	}
	return conn.State{}
}

// String describes the stream by its encrypter, without key material:
// "encrypted(aead-encrypter(…))".
func (e *Encrypted) String() string {
	if s, ok := e.enc.(fmt.Stringer); ok {
		return "encrypted(" + s.String() + ")"
	}
	return fmt.Sprintf("encrypted(%T)", e.enc)
}

// GoString returns String.
func (e *Encrypted) GoString() string { return e.String() }

// Format writes String for every verb, so that no fmt verb can print the
// encrypter's keys.
func (e *Encrypted) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, e.String()) }

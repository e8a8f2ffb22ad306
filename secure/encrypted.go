package secure

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"net/netip"
	"sync"
	"time"

	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/bufpool"
)

// Encrypted is an encrypted message stream (py-libp2p's
// EncryptedMsgReadWriter): every message written is sealed by an Encrypter
// and sent as one message of an inner stream, usually a *frame.Framer, and
// every message read is opened. Encrypted is itself a
// frame.MsgReadWriteCloser, and implements frame's optional MsgViewReader,
// MsgAppender, MsgFuncWriter, Flusher, MaxSizer and MaxWriteSizer, so layers
// stack. Create one with NewEncrypted.
//
// The largest plaintext is the inner stream's MaxSize minus the encrypter's
// overhead (65519 bytes over a BE16 Framer with AES-GCM), or its MaxWriteSize
// for writes when it is a frame.MaxWriteSizer; a larger WriteMsg
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
// the frame after it fails to decrypt. A stream cut at a message boundary
// ends with a plain io.EOF: protocols that must tell a truncation from a
// close need their own closing message.
//
// Encrypted is safe for concurrent use: any number of goroutines may write,
// and each message is sealed and handed to the inner stream under one lock,
// so nonce order is wire order; reads are serialized. Close may be called from
// any goroutine.
//
// Memory: when the inner stream is a frame.MsgFuncWriter (a Framer is), each
// message is sealed straight into the frame the inner stream sends; otherwise
// into a pooled buffer that the inner WriteMsg copies. Reads use the inner
// stream's ReadMsgView (frame.MsgViewReader) or AppendMsg (frame.MsgAppender)
// when it has them, and only read the bytes they return: the plaintext goes to
// the caller's memory or to a pooled buffer of the Encrypted's own. So in
// steady state nothing is allocated per message except the slice ReadMsg
// returns; over an inner stream with only ReadMsg, each read costs what that
// ReadMsg costs.
type Encrypted struct {
	inner    frame.MsgReadWriteCloser
	viewer   frame.MsgViewReader // inner, if it lends views
	appender frame.MsgAppender   // inner, if it has AppendMsg (used without viewer)
	builder  frame.MsgFuncWriter // inner, if it builds messages in place
	enc      Encrypter
	overhead int // enc.Overhead()
	maxSize  int // largest plaintext written, inclusive
	maxRead  int // largest plaintext read, inclusive, as far as the inner stream says

	wmu        sync.Mutex
	werr       error                        // sticky write error: a sealed message may not have reached the peer
	plain      []byte                       // WriteMsg's message, while sealPlain runs
	build      func([]byte) ([]byte, error) // WriteMsgFunc's builder, while sealBuilt runs
	bodyFailed bool                         // the last body builder failed: nothing was written
	sealPlain  func([]byte) ([]byte, error) // e.appendSealedPlain, made once
	sealBuilt  func([]byte) ([]byte, error) // e.appendSealedBuilt, made once

	rmu  sync.Mutex
	rerr error   // sticky read error: decryption failed, the session is over
	view *[]byte // pooled buffer behind the last read, if any
	last int     // size of the last ciphertext read through AppendMsg, to size the next buffer
}

// NewEncrypted returns an encrypted message stream over inner, sealing and
// opening with enc. It owns inner from then on: using inner directly corrupts
// the session, and Close closes it. enc must be used by no one else.
//
// NewEncrypted panics if inner or enc is nil, if enc.Overhead() is negative,
// or if inner is a frame.MaxSizer whose MaxSize (or a frame.MaxWriteSizer
// whose MaxWriteSize) is below the overhead, so that not even an empty message
// would fit.
func NewEncrypted(inner frame.MsgReadWriteCloser, enc Encrypter) *Encrypted {
	if inner == nil || enc == nil {
		panic("secure: NewEncrypted with a nil stream or encrypter")
	}
	e := &Encrypted{inner: inner, enc: enc, overhead: enc.Overhead()}
	if e.overhead < 0 {
		panic(fmt.Sprintf("secure: NewEncrypted: negative overhead %d", e.overhead))
	}
	e.maxRead = math.MaxInt - e.overhead
	if m, ok := inner.(frame.MaxSizer); ok {
		e.maxRead = plainMax(m.MaxSize(), e.overhead)
	}
	e.maxSize = e.maxRead
	if m, ok := inner.(frame.MaxWriteSizer); ok {
		e.maxSize = plainMax(m.MaxWriteSize(), e.overhead)
	}
	e.viewer, _ = inner.(frame.MsgViewReader)
	e.appender, _ = inner.(frame.MsgAppender)
	e.builder, _ = inner.(frame.MsgFuncWriter)
	e.sealPlain, e.sealBuilt = e.appendSealedPlain, e.appendSealedBuilt
	return e
}

// plainMax returns the largest plaintext that fits an inner message of max
// bytes, and panics if not even an empty one does.
func plainMax(max, overhead int) int {
	if max < overhead {
		panic(fmt.Sprintf("secure: NewEncrypted: inner maximum of %d bytes is below the overhead of %d", max, overhead))
	}
	return max - overhead
}

// MaxSize returns the largest plaintext the inner stream lets through to a
// read: its MaxSize minus the encrypter's overhead. That is also what
// WriteMsg accepts, unless the inner stream's write limit differs (see
// MaxWriteSize). When the inner stream is not a frame.MaxSizer, no limit is
// known here and MaxSize returns math.MaxInt minus the overhead; the inner
// stream still enforces its own. It implements frame.MaxSizer.
func (e *Encrypted) MaxSize() int { return e.maxRead }

// MaxWriteSize returns the largest plaintext WriteMsg and WriteMsgFunc
// accept: the inner stream's MaxWriteSize (a frame.MaxWriteSizer), else its
// MaxSize, minus the encrypter's overhead. It implements frame.MaxWriteSizer.
func (e *Encrypted) MaxWriteSize() int { return e.maxSize }

// WriteMsg seals msg and writes it as one message of the inner stream. msg is
// not retained. It allocates nothing in steady state.
//
// A msg above MaxSize fails with an *errs.MessageTooLargeError and writes
// nothing. An Encrypter error (one matching errs.ErrNonceExhausted) is
// returned as it is, and nothing is written. An error of the inner stream is
// returned as it is and is sticky: every later WriteMsg returns it; except
// one matching frame.ErrWriteQueued (a timeout cut the write short, and the
// inner stream sends the rest first on its next write): the message counts
// as sent and the session goes on.
func (e *Encrypted) WriteMsg(msg []byte) error {
	if len(msg) > e.maxSize {
		return &errs.MessageTooLargeError{Size: uint64(len(msg)), Max: uint64(e.maxSize)}
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	e.plain = msg
	err := e.write(len(msg)+e.overhead, e.sealPlain)
	e.plain = nil // keep no reference to msg
	return err
}

// WriteMsgFunc builds one plaintext in place, seals it there, and writes it as
// one message of the inner stream: over a Framer, the plaintext is built
// inside the frame the Framer sends, and no byte is copied. It implements
// frame.MsgFuncWriter.
//
// appendBody is called once, under the write lock, with a zero-length slice
// of capacity maxLen, valid only during the call; it appends a plaintext of at
// most maxLen bytes and returns the extended slice. Room for maxLen bytes and
// the overhead is set aside first, so maxLen should be a tight bound. appendBody must not call
// this Encrypted's write methods. maxLen above MaxSize fails with an
// *errs.MessageTooLargeError before appendBody is called, and so does a longer
// plaintext, writing nothing. An error from appendBody is returned as it is,
// and nothing is written or sealed. The other errors are those of WriteMsg.
// WriteMsgFunc panics if maxLen is negative.
func (e *Encrypted) WriteMsgFunc(maxLen int, appendBody func(dst []byte) ([]byte, error)) error {
	if maxLen < 0 {
		panic("secure: WriteMsgFunc with a negative maxLen")
	}
	if maxLen > e.maxSize {
		return &errs.MessageTooLargeError{Size: uint64(maxLen), Max: uint64(e.maxSize)}
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	e.build = appendBody
	err := e.write(maxLen+e.overhead, e.sealBuilt)
	e.build = nil
	return err
}

// write hands a body builder to the inner stream, or runs it into a pooled
// buffer for the inner WriteMsg. An error of the inner stream is sticky; a
// failed builder writes nothing and is not. The caller holds wmu.
func (e *Encrypted) write(size int, body func([]byte) ([]byte, error)) error {
	if e.werr != nil {
		return e.werr
	}
	e.bodyFailed = false
	var err error
	if e.builder != nil {
		err = e.builder.WriteMsgFunc(size, body)
	} else {
		p := bufpool.Get(size)
		var sealed []byte
		if sealed, err = body((*p)[:0:size]); err == nil {
			err = e.inner.WriteMsg(sealed)
		}
		bufpool.Put(p)
	}
	if err != nil && !e.bodyFailed && !errors.Is(err, frame.ErrWriteQueued) {
		e.werr = err // the sealed message, and its nonce, are lost
	}
	return err
}

// appendSealedPlain appends the sealed form of e.plain to dst.
func (e *Encrypted) appendSealedPlain(dst []byte) ([]byte, error) {
	sealed, err := e.enc.Encrypt(dst, e.plain)
	e.bodyFailed = err != nil
	return sealed, err
}

// appendSealedBuilt has e.build append a plaintext to dst, then seals it in
// place.
func (e *Encrypted) appendSealedBuilt(dst []byte) ([]byte, error) {
	e.bodyFailed = true
	maxLen := cap(dst) - e.overhead
	plain, err := e.build(dst[:0:maxLen])
	if err != nil {
		return dst, err
	}
	if len(plain) > maxLen {
		return dst, &errs.MessageTooLargeError{Size: uint64(len(plain)), Max: uint64(maxLen)}
	}
	if len(plain) > 0 && &plain[0] != &dst[:1][0] { // a slice of the builder's own
		plain = dst[:copy(dst[:len(plain)], plain)]
	}
	sealed, err := e.enc.Encrypt(plain[:0], plain)
	if err != nil {
		return dst, err
	}
	e.bodyFailed = false
	return sealed, nil
}

// Flush flushes the inner stream if it is a frame.Flusher (a Framer with
// WithWriteBuffer) and returns its error; otherwise it does nothing. It
// implements frame.Flusher.
func (e *Encrypted) Flush() error {
	if f, ok := e.inner.(frame.Flusher); ok {
		return f.Flush()
	}
	return nil
}

// sealedMsg is a ciphertext read from the inner stream, and what the Encrypted
// may do with its bytes.
type sealedMsg struct {
	bytes    []byte
	writable bool // the Encrypted's own memory: it may open the message in place
	fresh    bool // a slice of its own, which may be handed to the caller
}

// ReadMsg reads and opens the next message into a new slice that the caller
// owns; a zero-length message is an empty, non-nil slice. It allocates that
// slice and nothing else in steady state. At a clean end of the inner stream
// it returns io.EOF; see Encrypted for the other errors.
func (e *Encrypted) ReadMsg() ([]byte, error) {
	e.rmu.Lock()
	defer e.rmu.Unlock()
	sealed, err := e.next()
	if err != nil {
		return nil, err
	}
	var dst []byte
	if sealed.fresh {
		dst = sealed.bytes[:0]
	} else {
		dst = make([]byte, 0, max(len(sealed.bytes)-e.overhead, 0))
	}
	msg, err := e.open(dst, sealed.bytes)
	e.releaseView()
	if err != nil {
		return nil, err
	}
	return msg, nil
}

// AppendMsg reads and opens the next message, appending the plaintext to dst,
// and returns the extended slice. It allocates nothing in steady state when
// dst has room. Errors are those of ReadMsg; on error dst is returned with its
// length unchanged. It implements frame.MsgAppender.
func (e *Encrypted) AppendMsg(dst []byte) ([]byte, error) {
	e.rmu.Lock()
	defer e.rmu.Unlock()
	sealed, err := e.next()
	if err != nil {
		return dst, err
	}
	dst, err = e.open(dst, sealed.bytes)
	e.releaseView()
	return dst, err
}

// ReadMsgView reads and opens the next message and returns the plaintext as a
// view the Encrypted owns: valid only until the next read call (ReadMsg,
// AppendMsg, ReadMsgView, Messages); the caller may modify its bytes. It
// allocates nothing in steady state. Errors are those of ReadMsg. It
// implements frame.MsgViewReader.
func (e *Encrypted) ReadMsgView() ([]byte, error) {
	e.rmu.Lock()
	defer e.rmu.Unlock()
	sealed, err := e.next()
	if err != nil {
		return nil, err
	}
	dst := sealed.bytes[:0]
	if !sealed.writable { // the inner stream's view: read it, leave it as it is
		e.view = bufpool.Get(max(len(sealed.bytes)-e.overhead, 0))
		dst = (*e.view)[:0]
	}
	msg, err := e.open(dst, sealed.bytes)
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

// next reads the next sealed message from the inner stream. The caller holds
// rmu.
func (e *Encrypted) next() (sealedMsg, error) {
	e.releaseView()
	if e.rerr != nil {
		return sealedMsg{}, e.rerr
	}
	switch {
	case e.viewer != nil:
		sealed, err := e.viewer.ReadMsgView()
		return sealedMsg{bytes: sealed}, err
	case e.appender != nil:
		e.view = bufpool.Get(max(e.last, 1))
		sealed, err := e.appender.AppendMsg((*e.view)[:0])
		*e.view = sealed[:cap(sealed)] // AppendMsg may have grown it
		e.last = len(sealed)
		return sealedMsg{bytes: sealed, writable: true}, err
	default:
		sealed, err := e.inner.ReadMsg()
		return sealedMsg{bytes: sealed, writable: true, fresh: true}, err
	}
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

// CloseWrite half-closes the session: it passes the call to the inner stream
// (a Framer sends its batched frames, then half-closes its stream), after
// which WriteMsg fails; reads go on until the peer closes. The inner stream
// must be a conn.HalfCloser; otherwise CloseWrite returns an error matching
// errors.ErrUnsupported and changes nothing. It waits for a write in progress.
func (e *Encrypted) CloseWrite() error {
	hc, ok := e.inner.(conn.HalfCloser)
	if !ok {
		return fmt.Errorf("secure: half-close of a %T: %w", e.inner, errors.ErrUnsupported)
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	return hc.CloseWrite()
}

// SetDeadline sets the read and write deadlines of the inner stream when it
// is a conn.DeadlineSetter (a Framer over a net.Conn is), and otherwise
// returns an error matching errors.ErrUnsupported.
func (e *Encrypted) SetDeadline(t time.Time) error {
	d, err := e.deadlines()
	if err != nil {
		return err
	}
	return d.SetDeadline(t)
}

// SetReadDeadline sets the inner stream's read deadline; see SetDeadline.
func (e *Encrypted) SetReadDeadline(t time.Time) error {
	d, err := e.deadlines()
	if err != nil {
		return err
	}
	return d.SetReadDeadline(t)
}

// SetWriteDeadline sets the inner stream's write deadline; see SetDeadline.
func (e *Encrypted) SetWriteDeadline(t time.Time) error {
	d, err := e.deadlines()
	if err != nil {
		return err
	}
	return d.SetWriteDeadline(t)
}

func (e *Encrypted) deadlines() (conn.DeadlineSetter, error) {
	if d, ok := e.inner.(conn.DeadlineSetter); ok {
		return d, nil
	}
	return nil, fmt.Errorf("secure: deadlines on a %T: %w", e.inner, errors.ErrUnsupported)
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
func (e *Encrypted) ConnState() conn.State { return conn.StateOf(e.inner) }

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

var (
	_ frame.MsgConn       = (*Encrypted)(nil)
	_ frame.MaxWriteSizer = (*Encrypted)(nil)
)

package secure

// Design note: the AEAD encrypter derives every nonce from a per-direction
// message counter, so nothing random is needed and nothing travels on the
// wire besides the sealed message: both peers know the next counter because
// messages arrive in order on a stream. That is also what detects a replayed,
// reordered or dropped message: it is opened with the wrong nonce and fails
// authentication. The counter must never repeat under one key, so it stops at
// its end instead of wrapping.

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync"

	"github.com/framekit/framekit/errs"
)

// Encrypter seals and opens the messages of one session (py-libp2p's
// Encrypter). Messages are opened in the order they were sealed: an
// implementation may, and the AEAD one does, tie each message to its position
// in the stream.
//
// Both methods work append-style, so the caller decides where memory comes
// from: they append their output to dst and return the extended slice. To
// work in place, pass input[:0] as dst (any other overlap of dst's spare
// capacity with the input is an error, as in cipher.AEAD).
//
// Decrypt must fail for any input that Encrypt on the peer's side did not
// produce for that position, with an error matching errs.ErrDecryptionFailed
// that carries no key or plaintext material.
type Encrypter interface {
	// Encrypt appends the sealed form of plaintext, at most Overhead() bytes
	// longer than plaintext, to dst.
	Encrypt(dst, plaintext []byte) ([]byte, error)

	// Decrypt appends the plaintext of ciphertext to dst. On error dst is
	// returned with its length unchanged, though its spare capacity may have
	// been overwritten.
	Decrypt(dst, ciphertext []byte) ([]byte, error)

	// Overhead returns the most bytes Encrypt adds to a plaintext. A layer
	// over a stream with a maximum message size subtracts it to find the
	// largest plaintext.
	Overhead() int
}

// decryptError reports a message that failed authentication. It holds only
// the message's position and size: nothing of the key or plaintext.
type decryptError struct {
	counter uint64 // the nonce counter the message was opened with
	size    int    // the ciphertext's length
}

func (e *decryptError) Error() string {
	return "framekit: decryption failed: message " + strconv.FormatUint(e.counter, 10) +
		" (" + strconv.Itoa(e.size) + " bytes) did not authenticate: altered, replayed, reordered or dropped"
}

// Unwrap returns errs.ErrDecryptionFailed, which matches errs.ErrMsgio and
// errs.ErrIO.
func (e *decryptError) Unwrap() error { return errs.ErrDecryptionFailed }

// NewAEADEncrypter returns an Encrypter that seals with send and opens with
// recv, one AEAD per direction, such as AES-GCM from crypto/cipher. The two
// must hold different keys (the peer's send key is our recv key): the same
// key in both directions would reuse every nonce.
//
// Nonces are 64-bit message counters, one per direction, starting at 0 and
// advanced by every successful Encrypt (Decrypt). The nonce is the AEAD's
// NonceSize bytes: leading zero bytes, then the counter big-endian in the last
// 8 bytes. There is no additional data. A ciphertext is Overhead() bytes
// longer than its plaintext.
//
// The counter never wraps: after the message with counter 2^64−1, Encrypt
// (Decrypt) fails with an error matching errs.ErrNonceExhausted, before any
// nonce could be reused.
// A Decrypt that fails authentication returns an error matching
// errs.ErrDecryptionFailed and errs.ErrIO that names the counter and size,
// and does not advance the counter.
//
// NewAEADEncrypter returns an error for an AEAD whose nonce is shorter than 8
// bytes, for AEADs that differ in overhead, and for send and recv being the
// same AEAD: a bad argument, not an I/O error, so it matches none of the errs
// sentinels. It panics if either is nil.
//
// The Encrypter is safe for concurrent use; concurrent Encrypt calls get
// distinct nonces in the order they are served. Its String and Format output
// names the parameters and counters, never a key.
func NewAEADEncrypter(send, recv cipher.AEAD) (Encrypter, error) {
	e, err := newAEADEncrypter(send, recv, 0, 0)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// nonceExhaustedError reports that a direction has used every counter value.
type nonceExhaustedError struct{ direction string }

func (e *nonceExhaustedError) Error() string {
	return "framekit: nonce counter exhausted: all 2^64 nonces of the " + e.direction + " direction are used"
}

// Unwrap returns errs.ErrNonceExhausted, which matches errs.ErrMsgio and
// errs.ErrIO.
func (e *nonceExhaustedError) Unwrap() error { return errs.ErrNonceExhausted }

// newAEADEncrypter is NewAEADEncrypter with the first counter of each
// direction given, so that tests can start near the end of the counter.
func newAEADEncrypter(send, recv cipher.AEAD, sendNext, recvNext uint64) (*aeadEncrypter, error) {
	if send == nil || recv == nil {
		panic("secure: NewAEADEncrypter with a nil AEAD")
	}
	for _, a := range []cipher.AEAD{send, recv} {
		if n := a.NonceSize(); n < 8 {
			return nil, fmt.Errorf("secure: aead nonce of %d bytes cannot hold a 64-bit counter: at least 8 needed", n)
		}
	}
	if send.Overhead() != recv.Overhead() {
		return nil, fmt.Errorf("secure: send and receive aeads differ in overhead: %d and %d bytes",
			send.Overhead(), recv.Overhead())
	}
	if sameAEAD(send, recv) {
		return nil, errors.New("secure: send and receive use the same aead: every nonce would be used twice")
	}
	return &aeadEncrypter{
		send:     direction{name: "send", aead: send, next: sendNext, nonce: make([]byte, send.NonceSize())},
		recv:     direction{name: "receive", aead: recv, next: recvNext, nonce: make([]byte, recv.NonceSize())},
		overhead: send.Overhead(),
	}, nil
}

// sameAEAD reports whether a and b are the same pointer. AEADs of other kinds
// are not compared, since comparing them could panic.
func sameAEAD(a, b cipher.AEAD) bool {
	t := reflect.TypeOf(a)
	return t == reflect.TypeOf(b) && t.Kind() == reflect.Pointer && a == b
}

// aeadEncrypter is the Encrypter of NewAEADEncrypter.
type aeadEncrypter struct {
	send, recv direction
	overhead   int
}

// direction is the state of one direction of a session.
type direction struct {
	mu    sync.Mutex
	name  string // "send" or "receive", for errors
	aead  cipher.AEAD
	next  uint64 // counter of the next message
	spent bool   // every counter value has been used, up to and including 2^64−1
	nonce []byte // the AEAD's nonce, rewritten for each message
}

// take returns the nonce for the next message, or an error matching
// errs.ErrNonceExhausted. The caller holds d.mu.
func (d *direction) take() ([]byte, error) {
	if d.spent {
		return nil, &nonceExhaustedError{d.name}
	}
	binary.BigEndian.PutUint64(d.nonce[len(d.nonce)-8:], d.next)
	return d.nonce, nil
}

// advance moves past the nonce that take returned. The caller holds d.mu.
func (d *direction) advance() {
	if d.next == math.MaxUint64 {
		d.spent = true
		return
	}
	d.next++
}

// count returns the number of messages that direction has sealed or opened.
func (d *direction) count() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.spent {
		return "18446744073709551616"
	}
	return strconv.FormatUint(d.next, 10)
}

// Encrypt appends the sealed plaintext to dst. It fails with an error matching
// errs.ErrNonceExhausted, appending nothing, once the send counter is used up.
func (e *aeadEncrypter) Encrypt(dst, plaintext []byte) ([]byte, error) {
	d := &e.send
	d.mu.Lock()
	defer d.mu.Unlock()
	nonce, err := d.take()
	if err != nil {
		return dst, err
	}
	dst = d.aead.Seal(dst, nonce, plaintext, nil)
	d.advance()
	return dst, nil
}

// Decrypt appends the opened ciphertext to dst. It fails with an error
// matching errs.ErrDecryptionFailed when the ciphertext does not authenticate
// under the next receive counter, and with one matching errs.ErrNonceExhausted
// once that counter is used up.
func (e *aeadEncrypter) Decrypt(dst, ciphertext []byte) ([]byte, error) {
	d := &e.recv
	d.mu.Lock()
	defer d.mu.Unlock()
	nonce, err := d.take()
	if err != nil {
		return dst, err
	}
	out, err := d.aead.Open(dst, nonce, ciphertext, nil)
	if err != nil { // the AEAD's own error is dropped: it is not ours to vouch for
		return dst, &decryptError{counter: d.next, size: len(ciphertext)}
	}
	d.advance()
	return out, nil
}

// Overhead returns the AEAD's overhead, 16 bytes for AES-GCM.
func (e *aeadEncrypter) Overhead() int { return e.overhead }

// String describes the encrypter without any key material, for example
// "aead-encrypter(nonce 12 bytes, overhead 16 bytes, sent 3, received 2)".
func (e *aeadEncrypter) String() string {
	return "aead-encrypter(nonce " + strconv.Itoa(len(e.send.nonce)) + " bytes, overhead " +
		strconv.Itoa(e.overhead) + " bytes, sent " + e.send.count() + ", received " + e.recv.count() + ")"
}

// GoString returns String, so that %#v shows no key material either.
func (e *aeadEncrypter) GoString() string { return e.String() }

// Format writes String for every verb, so that no fmt verb (%x, %d, %+v…)
// can print the AEADs' key schedules.
func (e *aeadEncrypter) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(e.String())) }

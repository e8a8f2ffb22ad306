// Package errs is the error taxonomy of framekit, modelled on py-libp2p's
// libp2p.io.exceptions and arranged for errors.Is and errors.As.
//
// Every error the library creates about a stream or the bytes a peer sent
// matches [ErrIO]; framing errors also match [ErrMsgio]. A bad argument to a
// constructor is not an I/O error: it is a plain error that matches none of
// these (or a panic, for a programmer error the doc names). The tree is:
//
//	ErrIO
//	├── ErrMsgio
//	│   ├── ErrMessageTooLarge   (*MessageTooLargeError)
//	│   ├── ErrMissingLength     (*IncompleteReadError, stream ended inside a header)
//	│   ├── ErrMissingMessage    (*IncompleteReadError, stream ended inside a body)
//	│   ├── ErrMalformedLength   (*MalformedLengthError)
//	│   ├── ErrMalformedTrailer  (*MalformedTrailerError)
//	│   ├── ErrDecryptionFailed  (package secure's decryption errors)
//	│   └── ErrNonceExhausted    (package secure's nonce errors)
//	├── ErrIncompleteRead        (*IncompleteReadError; also io.ErrUnexpectedEOF)
//	└── ErrConnectionClosed      (*ConnectionClosedError)
//
// The error types are returned as pointers, as *fs.PathError is, so errors.As
// needs a pointer target:
//
//	var tooLarge *errs.MessageTooLargeError
//	if errors.As(err, &tooLarge) { log.Printf("peer sent %d bytes", tooLarge.Size) }
//
// A clean end of stream is io.EOF itself, never wrapped: callers may compare
// with ==. Errors that come from an underlying stream (a deadline, a closed
// socket) are passed through as they are unless a layer documents otherwise.
//
// Error text is lower case, has no trailing punctuation and carries the numbers
// involved. Code should never match on it.
package errs

// class is a node of the taxonomy: a sentinel error with a parent.
type class struct {
	text   string
	parent error
}

func (c *class) Error() string { return c.text }
func (c *class) Unwrap() error { return c.parent }

// Sentinels of the taxonomy. The library never returns one bare: it returns
// typed errors that wrap them, so compare with errors.Is, never with ==.
var (
	// ErrIO is matched by every error the library creates (py-libp2p's IOException).
	ErrIO error = &class{"framekit: i/o error", nil}

	// ErrMsgio is matched by every framing error (py-libp2p's MsgioException).
	ErrMsgio error = &class{"framekit: framing error", ErrIO}

	// ErrMessageTooLarge is matched by *MessageTooLargeError.
	ErrMessageTooLarge error = &class{"framekit: message too large", ErrMsgio}

	// ErrMissingLength is matched by an *IncompleteReadError for a stream that
	// ended inside a length header.
	ErrMissingLength error = &class{"framekit: stream ended inside a length header", ErrMsgio}

	// ErrMissingMessage is matched by an *IncompleteReadError for a stream that
	// ended after a length header, inside (or before) the message body.
	ErrMissingMessage error = &class{"framekit: stream ended inside a message body", ErrMsgio}

	// ErrMalformedLength is matched by *MalformedLengthError.
	ErrMalformedLength error = &class{"framekit: malformed length header", ErrMsgio}

	// ErrMalformedTrailer is matched by *MalformedTrailerError.
	ErrMalformedTrailer error = &class{"framekit: malformed frame trailer", ErrMsgio}

	// ErrDecryptionFailed is matched by the error of a ciphertext that fails
	// authentication: it was altered, replayed, reordered or dropped. That
	// error never carries key or plaintext material.
	ErrDecryptionFailed error = &class{"framekit: decryption failed", ErrMsgio}

	// ErrNonceExhausted is matched by the error of package secure's AEAD
	// encrypter once a direction has used all 2^64 nonces of its counter: the
	// session must end (or be rekeyed by the protocol above) rather than
	// reuse a nonce.
	ErrNonceExhausted error = &class{"framekit: nonce counter exhausted: all 2^64 nonces of one direction are used", ErrMsgio}

	// ErrIncompleteRead is matched by *IncompleteReadError.
	ErrIncompleteRead error = &class{"framekit: incomplete read", ErrIO}

	// ErrConnectionClosed is matched by *ConnectionClosedError.
	ErrConnectionClosed error = &class{"framekit: connection closed", ErrIO}
)

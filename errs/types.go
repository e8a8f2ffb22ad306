package errs

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// MessageTooLargeError reports a message whose length is above a limit: a
// declared length read from a peer, or a message handed to a writer. It
// matches ErrMessageTooLarge, ErrMsgio and ErrIO.
type MessageTooLargeError struct {
	Size uint64 // the length declared by the peer, or of the message written
	Max  uint64 // the largest length allowed, inclusive
}

func (e *MessageTooLargeError) Error() string {
	return "framekit: message too large: " + strconv.FormatUint(e.Size, 10) +
		" bytes exceeds the limit of " + strconv.FormatUint(e.Max, 10)
}

// Unwrap returns ErrMessageTooLarge.
func (e *MessageTooLargeError) Unwrap() error { return ErrMessageTooLarge }

// IncompleteReadError reports a stream that ended before the bytes a reader
// needed had arrived (py-libp2p's IncompleteReadError). It matches
// ErrIncompleteRead, ErrIO and io.ErrUnexpectedEOF, and, when Part is set,
// Part too (ErrMissingLength or ErrMissingMessage).
//
// For a truncated message body, Expected is the body length the header
// declared and Received the body bytes that arrived. For a truncated header,
// Received is the header bytes seen and Expected the fewest header bytes that
// could complete it. Under a frame.Layout with header fields, the header is
// every field and the length, Field names the one the stream ended in, and a
// body's bytes include the trailer (Field is "trailer" when the body was
// whole).
type IncompleteReadError struct {
	Expected  int           // bytes needed
	Received  int           // bytes that arrived before the end of the stream
	Part      error         // ErrMissingLength, ErrMissingMessage, or nil for a plain read
	Field     string        // for a header layout: the header field the stream ended in, or "trailer"
	Transport string        // the stream's transport ("tcp"), if it reports one
	Age       time.Duration // how long the connection had been open, if known
}

// IsCleanClose reports whether none of the requested bytes arrived before the
// stream ended (py-libp2p's name and meaning). It says nothing about the
// message stream as a whole: for a Framer's truncated body (Part is
// ErrMissingMessage) it means the stream ended right after a complete header,
// which is a truncated frame, not a clean close. A clean close of a message
// stream is io.EOF itself, which a Framer returns only at a frame boundary.
func (e *IncompleteReadError) IsCleanClose() bool { return e.Received == 0 }

func (e *IncompleteReadError) Error() string {
	var b strings.Builder
	b.WriteString("framekit: ")
	switch {
	case e.Field == "trailer":
		b.WriteString("stream ended inside a frame's trailer")
	case e.Field != "":
		b.WriteString("stream ended inside a frame header, in field " + strconv.Quote(e.Field))
	case e.Part == ErrMissingLength:
		b.WriteString("stream ended inside a length header")
	case e.Part == ErrMissingMessage:
		b.WriteString("stream ended inside a message body")
	default:
		b.WriteString("stream ended during read")
	}
	fmt.Fprintf(&b, ": expected %d bytes but received %d", e.Expected, e.Received)
	writeTransport(&b, e.Transport, e.Age)
	return b.String()
}

// Unwrap returns the sentinels the error matches.
func (e *IncompleteReadError) Unwrap() []error {
	if e.Part != nil {
		return []error{ErrIncompleteRead, io.ErrUnexpectedEOF, e.Part}
	}
	return []error{ErrIncompleteRead, io.ErrUnexpectedEOF}
}

// ConnectionClosedError reports a connection that was closed under a reader
// or writer: reset by the peer, a broken pipe, or closed locally
// (py-libp2p's ConnectionClosedError). It matches ErrConnectionClosed, ErrIO
// and everything Err matches (for example syscall.ECONNRESET or net.ErrClosed).
//
// Code is py-libp2p's close_code: the code the transport closed with, for the
// transports that have one, such as a QUIC application error code or a
// WebSocket close status (1000–4999). A stream adapter for such a transport
// fills it in; framekit's own TCP adapter never does, since TCP has no close
// codes, and 0 means none.
type ConnectionClosedError struct {
	Code      int           // the transport's close code; 0 if none
	Reason    string        // a short reason, if known
	Transport string        // the transport name ("tcp"), if known
	Age       time.Duration // how long the connection had been open, if known
	Err       error         // the underlying cause, if any
}

func (e *ConnectionClosedError) Error() string {
	var b strings.Builder
	b.WriteString("framekit: connection closed")
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, " (code %d)", e.Code)
	}
	writeTransport(&b, e.Transport, e.Age)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns ErrConnectionClosed and the cause.
func (e *ConnectionClosedError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrConnectionClosed, e.Err}
	}
	return []error{ErrConnectionClosed}
}

// MalformedLengthError reports a length header that can never be valid, such as
// a varint that is not minimally encoded or exceeds 2^63−1. It matches
// ErrMalformedLength, ErrMsgio, ErrIO, and Err (for the uvarint codec, one of
// go-varint's ErrNotMinimal or ErrOverflow).
type MalformedLengthError struct {
	Codec string // the codec's name, "uvarint" say
	Err   error  // the decoder's own error
}

func (e *MalformedLengthError) Error() string {
	return "framekit: malformed " + e.Codec + " length header: " + e.Err.Error()
}

// Unwrap returns ErrMalformedLength and the decoder's error.
func (e *MalformedLengthError) Unwrap() []error { return []error{ErrMalformedLength, e.Err} }

// MalformedTrailerError reports a frame whose trailer is not the fixed bytes
// its layout ends every frame with (AMQP's frame-end octet 0xCE): the stream
// is out of step. It matches ErrMalformedTrailer, ErrMsgio and ErrIO.
type MalformedTrailerError struct {
	Want []byte // the layout's trailer
	Got  []byte // the bytes that arrived in its place
}

func (e *MalformedTrailerError) Error() string {
	return fmt.Sprintf("framekit: malformed frame trailer: got % x, want % x", e.Got, e.Want)
}

// Unwrap returns ErrMalformedTrailer.
func (e *MalformedTrailerError) Unwrap() error { return ErrMalformedTrailer }

func writeTransport(b *strings.Builder, transport string, age time.Duration) {
	if transport == "" {
		return
	}
	fmt.Fprintf(b, " (transport %s, after %.1fs)", transport, age.Seconds())
}

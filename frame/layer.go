package frame

import (
	"io"

	"github.com/framekit/framekit/codec"
)

// MsgReader reads whole messages (py-libp2p's MsgReader).
type MsgReader interface {
	// ReadMsg returns the next message, which the caller owns; io.EOF at a
	// clean end of the stream.
	ReadMsg() ([]byte, error)
}

// MsgWriter writes whole messages (py-libp2p's MsgWriter).
type MsgWriter interface {
	// WriteMsg writes msg as one message. The caller keeps ownership of msg.
	WriteMsg(msg []byte) error
}

// MsgReadWriteCloser is a message stream: what a Framer is, and what a layer
// stacked on one (package secure's Encrypted) wraps and is.
type MsgReadWriteCloser interface {
	MsgReader
	MsgWriter
	io.Closer
}

// The optional interfaces below are what a layer stacked on a message stream
// may look for to avoid a copy or to pass a call through. Framer implements
// all of them. A type that has one of these methods promises the behaviour
// documented here; a type that embeds a *Framer but changes what WriteMsg
// does must also override WriteMsgFunc, since a layer above may call either.

// MsgViewReader is a message reader that can lend its next message instead of
// copying it out.
type MsgViewReader interface {
	// ReadMsgView returns the next message as a view into the reader's own
	// memory, valid until the next read call. The caller must not keep it
	// past that call nor append to it. Errors are those of ReadMsg.
	ReadMsgView() ([]byte, error)
}

// MsgAppender is a message reader that can read the next message into the
// caller's memory.
type MsgAppender interface {
	// AppendMsg appends the next message to dst and returns the extended
	// slice. Errors are those of ReadMsg.
	AppendMsg(dst []byte) ([]byte, error)
}

// MsgFuncWriter is a message writer that can build a message in place, in its
// own buffer, as Framer.WriteMsgFunc does.
type MsgFuncWriter interface {
	// WriteMsgFunc writes one message whose body appendBody appends to a
	// zero-length slice of capacity maxLen; the body is at most maxLen bytes,
	// and room for maxLen bytes is set aside before appendBody runs.
	// The slice is the writer's, valid only during the call. Calls are
	// serialized: the order in which appendBody runs is the order of the
	// messages. An error from appendBody writes nothing and is returned as
	// it is.
	WriteMsgFunc(maxLen int, appendBody func(dst []byte) ([]byte, error)) error
}

// Flusher is a message writer that may hold written messages back (a Framer
// with WithWriteBuffer) until Flush.
type Flusher interface {
	// Flush sends what is held back and returns the first error.
	Flush() error
}

// MaxSizer is a message stream with a largest message size.
type MaxSizer interface {
	// MaxSize returns the largest message, inclusive, that the stream reads,
	// and the largest it writes unless it is also a MaxWriteSizer.
	MaxSize() int
}

// MaxWriteSizer is a message stream whose largest outgoing message may differ
// from its largest incoming one (WithMaxReadSize, WithMaxWriteSize). A layer
// above that bounds what it writes asks it first, and MaxSizer otherwise.
type MaxWriteSizer interface {
	// MaxWriteSize returns the largest message, inclusive, that the stream
	// writes.
	MaxWriteSize() int
}

// Interfaces a Framer implements (and MsgConn, in byname.go).
var (
	_ MsgReadWriteCloser = (*Framer[codec.BE32])(nil)
	_ MsgViewReader      = (*Framer[codec.BE32])(nil)
	_ MsgAppender        = (*Framer[codec.BE32])(nil)
	_ MsgFuncWriter      = (*Framer[codec.BE32])(nil)
	_ Flusher            = (*Framer[codec.BE32])(nil)
	_ MaxSizer           = (*Framer[codec.BE32])(nil)
	_ MaxWriteSizer      = (*Framer[codec.BE32])(nil)
)

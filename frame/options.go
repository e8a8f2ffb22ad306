package frame

import (
	"fmt"
	"math"

	"github.com/framekit/framekit/codec"
)

// Defaults of the options.
const (
	// DefaultMaxSize is the largest message body a Framer accepts unless
	// WithMaxSize says otherwise: 8 MiB, as in go-msgio. It is clipped to what
	// the codec can carry.
	DefaultMaxSize = 8 << 20

	// DefaultReadBuffer is the read-ahead buffer size unless WithReadBuffer
	// says otherwise. The buffer is borrowed from a pool only while a burst of
	// data is being read; an idle Framer holds none of it.
	DefaultReadBuffer = 64 << 10
)

// smallBuffer is the read buffer built into every Framer: it takes the first
// read after the buffer empties, so that an idle connection, blocked waiting
// for its next frame, holds no pooled buffer. Its size is what is left of
// 1 KiB, a malloc size class, once the rest of a Framer and the allocator's
// 8-byte header are counted: an idle Framer costs 1 KiB in all
// (TestFramerSize checks it).
const smallBuffer = 376

// minReadBuffer is the smallest read buffer: room for any codec's header.
const minReadBuffer = 16

// Option configures a Framer. Options are checked once, by New, which panics
// on an invalid one (a programmer error, never a peer's).
type Option func(*config)

type config struct {
	maxSize       int   // largest whole message read
	maxWrite      int   // largest whole message written
	maxStream     int64 // largest streamed body, either way; -1: the whole-message limit of each direction
	readBuffer    int
	writeBuffer   int
	skipOversized bool
	layout        *shape // nil for the plain layout
}

// configure applies opts to the defaults, and clips the maximum sizes to
// what the layout's length field and an int carry.
func configure[L codec.LengthCodec](lay Layout[L], opts []Option) config {
	cfg := config{maxSize: DefaultMaxSize, maxWrite: DefaultMaxSize, maxStream: -1, readBuffer: DefaultReadBuffer, layout: lay.s}
	for _, o := range opts {
		o(&cfg)
	}
	limit := min(lay.MaxBody(), math.MaxInt)
	cfg.maxSize = int(min(uint64(cfg.maxSize), limit))
	cfg.maxWrite = int(min(uint64(cfg.maxWrite), limit))
	if cfg.maxStream >= 0 {
		cfg.maxStream = int64(min(uint64(cfg.maxStream), limit))
	}
	return cfg
}

// WithMaxSize sets the largest message body, inclusive, that the Framer reads
// or writes whole: WithMaxReadSize and WithMaxWriteSize in one. It is clipped
// to what the codec can carry (65535 for BE16). A larger incoming length is
// rejected before any of its body is read or any memory is set aside for it;
// a larger WriteMsg writes nothing. Both return an
// *errs.MessageTooLargeError. n must not be negative.
func WithMaxSize(n int) Option {
	return func(c *config) {
		if n < 0 {
			panic(fmt.Sprintf("frame: WithMaxSize(%d): negative size", n))
		}
		c.maxSize, c.maxWrite = n, n
	}
}

// WithMaxReadSize sets the largest incoming message body, inclusive, that the
// Framer reads whole (ReadMsg, AppendMsg, ReadMsgView, Messages, Read) or
// announces (NextMsgLen), as WithMaxSize does for reads only: peers often
// agree on asymmetric limits. It is clipped to what the codec can carry. n
// must not be negative.
func WithMaxReadSize(n int) Option {
	return func(c *config) {
		if n < 0 {
			panic(fmt.Sprintf("frame: WithMaxReadSize(%d): negative size", n))
		}
		c.maxSize = n
	}
}

// WithMaxWriteSize sets the largest message body, inclusive, that the Framer
// writes whole (WriteMsg, WriteMsgFunc, Write), as WithMaxSize does for
// writes only. It is clipped to what the codec can carry. n must not be
// negative.
func WithMaxWriteSize(n int) Option {
	return func(c *config) {
		if n < 0 {
			panic(fmt.Sprintf("frame: WithMaxWriteSize(%d): negative size", n))
		}
		c.maxWrite = n
	}
}

// WithMaxStreamSize sets the largest streamed message body, inclusive: the
// limit of NextReader on incoming lengths and of WriteMsgFrom on outgoing
// ones. Streamed bodies never sit whole in memory, so this limit may be far
// above the whole-message one: a server can accept 4 GiB uploads through
// NextReader while ReadMsg stays capped at 1 MiB. Without this option a
// streamed body has the whole-message limit of its direction
// (WithMaxReadSize for NextReader, WithMaxWriteSize for WriteMsgFrom). It is
// clipped to what the codec and an int can carry. n must not be negative.
func WithMaxStreamSize(n int64) Option {
	return func(c *config) {
		if n < 0 {
			panic(fmt.Sprintf("frame: WithMaxStreamSize(%d): negative size", n))
		}
		c.maxStream = n
	}
}

// WithReadBuffer sets the size of the read-ahead buffer. With n > 0 the
// Framer reads as much as the stream offers, up to n bytes a call, and serves
// frames from the buffer: few system calls. Bytes read ahead of the current
// frame are available from Buffered when the stream is handed to another
// protocol.
//
// A buffer smaller than 16 bytes is rounded up to 16, room for any codec's
// header, or to MaxLayoutHeader with a layout.
// n == 0 is exact mode: the Framer never reads a byte past the end of the
// current frame, so the stream can be handed over at any frame boundary
// without Buffered. It costs a read per header (a read per header byte for
// Uvarint) and one per body. n must not be negative.
func WithReadBuffer(n int) Option {
	return func(c *config) {
		if n < 0 {
			panic(fmt.Sprintf("frame: WithReadBuffer(%d): negative size", n))
		}
		c.readBuffer = n
	}
}

// WithWriteBuffer batches outgoing frames in a buffer of n bytes: they go out
// in one Write when the buffer cannot take the next frame, on Flush and on
// Close. A frame larger than the buffer is written on its own, after what is
// buffered. With n == 0, the default, every WriteMsg hands its whole frame to
// the stream in one Write before it returns. n must not be negative.
func WithWriteBuffer(n int) Option {
	return func(c *config) {
		if n < 0 {
			panic(fmt.Sprintf("frame: WithWriteBuffer(%d): negative size", n))
		}
		c.writeBuffer = n
	}
}

// WithSkipOversized makes an incoming frame above the maximum a recoverable
// error: the read that meets it returns an *errs.MessageTooLargeError, and the
// next read first streams the frame's body away (never buffering it whole)
// and then goes on with the following frame. Without this option an
// oversized frame leaves the stream out of step, and every later read returns
// the same error.
func WithSkipOversized() Option {
	return func(c *config) { c.skipOversized = true }
}

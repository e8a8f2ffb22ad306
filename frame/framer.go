// Package frame reads and writes length-delimited messages over byte streams.
//
// A Framer[L] is stacked on any io.ReadWriteCloser (a net.Conn, a pipe, a
// file) and is generic over the length codec L from package codec:
//
//	f := frame.New[codec.Uvarint](c, frame.WithMaxSize(1<<20))
//	err := f.WriteMsg([]byte("hello"))
//	msg, err := f.ReadMsg()
//
// A header layout frames protocols whose header holds more than a length
// that counts the body: fields before and after the length, a length that
// counts the header too, flag bits in the length field, a trailer. A
// Layout[L] is built from named parts (NewLayout, LayoutSpec) and drives a
// Framer's reads and writes (NewWithLayout, ReadFrameView, WriteFrame);
// package layout has presets for common protocols.
//
// The package also has the message interfaces every layer implements
// (MsgReader, MsgWriter, MsgReadWriteCloser), the optional ones a layer
// above may use (MsgViewReader, MsgAppender, MsgFuncWriter, Flusher,
// MaxSizer, MaxWriteSizer, MsgStreamReader, MsgStreamWriter), and one-off
// helpers that need no Framer (AppendFrame, ReadLength). Package secure
// stacks an encrypting layer on a Framer.
package frame

import (
	"io"
	"iter"
	"net/netip"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/conn"
)

// Framer reads and writes length-prefixed messages on a stream, with lengths
// encoded by L. Create one with New.
//
// Reads are served from a read-ahead buffer borrowed from a pool while data
// is flowing, and given back when it empties, so an idle Framer holds
// about a kilobyte besides the stream. Messages up to the limit are read
// whole; a peer that declares a large length but sends less makes the Framer
// allocate in proportion to what did arrive, never to the declared length.
//
// A Framer is safe for concurrent use: its read half and its write half each
// have a lock of their own, so one goroutine may read while others write.
// Any number of goroutines may write (frames never interleave) while reads
// are serialized. Close may be called from any goroutine, and unblocks a
// pending read when the underlying Close does (as a net.Conn's does).
//
// Errors: a clean end of the stream at a frame boundary is io.EOF, unwrapped.
// Everything else the Framer detects is one of the errs types: a declared or
// written length above the limit is an *errs.MessageTooLargeError, a stream
// that ends inside a frame an *errs.IncompleteReadError, a bad varint an
// *errs.MalformedLengthError. Over any stream, a reset, a broken pipe, a
// closed pipe or a closed connection is an *errs.ConnectionClosedError
// wrapping the stream's error; other stream errors are returned as they are.
//
// A read that a timeout cuts short (the stream's deadline passed: the error
// matches os.ErrDeadlineExceeded) is never sticky and loses no byte: call it
// again once the deadline is moved, and it returns the whole message, wherever
// in the frame the timeout struck. So is a stream error that struck before
// any byte of a frame was consumed, and an oversized frame under
// WithSkipOversized. Every other read error leaves the stream out of step and
// is sticky: every later read returns it.
type Framer[L codec.LengthCodec] struct {
	rd      reader[L] // its closed flag says Close was called
	wr      writer[L]
	streams uint32 // NextReader calls that returned a reader, under the read lock: the current one's number
}

// New returns a Framer on rw using length codec L. Options are applied in
// order; New panics if one is invalid (a negative size) or if rw is nil.
//
// The Framer owns rw from then on: reading or writing rw directly while the
// Framer is in use corrupts the stream, and Close closes it.
func New[L codec.LengthCodec](rw io.ReadWriteCloser, opts ...Option) *Framer[L] {
	if rw == nil {
		panic("frame: New with a nil stream")
	}
	return NewWithLayout(rw, Layout[L]{}, opts...)
}

// NewWithLayout returns a Framer on rw that reads and writes frames of
// layout lay: header fields around the length, a length that may count more
// than the body, a trailer (see LayoutSpec). New is NewWithLayout with the
// plain layout. The Framer's MaxSize is clipped to lay.MaxBody.
//
// Every read and write method works as documented for New's Framer, on the
// frame's body: ReadMsg and its kin return the body and drop the header
// fields, WriteMsg and WriteMsgFunc write zero header fields. ReadFrameView,
// ReadFrame and WriteFrame read and write the fields too. The lengths in
// NextMsgLen, MessageTooLargeError and the limits are body lengths. Package
// layout has presets for common protocols.
func NewWithLayout[L codec.LengthCodec](rw io.ReadWriteCloser, lay Layout[L], opts ...Option) *Framer[L] {
	if rw == nil {
		panic("frame: New with a nil stream")
	}
	cfg := configure(lay, opts)
	f := new(Framer[L])
	f.rd.init(rw, cfg)
	f.wr.init(rw, cfg)
	f.rd.peer = &f.wr
	return f
}

// stream returns the stream New was given.
func (f *Framer[L]) stream() io.ReadWriteCloser { return f.wr.dst.(io.ReadWriteCloser) }

// MaxSize returns the largest message body the Framer reads whole (and
// NextMsgLen announces): the WithMaxSize or WithMaxReadSize limit clipped to
// what L can carry. It is also the largest it writes unless WithMaxWriteSize
// set that apart (see MaxWriteSize). It implements MaxSizer.
func (f *Framer[L]) MaxSize() int { return f.rd.maxSize }

// MaxWriteSize returns the largest message body the Framer writes whole
// (WriteMsg, WriteMsgFunc, Write): the WithMaxSize or WithMaxWriteSize limit
// clipped to what L can carry. It implements MaxWriteSizer.
func (f *Framer[L]) MaxWriteSize() int { return f.wr.maxSize }

// ReadMsg reads the next message into a new slice that the caller owns (it
// may hand it back with ReleaseMsg). A zero-length message is an empty,
// non-nil slice. ReadMsg makes at most one allocation, of the message's size,
// once the whole body has arrived (none when a released slice fits). At a
// clean end of the stream it returns io.EOF; see Framer for the other errors.
func (f *Framer[L]) ReadMsg() ([]byte, error) {
	f.rd.mu.Lock()
	defer f.rd.mu.Unlock()
	if f.rd.closed.Load() {
		return nil, f.rd.shut()
	}
	return f.rd.readMsgLocked()
}

// AppendMsg appends the next message to dst and returns the extended slice.
// It allocates nothing when dst has room for the message; otherwise dst grows
// as the body arrives. Errors are those of ReadMsg; after a timeout dst is
// returned as it was, and after an error that is sticky it may hold part of
// the body beyond its original length. It implements MsgAppender.
func (f *Framer[L]) AppendMsg(dst []byte) ([]byte, error) {
	f.rd.mu.Lock()
	defer f.rd.mu.Unlock()
	if f.rd.closed.Load() {
		return dst, f.rd.shut()
	}
	return f.rd.appendMsgLocked(dst)
}

// ReadMsgView reads the next message and returns a view of it that the Framer
// owns: the slice is valid only until the next call of a read method
// (ReadMsg, ReadMsgView, AppendMsg, Read, NextMsgLen, Buffered, Messages).
// The caller may modify the bytes within the slice's length, to open a
// message in place, say: the Framer never reads them again. It copies nothing
// for a message that fits the read buffer, and allocates nothing in steady
// state. Errors are those of ReadMsg. It implements MsgViewReader.
func (f *Framer[L]) ReadMsgView() ([]byte, error) {
	f.rd.mu.Lock()
	defer f.rd.mu.Unlock()
	if f.rd.closed.Load() {
		return nil, f.rd.shut()
	}
	if body, ok := f.rd.inLine(); ok { // in line here: through viewLocked it costs a call
		return body, nil
	}
	return f.rd.viewSlow()
}

// NextMsgLen returns the length of the next message without consuming it;
// calls agree until a read consumes the message. It returns the errors of
// ReadMsg, including an *errs.MessageTooLargeError for a declared length above
// the limit, found before any of that body is read. NextMsgLen counts as a
// read call: it ends the validity of a ReadMsgView result.
func (f *Framer[L]) NextMsgLen() (int, error) {
	f.rd.mu.Lock()
	defer f.rd.mu.Unlock()
	if f.rd.closed.Load() {
		return 0, f.rd.shut()
	}
	n, err := f.rd.nextHeader()
	if err != nil {
		return 0, err
	}
	return n - f.rd.trailerLen(), nil
}

// Messages returns an iterator over incoming messages, for use with range.
// Each message is a ReadMsgView: valid only until the loop moves on (clone it
// to keep it). The iteration ends quietly at io.EOF, and ends after yielding
// any other error, except an oversized frame skipped under
// WithSkipOversized, after which it goes on with the next message.
func (f *Framer[L]) Messages() iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		for {
			msg, err := f.ReadMsgView()
			if err == io.EOF {
				return
			}
			if !yield(msg, err) {
				return
			}
			if err != nil && !(f.rd.skipOversized && isTooLarge(err)) {
				return
			}
		}
	}
}

// Buffered returns the bytes read ahead from the stream and not yet consumed:
// what follows the last message read, starting with the header a NextMsgLen
// may have peeked. To hand the stream to another protocol, consume these
// bytes first, then read the stream itself. The slice aliases the Framer's
// buffer: it is valid until the next read call and must not be modified.
// Buffered is always empty in exact mode (WithReadBuffer(0)), except after a
// NextMsgLen, whose header is already consumed there.
func (f *Framer[L]) Buffered() []byte {
	f.rd.mu.Lock()
	defer f.rd.mu.Unlock()
	return f.rd.buf[f.rd.r:f.rd.w]
}

// WriteMsg writes msg as one frame. msg is not retained: the caller may reuse
// it as soon as WriteMsg returns.
//
// Unbatched (the default), the whole frame goes to the stream in one Write
// before WriteMsg returns, or in one vectored write (net.Buffers) for a large
// message on a TCP or Unix connection or a conn.BuffersWriter. With
// WithWriteBuffer the frame may wait in the batch until the buffer fills,
// Flush or Close.
//
// A message above MaxSize fails with an *errs.MessageTooLargeError and writes
// nothing. After Close or CloseWrite, WriteMsg fails with an error matching
// errs.ErrConnectionClosed and net.ErrClosed. A timeout never leaves half a
// frame: see ErrWriteQueued for what it does. Any other stream error (see
// Framer) that struck after part of a frame went out leaves the stream out of
// step, and every later write returns it. WriteMsg allocates nothing in
// steady state.
func (f *Framer[L]) WriteMsg(msg []byte) error { return f.wr.writeMsg(msg) }

// WriteMsgs writes each of msgs as one frame, in order, under a single
// acquisition of the write lock: no other writer's frame comes between them,
// and the lock is paid once for all of them, which makes it the cheaper way
// to send many small messages with WithWriteBuffer. Each message is sent as
// WriteMsg would send it (unbatched, each frame in a Write of its own). No
// message is retained.
//
// WriteMsgs returns how many of msgs count as sent: len(msgs) when err is
// nil. If any message is above MaxSize it writes nothing and fails with an
// *errs.MessageTooLargeError (n == 0). Otherwise it stops at the first error,
// which is one of WriteMsg's: the messages before it count as sent, and so
// does the one whose frame a timeout cut short (the error matches
// ErrWriteQueued). WriteMsgs allocates nothing in steady state.
func (f *Framer[L]) WriteMsgs(msgs ...[]byte) (n int, err error) { return f.wr.writeMsgs(msgs) }

// WriteMsgFunc writes one frame whose body is built in place, in the Framer's
// own buffer right behind the header: the seam through which a layer above
// (an encrypter, a protobuf marshaller, a user's own) writes without a copy.
// It implements MsgFuncWriter.
//
// appendBody is called once, under the Framer's write lock, with a slice of
// length 0 and capacity maxLen; it appends the body (at most maxLen bytes) and
// returns the extended slice, append-style. Room for maxLen bytes is set
// aside before appendBody runs, so maxLen should be a tight bound. The slice
// is the Framer's: valid only during the call, not to be retained. The frame
// then goes out exactly as WriteMsg would send a message of that length: into
// the batch, or to the stream in one Write. Since calls are serialized under the lock, the order in
// which appendBody runs is the order of the frames on the wire. appendBody must
// not call the Framer's write methods (it would deadlock).
//
// maxLen above MaxSize fails with an *errs.MessageTooLargeError before
// appendBody is called. If appendBody returns an error, nothing is written and
// WriteMsgFunc returns that error as it is; a body longer than maxLen is an
// *errs.MessageTooLargeError and nothing is written either. If appendBody
// returns a slice of its own rather than one grown from its argument, its
// bytes are copied into place. The other errors are those of WriteMsg.
// WriteMsgFunc panics if maxLen is negative.
func (f *Framer[L]) WriteMsgFunc(maxLen int, appendBody func(dst []byte) ([]byte, error)) error {
	return f.wr.writeFunc(maxLen, appendBody)
}

// Flush writes the batched frames, if any, in one Write, and the rest of a
// frame a timeout cut short (see ErrWriteQueued). It returns the stream's
// error, or the error that closed the Framer to writes. What a timeout leaves
// unsent waits for the next Flush; any other error after part of the batch
// went out is sticky. Otherwise, unbatched, Flush has nothing to do. It
// implements Flusher.
func (f *Framer[L]) Flush() error { return f.wr.flush() }

// Close closes the stream, which unblocks a pending read or write when the
// stream's Close does (as a net.Conn's and a pipe's do), and returns its
// error. It never waits behind a read or a write in progress: when no write
// is in progress it first sends the batched frames, and otherwise leaves them
// unsent. Calls that Close cuts short, and every call after it, fail with an
// *errs.ConnectionClosedError matching errs.ErrConnectionClosed and
// net.ErrClosed. Close may be called from any goroutine; a second Close
// returns that error too and does nothing.
//
// The flush before closing is itself a write: on a peer that reads nothing
// it blocks like any write. Set a write deadline to bound it.
func (f *Framer[L]) Close() error {
	if f.rd.closed.Swap(true) {
		return errClosed()
	}
	err := f.wr.close()
	f.rd.close()
	if cerr := f.stream().Close(); err == nil {
		err = streamError(f.wr.dst, cerr)
	}
	return err
}

// RemoteAddress returns the peer's address when the underlying stream knows it
// (implements conn.RemoteAddresser), and ok == false otherwise.
func (f *Framer[L]) RemoteAddress() (addr netip.AddrPort, ok bool) {
	if ra, isRA := f.stream().(conn.RemoteAddresser); isRA {
		return ra.RemoteAddress()
	}
	return netip.AddrPort{}, false
}

// ConnState returns the underlying stream's conn.State when it reports one,
// and the zero State otherwise, so layers above can name the transport in
// their errors.
func (f *Framer[L]) ConnState() conn.State { return conn.StateOf(f.stream()) }

// Package frame reads and writes length-delimited messages over byte streams.
//
// A Framer[L] is stacked on any conn.ReadWriteCloser (a net.Conn, a pipe, a
// file) and is generic over the length codec L from package codec:
//
//	f := frame.New[codec.Uvarint](c, frame.WithMaxSize(1<<20))
//	err := f.WriteMsg([]byte("hello"))
//	msg, err := f.ReadMsg()
//
// The package also has one-off helpers that need no Framer (AppendFrame,
// ReadLength), the message interfaces every layer implements (MsgReader,
// MsgWriter, MsgReadWriteCloser), and an encrypting layer.
package frame

import (
	"io"
	"math"
	"net"
	"net/netip"
	"sync"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/bufpool"
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

// MsgReadWriteCloser is a message stream: what a Framer is, and what the
// encrypting layer wraps and is.
type MsgReadWriteCloser interface {
	MsgReader
	MsgWriter
	io.Closer
}

// Framer reads and writes length-prefixed messages on a stream, with lengths
// encoded by L. Create one with New.
//
// Reads are served from a read-ahead buffer borrowed from a pool while data
// is flowing, and given back when it empties, so an idle Framer holds
// about a kilobyte besides the stream. Messages up to the limit are read
// whole; a peer that declares a large length but sends less makes the Framer
// allocate in proportion to what did arrive, never to the declared length.
//
// A Framer is safe for concurrent use: any number of goroutines may write
// (frames never interleave) while reads are serialized. Close may be called
// from any goroutine, and unblocks a pending read when the underlying Close
// does (as a net.Conn's does).
//
// Errors: a clean end of the stream at a frame boundary is io.EOF, unwrapped.
// Everything else the Framer detects is one of the errs types: a declared or
// written length above the limit is an *errs.MessageTooLargeError, a stream
// that ends inside a frame an *errs.IncompleteReadError, a bad varint an
// *errs.MalformedLengthError. Errors from the stream itself (a deadline, a
// reset) are returned as they are. A read error that leaves the stream out of
// step (anything but io.EOF at a boundary, a skippable oversized frame, or a
// stream error that struck before any byte of the frame was consumed) is
// sticky: every later read returns it.
type Framer[L codec.LengthCodec] struct {
	rw            conn.ReadWriteCloser
	maxSize       int        // largest body, inclusive, within what L carries
	readSize      int        // read-ahead buffer size; 0 in exact mode
	writeSize     int        // write batch size; 0 when unbatched
	skipOversized bool       // WithSkipOversized
	kind          headerKind // how bufferedFrame decodes L's headers
	vectored      func(*net.Buffers) (int64, error)

	rmu        sync.Mutex
	buf        []byte  // read buffer in use: small[:...], *big, or nil in exact mode
	big        *[]byte // the pooled read buffer, while borrowed
	r, w       int     // buf[r:w] is read ahead and not yet consumed
	pending    int     // body length of a decoded, unconsumed header; -1 if none
	pendingHdr int     // size of that header while it is still in buf
	skip       uint64  // body bytes of a skipped oversized frame still to discard
	skipLen    uint64  // that frame's declared length
	rerr       error   // sticky read error
	stash      error   // error that came with the last bytes read; returned next
	view       *[]byte // pooled buffer behind the last large ReadMsgView
	small      [smallBuffer]byte

	wmu     sync.Mutex
	wbuf    *[]byte // pooled batch buffer, while frames are waiting
	wn      int     // bytes waiting in wbuf
	werr    error   // sticky write error: a frame went out in part
	closed  bool
	scratch [smallWrite]byte // a small frame, or the header of a vectored write
	iov     [2][]byte        // header and body of a vectored write
	vecs    net.Buffers      // iov as the vectored writer consumes it
}

// New returns a Framer on rw using length codec L. Options are applied in
// order; New panics if one is invalid (a negative size).
//
// The Framer owns rw from then on: reading or writing rw directly while the
// Framer is in use corrupts the stream, and Close closes it.
func New[L codec.LengthCodec](rw conn.ReadWriteCloser, opts ...Option) *Framer[L] {
	if rw == nil {
		panic("frame: New with a nil stream")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	var c L
	f := &Framer[L]{
		rw:            rw,
		maxSize:       clampMax(cfg.maxSize, c.MaxLength()),
		readSize:      cfg.readBuffer,
		writeSize:     cfg.writeBuffer,
		skipOversized: cfg.skipOversized,
		kind:          kindOf[L](),
		vectored:      vectoredWriter(rw),
		pending:       -1,
	}
	if f.readSize > 0 {
		f.readSize = max(f.readSize, minReadBuffer)
		f.buf = f.small[:min(f.readSize, smallBuffer)]
	}
	return f
}

// clampMax returns n (not negative) lowered to what the codec and an int carry.
func clampMax(n int, codecMax uint64) int {
	return int(min(uint64(n), codecMax, math.MaxInt))
}

// vectoredWriter returns a function that writes several slices in one system
// call, when rw has one.
func vectoredWriter(rw conn.ReadWriteCloser) func(*net.Buffers) (int64, error) {
	switch c := rw.(type) {
	case conn.BuffersWriter:
		return c.WriteBuffers
	case *net.TCPConn, *net.UnixConn:
		return func(b *net.Buffers) (int64, error) { return b.WriteTo(c) }
	}
	return nil
}

// MaxSize returns the largest message body the Framer reads or writes: the
// WithMaxSize limit clipped to what L can carry.
func (f *Framer[L]) MaxSize() int { return f.maxSize }

// Close flushes batched frames, then closes the underlying stream, which
// unblocks a pending read if the stream's Close does. It returns the first
// error of the two. Writes after Close fail with an error matching
// errs.ErrConnectionClosed and net.ErrClosed. If a write is blocked on the
// stream, Close waits for it; set a deadline on the stream to bound that.
func (f *Framer[L]) Close() error {
	f.wmu.Lock()
	err := f.flushLocked()
	f.closed = true
	f.wmu.Unlock()
	if cerr := f.rw.Close(); err == nil {
		err = cerr
	}
	return err
}

// RemoteAddress returns the peer's address when the underlying stream knows it
// (implements conn.RemoteAddresser), and ok == false otherwise.
func (f *Framer[L]) RemoteAddress() (addr netip.AddrPort, ok bool) {
	if ra, isRA := f.rw.(conn.RemoteAddresser); isRA {
		return ra.RemoteAddress()
	}
	return netip.AddrPort{}, false
}

// ConnState returns the underlying stream's conn.State when it reports one,
// and the zero State otherwise, so layers above can name the transport in
// their errors.
func (f *Framer[L]) ConnState() conn.State {
	if sr, ok := f.rw.(conn.StateReporter); ok {
		return sr.ConnState()
	}
	return conn.State{}
}

// Buffered returns the bytes read ahead from the stream and not yet consumed:
// what follows the last message read, starting with the header a NextMsgLen
// may have peeked. To hand the stream to another protocol, consume these
// bytes first, then read the stream itself. The slice aliases the Framer's
// buffer: it is valid until the next read call and must not be modified.
// Buffered is always empty in exact mode (WithReadBuffer(0)), except after a
// NextMsgLen, whose header is already consumed there.
func (f *Framer[L]) Buffered() []byte {
	f.rmu.Lock()
	defer f.rmu.Unlock()
	return f.buf[f.r:f.w]
}

// errClosed returns the error of a write after Close.
func errClosed() error {
	return &errs.ConnectionClosedError{Reason: "framer closed locally", Err: net.ErrClosed}
}

// release gives the pooled read buffer back when nothing is left in it.
func (f *Framer[L]) release() {
	if f.big != nil && f.r == f.w {
		bufpool.Put(f.big)
		f.big = nil
		f.r, f.w = 0, 0
		f.buf = f.small[:min(f.readSize, smallBuffer)]
	}
}

package frame

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/bufpool"
	"github.com/framekit/framekit/internal/iox"
)

// This file streams one message: NextReader reads a body as an io.Reader and
// WriteMsgFrom writes one from an io.Reader, both in constant memory whatever
// the body's size. A streamed body that is read is the read half's skipping
// state (reader.skip) with a reader attached: its bytes are counted down as
// they are handed out, and a read call that comes before the end streams the
// rest away exactly as it does an oversized frame under WithSkipOversized.

// MsgStreamReader is a message reader that can hand out the next message's
// body as a stream, as Framer.NextReader does.
type MsgStreamReader interface {
	// NextReader returns a reader of the next message's n-byte body, valid
	// until the next read call.
	NextReader() (r io.Reader, n int, err error)
}

// MsgStreamWriter is a message writer that can take a message's body from a
// stream, as Framer.WriteMsgFrom does.
type MsgStreamWriter interface {
	// WriteMsgFrom writes one message whose body is the next n bytes of r.
	WriteMsgFrom(r io.Reader, n int) error
}

var (
	_ MsgStreamReader = (*Framer[codec.BE32])(nil)
	_ MsgStreamWriter = (*Framer[codec.BE32])(nil)
)

// ErrStaleReader is returned by a reader from NextReader that is read after
// its Framer's next read call, which ended its validity. It is a mistake of
// the caller, not of the stream, and matches none of the errs sentinels.
var ErrStaleReader = errors.New("frame: message reader used after the next read call")

// streamPhase is where the read half stands with NextReader.
type streamPhase uint8

const (
	streamNone   streamPhase = iota
	streamHeader             // NextReader is decoding a header: the stream limit applies
	streamBody               // the body of the last NextReader is in reader.skip or reader.view
)

// endStream is called by nextHeader, which every read call that is not
// served in line (and every one while a NextReader body is unread) goes
// through: the body of the last NextReader is over, and its reader fails
// from now on. It returns the limit for the header nextHeader decodes: the
// stream limit when NextReader asked, the whole-message one otherwise.
func (rd *reader[L]) endStream() int {
	limit := rd.maxSize
	if rd.stream == streamHeader {
		limit = rd.streamLimit()
	}
	rd.stream = streamNone
	return limit
}

// streamLimit returns the largest body NextReader accepts.
func (rd *reader[L]) streamLimit() int {
	if rd.maxStream < 0 {
		return rd.maxSize
	}
	return int(rd.maxStream)
}

// MaxStreamSize returns the largest streamed message body, inclusive, that
// NextReader reads: the WithMaxStreamSize limit, or MaxSize without it, both
// clipped to what L carries. WriteMsgFrom's limit is the same when
// WithMaxStreamSize was given, and MaxWriteSize otherwise.
func (f *Framer[L]) MaxStreamSize() int64 { return int64(f.rd.streamLimit()) }

// writeStreamLimit returns the largest body WriteMsgFrom accepts.
func (f *Framer[L]) writeStreamLimit() int {
	if f.rd.maxStream < 0 {
		return f.wr.maxSize
	}
	return int(f.rd.maxStream)
}

// NextReader reads the next message's header and returns a reader of its
// body, which yields exactly n bytes and then io.EOF: the way to take in a
// message larger than memory, or larger than the whole-message limit. It
// implements MsgStreamReader.
//
// The reader reads nothing ahead of what its caller asks for beyond the read
// buffer (WithReadBuffer; nothing at all in exact mode), and reads straight
// into the caller's slice when that is at least as large as the buffer:
// memory stays constant whatever n is. It is valid until the next read call
// of the Framer (ReadMsg, ReadMsgView, AppendMsg, Read, NextMsgLen, Messages,
// NextReader); a read call that comes before the body is drained streams the
// rest of it away, never buffering it whole, and the reader returns
// ErrStaleReader from then on. Each Read takes the Framer's read lock for its
// duration, as the other read calls do, so it may block behind one of them;
// the reader itself is not for concurrent use.
//
// Limits: the declared length is checked against MaxStreamSize (see
// WithMaxStreamSize) before any of the body is read; above it NextReader
// returns an *errs.MessageTooLargeError, sticky unless WithSkipOversized, as
// ReadMsg does. A header that NextMsgLen already announced was checked
// against the whole-message limit; if it is above MaxStreamSize (a stream
// limit set below the whole one), NextReader returns an
// *errs.MessageTooLargeError and leaves the message pending for a whole read.
// The other errors of the header, and io.EOF at a clean end, are those of
// ReadMsg.
//
// Errors of the reader: a stream that ends inside the body is an
// *errs.IncompleteReadError (Part errs.ErrMissingMessage, Expected n,
// Received the body bytes that arrived), sticky for the Framer. A timeout
// inside the body is returned from Read and loses nothing: once the deadline
// is moved, Read goes on where it stopped. Close during a Read cuts it short
// and, like every Read after Close, fails with an *errs.ConnectionClosedError.
// Any other stream error is sticky, as for ReadMsg.
//
// On a layout Framer (NewWithLayout) the reader yields the body alone: the
// header fields are not returned (ReadFrameView has them), and the layout's
// trailer is read and checked before io.EOF, a wrong one being an
// *errs.MalformedTrailerError. WriteMsgFrom writes zero header fields and
// the trailer.
//
// After a ReadMsg, AppendMsg or ReadMsgView that a timeout cut short inside a
// body, NextReader first finishes reading that body whole (the whole-message
// limit bounds it), and the reader serves it from memory.
func (f *Framer[L]) NextReader() (io.Reader, int, error) {
	rd := &f.rd
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if rd.closed.Load() {
		return nil, 0, rd.shut()
	}
	rd.stream = streamHeader
	payload, err := rd.nextHeader() // body and trailer
	if err != nil {
		return nil, 0, err
	}
	t := rd.trailerLen()
	n := payload - t
	if limit := rd.streamLimit(); n > limit { // announced by NextMsgLen under the whole-message limit
		return nil, 0, &errs.MessageTooLargeError{Size: uint64(n), Max: uint64(limit)}
	}
	f.streams++
	b := &bodyReader[L]{f: f, gen: f.streams, left: n, trailer: t}
	if rd.resumed() {
		if b.view, err = rd.resume(payload); err != nil {
			return nil, 0, err
		}
		if t > 0 {
			if b.view, err = rd.cutTrailer(b.view); err != nil {
				return nil, 0, err
			}
			b.trailer = 0
		}
	} else {
		rd.r += rd.header.inBuf // the header; 0 in exact mode, where it is consumed
		rd.header = pendingFrame{}
		rd.skip = skipping{left: uint64(payload), declared: uint64(payload)}
	}
	rd.stream = streamBody
	return b, n, nil
}

// bodyReader is the reader NextReader returns.
type bodyReader[L codec.LengthCodec] struct {
	f       *Framer[L]
	gen     uint32 // the Framer's NextReader call this reader belongs to
	left    int    // body bytes not yet returned
	trailer int    // bytes of the layout's trailer still to read and check after the body
	view    []byte // the rest of a body that is whole in memory, or nil
	got     [MaxTrailer]byte
}

// Read reads the next bytes of the body into p. See NextReader.
func (b *bodyReader[L]) Read(p []byte) (int, error) {
	if b.left == 0 && b.trailer == 0 {
		return 0, io.EOF
	}
	rd := &b.f.rd
	rd.mu.Lock()
	defer rd.mu.Unlock()
	switch {
	case rd.closed.Load():
		return 0, rd.shut()
	case b.gen != b.f.streams || rd.stream != streamBody:
		return 0, ErrStaleReader
	case b.view != nil:
		k := copy(p, b.view)
		b.view = b.view[k:]
		b.left -= k
		return k, nil
	case rd.err != nil:
		return 0, rd.err
	case rd.skip.left != uint64(b.left+b.trailer):
		return 0, ErrStaleReader // cannot happen while the phase says streamBody
	case b.left == 0:
		if err := b.checkTrailer(); err != nil {
			return 0, err
		}
		return 0, io.EOF
	case len(p) == 0:
		return 0, nil
	}
	k, err := rd.readStreamed(p[:min(len(p), b.left)])
	b.left -= k
	return k, err
}

// checkTrailer reads the layout's trailer after a streamed body and checks
// it. A timeout keeps what it read, and the next Read goes on.
func (b *bodyReader[L]) checkTrailer() error {
	rd := &b.f.rd
	want := rd.lay.trailer
	for b.trailer > 0 {
		at := len(want) - b.trailer
		k, err := rd.readStreamed(b.got[at : at+b.trailer])
		b.trailer -= k
		if err != nil {
			return err
		}
	}
	return rd.checkTrailer(b.got[:len(want)])
}

// readStreamed reads into p, which is no longer than what is left of the
// streamed body, the body's next bytes: from the read buffer when it holds
// some, or when p is smaller than the buffer, which it then fills; otherwise
// straight from the stream, never past the body. It returns the errors of
// discard, from which a timeout resumes.
func (rd *reader[L]) readStreamed(p []byte) (int, error) {
	if rd.size > 0 && (rd.r < rd.w || rd.stash != nil || len(p) < len(rd.buf)) {
		if rd.r == rd.w {
			if err := rd.fill(1); err != nil {
				return 0, rd.discardErr(err)
			}
		}
		k := copy(p, rd.buf[rd.r:rd.w])
		rd.r += k
		rd.skip.left -= uint64(k)
		rd.release()
		return k, nil
	}
	for empty := 0; ; {
		rd.wait()
		k, err := rd.src.Read(p)
		rd.skip.left -= uint64(k)
		switch {
		case err == nil && k > 0:
			return k, nil
		case err == nil:
			if empty++; empty == iox.MaxEmptyReads {
				return 0, rd.discardErr(io.ErrNoProgress)
			}
			continue
		case rd.skip.left == 0: // the body is whole: the error is the next frame's
			if rd.size > 0 {
				rd.stash = err
			}
			return k, nil
		}
		return k, rd.discardErr(err)
	}
}

// streamChunk is the piece in which WriteMsgFrom copies a body that does not
// fit the write buffer: the memory it borrows, whatever the body's size.
const streamChunk = 64 << 10

// WriteMsgFrom writes one frame whose body is the next n bytes of r, read as
// the frame goes out: the way to send a message larger than memory. It
// implements MsgStreamWriter. It holds the write lock for the whole frame,
// so frames of other writers never interleave with it; they wait.
//
// A frame that fits the write buffer (WithWriteBuffer), or 64 KiB when that
// is smaller, has its body read whole first and then goes out as WriteMsg
// sends a message, into the batch or in one Write. A larger one goes out as
// it is read, after the batch: its header with the first 64 KiB of the body,
// then the rest in 64 KiB pieces through a pooled buffer, so memory stays
// constant whatever n is. When r is an *os.File, a *net.TCPConn or a
// *net.UnixConn (or an *io.LimitedReader around one) and the stream is an
// io.ReaderFrom (a *net.TCPConn, an *os.File), the body goes through the
// stream's ReadFrom after the header instead, which lets the kernel copy it
// (sendfile, splice). Only n bytes of r are read.
//
// n above the write limit for streamed bodies (MaxStreamSize when
// WithMaxStreamSize was given, MaxWriteSize otherwise) fails with an
// *errs.MessageTooLargeError before r is read.
//
// If r ends before n bytes, or fails, or the stream fails partway, the frame
// cannot be completed, and WriteMsgFrom returns an *IncompleteFrameError that
// wraps the cause (io.ErrUnexpectedEOF when r ended early). When any of the
// frame had gone out, the peer holds part of a frame and the write half is
// unusable: the error is sticky, every later write, Flush and Close returns
// it, and nothing more goes out, not even a timeout's rest (the rest of the
// body is not in memory to queue). When none of it had (a frame that fits the
// buffer, or a failure while reading the first piece), nothing was written
// and the Framer goes on; the bytes taken from r are lost to the caller
// either way. A timeout before anything of a body that was read whole went
// out queues that frame, as for WriteMsgFunc (see ErrWriteQueued). After
// Close or CloseWrite it fails as WriteMsg does. Close does not interrupt a
// Read of r that blocks.
//
// WriteMsgFrom panics if n is negative.
func (f *Framer[L]) WriteMsgFrom(r io.Reader, n int) error {
	if n < 0 {
		panic("frame: WriteMsgFrom with a negative length")
	}
	if limit := f.writeStreamLimit(); n > limit {
		return &errs.MessageTooLargeError{Size: uint64(n), Max: uint64(limit)}
	}
	wr := &f.wr
	wr.mu.Lock()
	defer wr.mu.Unlock()
	if err := wr.writable(); err != nil {
		return err
	}
	size := wr.headerSize(n) + n + wr.trailerLen()
	if size <= max(wr.batchSize, streamChunk) {
		return wr.writeReadWhole(r, n, size)
	}
	if err := wr.flushLocked(); err != nil {
		return err
	}
	if rf, ok := wr.dst.(io.ReaderFrom); ok && kernelCopies(r) {
		return wr.writeReadFrom(rf, r, n)
	}
	return wr.writeChunks(r, n)
}

// writeReadWhole reads the n-byte body from r into the frame's buffer, then
// sends the frame of size bytes as WriteMsgFunc does.
func (wr *writer[L]) writeReadWhole(r io.Reader, n, size int) error {
	buf, pooled, err := wr.space(size)
	if err != nil {
		return err
	}
	frame := wr.appendHeader(buf, n)
	k, err := iox.ReadFull(r, frame[len(frame):len(frame)+n])
	if err != nil {
		giveBack(pooled)
		return wr.incomplete(n, k, 0, err)
	}
	return wr.send(append(frame[:len(frame)+n], wr.trailer()...), size, pooled, true)
}

// writeChunks sends the frame of an n-byte body read from r, its header
// with the first piece of the body, in pieces of streamChunk bytes.
func (wr *writer[L]) writeChunks(r io.Reader, n int) error {
	chunk := bufpool.Get(streamChunk)
	defer bufpool.Put(chunk)
	buf := (*chunk)[:streamChunk]
	at := len(wr.appendHeader(buf[:0], n))
	read, sent := 0, 0
	tail := wr.trailer() // goes with the last piece, or after it
	for read < n || len(tail) > 0 {
		k, err := iox.ReadFull(r, buf[at:at+min(len(buf)-at, n-read)])
		read += k
		if err != nil {
			return wr.incomplete(n, read, sent, err)
		}
		at += k
		if read == n {
			c := copy(buf[at:], tail)
			at += c
			tail = tail[c:]
		}
		w, err := wr.dst.Write(buf[:at])
		sent += w
		if err = wr.wrote(w, at, err); err != nil {
			return wr.incomplete(n, read, sent, err)
		}
		at = 0
	}
	return nil
}

// writeReadFrom sends the header of an n-byte body, then the body through
// the stream's ReadFrom.
func (wr *writer[L]) writeReadFrom(rf io.ReaderFrom, r io.Reader, n int) error {
	hdr := wr.appendHeader(wr.scratch[:0], n)
	k, err := wr.dst.Write(hdr)
	if err = wr.wrote(k, len(hdr), err); err != nil {
		return wr.incomplete(n, 0, k, err)
	}
	copied, err := rf.ReadFrom(io.LimitReader(r, int64(n)))
	if err == nil && copied < int64(n) {
		err = io.EOF
	} else if err != nil {
		err = wr.wrote(0, 0, err) // classified as a stream error; r's are left as they are
	}
	if err != nil {
		return wr.incomplete(n, int(copied), len(hdr)+int(copied), err)
	}
	if t := wr.trailer(); len(t) > 0 {
		k, err := wr.dst.Write(t)
		if err = wr.wrote(k, len(t), err); err != nil {
			return wr.incomplete(n, n, len(hdr)+n+k, err)
		}
	}
	return nil
}

// trailer returns the layout's trailer; nil for none.
func (wr *writer[L]) trailer() []byte {
	if wr.lay == nil {
		return nil
	}
	return wr.lay.trailer
}

// trailerLen returns the size of the layout's trailer.
func (wr *writer[L]) trailerLen() int { return len(wr.trailer()) }

// incomplete returns the error of a WriteMsgFrom that read read bytes of an
// n-byte body from its source, of whose frame sent bytes went out, and then
// failed with err (io.EOF: the source ended). It is sticky when sent > 0.
func (wr *writer[L]) incomplete(n, read, sent int, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	e := &IncompleteFrameError{Size: n, Read: read, Sent: sent, Err: err}
	if sent > 0 {
		wr.err = e
	}
	return e
}

// kernelCopies reports whether r is a source that a stream's ReadFrom may
// copy from in the kernel (sendfile, splice, copy_file_range).
func kernelCopies(r io.Reader) bool {
	switch s := r.(type) {
	case *os.File, *net.TCPConn, *net.UnixConn:
		return true
	case *io.LimitedReader:
		return kernelCopies(s.R)
	}
	return false
}

// IncompleteFrameError reports a WriteMsgFrom that could not complete its
// frame: its source ended (Err is io.ErrUnexpectedEOF) or failed (Err is the
// source's error) before the body's Size bytes, or the stream failed partway
// (Err is the stream's error, classified as for WriteMsg). It matches Err.
//
// When Sent > 0, part of the frame went out: the peer holds an unfinished
// frame, the Framer's write half is out of step for good, and every later
// write returns this error. When Sent == 0 nothing of the frame went out and
// the Framer may go on writing.
type IncompleteFrameError struct {
	Size int   // the body length the frame declares
	Read int   // body bytes taken from the source
	Sent int   // bytes of the frame, header included, that went out
	Err  error // the cause
}

func (e *IncompleteFrameError) Error() string {
	state := "nothing was sent"
	if e.Sent > 0 {
		state = fmt.Sprintf("%d bytes of the frame went out, the stream is unusable", e.Sent)
	}
	return fmt.Sprintf("frame: message body of %d bytes cut short after %d read from its source (%s): %v",
		e.Size, e.Read, state, e.Err)
}

// Unwrap returns the cause.
func (e *IncompleteFrameError) Unwrap() error { return e.Err }

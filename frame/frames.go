package frame

import (
	"errors"
	"fmt"
	"io"

	"github.com/framekit/framekit/internal/iox"
)

// Layout returns the layout the Framer reads and writes: the one given to
// NewWithLayout, or the plain layout.
func (f *Framer[L]) Layout() Layout[L] {
	if f.wr.lay == nil {
		return Layout[L]{}
	}
	return Layout[L]{f.wr.lay}
}

// ReadFrameView reads the next frame and returns its header (the fields and
// the flags) and its body as views that the Framer owns, valid until the
// next read call, as ReadMsgView's result is; the caller may modify the
// bytes. A frame whose trailer is wrong is an *errs.MalformedTrailerError,
// and leaves the stream out of step. The other errors are those of ReadMsg.
// On a plain Framer the header is empty.
func (f *Framer[L]) ReadFrameView() (h Header, body []byte, err error) {
	f.rd.mu.Lock()
	if f.rd.lay != nil && !f.rd.closed.Load() {
		if body, ok := f.rd.inLineFrame(&h); ok {
			f.rd.mu.Unlock() // no defer on the in-line path: it is most of the call
			return h, body, nil
		}
	}
	f.rd.mu.Unlock()
	return f.readFrameView()
}

// readFrameView is ReadFrameView when the in-line path declined the frame.
func (f *Framer[L]) readFrameView() (Header, []byte, error) {
	f.rd.mu.Lock()
	defer f.rd.mu.Unlock()
	if f.rd.closed.Load() {
		return Header{}, nil, f.rd.shut()
	}
	return f.rd.frameView()
}

// ReadFrame is ReadFrameView for a frame the caller owns: its header fields
// and body share one new allocation.
func (f *Framer[L]) ReadFrame() (Header, []byte, error) {
	f.rd.mu.Lock()
	defer f.rd.mu.Unlock()
	if f.rd.closed.Load() {
		return Header{}, nil, f.rd.shut()
	}
	h, body, err := f.rd.frameView()
	if err != nil {
		return Header{}, nil, err
	}
	n := len(h.Fields)
	owned := make([]byte, n+len(body))
	copy(owned, h.Fields)
	copy(owned[n:], body)
	if n > 0 {
		h.Fields = owned[:n:n]
	}
	f.rd.release()
	f.rd.dropView()
	return h, owned[n:], nil
}

// WriteFrame writes one frame of the Framer's layout with header h and the
// body, filling in the length from the body. h.Fields must hold exactly the
// bytes of the layout's fields, or be nil for zero bytes; h.Flags may only
// have bits of the length field above the layout's LengthMask. A header
// that does not fit is a plain error and nothing is written. A body the
// length field cannot carry, or above MaxWriteSize, is an
// *errs.MessageTooLargeError: a length is never truncated. The other errors,
// and what the Framer keeps of body, are those of WriteMsg. On a plain
// Framer, WriteFrame is WriteMsg of the body, and fields or flags are an
// error.
func (f *Framer[L]) WriteFrame(h Header, body []byte) error {
	if f.wr.lay == nil {
		if len(h.Fields) != 0 || h.Flags != 0 {
			return Layout[L]{}.check(&h)
		}
		return f.wr.writeMsg(body)
	}
	return f.wr.writeFrame(&h, body)
}

// check is shape.check for the plain layout, which has no fields or flags.
func (Layout[L]) check(*Header) error {
	var c L
	return fmt.Errorf("frame: the plain %s layout has no header fields or flags", c)
}

// ReadUnframed reads exactly len(p) bytes that are not framed, such as a
// protocol's preface before its first frame (HTTP/2's client preface,
// PostgreSQL's startup message), through the Framer's read buffer: bytes
// already read ahead are used first and nothing read ahead is lost. It
// returns the number of bytes read into p, len(p) unless there is an error,
// as io.ReadFull does: io.EOF if the stream ended before any byte, an
// *errs.IncompleteReadError if it ended after some. A timeout leaves the
// first n bytes in p: call again for p[n:]. It fails with an error while a
// frame is half read (after NextMsgLen, or a timeout inside a frame).
func (f *Framer[L]) ReadUnframed(p []byte) (int, error) {
	f.rd.mu.Lock()
	defer f.rd.mu.Unlock()
	if f.rd.closed.Load() {
		return 0, f.rd.shut()
	}
	return f.rd.readUnframed(p)
}

func (rd *reader[L]) readUnframed(p []byte) (int, error) {
	switch {
	case rd.err != nil:
		return 0, rd.err
	case rd.header.decoded || rd.skip.left > 0 || rd.header.inBuf > 0:
		return 0, errMidFrame
	}
	rd.dropView()
	n := copy(p, rd.buf[rd.r:rd.w])
	rd.r += n
	rd.release()
	if n == len(p) {
		return n, nil
	}
	if rd.stash != nil {
		err := rd.stash
		rd.stash = nil
		return n, rd.unframedErr(len(p), n, err)
	}
	rd.wait()
	k, err := iox.ReadFull(rd.src, p[n:])
	return n + k, rd.unframedErr(len(p), n+k, err)
}

var errMidFrame = errors.New("frame: ReadUnframed inside a frame")

// unframedErr classifies the error of an unframed read of want bytes that got
// got.
func (rd *reader[L]) unframedErr(want, got int, err error) error {
	switch {
	case err == nil:
		return nil
	case err == io.EOF && got == 0:
		return io.EOF
	case err == io.EOF:
		return incomplete(rd.src, want, got, nil)
	}
	return rd.streamErr(err)
}

// WriteUnframed writes p as it is, with no header: a protocol's preface or a
// reply outside its framing (PostgreSQL's one-byte answer to an SSLRequest).
// It goes out as a frame would, in the batch or in one Write, and its errors
// are those of WriteMsg, except that no limit applies.
func (f *Framer[L]) WriteUnframed(p []byte) error { return f.wr.writeUnframed(p) }

func (wr *writer[L]) writeUnframed(p []byte) error {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	if err := wr.writable(); err != nil {
		return err
	}
	buf, pooled, err := wr.space(len(p))
	if err != nil {
		return err
	}
	return wr.send(append(buf, p...), len(p), pooled, false)
}

// frameView returns the next frame's header and body as views.
func (rd *reader[L]) frameView() (Header, []byte, error) {
	if rd.lay == nil {
		body, err := rd.viewLocked()
		return Header{}, body, err
	}
	var h Header
	if body, ok := rd.inLineFrame(&h); ok {
		return h, body, nil
	}
	payload, err := rd.payloadView()
	if err != nil {
		return Header{}, nil, err
	}
	body, err := rd.cutTrailer(payload)
	if err != nil {
		return Header{}, nil, err
	}
	return Header{Fields: rd.lay.fields(rd.lay.hdr[:rd.lay.size]), Flags: rd.lay.flags}, body, nil
}

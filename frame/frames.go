package frame

import (
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

// ReadFrameView reads the next frame and returns its header fields and body
// as views that the Framer owns, valid until the next read call, as
// ReadMsgView's result is; the caller may modify the bytes. A frame whose
// trailer is wrong is an *errs.MalformedTrailerError, and leaves the stream
// out of step. The other errors are those of ReadMsg. On a plain Framer the
// frame has a body only.
func (f *Framer[L]) ReadFrameView() (fr Frame, err error) {
	f.rd.mu.Lock()
	if f.rd.lay != nil && !f.rd.closed.Load() && f.rd.inLineFrame(&fr) {
		f.rd.mu.Unlock() // no defer on this path: it would cost a tenth of it
		return fr, nil
	}
	f.rd.mu.Unlock()
	return f.readFrameView()
}

// readFrameView is ReadFrameView when the in-line path declined the frame.
func (f *Framer[L]) readFrameView() (Frame, error) {
	f.rd.mu.Lock()
	defer f.rd.mu.Unlock()
	if f.rd.closed.Load() {
		return Frame{}, f.rd.shut()
	}
	return f.rd.frameView()
}

// ReadFrame is ReadFrameView for a frame the caller owns: its header fields
// and body share one new allocation.
func (f *Framer[L]) ReadFrame() (Frame, error) {
	f.rd.mu.Lock()
	defer f.rd.mu.Unlock()
	if f.rd.closed.Load() {
		return Frame{}, f.rd.shut()
	}
	fr, err := f.rd.frameView()
	if err != nil {
		return Frame{}, err
	}
	b, a := len(fr.Before), len(fr.After)
	owned := make([]byte, b+a+len(fr.Body))
	copy(owned, fr.Before)
	copy(owned[b:], fr.After)
	copy(owned[b+a:], fr.Body)
	fr.Body = owned[b+a:]
	if b > 0 {
		fr.Before = owned[:b:b]
	}
	if a > 0 {
		fr.After = owned[b : b+a : b+a]
	}
	f.rd.release()
	f.rd.dropView()
	return fr, nil
}

// WriteFrame writes fr as one frame of the Framer's layout, filling in the
// length from the body. fr.Before and fr.After must hold exactly the bytes
// of the layout's fields, or be nil for zero bytes; fr.Flags may only have
// bits of the length field above the layout's LengthMask. A frame that does
// not fit is a plain error and nothing is written. A body the length field
// cannot carry, or above MaxSize, is an *errs.MessageTooLargeError: a length
// is never truncated. The other errors, and what the Framer keeps of fr, are
// those of WriteMsg. On a plain Framer, WriteFrame is WriteMsg of fr.Body,
// and fields or flags are an error.
func (f *Framer[L]) WriteFrame(fr Frame) error {
	if f.wr.lay == nil {
		if len(fr.Before) != 0 || len(fr.After) != 0 || fr.Flags != 0 {
			return Layout[L]{}.check(&fr)
		}
		return f.wr.writeMsg(fr.Body)
	}
	return f.wr.writeFrame(&fr)
}

// check is shape.check for the plain layout.
func (Layout[L]) check(*Frame) error {
	var c L
	return &layoutError{"frame: the plain " + c.String() + " layout has no header fields or flags"}
}

type layoutError struct{ text string }

func (e *layoutError) Error() string { return e.text }

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

var errMidFrame = &layoutError{"frame: ReadUnframed inside a frame"}

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

// frameView returns the next frame with views of its fields and body.
func (rd *reader[L]) frameView() (Frame, error) {
	if rd.lay == nil {
		body, ok := rd.inLine()
		if ok {
			return Frame{Body: body}, nil
		}
		body, err := rd.viewSlow()
		return Frame{Body: body}, err
	}
	var fr Frame
	if rd.inLineFrame(&fr) {
		return fr, nil
	}
	payload, err := rd.payloadView()
	if err != nil {
		return Frame{}, err
	}
	body, err := rd.cutTrailer(payload)
	if err != nil {
		return Frame{}, err
	}
	s, hdr := &rd.lay.shape, rd.lay.hdr[:rd.lay.size]
	return Frame{
		Before: hdr[:s.before:s.before],
		After:  hdr[len(hdr)-s.after:],
		Flags:  rd.lay.flags,
		Body:   body,
	}, nil
}

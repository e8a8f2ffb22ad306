package frame

import (
	"bytes"
	"errors"
	"io"
	"math"
	"sync"
	"sync/atomic"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/bufpool"
	"github.com/framekit/framekit/internal/iox"
)

// eagerAlloc is how much memory a read sets aside for a body before any of it
// has arrived. Past it, the destination grows no faster than bytes arrive:
// a peer that declares n bytes and sends k makes the destination at most
// 2k + eagerAlloc bytes, or twice that in a pooled buffer, whose sizes are
// powers of two.
const eagerAlloc = 64 << 10

// reader is the read half of a Framer: it owns the read-ahead buffer and
// everything that is known about the frame being read. Its methods with a
// Locked suffix expect mu to be held.
type reader[L codec.LengthCodec] struct {
	src           io.Reader
	maxSize       int         // largest body, inclusive, within what L carries
	size          int         // read-ahead buffer size; 0 in exact mode
	skipOversized bool        // WithSkipOversized
	kind          headerKind  // see fastpath.go
	stream        streamPhase // where a NextReader call stands; see stream.go
	closed        atomic.Bool // Close was called; set without mu when a read is in progress
	peer          *writer[L]  // the write half, whose batch goes out before a read waits; nil for none

	mu     sync.Mutex
	buf    []byte       // read buffer in use: small[:...], *big, or nil in exact mode
	big    *[]byte      // the pooled read buffer, while borrowed
	r, w   int          // buf[r:w] is read ahead and not yet consumed
	header pendingFrame // a decoded header whose body is not consumed yet
	skip   skipping     // an oversized frame being streamed away
	err    error        // sticky error: the stream is out of step
	stash  error        // error that came with the last bytes read; returned next
	view   *[]byte      // pooled buffer behind the last large ReadMsgView, or holding the first bytes of a body cut short by a timeout

	// Cold fields, after the ones every read touches: in front of them they
	// would spread those over one cache line more.
	maxStream int64       // largest NextReader body (see streamLimit); -1: maxSize
	lay       *readLayout // the header layout; nil for the plain one
	small     [smallBuffer]byte
}

// pendingFrame is a header that was decoded (by NextMsgLen, or by a read that
// stopped before its body was in) and whose body is not consumed yet.
type pendingFrame struct {
	decoded bool // a header is pending
	body    int  // its body length
	inBuf   int  // buffered: its size, while it is still at buf[r:]; exact: the bytes of an undecoded header at small[:]
}

// readLayout is what the read half of a layout Framer keeps besides the
// layout: the header of the frame read last on the general path, whose
// fields a ReadFrameView returns.
type readLayout struct {
	shape  // a copy: the in-line path reaches its fields through one pointer less
	hdr    [MaxLayoutHeader]byte
	size   int                   // bytes of hdr in use
	flags  uint64                // the length field's bits above the mask
	joined [MaxLayoutHeader]byte // the fields of a header with fields on both sides of the length
}

// fields returns the fields of header hdr: a view of hdr when they are all
// on one side of the length field, or else a copy of both sides, joined, in
// l.joined (valid until the next frame).
func (l *readLayout) fields(hdr []byte) []byte {
	switch {
	case l.after == 0:
		return hdr[:l.before:l.before]
	case l.before == 0:
		return hdr[len(hdr)-l.after:]
	}
	n := copy(l.joined[:], hdr[:l.before])
	n += copy(l.joined[n:], hdr[len(hdr)-l.after:])
	return l.joined[:n:n]
}

// skipping is what is left of an oversized frame under WithSkipOversized.
type skipping struct {
	left     uint64 // body bytes still to discard; 0 when none
	declared uint64 // the frame's declared length, for the truncation error
}

// init sets up a new reader on src.
func (rd *reader[L]) init(src io.Reader, cfg config) {
	rd.src, rd.maxSize, rd.skipOversized, rd.kind = src, cfg.maxSize, cfg.skipOversized, kindOf[L]()
	rd.maxStream = cfg.maxStream
	if cfg.readBuffer > 0 {
		rd.size = max(cfg.readBuffer, minReadBuffer)
	}
	if cfg.layout != nil {
		rd.lay, rd.kind = &readLayout{shape: *cfg.layout}, headerOther
		if rd.size > 0 {
			rd.size = max(rd.size, MaxLayoutHeader)
		}
	}
	if rd.size > 0 {
		rd.buf = rd.small[:min(rd.size, smallBuffer)]
	}
}

// readMsgLocked reads the next body into a slice the caller owns.
func (rd *reader[L]) readMsgLocked() ([]byte, error) {
	body, ok := rd.inLine() // viewLocked, in line
	if !ok {
		var err error
		if body, err = rd.viewSlow(); err != nil {
			return nil, err
		}
	}
	n := len(body)
	var msg []byte
	if n >= bufpool.MinSize {
		if p := bufpool.Reuse(n); p != nil { // a slice handed back by ReleaseMsg
			msg = (*p)[:n]
		}
	}
	if msg == nil {
		msg = make([]byte, n)
	}
	copy(msg, body)
	rd.release()
	rd.dropView()
	return msg, nil
}

// appendMsgLocked appends the next body to dst.
func (rd *reader[L]) appendMsgLocked(dst []byte) ([]byte, error) {
	if rd.lay != nil && len(rd.lay.trailer) > 0 {
		// The trailer is checked and cut from a view; copying the body
		// out of it costs a copy more for large frames.
		body, err := rd.viewSlow()
		if err != nil {
			return dst, err
		}
		dst = append(dst, body...)
		rd.release()
		rd.dropView()
		return dst, nil
	}
	body, ok := rd.inLine()
	if !ok {
		n, err := rd.nextHeader()
		if err != nil {
			return dst, err
		}
		if rd.resumed() {
			if body, err = rd.resume(n); err != nil {
				return dst, err
			}
			dst = append(dst, body...)
			rd.dropView()
			return dst, nil
		}
		if !rd.fits(n) {
			return rd.readBody(dst, n, false)
		}
		if body, err = rd.bufferedBody(n); err != nil {
			return dst, err
		}
	}
	dst = append(dst, body...)
	rd.release()
	return dst, nil
}

// viewLocked returns the next body as a view: into the read buffer when the
// frame fits it, otherwise into a pooled buffer held until the next read.
// ReadMsgView and readMsgLocked spell it out: called, it costs them a call
// per message (1 to 2 ns at 16 B).
func (rd *reader[L]) viewLocked() ([]byte, error) {
	if body, ok := rd.inLine(); ok {
		return body, nil
	}
	return rd.viewSlow()
}

// viewSlow is viewLocked when the in-line path declined the frame.
func (rd *reader[L]) viewSlow() ([]byte, error) {
	if rd.lay == nil {
		return rd.payloadView()
	}
	var h Header
	if body, ok := rd.inLineFrame(&h); ok {
		return body, nil
	}
	body, err := rd.payloadView()
	if err != nil {
		return nil, err
	}
	return rd.cutTrailer(body)
}

// payloadView returns the rest of the frame after its header (its body and
// trailer) as a view.
func (rd *reader[L]) payloadView() ([]byte, error) {
	n, err := rd.nextHeader()
	if err != nil {
		return nil, err
	}
	if rd.resumed() {
		return rd.resume(n)
	}
	if rd.fits(n) {
		return rd.bufferedBody(n)
	}
	return rd.pooledBody(n)
}

// readIntoLocked reads the next body into p, go-msgio style.
func (rd *reader[L]) readIntoLocked(p []byte) (int, error) {
	if rd.lay != nil && len(rd.lay.trailer) > 0 {
		n, err := rd.nextHeader()
		if err != nil {
			return 0, err
		}
		if n-rd.trailerLen() > len(p) {
			return 0, io.ErrShortBuffer
		}
		body, err := rd.viewSlow()
		if err != nil {
			return 0, err
		}
		copy(p, body)
		rd.release()
		rd.dropView()
		return len(body), nil
	}
	n, err := rd.nextHeader()
	if err != nil {
		return 0, err
	}
	if n > len(p) {
		return 0, io.ErrShortBuffer
	}
	if rd.resumed() {
		body, err := rd.resume(n)
		if err != nil {
			return 0, err
		}
		copy(p, body)
		rd.dropView()
		return n, nil
	}
	if !rd.fits(n) {
		msg, err := rd.readBody(p[:0], n, false)
		return len(msg), err
	}
	body, err := rd.bufferedBody(n)
	if err != nil {
		return 0, err
	}
	copy(p, body)
	rd.release()
	return n, nil
}

// pooledBody reads a body that does not fit the read buffer into a pooled
// buffer, rd.view, which stays the reader's until the next read call. A
// pooled buffer already big enough costs nothing; otherwise it starts small
// and grows, within the pool, as the body arrives.
func (rd *reader[L]) pooledBody(n int) ([]byte, error) {
	if rd.view = bufpool.Reuse(n); rd.view == nil {
		rd.view = bufpool.Get(min(n, eagerAlloc))
	}
	return rd.readBody((*rd.view)[:0], n, true)
}

// dropView gives back the pooled buffer of the last large view, if any.
func (rd *reader[L]) dropView() {
	if rd.view != nil {
		bufpool.Put(rd.view)
		rd.view = nil
	}
}

// fits reports whether a frame with an n-byte body is read through the
// buffer; larger ones (and all in exact mode) are read straight into their
// destination.
func (rd *reader[L]) fits(n int) bool {
	return rd.size > 0 && rd.header.inBuf+n <= rd.size
}

// nextHeader decodes the next frame's header, once, and returns its body
// length; the header stays pending until its body is consumed.
func (rd *reader[L]) nextHeader() (int, error) {
	limit := rd.endStream() // the body of the last NextReader, if any, is over
	if !rd.resumed() {
		rd.dropView() // the last large view is over
	}
	if rd.err != nil {
		return 0, rd.err
	}
	if rd.header.decoded {
		return rd.header.body, nil
	}
	if err := rd.discard(); err != nil { // what is left of a skipped frame
		return 0, err
	}
	var (
		n   uint64
		err error
	)
	if rd.size == 0 {
		n, err = rd.exactHeader()
	} else {
		n, err = rd.bufferedHeader()
	}
	if err != nil {
		return 0, err
	}
	if n > uint64(limit) {
		tooLarge := &errs.MessageTooLargeError{Size: n, Max: uint64(limit)}
		if !rd.skipOversized {
			rd.err = tooLarge
			return 0, tooLarge
		}
		rd.r += rd.header.inBuf
		rd.header.inBuf = 0
		if t := uint64(rd.trailerLen()); n <= math.MaxUint64-t {
			n += t // a skipped frame's trailer goes too, unchecked
		}
		rd.skip = skipping{left: n, declared: n}
		return 0, tooLarge
	}
	rd.header.decoded, rd.header.body = true, int(n)+rd.trailerLen()
	return rd.header.body, nil
}

// bufferedHeader decodes a header from the read buffer, filling it as needed.
// The header stays in the buffer (header.inBuf bytes) until its body is read.
func (rd *reader[L]) bufferedHeader() (uint64, error) {
	for {
		n, size, err := rd.decode(rd.buf[rd.r:rd.w])
		if err == nil {
			rd.header.inBuf = size
			return n, nil
		}
		if err != codec.ErrShortHeader {
			rd.err = err
			return 0, err
		}
		if err := rd.fill(size); err != nil {
			if err != io.EOF {
				return 0, err // nothing consumed: the caller may retry
			}
			if rd.r == rd.w {
				return 0, io.EOF
			}
			rd.err = rd.headerCut(rd.buf[rd.r:rd.w], size)
			return 0, rd.err
		}
	}
}

// exactHeader reads a header from the stream without reading past it.
// A timeout keeps the header bytes that did arrive (header.inBuf of them, at
// small[:]) for the next call to go on from.
func (rd *reader[L]) exactHeader() (uint64, error) {
	rd.wait()
	n, got, size, err := readHeader(rd.src, rd.small[:], rd.header.inBuf, rd.decode) // small is free in exact mode
	rd.header.inBuf = 0
	switch {
	case err == nil:
		return n, nil
	case err == io.EOF && got > 0:
		err = rd.headerCut(rd.small[:got], size)
	case err == io.EOF:
		return 0, io.EOF // at a frame boundary
	default:
		if err = rd.streamErr(err); got == 0 || resumable(err) {
			rd.header.inBuf = got
			return 0, err // nothing lost: the caller may retry
		}
	}
	rd.err = err // part of a header is gone: out of step
	return 0, err
}

// bufferedBody returns the body of the pending frame from the read buffer,
// filling it first, and consumes the frame. The slice aliases the buffer.
func (rd *reader[L]) bufferedBody(n int) ([]byte, error) {
	if err := rd.fill(rd.header.inBuf + n); err != nil {
		if err != io.EOF {
			return nil, err // nothing consumed: the caller may retry
		}
		rd.err = rd.bodyCut(n, rd.w-rd.r-rd.header.inBuf)
		return nil, rd.err
	}
	start := rd.r + rd.header.inBuf // after fill, which may move the bytes
	body := rd.buf[start : start+n : start+n]
	rd.r = start + n
	rd.header = pendingFrame{}
	return body, nil
}

// readBody appends the pending frame's n-byte body to dst: first what is
// buffered, then straight from the stream, growing dst no faster than bytes
// arrive. When pooled, dst is the view buffer and grows within the pool. It
// consumes the frame; see readRest for errors.
func (rd *reader[L]) readBody(dst []byte, n int, pooled bool) ([]byte, error) {
	rd.r += rd.header.inBuf
	rd.header.inBuf = 0
	start := len(dst)
	take := min(rd.w-rd.r, n)
	dst = append(dst, rd.buf[rd.r:rd.r+take]...)
	rd.r += take
	rd.release()
	return rd.readRest(dst, start, n, pooled)
}

// readRest reads the rest of an n-byte body whose first len(dst)-start bytes
// are at dst[start:], appending to dst. A timeout keeps what arrived (see
// keepPartial) and returns dst as it was given (nil for the view buffer): the
// next read call resumes. Any other error leaves the stream out of step.
func (rd *reader[L]) readRest(dst []byte, start, n int, pooled bool) ([]byte, error) {
	for got := len(dst) - start; got < n; {
		if len(dst) == cap(dst) {
			add := min(n-got, max(got, eagerAlloc))
			if pooled {
				dst = rd.growView(dst, add)
			} else {
				dst = growExact(dst, add)
			}
		}
		rd.wait()
		k, err := iox.ReadFull(rd.src, dst[len(dst):min(cap(dst), len(dst)+n-got)])
		dst = dst[:len(dst)+k]
		got += k
		switch {
		case err == nil:
			continue
		case err == io.EOF:
			err = rd.bodyCut(n, got)
		default:
			if err = rd.streamErr(err); resumable(err) {
				rd.keepPartial(dst[start:], pooled)
				if pooled {
					return nil, err
				}
				return dst[:start], err
			}
		}
		rd.err = err
		return dst, err
	}
	rd.header = pendingFrame{}
	return dst, nil
}

// keepPartial keeps the first bytes of the pending body, read before a
// timeout, in rd.view, whose length says how many there are; the header
// stays pending. When pooled, body already is in rd.view's buffer; otherwise
// it is in the caller's memory and is copied to a pooled buffer of its size.
func (rd *reader[L]) keepPartial(body []byte, pooled bool) {
	if !pooled {
		rd.view = bufpool.Get(max(len(body), 1))
	}
	*rd.view = append((*rd.view)[:0], body...)
}

// resumed reports whether a body cut short by a timeout is pending, its
// first bytes in rd.view.
func (rd *reader[L]) resumed() bool { return rd.header.decoded && rd.view != nil }

// resume reads the rest of the pending n-byte body whose first bytes
// keepPartial kept, and returns the whole body as a view in rd.view.
func (rd *reader[L]) resume(n int) ([]byte, error) { return rd.readRest(*rd.view, 0, n, true) }

// growExact returns a copy of dst with room for add more bytes and no more:
// unlike append's growth, the last step of a large body does not double the
// slice.
func growExact(dst []byte, add int) []byte {
	grown := make([]byte, len(dst), len(dst)+add)
	copy(grown, dst)
	return grown
}

// growView moves the view's body so far into a pooled buffer with room for
// add more bytes.
func (rd *reader[L]) growView(body []byte, add int) []byte {
	p := bufpool.Get(len(body) + add)
	copy(*p, body)
	bufpool.Put(rd.view)
	rd.view = p
	return (*p)[:len(body)]
}

// discard streams away what is left of the body of a skipped oversized frame,
// if any.
func (rd *reader[L]) discard() error {
	for rd.skip.left > 0 {
		if rd.size > 0 {
			take := int(min(uint64(rd.w-rd.r), rd.skip.left))
			rd.r += take
			rd.skip.left -= uint64(take)
			if rd.skip.left == 0 {
				break
			}
			if err := rd.fill(1); err != nil {
				return rd.discardErr(err)
			}
			continue
		}
		rd.wait()
		k, err := iox.ReadFull(rd.src, rd.small[:min(uint64(len(rd.small)), rd.skip.left)])
		rd.skip.left -= uint64(k)
		if err != nil {
			return rd.discardErr(err)
		}
	}
	return nil
}

func (rd *reader[L]) discardErr(err error) error {
	if err == io.EOF {
		got := rd.skip.declared - rd.skip.left
		err = rd.bodyCut(int(min(rd.skip.declared, math.MaxInt)), int(min(got, math.MaxInt)))
	} else if err = rd.streamErr(err); resumable(err) {
		return err // skip.left says how much is left to discard
	}
	rd.err = err
	return err
}

// fill reads until the buffer holds at least need unconsumed bytes (need is
// at most the read buffer size). When the buffer is empty it drops back to
// the small built-in buffer, and it borrows the pooled one only when data
// outgrows that: an idle Framer holds no pooled memory. It returns io.EOF when
// the stream ends first, whatever it did read staying in the buffer.
func (rd *reader[L]) fill(need int) error {
	empty := 0
	for rd.w-rd.r < need {
		if rd.stash != nil {
			err := rd.stash
			rd.stash = nil
			return rd.streamErr(err)
		}
		if rd.r == rd.w {
			rd.release()
			rd.r, rd.w = 0, 0
		}
		if rd.r+need > len(rd.buf) || rd.w == len(rd.buf) {
			rd.makeRoom()
		}
		rd.wait()
		k, err := rd.src.Read(rd.buf[rd.w:])
		rd.w += k
		switch {
		case err != nil:
			if rd.w-rd.r >= need {
				rd.stash = err // report it once the buffered bytes are used
				return nil
			}
			return rd.streamErr(err)
		case k == 0:
			if empty++; empty == iox.MaxEmptyReads {
				return io.ErrNoProgress
			}
		default:
			empty = 0
		}
	}
	return nil
}

// makeRoom moves the unconsumed bytes to the front of the buffer, switching
// from the small buffer to a pooled one of the full read size when the small
// one has run out of room: the stream is busy.
func (rd *reader[L]) makeRoom() {
	if rd.big == nil && rd.size > len(rd.buf) {
		rd.big = bufpool.Get(rd.size)
		buf := (*rd.big)[:rd.size]
		rd.w = copy(buf, rd.buf[rd.r:rd.w])
		rd.r = 0
		rd.buf = buf
		return
	}
	rd.w = copy(rd.buf, rd.buf[rd.r:rd.w])
	rd.r = 0
}

// release gives the pooled read buffer back when nothing is left in it.
func (rd *reader[L]) release() {
	if rd.big != nil && rd.r == rd.w {
		bufpool.Put(rd.big)
		rd.big = nil
		rd.r, rd.w = 0, 0
		rd.buf = rd.small[:min(rd.size, smallBuffer)]
	}
}

// isTooLarge reports whether err is an oversized frame.
func isTooLarge(err error) bool { return errors.Is(err, errs.ErrMessageTooLarge) }

// wait is called before every read from the stream that may block: it sends
// the write half's batch, if any (see writer.flushIfIdle).
func (rd *reader[L]) wait() {
	if rd.peer != nil {
		rd.peer.flushIfIdle()
	}
}

// streamErr classifies an error the stream returned (see streamError); one
// that Close caused is a closed error. io.EOF is returned as it is.
func (rd *reader[L]) streamErr(err error) error {
	switch {
	case err == nil || err == io.EOF || err == io.ErrNoProgress:
		return err
	case rd.closed.Load():
		return closedBy(err)
	}
	return streamError(rd.src, err)
}

// close closes the reader to further reads. When no read is in progress it
// gives the pooled buffers back at once (see shut); otherwise the read in
// progress is cut short when the stream closes, and the next read call gives
// them back.
func (rd *reader[L]) close() {
	rd.closed.Store(true)
	if rd.mu.TryLock() {
		_ = rd.shut()
		rd.mu.Unlock()
	}
}

// shut gives back the pooled buffers of a closed reader and returns the
// error of every read call after Close. The caller holds mu.
func (rd *reader[L]) shut() error {
	rd.r, rd.w = 0, 0
	rd.release()
	rd.dropView()
	return errClosed()
}

// decode decodes a header from the front of src, as L.DecodeLength does:
// through the layout, if the reader has one, which keeps a copy of the
// header for ReadFrameView.
func (rd *reader[L]) decode(src []byte) (uint64, int, error) {
	if rd.lay == nil {
		var c L
		return c.DecodeLength(src)
	}
	n, flags, size, err := decodeLayout[L](&rd.lay.shape, src)
	if err == nil {
		rd.lay.size = copy(rd.lay.hdr[:], src[:size])
		rd.lay.flags = flags
	}
	return n, size, err
}

// trailerLen returns the size of the layout's trailer; 0 for none.
func (rd *reader[L]) trailerLen() int {
	if rd.lay == nil {
		return 0
	}
	return len(rd.lay.trailer)
}

// headerCut returns the error of a stream that ended after the bytes got of
// a header that needed size bytes at least.
func (rd *reader[L]) headerCut(got []byte, size int) error {
	err := incomplete(rd.src, size, len(got), errs.ErrMissingLength)
	if rd.lay != nil && (rd.lay.before > 0 || rd.lay.after > 0) {
		err.Field = cutField[L](&rd.lay.shape, got)
	}
	return err
}

// bodyCut returns the error of a stream that ended after got bytes of an
// n-byte body (and trailer).
func (rd *reader[L]) bodyCut(n, got int) error {
	err := incomplete(rd.src, n, got, errs.ErrMissingMessage)
	if t := rd.trailerLen(); t > 0 && got >= n-t {
		err.Field = "trailer"
	}
	return err
}

// cutTrailer checks the trailer at the end of payload, the body and trailer
// of the frame just consumed, and returns the body. A wrong trailer leaves
// the stream out of step.
func (rd *reader[L]) cutTrailer(payload []byte) ([]byte, error) {
	t := len(rd.lay.trailer)
	if t == 0 {
		return payload, nil
	}
	if err := rd.checkTrailer(payload[len(payload)-t:]); err != nil {
		return nil, err
	}
	return payload[: len(payload)-t : len(payload)-t], nil
}

// checkTrailer returns nil if got is the layout's trailer, and otherwise the
// sticky error of a stream out of step.
func (rd *reader[L]) checkTrailer(got []byte) error {
	if bytes.Equal(got, rd.lay.trailer) {
		return nil
	}
	rd.err = &errs.MalformedTrailerError{Want: rd.lay.trailer, Got: bytes.Clone(got)}
	return rd.err
}

package frame

import (
	"encoding/binary"
	"io"
	"iter"
	"math"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/conn"
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

// headerKind names the codecs whose headers bufferedFrame decodes itself.
//
// Go compiles a Framer[L] once per GC shape of L, and inside that code a
// method of L is reached through the instantiation's dictionary: an indirect
// call the compiler cannot inline. For a 16-byte frame that call, with the
// stack frame and register spills it forces on its caller, made a read 35%
// slower than the same code written for BE32 alone (bench/generic_test.go).
// So New records L's kind once, and the hot path switches on it and stays a
// leaf function; every other header goes through L.DecodeLength on the
// general path.
type headerKind uint8

const (
	headerOther   headerKind = iota // decoded by L.DecodeLength on the general path
	headerBE16                      // Noise
	headerBE32                      // go-msgio's fixed format
	headerUvarint                   // go-msgio's varint format; one- and two-byte headers in line
)

func kindOf[L codec.LengthCodec]() headerKind {
	var c L
	switch any(c).(type) {
	case codec.BE16:
		return headerBE16
	case codec.BE32:
		return headerBE32
	case codec.Uvarint:
		return headerUvarint
	}
	return headerOther
}

// bufferedFrame is the hot path of every read method. When the next frame is
// whole in the read buffer, its header is one bufferedFrame decodes itself
// (see headerKind), and no earlier call left anything to finish (a decoded
// header, a large view to give back, a frame to skip, an error), it consumes
// the frame and returns its body, which aliases the buffer. Otherwise it
// changes nothing and returns ok == false, and the caller takes the general
// path (header, then bufferedBody or readBody), which handles every case and
// reports every error. It never reads from the stream. The caller holds rmu.
func (f *Framer[L]) bufferedFrame() (body []byte, ok bool) {
	if f.pending >= 0 || f.view != nil || f.rerr != nil || f.skip > 0 {
		return nil, false
	}
	src := f.buf[f.r:f.w] // empty in exact mode
	var (
		n    uint64
		size int
	)
	switch f.kind {
	case headerBE32:
		if len(src) < 4 {
			return nil, false
		}
		n, size = uint64(binary.BigEndian.Uint32(src)), 4
	case headerUvarint:
		switch {
		case len(src) >= 1 && src[0] < 0x80:
			n, size = uint64(src[0]), 1
		case len(src) >= 2 && src[0] >= 0x80 && src[1] < 0x80 && src[1] != 0: // minimal
			n, size = uint64(src[0]&0x7f)|uint64(src[1])<<7, 2
		default: // longer, incomplete or malformed: codec.Uvarint decides
			return nil, false
		}
	case headerBE16:
		if len(src) < 2 {
			return nil, false
		}
		n, size = uint64(binary.BigEndian.Uint16(src)), 2
	default:
		return nil, false
	}
	if n > uint64(f.maxSize) || n > uint64(len(src)-size) {
		return nil, false
	}
	end := size + int(n)
	f.r += end
	return src[size:end:end], true
}

// NextMsgLen returns the length of the next message without consuming it;
// calls agree until a read consumes the message. It returns the errors of
// ReadMsg, including an *errs.MessageTooLargeError for a declared length above
// the limit, found before any of that body is read. NextMsgLen counts as a
// read call: it ends the validity of a ReadMsgView result.
func (f *Framer[L]) NextMsgLen() (int, error) {
	f.rmu.Lock()
	defer f.rmu.Unlock()
	return f.header()
}

// ReadMsg reads the next message into a new slice that the caller owns (it
// may hand it back with ReleaseMsg). A zero-length message is an empty,
// non-nil slice. ReadMsg makes at most one allocation, of the message's size,
// once the whole body has arrived (none when a released slice fits). At a
// clean end of the stream it returns io.EOF; see Framer for the other errors.
func (f *Framer[L]) ReadMsg() ([]byte, error) {
	f.rmu.Lock()
	defer f.rmu.Unlock()
	body, ok := f.bufferedFrame()
	if !ok {
		n, err := f.header()
		if err != nil {
			return nil, err
		}
		if f.fits(n) {
			body, err = f.bufferedBody(n)
		} else {
			body, err = f.pooledBody(n)
		}
		if err != nil {
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
	f.release()
	if f.view != nil {
		bufpool.Put(f.view)
		f.view = nil
	}
	return msg, nil
}

// AppendMsg appends the next message to dst and returns the extended slice.
// It allocates nothing when dst has room for the message; otherwise dst grows
// as the body arrives. Errors are those of ReadMsg; on error dst may hold part
// of the body beyond its original length.
func (f *Framer[L]) AppendMsg(dst []byte) ([]byte, error) {
	f.rmu.Lock()
	defer f.rmu.Unlock()
	body, ok := f.bufferedFrame()
	if !ok {
		n, err := f.header()
		if err != nil {
			return dst, err
		}
		if !f.fits(n) {
			return f.readBody(dst, n, false)
		}
		if body, err = f.bufferedBody(n); err != nil {
			return dst, err
		}
	}
	dst = append(dst, body...)
	f.release()
	return dst, nil
}

// ReadMsgView reads the next message and returns a view of it that the Framer
// owns: the slice is valid only until the next call of a read method
// (ReadMsg, ReadMsgView, AppendMsg, Read, NextMsgLen, Buffered, Messages) and
// must not be modified. It copies nothing for a message that fits the read
// buffer, and allocates nothing in steady state. Errors are those of ReadMsg.
func (f *Framer[L]) ReadMsgView() ([]byte, error) {
	f.rmu.Lock()
	defer f.rmu.Unlock()
	if body, ok := f.bufferedFrame(); ok {
		return body, nil
	}
	n, err := f.header()
	if err != nil {
		return nil, err
	}
	if f.fits(n) {
		return f.bufferedBody(n)
	}
	return f.pooledBody(n)
}

// pooledBody reads a body that does not fit the read buffer into a pooled
// buffer, f.view, which stays the Framer's until the next read call. A
// pooled buffer already big enough costs nothing; otherwise it starts small
// and grows, within the pool, as the body arrives.
func (f *Framer[L]) pooledBody(n int) ([]byte, error) {
	if f.view = bufpool.Reuse(n); f.view == nil {
		f.view = bufpool.Get(min(n, eagerAlloc))
	}
	return f.readBody((*f.view)[:0], n, true)
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
			if err != nil && !(f.skipOversized && isTooLarge(err)) {
				return
			}
		}
	}
}

func isTooLarge(err error) bool {
	_, ok := err.(*errs.MessageTooLargeError)
	return ok
}

// fits reports whether a frame with an n-byte body is read through the
// buffer; larger ones (and all in exact mode) are read straight into their
// destination.
func (f *Framer[L]) fits(n int) bool {
	return f.readSize > 0 && f.pendingHdr+n <= f.readSize
}

// header decodes the next frame's header, once, and returns its body length.
// The caller holds rmu.
func (f *Framer[L]) header() (int, error) {
	if f.view != nil { // the last large view is over
		bufpool.Put(f.view)
		f.view = nil
	}
	if f.rerr != nil { // before pending: a body that failed half-read leaves it set
		return 0, f.rerr
	}
	if f.pending >= 0 {
		return f.pending, nil
	}
	if err := f.discard(); err != nil { // what is left of a skipped frame
		return 0, err
	}
	var (
		n   uint64
		err error
	)
	if f.readSize == 0 {
		n, err = f.exactHeader()
	} else {
		n, err = f.bufferedHeader()
	}
	if err != nil {
		return 0, err
	}
	if n > uint64(f.maxSize) {
		tooLarge := &errs.MessageTooLargeError{Size: n, Max: uint64(f.maxSize)}
		if !f.skipOversized {
			f.rerr = tooLarge
			return 0, tooLarge
		}
		f.r += f.pendingHdr
		f.pendingHdr = 0
		f.skip, f.skipLen = n, n
		return 0, tooLarge
	}
	f.pending = int(n)
	return f.pending, nil
}

// bufferedHeader decodes a header from the read buffer, filling it as needed.
// The header stays in the buffer (f.pendingHdr bytes) until its body is read.
func (f *Framer[L]) bufferedHeader() (uint64, error) {
	var c L
	for {
		n, size, err := c.DecodeLength(f.buf[f.r:f.w])
		if err == nil {
			f.pendingHdr = size
			return n, nil
		}
		if err != codec.ErrShortHeader {
			f.rerr = err
			return 0, err
		}
		if err := f.fill(size); err != nil {
			if err != io.EOF {
				return 0, err // nothing consumed: the caller may retry
			}
			if f.r == f.w {
				return 0, io.EOF
			}
			f.rerr = conn.Incomplete(f.rw, size, f.w-f.r, errs.ErrMissingLength)
			return 0, f.rerr
		}
	}
}

// exactHeader reads a header from the stream without reading past it.
func (f *Framer[L]) exactHeader() (uint64, error) {
	n, got, size, err := readHeader[L](f.rw, f.small[:]) // small is free in exact mode
	switch {
	case err == nil:
		return n, nil
	case got == 0:
		return 0, err // io.EOF at a boundary, or a retryable stream error
	case err == io.EOF:
		err = conn.Incomplete(f.rw, size, got, errs.ErrMissingLength)
	}
	f.rerr = err // part of a header is gone: out of step
	return 0, err
}

// bufferedBody returns the body of the pending frame from the read buffer,
// filling it first, and consumes the frame. The slice aliases the buffer.
func (f *Framer[L]) bufferedBody(n int) ([]byte, error) {
	total := f.pendingHdr + n
	if err := f.fill(total); err != nil {
		if err != io.EOF {
			return nil, err // nothing consumed: the caller may retry
		}
		f.rerr = conn.Incomplete(f.rw, n, f.w-f.r-f.pendingHdr, errs.ErrMissingMessage)
		return nil, f.rerr
	}
	body := f.buf[f.r+f.pendingHdr : f.r+total : f.r+total]
	f.r += total
	f.pending, f.pendingHdr = -1, 0
	return body, nil
}

// readBody appends the pending frame's n-byte body to dst: first what is
// buffered, then straight from the stream, growing dst no faster than bytes
// arrive. When pooled, dst is the view buffer and grows within the pool. It
// consumes the frame; any error leaves the stream out of step.
func (f *Framer[L]) readBody(dst []byte, n int, pooled bool) ([]byte, error) {
	f.r += f.pendingHdr
	f.pendingHdr = 0
	got := min(f.w-f.r, n)
	dst = append(dst, f.buf[f.r:f.r+got]...)
	f.r += got
	f.release()
	for got < n {
		if len(dst) == cap(dst) {
			add := min(n-got, max(got, eagerAlloc))
			if pooled {
				dst = f.growView(dst, add)
			} else {
				dst = growExact(dst, add)
			}
		}
		k, err := iox.ReadFull(f.rw, dst[len(dst):min(cap(dst), len(dst)+n-got)])
		dst = dst[:len(dst)+k]
		got += k
		if err == io.EOF {
			err = conn.Incomplete(f.rw, n, got, errs.ErrMissingMessage)
		}
		if err != nil {
			f.rerr = err
			return dst, err
		}
	}
	f.pending = -1
	return dst, nil
}

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
func (f *Framer[L]) growView(body []byte, add int) []byte {
	p := bufpool.Get(len(body) + add)
	copy(*p, body)
	bufpool.Put(f.view)
	f.view = p
	return (*p)[:len(body)]
}

// discard streams away what is left of the body of a skipped oversized frame,
// if any.
func (f *Framer[L]) discard() error {
	for f.skip > 0 {
		if f.readSize > 0 {
			take := int(min(uint64(f.w-f.r), f.skip))
			f.r += take
			f.skip -= uint64(take)
			if f.skip == 0 {
				break
			}
			if err := f.fill(1); err != nil {
				return f.discardErr(err)
			}
			continue
		}
		k, err := iox.ReadFull(f.rw, f.small[:min(uint64(len(f.small)), f.skip)])
		f.skip -= uint64(k)
		if err != nil {
			return f.discardErr(err)
		}
	}
	return nil
}

func (f *Framer[L]) discardErr(err error) error {
	if err == io.EOF {
		got := f.skipLen - f.skip
		err = conn.Incomplete(f.rw, int(min(f.skipLen, math.MaxInt)), int(min(got, math.MaxInt)), errs.ErrMissingMessage)
	}
	f.rerr = err
	return err
}

// fill reads until the buffer holds at least need unconsumed bytes (need is
// at most the read buffer size). When the buffer is empty it drops back to
// the small built-in buffer, and it borrows the pooled one only when data
// outgrows that: an idle Framer holds no pooled memory. It returns io.EOF when
// the stream ends first, whatever it did read staying in the buffer.
func (f *Framer[L]) fill(need int) error {
	empty := 0
	for f.w-f.r < need {
		if f.stash != nil {
			err := f.stash
			f.stash = nil
			return err
		}
		if f.r == f.w {
			f.release()
			f.r, f.w = 0, 0
		}
		if f.r+need > len(f.buf) || f.w == len(f.buf) {
			f.makeRoom()
		}
		k, err := f.rw.Read(f.buf[f.w:])
		f.w += k
		switch {
		case err != nil:
			if f.w-f.r >= need {
				f.stash = err // report it once the buffered bytes are used
				return nil
			}
			return err
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
func (f *Framer[L]) makeRoom() {
	if f.big == nil && f.readSize > len(f.buf) {
		f.big = bufpool.Get(f.readSize)
		buf := (*f.big)[:f.readSize]
		f.w = copy(buf, f.buf[f.r:f.w])
		f.r = 0
		f.buf = buf
		return
	}
	f.w = copy(f.buf, f.buf[f.r:f.w])
	f.r = 0
}

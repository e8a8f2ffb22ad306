package frame

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/bufpool"
)

// smallWrite is the size of the scratch buffer in every Framer that carries a
// small frame to the stream (a body of up to 256 bytes and its header), or the
// header of a vectored write. Small frames are written without borrowing a
// buffer from the pool, which costs more than the write itself for a 16-byte
// message.
const smallWrite = 256 + 16

// vectoredMin is the smallest body sent with a vectored write, header and
// body in one system call without copying; smaller ones are cheaper to copy
// behind their header.
const vectoredMin = 16 << 10

// writer is the write half of a Framer: it owns the batch and the scratch
// buffer, and knows whether the stream is still in step. Its methods with a
// Locked suffix expect mu to be held.
type writer[L codec.LengthCodec] struct {
	dst       io.Writer
	maxSize   int    // largest body, inclusive, within what L carries
	batchSize int    // batch buffer size; 0 when unbatched
	lay       *shape // the header layout; nil for the plain one

	mu          sync.Mutex
	batch       *[]byte     // pooled batch buffer, while frames are waiting
	batched     int         // bytes waiting in batch
	err         error       // sticky error: a frame went out in part
	closed      atomic.Bool // Close was called; set without mu when a write is in progress
	writeClosed bool        // CloseWrite half-closed the stream
	kind        headerKind  // see fastpath.go
	vectored    bool        // dst writes several slices in one system call (see writeBuffers)
	scratch     [smallWrite]byte
	iov         [2][]byte   // header and body of a vectored write
	vecs        net.Buffers // iov as the vectored writer consumes it
}

// init sets up a new writer on dst.
func (wr *writer[L]) init(dst io.Writer, cfg config) {
	wr.dst, wr.vectored, wr.maxSize, wr.batchSize, wr.kind = dst, canWriteBuffers(dst), cfg.maxWrite, cfg.writeBuffer, kindOf[L]()
	if cfg.layout != nil {
		wr.lay, wr.kind = cfg.layout, headerOther
	}
}

// canWriteBuffers reports whether w writes several slices in one system
// call: a conn.BuffersWriter, or a TCP or Unix connection, whose
// net.Buffers.WriteTo is writev.
func canWriteBuffers(w io.Writer) bool {
	switch w.(type) {
	case conn.BuffersWriter, *net.TCPConn, *net.UnixConn:
		return true
	}
	return false
}

// writeBuffers writes wr.vecs to dst in one vectored write. It is a method
// rather than a function value kept in the writer, which would cost every
// Framer on a connection an allocation that lives as long as it does.
func (wr *writer[L]) writeBuffers() (int64, error) {
	if bw, ok := wr.dst.(conn.BuffersWriter); ok {
		return bw.WriteBuffers(&wr.vecs)
	}
	return wr.vecs.WriteTo(wr.dst)
}

// writeMsg writes msg as one frame.
func (wr *writer[L]) writeMsg(msg []byte) error {
	if len(msg) > wr.maxSize {
		return &errs.MessageTooLargeError{Size: uint64(len(msg)), Max: uint64(wr.maxSize)}
	}
	wr.mu.Lock()
	if wr.batchInLine(msg) { // see fastpath.go
		wr.mu.Unlock()
		return nil
	}
	defer wr.mu.Unlock()
	return wr.writeMsgLocked(msg)
}

// writeMsgLocked is writeMsg on its general path, with mu held and msg
// within the limit.
func (wr *writer[L]) writeMsgLocked(msg []byte) error {
	if wr.lay != nil {
		return wr.writeFrameLocked(&Header{}, msg)
	}
	if err := wr.writable(); err != nil {
		return err
	}
	size := headerSize[L](wr.kind, len(msg)) + len(msg)
	if wr.vectored && len(msg) >= vectoredMin && !wr.batches(size) {
		return wr.writeVectored(appendHeader[L](wr.kind, wr.scratch[:0], len(msg)), msg, size)
	}
	buf, pooled, err := wr.space(size)
	if err != nil {
		return err
	}
	return wr.send(append(appendHeader[L](wr.kind, buf, len(msg)), msg...), size, pooled, false)
}

// writeMsgs writes msgs as consecutive frames under one acquisition of mu,
// and returns how many count as sent.
func (wr *writer[L]) writeMsgs(msgs [][]byte) (int, error) {
	for _, msg := range msgs {
		if len(msg) > wr.maxSize {
			return 0, &errs.MessageTooLargeError{Size: uint64(len(msg)), Max: uint64(wr.maxSize)}
		}
	}
	wr.mu.Lock()
	defer wr.mu.Unlock()
	for i, msg := range msgs {
		if wr.batchInLine(msg) { // see fastpath.go
			continue
		}
		if err := wr.writeMsgLocked(msg); err != nil {
			if errors.Is(err, ErrWriteQueued) {
				return i + 1, err // its frame waits in the batch: sent
			}
			return i, err
		}
	}
	return len(msgs), nil
}

// writeFunc writes one frame whose body build appends, of at most maxLen
// bytes, in place behind the header.
func (wr *writer[L]) writeFunc(maxLen int, build func(dst []byte) ([]byte, error)) error {
	if maxLen < 0 {
		panic("frame: WriteMsgFunc with a negative maxLen")
	}
	if maxLen > wr.maxSize {
		return &errs.MessageTooLargeError{Size: uint64(maxLen), Max: uint64(wr.maxSize)}
	}
	wr.mu.Lock()
	defer wr.mu.Unlock()
	if err := wr.writable(); err != nil {
		return err
	}
	hdr := wr.headerSize(maxLen)
	var trailer []byte
	if wr.lay != nil {
		trailer = wr.lay.trailer
	}
	buf, pooled, err := wr.space(hdr + maxLen + len(trailer))
	if err != nil {
		return err
	}
	frame, err := wr.appendBuilt(buf, hdr, maxLen, build)
	if err != nil {
		giveBack(pooled)
		return err
	}
	return wr.send(append(frame, trailer...), hdr+maxLen+len(trailer), pooled, true)
}

// appendBuilt appends to buf a frame whose body build appends: it reserves
// hdr bytes for the header, has build append at most maxLen bytes behind
// them, then writes the header of the actual length, moving the body forward
// when that header is shorter. buf has room for hdr + maxLen more bytes.
func (wr *writer[L]) appendBuilt(buf []byte, hdr, maxLen int, build func([]byte) ([]byte, error)) ([]byte, error) {
	start := len(buf)
	at := start + hdr
	room := buf[at : at : at+maxLen] // capped: a body that outgrows it is caught below
	body, err := build(room)
	if err != nil {
		return buf, err
	}
	n := len(body)
	if n > maxLen {
		return buf, &errs.MessageTooLargeError{Size: uint64(n), Max: uint64(maxLen)}
	}
	room = room[:n]
	if n > 0 && &body[0] != &room[0] { // build returned bytes of its own
		copy(room, body)
	}
	if h := wr.headerSize(n); h < hdr {
		copy(buf[start+h:start+h+n], room)
		at = start + h
	}
	wr.appendHeader(buf[:start], n)
	return buf[:at+n], nil
}

// headerSize returns the size of the header for an n-byte body: L's, or the
// layout's.
func (wr *writer[L]) headerSize(n int) int {
	if wr.lay != nil {
		return layoutHeaderSize[L](wr.lay, n)
	}
	return headerSize[L](wr.kind, n)
}

// appendHeader appends the header for an n-byte body to dst: L's, or the
// layout's with zero fields.
func (wr *writer[L]) appendHeader(dst []byte, n int) []byte {
	if wr.lay != nil {
		return appendLayoutHeader[L](wr.lay, dst, n, &Header{})
	}
	return appendHeader[L](wr.kind, dst, n)
}

// writeFrame writes a frame of the layout with header h and the body.
func (wr *writer[L]) writeFrame(h *Header, body []byte) error {
	if err := wr.lay.check(h); err != nil {
		return err
	}
	if len(body) > wr.maxSize {
		return &errs.MessageTooLargeError{Size: uint64(len(body)), Max: uint64(wr.maxSize)}
	}
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return wr.writeFrameLocked(h, body)
}

// writeFrameLocked is writeFrame with mu held and h checked.
func (wr *writer[L]) writeFrameLocked(h *Header, body []byte) error {
	if err := wr.writable(); err != nil {
		return err
	}
	s, n := wr.lay, len(body)
	size := layoutHeaderSize[L](s, n) + n + len(s.trailer)
	if wr.vectored && n >= vectoredMin && len(s.trailer) == 0 && !wr.batches(size) {
		return wr.writeVectored(appendLayoutHeader[L](s, wr.scratch[:0], n, h), body, size)
	}
	buf, pooled, err := wr.space(size)
	if err != nil {
		return err
	}
	buf = appendLayoutHeader[L](s, buf, n, h)
	buf = append(append(buf, body...), s.trailer...)
	return wr.send(buf, size, pooled, false)
}

// batches reports whether a frame of size bytes goes into the batch.
func (wr *writer[L]) batches(size int) bool {
	return wr.batchSize > 0 && size <= wr.batchSize
}

// space returns the buffer a frame of size bytes is to be appended to: the
// batch, holding what already waits there; the scratch array; or a pooled
// buffer, returned as pooled too, for send to give back. A frame that goes
// out on its own first flushes what waits in the batch; one that does not fit
// behind what waits there flushes it too.
func (wr *writer[L]) space(size int) (buf []byte, pooled *[]byte, err error) {
	if !wr.batches(size) {
		if err := wr.flushLocked(); err != nil {
			return nil, nil, err
		}
		if size <= len(wr.scratch) { // small: no pool round trip
			return wr.scratch[:0], nil, nil
		}
		pooled = bufpool.Get(size)
		return (*pooled)[:0], pooled, nil
	}
	if wr.batch != nil && wr.batched+size > wr.batchSize {
		if err := wr.flushLocked(); err != nil {
			return nil, nil, err
		}
	}
	if wr.batch == nil {
		wr.batch = bufpool.Get(wr.batchSize)
	}
	return (*wr.batch)[:wr.batched], nil, nil
}

// send finishes a frame of at most size bytes that was appended to the buffer
// space returned: in the batch it stays there; otherwise it goes to the
// stream in one Write, and the pooled buffer, if any, goes back. A timeout
// that cuts the write short queues the rest; with built, a frame whose body
// a builder made, it queues the whole frame even if none of it went out,
// since the builder cannot be run again.
func (wr *writer[L]) send(frame []byte, size int, pooled *[]byte, built bool) error {
	if wr.batches(size) {
		wr.batched = len(frame)
		return nil
	}
	k, err := wr.dst.Write(frame)
	if err = wr.wrote(k, len(frame), err); wr.cutShort(k, len(frame), err) || built && k == 0 && resumable(err) {
		wr.queue(frame[k:])
		err = &queuedError{err}
	}
	giveBack(pooled)
	return err
}

// giveBack returns a pooled buffer, if any.
func giveBack(pooled *[]byte) {
	if pooled != nil {
		bufpool.Put(pooled)
	}
}

// writeVectored sends hdr, in the scratch buffer, and msg in one vectored
// write, after what waits in the batch, without copying msg.
func (wr *writer[L]) writeVectored(hdr, msg []byte, size int) error {
	if err := wr.flushLocked(); err != nil {
		return err
	}
	wr.iov = [2][]byte{hdr, msg}
	wr.vecs = wr.iov[:]
	n, err := wr.writeBuffers()
	wr.iov, wr.vecs = [2][]byte{}, nil // keep no reference to msg
	k := int(n)
	if err = wr.wrote(k, size, err); wr.cutShort(k, size, err) {
		wr.queue(hdr[min(k, len(hdr)):], msg[max(k-len(hdr), 0):])
		err = &queuedError{err}
	}
	return err
}

// wrote checks the result of a write of size bytes of which k went out. A
// stream error is classified (see streamError); one that Close caused is a
// closed error. An error after part of the bytes went out leaves the stream
// out of step and is sticky, unless it is a timeout: then the caller keeps
// the rest for the next write to send first (see cutShort).
func (wr *writer[L]) wrote(k, size int, err error) error {
	switch {
	case err == nil && k < size:
		err = io.ErrShortWrite
	case err != nil && wr.closed.Load():
		err = closedBy(err)
	case err != nil:
		err = streamError(wr.dst, err)
	}
	if err != nil && k > 0 && !resumable(err) {
		wr.err = err
	}
	return err
}

// cutShort reports whether a write of size bytes that returned err after k
// bytes went out was cut short by a timeout: its rest is to be kept.
func (wr *writer[L]) cutShort(k, size int, err error) bool {
	return err != nil && k > 0 && k < size && resumable(err)
}

// queue keeps the unsent rest of a frame, the parts one after another, as
// the batch, which is empty whenever a frame goes out on its own: the next
// write, Flush, CloseWrite or Close sends it before anything else.
func (wr *writer[L]) queue(parts ...[]byte) {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	wr.batch = bufpool.Get(max(n, wr.batchSize))
	wr.batched = 0
	for _, p := range parts {
		wr.batched += copy((*wr.batch)[wr.batched:], p)
	}
}

// queuedError is the error of a write that a timeout cut short after part of
// its frame went out: it matches ErrWriteQueued and the stream's error.
type queuedError struct{ err error }

func (e *queuedError) Error() string {
	return "frame: message written in part, the rest goes out first on the next write: " + e.err.Error()
}

func (e *queuedError) Unwrap() []error { return []error{ErrWriteQueued, e.err} }

// writable returns the error that stops every write, if any.
func (wr *writer[L]) writable() error {
	switch {
	case wr.closed.Load():
		return errClosed()
	case wr.writeClosed:
		return errWriteClosed()
	}
	return wr.err
}

// flush writes the batch, if any.
func (wr *writer[L]) flush() error {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	if err := wr.writable(); err != nil {
		return err
	}
	return wr.flushLocked()
}

// flushLocked writes the batch and gives the buffer back to the pool.
func (wr *writer[L]) flushLocked() error {
	if wr.batch == nil || wr.err != nil || wr.closed.Load() {
		return wr.err
	}
	var err error
	if wr.batched > 0 {
		var k int
		k, err = wr.dst.Write((*wr.batch)[:wr.batched])
		switch err = wr.wrote(k, wr.batched, err); {
		case err != nil && k == 0:
			return err // nothing went out: the batch waits for a retry
		case wr.cutShort(k, wr.batched, err):
			wr.batched = copy(*wr.batch, (*wr.batch)[k:wr.batched]) // the rest waits
			return err
		}
	}
	bufpool.Put(wr.batch)
	wr.batch, wr.batched = nil, 0
	return err
}

// close closes the writer to further writes, first flushing the batch when
// no write is in progress. It never waits for one that is: that write is cut
// short when the stream closes.
func (wr *writer[L]) close() error {
	if !wr.mu.TryLock() {
		wr.closed.Store(true)
		return nil
	}
	defer wr.mu.Unlock()
	err := wr.flushLocked() // nothing waits after a CloseWrite: it flushed
	wr.closed.Store(true)
	if wr.batch != nil {
		bufpool.Put(wr.batch)
		wr.batch, wr.batched = nil, 0
	}
	return err
}

// closeWrite flushes the batch and half-closes the stream through hc; later
// writes fail.
func (wr *writer[L]) closeWrite(hc conn.HalfCloser) error {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	if err := wr.writable(); err != nil {
		return err
	}
	if err := wr.flushLocked(); err != nil {
		return err
	}
	wr.writeClosed = true
	return wr.wrote(0, 0, hc.CloseWrite())
}

// flushIfIdle sends the batch when no write is in progress: a read calls it
// before it waits on the stream, so that a request waiting in the batch goes
// out before the read waits for the reply. It reports nothing, and loses
// nothing: what a timeout or any error leaves unsent stays in the batch for
// the next write or Flush, and an error that leaves the stream out of step is
// sticky, so the next write or Flush returns it.
func (wr *writer[L]) flushIfIdle() {
	if !wr.mu.TryLock() {
		return
	}
	if wr.batched > 0 {
		_ = wr.flushLocked() // reported by the next write or Flush, as above
	}
	wr.mu.Unlock()
}

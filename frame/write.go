package frame

import (
	"encoding/binary"
	"io"
	"math/bits"

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

// WriteMsg writes msg as one frame. msg is not retained: the caller may reuse
// it as soon as WriteMsg returns.
//
// Unbatched (the default), the whole frame goes to the stream in one Write
// before WriteMsg returns, or in one vectored write (net.Buffers) for a large
// message on a TCP or Unix connection. With WithWriteBuffer the frame may wait
// in the batch until the buffer fills, Flush or Close.
//
// A message above MaxSize fails with an *errs.MessageTooLargeError and writes
// nothing. After Close, WriteMsg fails with an error matching
// errs.ErrConnectionClosed and net.ErrClosed. A stream error is returned as it
// is; if it struck after part of a frame went out, the stream is out of step
// and every later write returns the same error. WriteMsg allocates nothing in
// steady state.
func (f *Framer[L]) WriteMsg(msg []byte) error {
	if len(msg) > f.maxSize {
		return &errs.MessageTooLargeError{Size: uint64(len(msg)), Max: uint64(f.maxSize)}
	}
	f.wmu.Lock()
	defer f.wmu.Unlock()
	if err := f.writable(); err != nil {
		return err
	}
	size := f.headerSize(len(msg)) + len(msg)
	batch, err := f.batchTail(size)
	if err != nil {
		return err
	}
	if batch != nil {
		f.wn = len(append(f.appendHeader(batch, len(msg)), msg...))
		return nil
	}
	return f.writeFrame(msg, size)
}

// batchTail returns the batch buffer, holding what waits in it, when a frame
// of size bytes is to be appended to it; the caller appends the frame and
// sets f.wn. It returns nil when the frame is to go out on its own, after
// what waits has been flushed. The caller holds wmu.
func (f *Framer[L]) batchTail(size int) ([]byte, error) {
	if f.writeSize == 0 || size > f.writeSize {
		return nil, f.flushLocked()
	}
	if f.wbuf != nil && f.wn+size > f.writeSize {
		if err := f.flushLocked(); err != nil {
			return nil, err
		}
	}
	if f.wbuf == nil {
		f.wbuf = bufpool.Get(f.writeSize)
	}
	return (*f.wbuf)[:f.wn], nil
}

// writeFrame sends one frame in one write. The caller holds wmu.
func (f *Framer[L]) writeFrame(msg []byte, size int) error {
	if size <= len(f.scratch) { // small: no pool round trip
		frame := append(f.appendHeader(f.scratch[:0], len(msg)), msg...)
		k, err := f.rw.Write(frame)
		return f.wrote(k, size, err)
	}
	if f.vectored != nil && len(msg) >= vectoredMin {
		f.iov = [2][]byte{f.appendHeader(f.scratch[:0], len(msg)), msg}
		f.vecs = f.iov[:]
		k, err := f.vectored(&f.vecs)
		f.iov, f.vecs = [2][]byte{}, nil // keep no reference to msg
		return f.wrote(int(k), size, err)
	}
	p := bufpool.Get(size)
	frame := f.appendHeader((*p)[:0], len(msg))
	frame = append(frame, msg...)
	k, err := f.rw.Write(frame)
	bufpool.Put(p)
	return f.wrote(k, size, err)
}

// headerSize is L's HeaderSize, computed in line for the codecs bufferedFrame
// knows (see headerKind): a call through the dictionary costs more.
func (f *Framer[L]) headerSize(n int) int {
	switch f.kind {
	case headerBE32:
		return 4
	case headerUvarint:
		if n < 1<<7 {
			return 1
		}
		return (bits.Len64(uint64(n)) + 6) / 7
	case headerBE16:
		return 2
	}
	var c L
	return c.HeaderSize(uint64(n))
}

// appendHeader is L's AppendLength, in line for the codecs bufferedFrame knows.
// n is at most f.maxSize, which L can carry.
func (f *Framer[L]) appendHeader(dst []byte, n int) []byte {
	switch f.kind {
	case headerBE32:
		return binary.BigEndian.AppendUint32(dst, uint32(n))
	case headerUvarint:
		return binary.AppendUvarint(dst, uint64(n))
	case headerBE16:
		return binary.BigEndian.AppendUint16(dst, uint16(n))
	}
	var c L
	return c.AppendLength(dst, uint64(n))
}

// wrote checks the result of a write of size bytes, making the error sticky
// if the write went out in part.
func (f *Framer[L]) wrote(k, size int, err error) error {
	if err == nil && k < size {
		err = io.ErrShortWrite
	}
	if err != nil && k > 0 {
		f.werr = err
	}
	return err
}

func (f *Framer[L]) writable() error {
	if f.closed {
		return errClosed()
	}
	return f.werr
}

// Flush writes the batched frames, if any, in one Write. It returns the
// stream's error (sticky if part of the batch went out), or the error that
// closed the Framer to writes. Unbatched, Flush has nothing to do.
func (f *Framer[L]) Flush() error {
	f.wmu.Lock()
	defer f.wmu.Unlock()
	if err := f.writable(); err != nil {
		return err
	}
	return f.flushLocked()
}

// flushLocked writes the batch and gives the buffer back to the pool. The
// caller holds wmu.
func (f *Framer[L]) flushLocked() error {
	if f.wbuf == nil || f.werr != nil || f.closed {
		return f.werr
	}
	var err error
	if f.wn > 0 {
		var k int
		k, err = f.rw.Write((*f.wbuf)[:f.wn])
		if err = f.wrote(k, f.wn, err); err != nil && k == 0 {
			return err // nothing went out: the batch waits for a retry
		}
	}
	bufpool.Put(f.wbuf)
	f.wbuf, f.wn = nil, 0
	return err
}

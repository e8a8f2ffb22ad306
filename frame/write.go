package frame

import (
	"io"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/bufpool"
)

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
	var c L
	size := c.HeaderSize(uint64(len(msg))) + len(msg)
	if f.writeSize > 0 && size <= f.writeSize {
		if f.wbuf != nil && f.wn+size > f.writeSize {
			if err := f.flushLocked(); err != nil {
				return err
			}
		}
		if f.wbuf == nil {
			f.wbuf = bufpool.Get(f.writeSize)
		}
		f.wn = len(c.AppendLength((*f.wbuf)[:f.wn], uint64(len(msg))))
		f.wn += copy((*f.wbuf)[f.wn:], msg)
		return nil
	}
	if err := f.flushLocked(); err != nil { // what was batched goes first
		return err
	}
	return f.writeFrame(msg, size)
}

// writeFrame sends one frame in one write. The caller holds wmu.
func (f *Framer[L]) writeFrame(msg []byte, size int) error {
	var c L
	if f.vectored != nil && len(msg) >= vectoredMin {
		f.iov = [2][]byte{c.AppendLength(f.hdr[:0], uint64(len(msg))), msg}
		f.vecs = f.iov[:]
		k, err := f.vectored(&f.vecs)
		f.iov, f.vecs = [2][]byte{}, nil // keep no reference to msg
		return f.wrote(int(k), size, err)
	}
	p := bufpool.Get(size)
	frame := c.AppendLength((*p)[:0], uint64(len(msg)))
	frame = append(frame, msg...)
	k, err := f.rw.Write(frame)
	bufpool.Put(p)
	return f.wrote(k, size, err)
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

package frame

import (
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/bufpool"
)

// sealWriter is implemented by *Framer: it seals a message straight into the
// frame it sends, behind the header, where Encrypted over another stream
// seals into a buffer that the stream's WriteMsg then copies.
//
// A type that embeds a *Framer has these methods too, while its WriteMsg may
// do more than the Framer's: Encrypted takes this path only when sealer()
// is the inner stream itself.
type sealWriter interface {
	writeSealed(enc *aeadEncrypter, msg []byte) error
	sealer() any
}

// sealer returns f, so that Encrypted can tell a Framer from a type that
// embeds one.
func (f *Framer[L]) sealer() any { return f }

// writeSealed seals msg with enc and sends it as WriteMsg would send the
// sealed message, without copying it: into the batch when it fits there,
// otherwise in one Write after what is batched. The sealed message is exactly
// len(msg) + enc.overhead bytes; above MaxSize it is an
// *errs.MessageTooLargeError and nothing is sealed (Encrypted checks first).
// enc runs under the write lock, so nonce order is wire order; an Encrypt
// error writes nothing.
func (f *Framer[L]) writeSealed(enc *aeadEncrypter, msg []byte) error {
	n := len(msg) + enc.overhead
	if n > f.maxSize {
		return &errs.MessageTooLargeError{Size: uint64(n), Max: uint64(f.maxSize)}
	}
	size := f.headerSize(n) + n
	f.wmu.Lock()
	defer f.wmu.Unlock()
	if err := f.writable(); err != nil {
		return err
	}
	batch, err := f.batchTail(size)
	if err != nil {
		return err
	}
	if batch != nil {
		frame, err := enc.Encrypt(f.appendHeader(batch, n), msg)
		if err != nil {
			return err
		}
		f.wn = len(frame)
		return nil
	}
	p := bufpool.Get(size)
	frame, err := enc.Encrypt(f.appendHeader((*p)[:0], n), msg)
	if err == nil {
		var k int
		k, err = f.rw.Write(frame)
		err = f.wrote(k, size, err)
	}
	bufpool.Put(p)
	return err
}

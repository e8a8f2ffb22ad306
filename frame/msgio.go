package frame

import (
	"github.com/framekit/framekit/internal/bufpool"
)

// Read reads the next message into p, go-msgio style: it returns the
// message's length, and io.ErrShortBuffer, consuming nothing, when p is too
// small for it (NextMsgLen tells how much is needed). A zero-length message
// reads as (0, nil). Other errors are those of ReadMsg. Read exists so that a
// Framer satisfies go-msgio's Reader interface; it is not an io.Reader over
// the message bytes.
func (f *Framer[L]) Read(p []byte) (int, error) {
	f.rd.mu.Lock()
	defer f.rd.mu.Unlock()
	if f.rd.closed.Load() {
		return 0, f.rd.shut()
	}
	return f.rd.readIntoLocked(p)
}

// Write writes p as one message, go-msgio style: it returns len(p) on success
// and 0 on error. Errors are those of WriteMsg.
func (f *Framer[L]) Write(p []byte) (int, error) {
	if err := f.WriteMsg(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// ReleaseMsg hands back a slice returned by ReadMsg, which a later ReadMsg (of
// any Framer) may then reuse. The caller must not touch msg afterwards.
// Calling it is optional.
func (f *Framer[L]) ReleaseMsg(msg []byte) {
	if cap(msg) >= bufpool.MinSize { // the pool drops smaller ones
		p := msg // only this copy moves to the heap, and only here
		bufpool.Put(&p)
	}
}

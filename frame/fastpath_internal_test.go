package frame

import (
	"bytes"
	"errors"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/bufpool"
)

// buffered returns a Framer whose read buffer holds exactly src, as if one
// read had just returned it; its stream has nothing more.
func buffered[L codec.LengthCodec](t *testing.T, src []byte, maxSize int) *Framer[L] {
	t.Helper()
	f := New[L](nopStream{}, WithMaxSize(maxSize), WithReadBuffer(len(src)+1))
	f.buf = append(f.small[:0], src...)
	f.r, f.w = 0, len(src)
	return f
}

type nopStream struct{}

func (nopStream) Read([]byte) (int, error)    { return 0, errors.New("nopStream: nothing to read") }
func (nopStream) Write(p []byte) (int, error) { return len(p), nil }
func (nopStream) Close() error                { return nil }

var _ conn.ReadWriteCloser = nopStream{}

// The fast path's contract, at its edges: every frame of a kind it decodes
// that is whole in the buffer and within the limit is taken, however exactly
// it fills the buffer; anything else is left, untouched, to the general path.
func TestBufferedFrameEdges(t *testing.T) {
	const max = 200
	t.Run("BE16", func(t *testing.T) { bufferedFrameEdges[codec.BE16](t, max) })
	t.Run("BE32", func(t *testing.T) { bufferedFrameEdges[codec.BE32](t, max) })
	t.Run("Uvarint", func(t *testing.T) { bufferedFrameEdges[codec.Uvarint](t, max) })
}

func bufferedFrameEdges[L codec.LengthCodec](t *testing.T, max int) {
	for _, n := range []int{0, 1, 127, 128, max} {
		body := bytes.Repeat([]byte{byte(n)}, n)
		frame, err := AppendFrame[L](nil, body)
		if err != nil {
			t.Fatal(err)
		}
		// The frame alone, exactly filling what was read.
		f := buffered[L](t, frame, max)
		got, ok := f.bufferedFrame()
		if !ok || !bytes.Equal(got, body) || f.r != len(frame) {
			t.Errorf("%d-byte body, whole: got (%d bytes, %v), consumed %d; want the body, consumed %d", n, len(got), ok, f.r, len(frame))
		}
		// Every proper prefix: not taken, nothing consumed.
		for cut := range len(frame) {
			f := buffered[L](t, frame[:cut], max)
			if got, ok := f.bufferedFrame(); ok || f.r != 0 {
				t.Errorf("%d-byte body cut to %d of %d bytes: got (%d bytes, %v), consumed %d", n, cut, len(frame), len(got), ok, f.r)
			}
		}
	}
	// Over the limit, even when whole: not taken.
	frame, _ := AppendFrame[L](nil, make([]byte, max+1))
	if f := buffered[L](t, frame, max); func() bool { _, ok := f.bufferedFrame(); return ok }() {
		t.Errorf("a %d-byte body over the limit of %d took the fast path", max+1, max)
	}
	// Left to the general path while an earlier call has something to
	// finish: a peeked header (even of an empty body), a frame to skip, a
	// large view, a sticky error.
	next, _ := AppendFrame[L](nil, []byte("next"))
	for name, set := range map[string]func(*Framer[L]){
		"peeked empty": func(f *Framer[L]) { f.pending = 0 },
		"skipping":     func(f *Framer[L]) { f.skip = 1 },
		"view":         func(f *Framer[L]) { f.view = new([]byte) },
		"error":        func(f *Framer[L]) { f.rerr = errs.ErrMalformedLength },
	} {
		f := buffered[L](t, next, max)
		set(f)
		if got, ok := f.bufferedFrame(); ok || f.r != 0 {
			t.Errorf("%s: the fast path took a buffered frame (%q, %v)", name, got, ok)
		}
	}
}

// A frame that exactly fills the read buffer, header and body, is read
// through it; one byte more goes straight to its destination.
func TestFitsAtTheReadBufferSize(t *testing.T) {
	f := New[codec.BE32](nopStream{}, WithReadBuffer(64))
	f.pendingHdr = 4
	if !f.fits(60) || f.fits(61) {
		t.Errorf("read buffer 64, header 4: fits(60) = %v, fits(61) = %v; want true, false", f.fits(60), f.fits(61))
	}
}

// A slice handed back with ReleaseMsg, from the pool's smallest class up, is
// what a later ReadMsg of that size returns.
func TestReleasedMessageIsReused(t *testing.T) {
	for _, n := range []int{bufpool.MinSize, 4096} {
		f := New[codec.BE32](endless(t, bytes.Repeat([]byte{7}, n)))
		reused := false
		// The pool may drop a slice (at a GC, or at random under -race):
		// one reuse in twenty tries is proof enough.
		for try := 0; try < 20 && !reused; try++ {
			m, err := f.ReadMsg()
			if err != nil {
				t.Fatal(err)
			}
			f.ReleaseMsg(m)
			again, err := f.ReadMsg()
			if err != nil || len(again) != n {
				t.Fatalf("ReadMsg: %d bytes, %v", len(again), err)
			}
			reused = &again[0] == &m[0]
		}
		if !reused {
			t.Errorf("%d-byte messages: ReadMsg never reused a released slice", n)
		}
	}
}

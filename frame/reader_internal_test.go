package frame

import (
	"bytes"
	"io"
	"testing"
	"unsafe"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/testkit"
)

// These tests look inside the read half, at decisions that change no result a
// caller can see (which buffer, how many reads), only what it costs.

// testReader returns a read half on src, set up as New would.
func testReader[L codec.LengthCodec](src io.Reader, opts ...Option) *reader[L] {
	rd := new(reader[L])
	rd.init(src, configure(Layout[L]{}, opts))
	return rd
}

// holding returns a read half whose read buffer holds exactly src, as if one
// read had just returned it; its stream has nothing more.
func holding[L codec.LengthCodec](src []byte, maxSize int) *reader[L] {
	rd := testReader[L](&testkit.Stream{}, WithMaxSize(maxSize), WithReadBuffer(len(src)+1))
	rd.buf = append(rd.small[:0], src...)
	rd.r, rd.w = 0, len(src)
	return rd
}

// The in-line path's contract, at its edges: every frame of a kind it decodes
// that is whole in the buffer and within the limit is taken, however exactly
// it fills the buffer; anything else is left, untouched, to the general path.
func TestInLineEdges(t *testing.T) {
	const max = 200
	t.Run("BE16", func(t *testing.T) { inLineEdges[codec.BE16](t, max) })
	t.Run("BE32", func(t *testing.T) { inLineEdges[codec.BE32](t, max) })
	t.Run("Uvarint", func(t *testing.T) { inLineEdges[codec.Uvarint](t, max) })
}

func inLineEdges[L codec.LengthCodec](t *testing.T, max int) {
	for _, n := range []int{0, 1, 127, 128, max} {
		body := bytes.Repeat([]byte{byte(n)}, n)
		frame, err := AppendFrame[L](nil, body)
		if err != nil {
			t.Fatal(err)
		}
		// The frame alone, exactly filling what was read.
		rd := holding[L](frame, max)
		got, ok := rd.inLine()
		if !ok || !bytes.Equal(got, body) || rd.r != len(frame) {
			t.Errorf("%d-byte body, whole: got (%d bytes, %v), consumed %d; want the body, consumed %d", n, len(got), ok, rd.r, len(frame))
		}
		// Every proper prefix: not taken, nothing consumed.
		for cut := range len(frame) {
			rd := holding[L](frame[:cut], max)
			if got, ok := rd.inLine(); ok || rd.r != 0 {
				t.Errorf("%d-byte body cut to %d of %d bytes: got (%d bytes, %v), consumed %d", n, cut, len(frame), len(got), ok, rd.r)
			}
		}
	}
	// Over the limit, even when whole: not taken.
	frame, _ := AppendFrame[L](nil, make([]byte, max+1))
	if _, ok := holding[L](frame, max).inLine(); ok {
		t.Errorf("a %d-byte body over the limit of %d took the in-line path", max+1, max)
	}
	// Left to the general path while an earlier call has something to
	// finish: a peeked header (even of an empty body), a frame to skip, a
	// large view, a sticky error.
	next, _ := AppendFrame[L](nil, []byte("next"))
	for name, set := range map[string]func(*reader[L]){
		"peeked empty": func(rd *reader[L]) { rd.header = pendingFrame{decoded: true} },
		"skipping":     func(rd *reader[L]) { rd.skip = skipping{left: 1, declared: 1} },
		"view":         func(rd *reader[L]) { rd.view = new([]byte) },
		"error":        func(rd *reader[L]) { rd.err = errs.ErrMalformedLength },
	} {
		rd := holding[L](next, max)
		set(rd)
		if got, ok := rd.inLine(); ok || rd.r != 0 {
			t.Errorf("%s: the in-line path took a buffered frame (%q, %v)", name, got, ok)
		}
	}
}

// The in-line header code agrees with each codec's own methods at every
// header boundary.
func TestInLineHeadersMatchTheCodec(t *testing.T) {
	t.Run("BE16", func(t *testing.T) { inLineHeadersMatch[codec.BE16](t) })
	t.Run("BE32", func(t *testing.T) { inLineHeadersMatch[codec.BE32](t) })
	t.Run("Uvarint", func(t *testing.T) { inLineHeadersMatch[codec.Uvarint](t) })
	t.Run("BE8", func(t *testing.T) { inLineHeadersMatch[codec.BE8](t) })
	t.Run("LE64", func(t *testing.T) { inLineHeadersMatch[codec.LE64](t) })
}

func inLineHeadersMatch[L codec.LengthCodec](t *testing.T) {
	var c L
	kind := kindOf[L]()
	for _, n := range []int{0, 1, 127, 128, 255, 256, 16383, 16384, 65535, 65536, 1<<21 - 1, 1 << 21, 1<<28 - 1, 1 << 28} {
		if uint64(n) > c.MaxLength() {
			continue
		}
		hdr := appendHeader[L](kind, nil, n)
		want := c.AppendLength(nil, uint64(n))
		if string(hdr) != string(want) || headerSize[L](kind, n) != len(want) {
			t.Errorf("length %d: appendHeader % x, headerSize %d; want % x, %d", n, hdr, headerSize[L](kind, n), want, len(want))
		}
	}
}

// A frame that exactly fills the read buffer, header and body, is read
// through it; one byte more goes straight to its destination.
func TestFitsAtTheReadBufferSize(t *testing.T) {
	rd := testReader[codec.BE32](&testkit.Stream{}, WithReadBuffer(64))
	rd.header.inBuf = 4
	if !rd.fits(60) || rd.fits(61) {
		t.Errorf("read buffer 64, header 4: fits(60) = %v, fits(61) = %v; want true, false", rd.fits(60), rd.fits(61))
	}
}

// pendingAt returns a read half with the default read size over a stream
// serving src, whose small buffer holds the unconsumed bytes pending at r.
func pendingAt(src, pending []byte, r int) (*reader[codec.BE32], *testkit.Stream) {
	s := testkit.Reading(src)
	rd := testReader[codec.BE32](s)
	rd.buf = rd.small[:]
	rd.r = r
	rd.w = r + copy(rd.buf[r:], pending)
	return rd, s
}

// When the bytes needed fit between r and the end of the small buffer, fill
// reads into that room: it neither moves the unconsumed bytes nor borrows the
// pooled buffer, which an idle Framer must not hold.
func TestFillUsesTheRoomLeft(t *testing.T) {
	rd, s := pendingAt(bytes.Repeat([]byte{1}, 100), []byte{0, 0}, smallBuffer-4)
	if err := rd.fill(4); err != nil {
		t.Fatal(err)
	}
	if rd.big != nil || rd.r != smallBuffer-4 || rd.w != smallBuffer || s.Reads != 1 {
		t.Errorf("borrowed %v, r %d, w %d, %d reads; want the small buffer filled to its end in one read", rd.big != nil, rd.r, rd.w, s.Reads)
	}
}

// When they do not fit, fill makes room first and then reads once, rather
// than reading the few bytes left at the end and then making room.
func TestFillMakesRoomBeforeReading(t *testing.T) {
	rd, s := pendingAt(bytes.Repeat([]byte{1}, 100), []byte{0, 0}, smallBuffer-4)
	if err := rd.fill(8); err != nil {
		t.Fatal(err)
	}
	if rd.r != 0 || rd.w-rd.r < 8 || s.Reads != 1 {
		t.Errorf("r %d, w %d, %d reads; want the pending bytes moved to the front and one read", rd.r, rd.w, s.Reads)
	}
}

// A read size no larger than the small buffer is served by the small buffer
// alone, however busy the stream.
func TestSmallReadSizeNeverBorrows(t *testing.T) {
	var wire []byte
	for range 200 {
		wire, _ = AppendFrame[codec.BE32](wire, bytes.Repeat([]byte{7}, 100))
	}
	rd := testReader[codec.BE32](testkit.Reading(wire), WithReadBuffer(smallBuffer))
	for range 200 {
		if _, err := rd.viewLocked(); err != nil {
			t.Fatal(err)
		}
		if rd.big != nil {
			t.Fatal("a read half reading 512 bytes at a time borrowed a pooled buffer")
		}
	}
}

// The pooled read buffer is held only while it has bytes in it or a view
// into it is valid; an idle Framer is small.
func TestIdleReaderHoldsNoPooledBuffer(t *testing.T) {
	wire, _ := AppendFrame[codec.Uvarint](nil, bytes.Repeat([]byte{'x'}, 32<<10))
	wire, _ = AppendFrame[codec.Uvarint](wire, []byte("small"))
	rd := testReader[codec.Uvarint](testkit.Reading(wire))
	if _, err := rd.readMsgLocked(); err != nil {
		t.Fatal(err)
	}
	if rd.big == nil {
		t.Fatal("test bug: a 32 KiB message did not need the pooled buffer")
	}
	if _, err := rd.readMsgLocked(); err != nil {
		t.Fatal(err)
	}
	if rd.big != nil || rd.view != nil {
		t.Fatal("the pooled buffer is still held once the buffer is empty")
	}
	// A view keeps the buffer until the next read.
	rd = testReader[codec.Uvarint](testkit.Reading(wire[:len(wire)-6]))
	view, _ := rd.viewLocked()
	if rd.big == nil || len(view) != 32<<10 {
		t.Fatal("the view's buffer was given back while the view is valid")
	}
	if _, err := rd.readMsgLocked(); err != io.EOF {
		t.Fatal(err)
	}
	if rd.big != nil {
		t.Fatal("the pooled buffer is still held after the next read")
	}
	if size := unsafe.Sizeof(Framer[codec.Uvarint]{}); size > 4<<10 {
		t.Fatalf("an idle Framer is %d bytes", size)
	}
}

// TestFramerSize holds a Framer to the 1 KiB malloc size class an idle
// connection's Framer costs: 1016 bytes and the 8-byte header the allocator
// puts in front of an object of this size with pointers. A field added
// without taking as much from smallBuffer moves every Framer to the next
// class, 1152 bytes.
func TestFramerSize(t *testing.T) {
	for name, size := range map[string]uintptr{
		"be32":    unsafe.Sizeof(Framer[codec.BE32]{}),
		"uvarint": unsafe.Sizeof(Framer[codec.Uvarint]{}),
		"be16":    unsafe.Sizeof(Framer[codec.BE16]{}),
	} {
		if size > 1024-8 {
			t.Errorf("a Framer[%s] is %d bytes, more than the 1016 that fit the 1024-byte size class", name, size)
		}
	}
}

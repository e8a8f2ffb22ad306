package frame

import (
	"bytes"
	"io"
	"testing"

	"github.com/framekit/framekit/codec"
)

// counted is a stream that serves r and counts Read calls.
type counted struct {
	r     io.Reader
	reads int
}

func (c *counted) Read(p []byte) (int, error) { c.reads++; return c.r.Read(p) }
func (*counted) Write(p []byte) (int, error)  { return len(p), nil }
func (*counted) Close() error                 { return nil }

// smallBuffered returns a Framer with its default 64 KiB read size, reading
// from src, whose small buffer holds the unconsumed bytes pending at r.
func smallBuffered(src []byte, pending []byte, r int) (*Framer[codec.BE32], *counted) {
	s := &counted{r: bytes.NewReader(src)}
	f := New[codec.BE32](s)
	f.buf = f.small[:]
	f.r = r
	f.w = r + copy(f.buf[r:], pending)
	return f, s
}

// When the bytes needed fit between r and the end of the small buffer, fill
// reads into that room: it neither moves the unconsumed bytes nor borrows the
// pooled buffer, which an idle Framer must not hold.
func TestFillUsesTheRoomLeft(t *testing.T) {
	f, s := smallBuffered(bytes.Repeat([]byte{1}, 100), []byte{0, 0}, smallBuffer-4)
	if err := f.fill(4); err != nil {
		t.Fatal(err)
	}
	if f.big != nil || f.r != smallBuffer-4 || f.w != smallBuffer || s.reads != 1 {
		t.Errorf("borrowed %v, r %d, w %d, %d reads; want the small buffer filled to its end in one read", f.big != nil, f.r, f.w, s.reads)
	}
}

// When they do not fit, fill makes room first and then reads once, rather
// than reading the few bytes left at the end and then making room.
func TestFillMakesRoomBeforeReading(t *testing.T) {
	f, s := smallBuffered(bytes.Repeat([]byte{1}, 100), []byte{0, 0}, smallBuffer-4)
	if err := f.fill(8); err != nil {
		t.Fatal(err)
	}
	if f.r != 0 || f.w-f.r < 8 || s.reads != 1 {
		t.Errorf("r %d, w %d, %d reads; want the pending bytes moved to the front and one read", f.r, f.w, s.reads)
	}
}

// A read size no larger than the small buffer is served by the small buffer
// alone, however busy the stream.
func TestSmallReadSizeNeverBorrows(t *testing.T) {
	var wire []byte
	for range 200 {
		wire, _ = AppendFrame[codec.BE32](wire, bytes.Repeat([]byte{7}, 100))
	}
	f := New[codec.BE32](&counted{r: bytes.NewReader(wire)}, WithReadBuffer(smallBuffer))
	for range 200 {
		if _, err := f.ReadMsgView(); err != nil {
			t.Fatal(err)
		}
		if f.big != nil {
			t.Fatal("a Framer reading 512 bytes at a time borrowed a pooled buffer")
		}
	}
}

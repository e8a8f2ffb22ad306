package frame

import (
	"bytes"
	"io"
	"testing"

	"github.com/framekit/framekit/codec"
)

type loop struct {
	r *bytes.Reader
	b []byte
}

// Read replays b forever.
func (l *loop) Read(p []byte) (int, error) {
	if l.r.Len() == 0 {
		l.r.Reset(l.b)
	}
	return l.r.Read(p)
}
func (l *loop) Write(p []byte) (int, error) { return len(p), nil }
func (l *loop) Close() error                { return nil }

func endless(t *testing.T, msg []byte) *loop {
	wire, err := AppendFrame[codec.BE32](nil, msg)
	if err != nil {
		t.Fatal(err)
	}
	wire = bytes.Repeat(wire, max(1, 100000/len(wire)))
	return &loop{bytes.NewReader(wire), wire}
}

func TestSteadyStateAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random")
	}
	for _, size := range []int{16, 4096, 200000} {
		msg := bytes.Repeat([]byte{'m'}, size)
		f := New[codec.BE32](endless(t, msg))
		dst := make([]byte, 0, size)
		cases := []struct {
			name string
			fn   func()
			max  float64
		}{
			{"AppendMsg", func() { dst, _ = f.AppendMsg(dst[:0]) }, 0},
			{"ReadMsgView", func() { f.ReadMsgView() }, 0},
			{"WriteMsg", func() { f.WriteMsg(msg) }, 0},
			{"ReadMsg", func() { f.ReadMsg() }, 1},
		}
		for _, c := range cases {
			c.fn() // warm the pools
			if got := testing.AllocsPerRun(200, c.fn); got > c.max {
				t.Errorf("size %d: %s: %v allocations a message, want at most %v", size, c.name, got, c.max)
			}
		}
	}
}

func TestIdleFramerHoldsNoPooledBuffer(t *testing.T) {
	wire, _ := AppendFrame[codec.Uvarint](nil, bytes.Repeat([]byte{'x'}, 32<<10))
	wire, _ = AppendFrame[codec.Uvarint](wire, []byte("small"))
	f := New[codec.Uvarint](&loop{bytes.NewReader(wire), nil})
	if _, err := f.ReadMsg(); err != nil {
		t.Fatal(err)
	}
	if f.big == nil {
		t.Fatal("test bug: a 32 KiB message did not need the pooled buffer")
	}
	if _, err := f.ReadMsg(); err != nil {
		t.Fatal(err)
	}
	if f.big != nil || f.view != nil {
		t.Fatal("the pooled buffer is still held once the buffer is empty")
	}
	// A view keeps the buffer until the next read.
	f = New[codec.Uvarint](&loop{bytes.NewReader(wire[:len(wire)-6]), nil})
	view, _ := f.ReadMsgView()
	if f.big == nil || len(view) != 32<<10 {
		t.Fatal("the view's buffer was given back while the view is valid")
	}
	if _, err := f.ReadMsg(); err != io.EOF {
		t.Fatal(err)
	}
	if f.big != nil {
		t.Fatal("the pooled buffer is still held after the next read")
	}
	if size := int(unsafeSizeof(f)); size > 4<<10 {
		t.Fatalf("an idle Framer is %d bytes", size)
	}
}

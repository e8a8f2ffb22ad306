package frame_test

import (
	"bytes"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/bufpool"
	"github.com/framekit/framekit/internal/testkit"
)

// endless returns a stream that serves msg's frame over and over.
func endless(t *testing.T, msg []byte) *testkit.Stream {
	wire := encode[codec.BE32](t, msg)
	return &testkit.Stream{R: testkit.Repeat(bytes.Repeat(wire, max(1, 100000/len(wire))))}
}

// In steady state AppendMsg (into room), ReadMsgView, WriteMsg, WriteMsgs
// and WriteMsgFunc allocate nothing, and ReadMsg only the message.
func TestSteadyStateAllocations(t *testing.T) {
	if testkit.Race {
		t.Skip("the race detector makes sync.Pool drop buffers at random")
	}
	for _, size := range []int{16, 4096, 200000} {
		msg := bytes.Repeat([]byte{'m'}, size)
		f := frame.New[codec.BE32](endless(t, msg))
		dst := make([]byte, 0, size)
		build := func(b []byte) ([]byte, error) { return append(b, msg...), nil }
		cases := []struct {
			name string
			fn   func()
			max  float64
		}{
			{"AppendMsg", func() { dst, _ = f.AppendMsg(dst[:0]) }, 0},
			{"ReadMsgView", func() { f.ReadMsgView() }, 0},
			{"WriteMsg", func() { f.WriteMsg(msg) }, 0},
			{"WriteMsgs", func() { f.WriteMsgs(msg, msg, msg) }, 0},
			{"WriteMsgFunc", func() { f.WriteMsgFunc(size, build) }, 0},
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

// A slice handed back with ReleaseMsg, from the pool's smallest class up, is
// what a later ReadMsg of that size returns.
func TestReleasedMessageIsReused(t *testing.T) {
	for _, n := range []int{bufpool.MinSize, 4096} {
		f := frame.New[codec.BE32](endless(t, bytes.Repeat([]byte{7}, n)))
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

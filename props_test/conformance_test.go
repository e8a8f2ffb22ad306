package props_test

import (
	"net"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/frame/frametest"
	"github.com/framekit/framekit/internal/testkit"
)

// TestConformance runs the frametest harness on Framer pairs for every
// codec, over net.Pipe and loopback TCP, with three sets of options: the
// defaults (over TCP, large messages go out in vectored writes); batched
// writes with exact-mode reads; and a tiny read buffer under a stream that
// splits every write into pieces, so that frames arrive a few bytes at a
// time.
func TestConformance(t *testing.T) {
	t.Parallel()
	conformance[codec.BE8](t)
	conformance[codec.BE16](t)
	conformance[codec.BE32](t)
	conformance[codec.BE64](t)
	conformance[codec.LE16](t)
	conformance[codec.LE32](t)
	conformance[codec.LE64](t)
	conformance[codec.Uvarint](t)
}

// optionSet is one configuration of both ends.
type optionSet struct {
	name  string
	opts  []frame.Option
	split bool // wrap the stream so each write goes out in pieces
}

func conformance[L codec.LengthCodec](t *testing.T) {
	var c L
	limit := limitFor[L](1 << 20)
	sets := []optionSet{
		{name: "defaults"},
		{name: "batched-exact", opts: []frame.Option{frame.WithWriteBuffer(4096), frame.WithReadBuffer(0)}},
		{name: "tiny-split", opts: []frame.Option{frame.WithReadBuffer(16)}, split: true},
	}
	for _, set := range sets {
		opts := append([]frame.Option{frame.WithMaxSize(limit)}, set.opts...)
		ends := func(a, b net.Conn) (frame.MsgReadWriteCloser, frame.MsgReadWriteCloser) {
			if set.split {
				a, b = &splitConn{Conn: a}, &splitConn{Conn: b}
			}
			return frame.New[L](a, opts...), frame.New[L](b, opts...)
		}
		stream := func(w, r conn.ReadWriteCloser) (frame.MsgWriter, frame.MsgReader, error) {
			return frame.New[L](w, opts...), frame.New[L](r, opts...), nil
		}
		t.Run(c.String()+"/pipe/"+set.name, func(t *testing.T) {
			t.Parallel()
			frametest.TestMsgPipe(t, func() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
				ca, cb := net.Pipe()
				a, b = ends(ca, cb)
				return a, b, func() { ca.Close(); cb.Close() }, nil
			}, frametest.WithMaxSize(limit), frametest.WithStream(stream))
		})
		t.Run(c.String()+"/tcp/"+set.name, func(t *testing.T) {
			t.Parallel()
			frametest.TestMsgPipe(t, func() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
				ca, cb, err := testkit.OpenTCPPair()
				if err != nil {
					return nil, nil, nil, err
				}
				a, b = ends(ca, cb)
				return a, b, func() { ca.Close(); cb.Close() }, nil
			}, frametest.WithMaxSize(limit), frametest.WithStream(stream))
		})
	}
}

// splitConn sends every write in pieces of varying size, each its own write
// on the connection.
type splitConn struct {
	net.Conn
	calls int
}

var pieces = [...]int{1, 7, 2, 300, 3, 4096}

func (c *splitConn) Write(p []byte) (int, error) {
	sent := 0
	for sent < len(p) {
		n := min(len(p)-sent, pieces[c.calls%len(pieces)])
		c.calls++
		k, err := c.Conn.Write(p[sent : sent+n])
		sent += k
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

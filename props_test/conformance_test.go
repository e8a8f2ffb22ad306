package props_test

import (
	"crypto/cipher"
	"io"
	"net"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/frame/frametest"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/secure"
)

// TestConformance runs the frametest harness on pairs of each layer of
// conformanceLayers, over net.Pipe and loopback TCP, with each option set of
// optionSets, and with the raw stream, so that the harness cuts the layer's
// output at every byte.
func TestConformance(t *testing.T) {
	t.Parallel()
	for _, l := range conformanceLayers(t) {
		for _, set := range optionSets {
			conformance(t, l, set)
		}
	}
}

// conformanceLayers are the message layers the harness runs on: Framers on
// every codec, and Encrypted pairs (AES-GCM over Framers) on BE16, BE32 and
// Uvarint.
func conformanceLayers(t *testing.T) []layer {
	// AES-GCM keeps no state between calls, so every encrypted pair can share
	// these two; the counters are the pair's own.
	ab, ba := testkit.GCM(t, 0xAB), testkit.GCM(t, 0xBA)
	return []layer{
		framers[codec.BE8](),
		framers[codec.BE16](),
		framers[codec.BE32](),
		framers[codec.BE64](),
		framers[codec.LE16](),
		framers[codec.LE32](),
		framers[codec.LE64](),
		framers[codec.Uvarint](),
		encrypted[codec.BE16](ab, ba),
		encrypted[codec.BE32](ab, ba),
		encrypted[codec.Uvarint](ab, ba),
	}
}

// layer is a message layer, ready to be put over two byte streams.
type layer struct {
	name    string
	limit   int // the Framers' WithMaxSize
	maxSize int // the largest message the layer carries: the harness's limit
	ends    func(a, b io.ReadWriteCloser, opts []frame.Option) (x, y frame.MsgReadWriteCloser, err error)
}

// framers is a Framer on L over each stream.
func framers[L codec.LengthCodec]() layer {
	var c L
	limit := limitFor[L](1 << 20)
	return layer{
		name:    c.String(),
		limit:   limit,
		maxSize: limit,
		ends: func(a, b io.ReadWriteCloser, opts []frame.Option) (x, y frame.MsgReadWriteCloser, err error) {
			return frame.New[L](a, opts...), frame.New[L](b, opts...), nil
		},
	}
}

// encrypted is an Encrypted over a Framer on L over each stream: one end
// seals with ab and opens with ba, the other the reverse. Its largest
// message is the Framers' limit minus the tag.
func encrypted[L codec.LengthCodec](ab, ba cipher.AEAD) layer {
	inner := framers[L]()
	return layer{
		name:    "encrypted-" + inner.name,
		limit:   inner.limit,
		maxSize: inner.limit - ab.Overhead(),
		ends: func(a, b io.ReadWriteCloser, opts []frame.Option) (x, y frame.MsgReadWriteCloser, err error) {
			fa, fb, err := inner.ends(a, b, opts)
			if err != nil {
				return nil, nil, err
			}
			encA, err := secure.NewAEADEncrypter(ab, ba)
			if err != nil {
				return nil, nil, err
			}
			encB, err := secure.NewAEADEncrypter(ba, ab)
			if err != nil {
				return nil, nil, err
			}
			return secure.NewEncrypted(fa, encA), secure.NewEncrypted(fb, encB), nil
		},
	}
}

// optionSet is one configuration of both ends.
type optionSet struct {
	name  string
	opts  []frame.Option
	split bool // wrap the stream so each write goes out in pieces
}

// optionSets are the defaults (over TCP, large messages go out in vectored
// writes); batched writes with exact-mode reads; and a tiny read buffer under
// a stream that splits every write into pieces, so that frames arrive a few
// bytes at a time.
var optionSets = []optionSet{
	{name: "defaults"},
	{name: "batched-exact", opts: []frame.Option{frame.WithWriteBuffer(4096), frame.WithReadBuffer(0)}},
	{name: "tiny-split", opts: []frame.Option{frame.WithReadBuffer(16)}, split: true},
}

// transports make the two ends of a connection.
var transports = []struct {
	name string
	dial func() (net.Conn, net.Conn, error)
}{
	{"pipe", func() (net.Conn, net.Conn, error) { a, b := net.Pipe(); return a, b, nil }},
	{"tcp", func() (net.Conn, net.Conn, error) { return testkit.OpenTCPPair() }},
}

// conformance runs the harness on l with set, over every transport, in
// parallel subtests named layer/transport/set.
func conformance(t *testing.T, l layer, set optionSet) {
	opts := append([]frame.Option{frame.WithMaxSize(l.limit)}, set.opts...)
	harness := []frametest.Option{
		frametest.WithMaxSize(l.maxSize),
		frametest.WithStream(func(w, r io.ReadWriteCloser) (frame.MsgWriter, frame.MsgReader, error) {
			return l.ends(w, r, opts)
		}),
	}
	for _, tr := range transports {
		t.Run(l.name+"/"+tr.name+"/"+set.name, func(t *testing.T) {
			t.Parallel()
			frametest.TestMsgPipe(t, func() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
				ca, cb, err := tr.dial()
				if err != nil {
					return nil, nil, nil, err
				}
				stop = func() { ca.Close(); cb.Close() }
				var sa, sb io.ReadWriteCloser = ca, cb
				if set.split {
					sa, sb = &splitConn{Conn: ca}, &splitConn{Conn: cb}
				}
				if a, b, err = l.ends(sa, sb, opts); err != nil {
					stop()
					return nil, nil, nil, err
				}
				return a, b, stop, nil
			}, harness...)
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

package bench

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/libp2p/go-msgio"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// tcpImpls are the implementations of every TCP benchmark:
//
//	framekit  a Framer on each end: WriteMsg (WithWriteBuffer(64 KiB) in the
//	          batched test), AppendMsg into a reused buffer
//	msgio     go-msgio's reader and writer on each end (it has no batching):
//	          WriteMsg, ReadMsg then ReleaseMsg
//	hand      the hand loop: header and body in one Write (a 64 KiB
//	          bufio.Writer in the batched test), io.ReadFull from a 64 KiB
//	          bufio.Reader
var tcpImpls = []string{"framekit", "msgio", "hand"}

// tcpTests are the TCP loopback tests: one-way streams with and without
// write batching, ping-pong round trips, and a stream of 1 MiB messages.
var tcpTests = []struct {
	name    string
	size    int
	batched bool
}{
	{"stream-batched", 16, true},
	{"stream", 16, false},
	{"pingpong", 16, false},
	{"stream", 1 << 20, false},
}

// BenchmarkTCP runs every TCP test over a fresh connection on 127.0.0.1; an
// op is one message (one round trip for pingpong).
func BenchmarkTCP(b *testing.B) {
	for _, tt := range tcpTests {
		for _, c := range codecs {
			for _, impl := range tcpImpls {
				name := "test=" + tt.name + "/codec=" + c + "/size=" + sizeName(tt.size) + "/impl=" + impl
				b.Run(name, func(b *testing.B) {
					x, y := testkit.TCPPair(b)
					deadline := time.Now().Add(5 * time.Minute)
					x.SetDeadline(deadline)
					y.SetDeadline(deadline)
					client, server := newEnd(impl, c, x, tt.batched), newEnd(impl, c, y, tt.batched)
					b.SetBytes(int64(tt.size))
					b.ReportAllocs()
					if tt.name == "pingpong" {
						benchPingPong(b, client, server, tt.size, x)
					} else {
						benchStream(b, client, server, tt.size)
					}
				})
			}
		}
	}
}

// msgEnd is one end of a stream as the TCP and write benchmarks drive it.
type msgEnd interface {
	write(msg []byte) error
	flush() error
	// read returns the next message, valid until the next read.
	read() ([]byte, error)
}

// newEnd returns the end of impl (one of tcpImpls) on rw in the named codec;
// batched gives its writer a 64 KiB buffer that flush empties.
func newEnd(impl, c string, rw io.ReadWriteCloser, batched bool) msgEnd {
	switch impl {
	case "framekit":
		var opts []frame.Option
		if batched {
			opts = append(opts, frame.WithWriteBuffer(64<<10))
		}
		if c == "BE32" {
			return &framekitEnd[codec.BE32]{f: frame.New[codec.BE32](rw, opts...)}
		}
		return &framekitEnd[codec.Uvarint]{f: frame.New[codec.Uvarint](rw, opts...)}
	case "msgio":
		return &msgioEnd{w: newMsgioWriter(c, rw), r: newMsgioReader(c, rw)}
	case "hand":
		return &handEnd{w: newHandWriter(c, rw, batched), r: newHandReader(c, rw, true)}
	}
	panic("unknown end impl " + impl)
}

type framekitEnd[L codec.LengthCodec] struct {
	f   *frame.Framer[L]
	buf []byte
}

func (e *framekitEnd[L]) write(msg []byte) error { return e.f.WriteMsg(msg) }
func (e *framekitEnd[L]) flush() error           { return e.f.Flush() }
func (e *framekitEnd[L]) read() ([]byte, error) {
	var err error
	e.buf, err = e.f.AppendMsg(e.buf[:0])
	return e.buf, err
}

type msgioEnd struct {
	w    msgio.WriteCloser
	r    msgio.ReadCloser
	last []byte
}

func (e *msgioEnd) write(msg []byte) error { return e.w.WriteMsg(msg) }
func (e *msgioEnd) flush() error           { return nil }
func (e *msgioEnd) read() ([]byte, error) {
	if e.last != nil {
		e.r.ReleaseMsg(e.last)
	}
	var err error
	e.last, err = e.r.ReadMsg()
	return e.last, err
}

type handEnd struct {
	w *handWriter
	r *handReader
}

func (e *handEnd) write(msg []byte) error { return e.w.writeMsg(msg) }
func (e *handEnd) flush() error           { return e.w.flush() }
func (e *handEnd) read() ([]byte, error)  { return e.r.readMsg() }

// benchStream sends b.N messages from client to server, which reads them.
func benchStream(b *testing.B, client, server msgEnd, size int) {
	msg := make([]byte, size)
	done := make(chan error, 1)
	b.ResetTimer()
	go func() {
		for range b.N {
			if err := client.write(msg); err != nil {
				done <- err
				return
			}
		}
		done <- client.flush()
	}()
	for i := range b.N {
		got, err := server.read()
		if err != nil || len(got) != size {
			b.Fatalf("message %d: %d bytes, %v", i, len(got), err)
		}
	}
	b.StopTimer()
	check(b, <-done)
}

// benchPingPong sends a message and waits for its echo, b.N times.
func benchPingPong(b *testing.B, client, server msgEnd, size int, clientConn *net.TCPConn) {
	msg := make([]byte, size)
	done := make(chan error, 1)
	go func() {
		for {
			got, err := server.read()
			if err == io.EOF {
				done <- nil
				return
			}
			if err == nil {
				err = server.write(got)
			}
			if err != nil {
				done <- err
				return
			}
		}
	}()
	b.ResetTimer()
	for i := range b.N {
		if err := client.write(msg); err != nil {
			b.Fatal(err)
		}
		got, err := client.read()
		if err != nil || len(got) != size {
			b.Fatalf("round trip %d: %d bytes, %v", i, len(got), err)
		}
	}
	b.StopTimer()
	check(b, clientConn.CloseWrite()) // the server sees io.EOF and stops
	check(b, <-done)
}

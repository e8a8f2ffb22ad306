package pb_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"testing"

	"github.com/libp2p/go-msgio/pbio"
	"google.golang.org/protobuf/encoding/protodelim"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/pb"
	"github.com/framekit/framekit/pb/internal/testpb"
)

// A Reader and a Writer are go-msgio pbio's Reader and Writer.
var (
	_ pbio.Reader = (*pb.Reader)(nil)
	_ pbio.Writer = (*pb.Writer)(nil)
)

// maxSize is the limit every reader of the interop tests is given.
const maxSize = 1 << 20

// A sender writes msgs to c, uvarint-delimited, in its own way.
type sender struct {
	name string
	send func(c io.ReadWriteCloser, msgs []*testpb.Identify) error
}

// A receiver reads messages from c until the clean end of the stream, which
// it must see as such.
type receiver struct {
	name string
	recv func(t *testing.T, c io.ReadWriteCloser) []*testpb.Identify
}

var senders = []sender{
	{"pb.Write", func(c io.ReadWriteCloser, msgs []*testpb.Identify) error {
		f := frame.New[codec.Uvarint](c)
		for _, m := range msgs {
			if err := pb.Write(f, m); err != nil {
				return err
			}
		}
		return nil
	}},
	{"pb.Writer/WriteMsg", func(c io.ReadWriteCloser, msgs []*testpb.Identify) error {
		w := pb.NewWriter(plainWriter{frame.New[codec.Uvarint](c)}) // marshal, then WriteMsg
		for _, m := range msgs {
			if err := w.WriteMsg(m); err != nil {
				return err
			}
		}
		return nil
	}},
	{"pbio", func(c io.ReadWriteCloser, msgs []*testpb.Identify) error {
		w := pbio.NewDelimitedWriter(c)
		for _, m := range msgs {
			if err := w.WriteMsg(m); err != nil {
				return err
			}
		}
		return nil
	}},
	{"protodelim", func(c io.ReadWriteCloser, msgs []*testpb.Identify) error {
		for _, m := range msgs {
			if _, err := protodelim.MarshalTo(c, m); err != nil {
				return err
			}
		}
		return nil
	}},
}

// readAll reads with read until it returns io.EOF itself, unwrapped.
func readAll(t *testing.T, read func(m *testpb.Identify) error) []*testpb.Identify {
	t.Helper()
	var got []*testpb.Identify
	for {
		m := new(testpb.Identify)
		err := read(m)
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatalf("read of message %d: %v", len(got), err)
		}
		got = append(got, m)
	}
}

var receivers = []receiver{
	{"pb.Read", func(t *testing.T, c io.ReadWriteCloser) []*testpb.Identify {
		f := frame.New[codec.Uvarint](c, frame.WithMaxSize(maxSize))
		return readAll(t, func(m *testpb.Identify) error { return pb.Read(f, m) })
	}},
	{"pb.Reader/ReadMsg", func(t *testing.T, c io.ReadWriteCloser) []*testpb.Identify {
		r := pb.NewReader(plainReader{frame.New[codec.Uvarint](c, frame.WithMaxSize(maxSize))})
		return readAll(t, func(m *testpb.Identify) error { return r.ReadMsg(m) })
	}},
	{"pbio", func(t *testing.T, c io.ReadWriteCloser) []*testpb.Identify {
		r := pbio.NewDelimitedReader(c, maxSize)
		return readAll(t, func(m *testpb.Identify) error { return r.ReadMsg(m) })
	}},
	{"protodelim", func(t *testing.T, c io.ReadWriteCloser) []*testpb.Identify {
		br := bufio.NewReader(c)
		o := protodelim.UnmarshalOptions{MaxSize: maxSize}
		return readAll(t, func(m *testpb.Identify) error { return o.UnmarshalFrom(br, m) })
	}},
}

// recorder is a receiver's end of a connection that keeps a copy of every
// byte read from it: the stream exactly as it crossed the wire.
type recorder struct {
	c   *net.TCPConn
	got bytes.Buffer
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.c.Read(p)
	r.got.Write(p[:n])
	return n, err
}
func (r *recorder) Write(p []byte) (int, error) { return r.c.Write(p) }
func (r *recorder) Close() error                { return r.c.Close() }

// Every pair of a writer and a reader, one of them ours, over loopback TCP:
// the bytes that cross the wire are protodelim's, byte for byte, the reader
// gets every message, and the end of the stream is a clean io.EOF. The
// messages cross the varint boundaries at 127 and 16383 bytes and include
// an empty one.
func TestInteropOverTCP(t *testing.T) {
	t.Parallel()
	msgs := identifies(60)
	want := referenceStream(t, msgs)
	for _, s := range senders {
		for _, r := range receivers {
			if s.name[:2] != "pb" && r.name[:2] != "pb" {
				continue // neither side is ours
			}
			t.Run(s.name+"->"+r.name, func(t *testing.T) {
				t.Parallel()
				out, in := testkit.TCPPair(t)
				sent := make(chan error, 1)
				go func() {
					err := s.send(out, msgs)
					if err == nil {
						err = out.CloseWrite() // the receiver then reads a clean end
					}
					sent <- err
				}()
				rec := &recorder{c: in}
				got := r.recv(t, rec)
				if err := <-sent; err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				equalMsgs(t, got, msgs)
				if !bytes.Equal(rec.got.Bytes(), want) {
					t.Fatalf("%s wrote %d bytes that differ from protodelim's %d", s.name, rec.got.Len(), len(want))
				}
			})
		}
	}
}

package frametest_test

import (
	"fmt"
	"io"
	"net"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/frame/frametest"
)

// framerPipe is a frametest.MakePipe: two Framers on the ends of a net.Pipe.
// A test hands it to the harness:
//
//	func TestFramerConforms(t *testing.T) {
//		frametest.TestMsgPipe(t, framerPipe, frametest.WithMaxSize(1<<20), frametest.WithStream(framerStream))
//	}
func framerPipe() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
	ca, cb := net.Pipe()
	a = frame.New[codec.Uvarint](ca, frame.WithMaxSize(1<<20))
	b = frame.New[codec.Uvarint](cb, frame.WithMaxSize(1<<20))
	return a, b, func() { ca.Close(); cb.Close() }, nil
}

// framerStream is a frametest.MakeStream: a writing and a reading Framer on
// the raw streams the harness provides.
func framerStream(w, r io.ReadWriteCloser) (frame.MsgWriter, frame.MsgReader, error) {
	return frame.New[codec.Uvarint](w, frame.WithMaxSize(1<<20)), frame.New[codec.Uvarint](r, frame.WithMaxSize(1<<20)), nil
}

// A MakePipe returns a connected pair; the harness writes on one end and reads
// on the other. Here the pair is used by hand, as the harness uses it.
func Example() {
	a, b, stop, err := framerPipe()
	if err != nil {
		panic(err)
	}
	defer stop()
	go a.WriteMsg([]byte("hello")) // net.Pipe is synchronous: write while the peer reads
	msg, err := b.ReadMsg()
	fmt.Printf("%s %v\n", msg, err)

	// In a test: frametest.TestMsgPipe(t, framerPipe, frametest.WithMaxSize(1<<20), frametest.WithStream(framerStream))
	var _ frametest.MakePipe = framerPipe
	var _ frametest.MakeStream = framerStream
	// Output: hello <nil>
}

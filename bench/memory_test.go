package bench

import (
	"strings"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// readImpls are the in-memory read implementations, in chart order.
//
//	framekit-readmsg          ReadMsg: a new slice per message (one allocation)
//	framekit-readmsg-release  ReadMsg, then ReleaseMsg hands the slice back
//	framekit-append           AppendMsg into a reused buffer
//	framekit-view             ReadMsgView, zero-copy
//	msgio-readmsg             go-msgio ReadMsg, the slice kept by the caller
//	msgio-readmsg-release     go-msgio ReadMsg, then ReleaseMsg (its pool)
//	msgio-read                go-msgio Read into a reused buffer
//	hand                      io.ReadFull + encoding/binary on the stream
//	hand-bufio                the same on a 64 KiB bufio.Reader
var readImpls = []string{
	"framekit-readmsg", "framekit-readmsg-release", "framekit-append", "framekit-view",
	"msgio-readmsg", "msgio-readmsg-release", "msgio-read",
	"hand", "hand-bufio",
}

// BenchmarkRead reads size-byte messages from an endless in-memory stream.
func BenchmarkRead(b *testing.B) {
	for _, c := range codecs {
		for _, size := range benchSizes {
			data := buildStream(c, size)
			for _, impl := range readImpls {
				b.Run("codec="+c+"/size="+sizeName(size)+"/impl="+impl, func(b *testing.B) {
					benchRead(b, newRead(c, impl, newLoopReader(data), size), size)
				})
			}
		}
	}
}

// sink keeps results alive so the compiler cannot drop a read.
var sink int

// benchRead times b.N calls of read, each of which must return a size-byte
// message.
func benchRead(b *testing.B, read func() ([]byte, error), size int) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	got := 0
	for range b.N {
		msg, err := read()
		if err != nil {
			b.Fatal(err)
		}
		got += len(msg)
	}
	b.StopTimer()
	if got != b.N*size {
		b.Fatalf("read %d bytes, want %d", got, b.N*size)
	}
	sink += got
}

// newRead returns a function that reads the next message from src, a stream
// of size-byte messages in the named codec, with impl (one of readImpls). The
// message is valid until the next call. Every implementation is called
// through the returned function, so each pays the same for the call.
func newRead(c, impl string, src *loopReader, size int) func() ([]byte, error) {
	if method, ok := strings.CutPrefix(impl, "framekit-"); ok {
		if c == "BE32" {
			return framerRead(frame.New[codec.BE32](src), method, size)
		}
		return framerRead(frame.New[codec.Uvarint](src), method, size)
	}
	switch impl {
	case "msgio-readmsg":
		return newMsgioReader(c, src).ReadMsg
	case "msgio-readmsg-release":
		return readReleasing(newMsgioReader(c, src))
	case "msgio-read":
		r := newMsgioReader(c, src)
		buf := make([]byte, size)
		return func() ([]byte, error) {
			n, err := r.Read(buf)
			return buf[:n], err
		}
	case "hand", "hand-bufio":
		return newHandReader(c, src, impl == "hand-bufio").readMsg
	}
	panic("unknown read impl " + impl)
}

// framerRead returns a function that reads the next message from f with one
// of its read methods, named as in readImpls without "framekit-": "readmsg",
// "readmsg-release", "append" (into a reused buffer of size bytes) or "view".
func framerRead[L codec.LengthCodec](f *frame.Framer[L], method string, size int) func() ([]byte, error) {
	switch method {
	case "readmsg":
		return f.ReadMsg
	case "readmsg-release":
		return readReleasing(f)
	case "append":
		buf := make([]byte, 0, size)
		return func() ([]byte, error) { return f.AppendMsg(buf[:0]) }
	case "view":
		return f.ReadMsgView
	}
	panic("unknown Framer read method " + method)
}

// releaser is a reader whose ReadMsg slices may be handed back for reuse:
// a Framer or a go-msgio reader.
type releaser interface {
	ReadMsg() ([]byte, error)
	ReleaseMsg(msg []byte)
}

// readReleasing returns a function that reads the next message with
// r.ReadMsg and hands the one before back with r.ReleaseMsg.
func readReleasing(r releaser) func() ([]byte, error) {
	var last []byte
	return func() ([]byte, error) {
		if last != nil {
			r.ReleaseMsg(last)
		}
		var err error
		last, err = r.ReadMsg()
		return last, err
	}
}

// writeImpls are the in-memory write implementations, in chart order, each
// one an end of newEnd writing to discard{}:
//
//	framekit          WriteMsg, one Write per frame
//	framekit-batched  WriteMsg with WithWriteBuffer(64 KiB)
//	msgio             go-msgio WriteMsg
//	hand              header and body copied into a reused buffer, one Write
//	hand-bufio        header and body written to a 64 KiB bufio.Writer
var writeImpls = []struct {
	name    string
	end     string // the impl of newEnd
	batched bool
}{
	{"framekit", "framekit", false},
	{"framekit-batched", "framekit", true},
	{"msgio", "msgio", false},
	{"hand", "hand", false},
	{"hand-bufio", "hand", true},
}

// BenchmarkWrite writes size-byte messages to a sink that discards them.
func BenchmarkWrite(b *testing.B) {
	for _, c := range codecs {
		for _, size := range benchSizes {
			msg := make([]byte, size)
			for _, impl := range writeImpls {
				b.Run("codec="+c+"/size="+sizeName(size)+"/impl="+impl.name, func(b *testing.B) {
					benchWrite(b, newEnd(impl.end, c, discard{}, impl.batched), msg)
				})
			}
		}
	}
}

// benchWrite times b.N writes of msg to w and the flush after them.
func benchWrite(b *testing.B, w msgEnd, msg []byte) {
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := w.write(msg); err != nil {
			b.Fatal(err)
		}
	}
	err := w.flush()
	b.StopTimer()
	check(b, err)
}

package bench

import (
	"io"
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
					b.SetBytes(int64(size))
					b.ReportAllocs()
					src := newLoopReader(data)
					if c == "BE32" {
						benchRead[codec.BE32](b, c, impl, src, size)
					} else {
						benchRead[codec.Uvarint](b, c, impl, src, size)
					}
				})
			}
		}
	}
}

// sink keeps results alive so the compiler cannot drop a read.
var sink int

func benchRead[L codec.LengthCodec](b *testing.B, c, impl string, src *loopReader, size int) {
	buf := make([]byte, 0, size)
	got := 0
	var err error
	switch impl {
	case "framekit-readmsg", "framekit-readmsg-release", "framekit-append", "framekit-view":
		f := frame.New[L](src)
		b.ResetTimer()
		for range b.N {
			var msg []byte
			switch impl {
			case "framekit-readmsg":
				msg, err = f.ReadMsg()
			case "framekit-readmsg-release":
				msg, err = f.ReadMsg()
				f.ReleaseMsg(msg)
			case "framekit-append":
				msg, err = f.AppendMsg(buf[:0])
			case "framekit-view":
				msg, err = f.ReadMsgView()
			}
			got += len(msg)
			if err != nil {
				break
			}
		}
	case "msgio-readmsg", "msgio-readmsg-release":
		r := newMsgioReader(c, src)
		b.ResetTimer()
		for range b.N {
			var msg []byte
			msg, err = r.ReadMsg()
			got += len(msg)
			if err != nil {
				break
			}
			if impl == "msgio-readmsg-release" {
				r.ReleaseMsg(msg)
			}
		}
	case "msgio-read":
		r := newMsgioReader(c, src)
		buf = buf[:size]
		b.ResetTimer()
		for range b.N {
			var n int
			n, err = r.Read(buf)
			got += n
			if err != nil {
				break
			}
		}
	case "hand", "hand-bufio":
		h := newHandReader(c, src, impl == "hand-bufio")
		b.ResetTimer()
		for range b.N {
			var msg []byte
			msg, err = h.readMsg()
			got += len(msg)
			if err != nil {
				break
			}
		}
	default:
		b.Fatalf("unknown impl %q", impl)
	}
	b.StopTimer()
	check(b, err)
	if got != b.N*size {
		b.Fatalf("read %d bytes, want %d", got, b.N*size)
	}
	sink += got
}

// writeImpls are the in-memory write implementations, in chart order.
//
//	framekit          WriteMsg, one Write per frame
//	framekit-batched  WriteMsg with WithWriteBuffer(64 KiB)
//	msgio             go-msgio WriteMsg
//	hand              header and body copied into a reused buffer, one Write
//	hand-bufio        header and body written to a 64 KiB bufio.Writer
var writeImpls = []string{"framekit", "framekit-batched", "msgio", "hand", "hand-bufio"}

// BenchmarkWrite writes size-byte messages to a sink that discards them.
func BenchmarkWrite(b *testing.B) {
	for _, c := range codecs {
		for _, size := range benchSizes {
			msg := make([]byte, size)
			for _, impl := range writeImpls {
				b.Run("codec="+c+"/size="+sizeName(size)+"/impl="+impl, func(b *testing.B) {
					b.SetBytes(int64(size))
					b.ReportAllocs()
					if c == "BE32" {
						benchWrite[codec.BE32](b, c, impl, msg)
					} else {
						benchWrite[codec.Uvarint](b, c, impl, msg)
					}
				})
			}
		}
	}
}

func benchWrite[L codec.LengthCodec](b *testing.B, c, impl string, msg []byte) {
	var err error
	switch impl {
	case "framekit", "framekit-batched":
		var opts []frame.Option
		if impl == "framekit-batched" {
			opts = append(opts, frame.WithWriteBuffer(64<<10))
		}
		f := frame.New[L](discard{}, opts...)
		b.ResetTimer()
		for range b.N {
			if err = f.WriteMsg(msg); err != nil {
				break
			}
		}
		if err == nil {
			err = f.Flush()
		}
	case "msgio":
		w := newMsgioWriter(c, discard{})
		b.ResetTimer()
		for range b.N {
			if err = w.WriteMsg(msg); err != nil {
				break
			}
		}
	case "hand", "hand-bufio":
		h := newHandWriter(c, io.Writer(discard{}), impl == "hand-bufio")
		b.ResetTimer()
		for range b.N {
			if err = h.writeMsg(msg); err != nil {
				break
			}
		}
		if err == nil {
			err = h.flush()
		}
	default:
		b.Fatalf("unknown impl %q", impl)
	}
	b.StopTimer()
	check(b, err)
}

package bench

import (
	"bufio"
	"encoding/binary"
	"io"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/layout"
)

// layoutImpls are the readers of BenchmarkLayoutInterleaved:
//
//	plain-BE32          Framer[codec.BE32].ReadMsgView on a BE32 stream: the
//	                    reference
//	postgres-frame      a layout.Postgres Framer's ReadFrameView on a stream
//	                    of PostgreSQL messages (type byte, length counting
//	                    itself): fields and body
//	postgres-msg        the same Framer's ReadMsgView: the body only
//	http2-frame         a layout.HTTP2 Framer's ReadFrameView: 9-byte headers
//	amqp-frame          a layout.AMQP Framer's ReadFrameView: a trailer to check
//	hand-postgres       a hand-written loop on a 64 KiB bufio.Reader reading
//	                    the PostgreSQL stream: Peek the header, check the
//	                    length, Discard
var layoutImpls = []string{"plain-BE32", "postgres-frame", "postgres-msg", "http2-frame", "amqp-frame", "hand-postgres"}

// layoutStream returns at least 256 KiB of frames of lay with size-byte
// bodies and header fields of 1s.
func layoutStream[L codec.LengthCodec](lay frame.Layout[L], size int) []byte {
	spec := lay.Spec()
	var h frame.Header
	for _, f := range append(spec.Before, spec.After...) {
		h.Fields = append(h.Fields, make([]byte, f.Size)...)
	}
	body := make([]byte, size)
	var s []byte
	for i := 0; i < 2 || len(s) < 256<<10; i++ {
		s, _ = lay.AppendFrame(s, h, body)
	}
	return s
}

// frameRead returns a read function over a Framer's ReadFrameView that
// returns the body.
func frameRead[L codec.LengthCodec](f *frame.Framer[L]) func() ([]byte, error) {
	return func() ([]byte, error) {
		_, body, err := f.ReadFrameView()
		return body, err
	}
}

// handPostgres reads PostgreSQL messages by hand from a bufio.Reader: the
// honest lower bound for postgres-frame, with a limit check and nothing else.
func handPostgres(src io.Reader, maxSize int) func() ([]byte, error) {
	br := bufio.NewReaderSize(src, 64<<10)
	var last int
	return func() ([]byte, error) {
		br.Discard(last)
		hdr, err := br.Peek(5)
		if err != nil {
			return nil, err
		}
		n := int(binary.BigEndian.Uint32(hdr[1:])) - 4
		if n < 0 || n > maxSize {
			return nil, errShortMsg
		}
		msg, err := br.Peek(5 + n)
		if err != nil {
			return nil, err
		}
		last = 5 + n
		return msg[5:], nil
	}
}

func newLayoutRead(impl string, size int) func() ([]byte, error) {
	switch impl {
	case "plain-BE32":
		return frame.New[codec.BE32](newLoopReader(buildStream("BE32", size))).ReadMsgView
	case "postgres-frame":
		return frameRead(frame.NewWithLayout(newLoopReader(layoutStream(layout.Postgres, size)), layout.Postgres))
	case "postgres-msg":
		return frame.NewWithLayout(newLoopReader(layoutStream(layout.Postgres, size)), layout.Postgres).ReadMsgView
	case "http2-frame":
		return frameRead(frame.NewWithLayout(newLoopReader(layoutStream(layout.HTTP2, size)), layout.HTTP2))
	case "amqp-frame":
		return frameRead(frame.NewWithLayout(newLoopReader(layoutStream(layout.AMQP, size)), layout.AMQP))
	case "hand-postgres":
		return handPostgres(newLoopReader(layoutStream(layout.Postgres, size)), frame.DefaultMaxSize)
	}
	panic("unknown layout reader " + impl)
}

// BenchmarkLayoutInterleaved measures what a header layout costs per frame
// against the plain Framer, reading 16-byte and 256-byte bodies from the read
// buffer, where the header's share of the work is largest, with the readers
// interleaved. It reports each reader's ns per frame and the ratio of each
// layout reader to plain-BE32.
func BenchmarkLayoutInterleaved(b *testing.B) {
	for _, size := range []int{16, 256} {
		b.Run("size="+sizeName(size), func(b *testing.B) {
			ns := interleaveReads(b, layoutImpls, size, func(impl string) func() ([]byte, error) { return newLayoutRead(impl, size) })
			for _, impl := range layoutImpls[1:] {
				b.ReportMetric(ns[impl]/ns["plain-BE32"], impl+"/plain")
			}
		})
	}
}

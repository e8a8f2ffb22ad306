package pb_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/libp2p/go-msgio/pbio"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/pb"
	"github.com/framekit/framekit/pb/internal/testpb"
)

// benchMessages are the messages of the benchmarks: an identify message as a
// libp2p peer sends one, and Records with a 4 KiB and a 64 KiB payload.
func benchMessages() []struct {
	name string
	msg  proto.Message
	new  func() proto.Message // an empty message of its type, to read into
} {
	identify := &testpb.Identify{
		ProtocolVersion: "ipfs/0.1.0",
		AgentVersion:    "framekit-bench/1.0.0",
		PublicKey:       bytes.Repeat([]byte{0x08}, 36),
		ObservedAddr:    []byte{4, 127, 0, 0, 1, 6, 0x0f, 0xa1},
	}
	for i := range 3 {
		identify.ListenAddrs = append(identify.ListenAddrs, []byte{4, 127, 0, 0, 1, 6, 0x0f, byte(i)})
	}
	for i := range 10 {
		identify.Protocols = append(identify.Protocols, fmt.Sprintf("/ipfs/proto-%d/1.0.0", i))
	}
	record := func(payload int) *testpb.Record {
		return &testpb.Record{
			Id: 1 << 40, Delta: -12345, Flags: 7, Stamp: 1 << 60, Ratio: 0.5, Ok: true, Name: "record",
			Payload: bytes.Repeat([]byte{0xa5}, payload),
			Counts:  []uint32{1, 200, 30000, 4000000},
			Peers:   []*testpb.Identify{identify, identify},
		}
	}
	return []struct {
		name string
		msg  proto.Message
		new  func() proto.Message
	}{
		{"identify", identify, func() proto.Message { return new(testpb.Identify) }},
		{"record4KiB", record(4 << 10), func() proto.Message { return new(testpb.Record) }},
		{"record64KiB", record(64 << 10), func() proto.Message { return new(testpb.Record) }},
	}
}

// loopStream serves a pre-built stream of whole frames over and over, to
// every reader alike: the source costs the same for all of them.
type loopStream struct {
	data []byte
	r    bytes.Reader
}

func newLoopStream(data []byte) *loopStream {
	l := &loopStream{data: data}
	l.r.Reset(data)
	return l
}

func (l *loopStream) Read(p []byte) (int, error) {
	if l.r.Len() == 0 {
		l.r.Reset(l.data)
	}
	return l.r.Read(p)
}
func (l *loopStream) Write(p []byte) (int, error) { return len(p), nil }
func (l *loopStream) Close() error                { return nil }

// discardStream is the sink of the write benchmarks, the same for every writer.
type discardStream struct{}

func (discardStream) Read([]byte) (int, error)    { return 0, io.EOF }
func (discardStream) Write(p []byte) (int, error) { return len(p), nil }
func (discardStream) Close() error                { return nil }

// readImpl is a reader of uvarint-delimited messages from src.
type readImpl struct {
	name string
	read func(src io.ReadWriteCloser) func(m proto.Message) error
}

// readImpls are the readers the benchmarks compare, pb first. The last,
// unmarshal, reads no stream: it unmarshals msg's bytes.
func readImpls(msg proto.Message) []readImpl {
	body, err := proto.Marshal(msg)
	if err != nil {
		panic(err)
	}
	return []readImpl{
		{"pb", func(src io.ReadWriteCloser) func(m proto.Message) error {
			f := frame.New[codec.Uvarint](src)
			return func(m proto.Message) error { return pb.Read(f, m) }
		}},
		{"pbio", func(src io.ReadWriteCloser) func(m proto.Message) error {
			return pbio.NewDelimitedReader(src, frame.DefaultMaxSize).ReadMsg
		}},
		{"protodelim", func(src io.ReadWriteCloser) func(m proto.Message) error {
			br := bufio.NewReader(src)
			return func(m proto.Message) error { return protodelim.UnmarshalFrom(br, m) }
		}},
		{"unmarshal", func(io.ReadWriteCloser) func(m proto.Message) error {
			return func(m proto.Message) error { return proto.Unmarshal(body, m) }
		}},
	}
}

// writeImpl is a writer of uvarint-delimited messages to dst.
type writeImpl struct {
	name  string
	write func(dst io.ReadWriteCloser) func(m proto.Message) error
}

// writeImpls are the writers the benchmarks compare, pb first. The last,
// marshal, writes nothing: it marshals into a reused buffer.
func writeImpls() []writeImpl {
	return []writeImpl{
		{"pb", func(dst io.ReadWriteCloser) func(m proto.Message) error {
			f := frame.New[codec.Uvarint](dst)
			return func(m proto.Message) error { return pb.Write(f, m) }
		}},
		{"pbio", func(dst io.ReadWriteCloser) func(m proto.Message) error {
			return pbio.NewDelimitedWriter(dst).WriteMsg
		}},
		{"protodelim", func(dst io.ReadWriteCloser) func(m proto.Message) error {
			return func(m proto.Message) error { _, err := protodelim.MarshalTo(dst, m); return err }
		}},
		{"marshal", func(io.ReadWriteCloser) func(m proto.Message) error {
			var buf []byte
			return func(m proto.Message) error {
				var err error
				buf, err = proto.MarshalOptions{}.MarshalAppend(buf[:0], m)
				return err
			}
		}},
	}
}

// BenchmarkRead reads one message at a time from an endless in-memory stream
// of uvarint-delimited messages: with Read over a Framer, go-msgio's pbio
// reader and protodelim's UnmarshalFrom over a bufio.Reader, against
// proto.Unmarshal of the body alone (the floor). Run with
// `-bench Read -count 5 | benchstat -col /impl -`.
func BenchmarkRead(b *testing.B) {
	for _, bm := range benchMessages() {
		var frameBytes bytes.Buffer
		protodelim.MarshalTo(&frameBytes, bm.msg)
		stream := bytes.Repeat(frameBytes.Bytes(), max(2, (256<<10)/frameBytes.Len()))
		impls := readImpls(bm.msg)
		for _, impl := range impls {
			b.Run("msg="+bm.name+"/impl="+impl.name, func(b *testing.B) {
				read := impl.read(newLoopStream(stream))
				m := bm.new()
				b.ReportAllocs()
				b.SetBytes(int64(frameBytes.Len()))
				b.ResetTimer()
				for range b.N {
					if err := read(m); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkWrite writes one message at a time to a stream that drops it:
// with Write over a Framer, go-msgio's pbio writer and protodelim's
// MarshalTo, against proto.MarshalAppend into a reused buffer (the floor).
func BenchmarkWrite(b *testing.B) {
	for _, bm := range benchMessages() {
		var frameBytes bytes.Buffer
		protodelim.MarshalTo(&frameBytes, bm.msg)
		impls := writeImpls()
		for _, impl := range impls {
			b.Run("msg="+bm.name+"/impl="+impl.name, func(b *testing.B) {
				write := impl.write(discardStream{})
				b.ReportAllocs()
				b.SetBytes(int64(frameBytes.Len()))
				b.ResetTimer()
				for range b.N {
					if err := write(bm.msg); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// interleaveRound is how many calls of one implementation run before
// BenchmarkInterleaved moves to the next.
const interleaveRound = 256

// BenchmarkInterleaved runs the readers of BenchmarkRead, or the writers of
// BenchmarkWrite, in turn, interleaveRound calls each, until each has made
// b.N calls: on a shared machine the load of other processes then falls on
// all of them alike, and their ratios mean something. It reports each one's
// mean as the metric ns/NAME, and the ratios NAME/pb (above 1, pb is faster).
func BenchmarkInterleaved(b *testing.B) {
	for _, bm := range benchMessages() {
		var frameBytes bytes.Buffer
		protodelim.MarshalTo(&frameBytes, bm.msg)
		stream := bytes.Repeat(frameBytes.Bytes(), max(2, (256<<10)/frameBytes.Len()))
		b.Run("op=read/msg="+bm.name, func(b *testing.B) {
			var names []string
			var fns []func() error
			for _, impl := range readImpls(bm.msg) {
				read, m := impl.read(newLoopStream(stream)), bm.new()
				names = append(names, impl.name)
				fns = append(fns, func() error { return read(m) })
			}
			interleave(b, names, fns)
		})
		b.Run("op=write/msg="+bm.name, func(b *testing.B) {
			var names []string
			var fns []func() error
			for _, impl := range writeImpls() {
				write := impl.write(discardStream{})
				names = append(names, impl.name)
				fns = append(fns, func() error { return write(bm.msg) })
			}
			interleave(b, names, fns)
		})
	}
}

// interleave runs fns in turn as BenchmarkInterleaved says (see
// testkit.Interleave); names[0] is the implementation the others are
// compared with.
func interleave(b *testing.B, names []string, fns []func() error) {
	ns := testkit.Interleave(b, interleaveRound, names, fns)
	for _, name := range names[1:] {
		b.ReportMetric(ns[name]/ns[names[0]], name+"/"+names[0])
	}
}

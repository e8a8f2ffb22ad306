package pb_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/libp2p/go-msgio/pbio"
	"google.golang.org/protobuf/proto"
	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/pb"
	"github.com/framekit/framekit/pb/internal/testpb"
)

// genIdentify draws an Identify with every field present or absent.
func genIdentify() *rapid.Generator[*testpb.Identify] {
	return rapid.Custom(func(t *rapid.T) *testpb.Identify {
		return &testpb.Identify{
			ProtocolVersion: rapid.String().Draw(t, "protocolVersion"),
			AgentVersion:    rapid.String().Draw(t, "agentVersion"),
			PublicKey:       rapid.SliceOfN(rapid.Byte(), 0, 300).Draw(t, "publicKey"),
			ListenAddrs:     rapid.SliceOfN(rapid.SliceOfN(rapid.Byte(), 0, 20), 0, 4).Draw(t, "listenAddrs"),
			ObservedAddr:    rapid.SliceOfN(rapid.Byte(), 0, 20).Draw(t, "observedAddr"),
			Protocols:       rapid.SliceOfN(rapid.String(), 0, 4).Draw(t, "protocols"),
		}
	})
}

// genRecord draws a Record with a field of every wire type, children nested
// up to depth levels down.
func genRecord(depth int) *rapid.Generator[*testpb.Record] {
	return rapid.Custom(func(t *rapid.T) *testpb.Record {
		r := &testpb.Record{
			Id:      rapid.Uint64().Draw(t, "id"),
			Delta:   rapid.Int64().Draw(t, "delta"),
			Flags:   rapid.Uint32().Draw(t, "flags"),
			Stamp:   rapid.Uint64().Draw(t, "stamp"),
			Ratio:   rapid.Float64().Draw(t, "ratio"),
			Ok:      rapid.Bool().Draw(t, "ok"),
			Name:    rapid.String().Draw(t, "name"),
			Payload: rapid.SliceOfN(rapid.Byte(), 0, 20000).Draw(t, "payload"),
			Counts:  rapid.SliceOfN(rapid.Uint32(), 0, 10).Draw(t, "counts"),
			Peers:   rapid.SliceOfN(genIdentify(), 0, 3).Draw(t, "peers"),
		}
		if depth > 0 && rapid.Bool().Draw(t, "hasChild") {
			r.Child = genRecord(depth-1).Draw(t, "child")
		}
		return r
	})
}

// genReaderStream returns a Framer reading data, with a read buffer (0 is
// exact mode) and sizes of the stream's reads that it draws.
func genReaderStream(t *rapid.T, data []byte) *frame.Framer[codec.Uvarint] {
	buffer := rapid.SampledFrom([]int{0, 16, 1024, 64 << 10}).Draw(t, "readBuffer")
	steps := rapid.SliceOfN(rapid.IntRange(1, 5000), 0, 4).Draw(t, "readSteps")
	return frame.New[codec.Uvarint](&testkit.Stream{R: bytes.NewReader(data), Steps: steps},
		frame.WithReadBuffer(buffer))
}

// Random messages, written with Write in place or through WriteMsg, make the
// stream that protodelim and go-msgio's pbio writer make, byte for byte, and
// Read, through a view or ReadMsg, over any read buffer and any read sizes,
// gives back equal messages, then io.EOF.
func TestPropertyRoundTripIsByteExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		msgs := rapid.SliceOfN(genRecord(2), 0, 8).Draw(t, "msgs")

		var ours testkit.Buffer
		f := frame.New[codec.Uvarint](&ours)
		w := writePaths[rapid.IntRange(0, len(writePaths)-1).Draw(t, "writePath")].wrap(f)
		for _, m := range msgs {
			if err := pb.Write(w, m); err != nil {
				t.Fatalf("Write: %v", err)
			}
		}
		var theirs bytes.Buffer
		pw := pbio.NewDelimitedWriter(&theirs)
		for _, m := range msgs {
			if err := pw.WriteMsg(m); err != nil {
				t.Fatalf("pbio: %v", err)
			}
		}
		if want := referenceStream(t, msgs); !bytes.Equal(ours.Bytes(), want) || !bytes.Equal(theirs.Bytes(), want) {
			t.Fatalf("streams differ:\n ours       %x\n pbio       %x\n protodelim %x", ours.Bytes(), theirs.Bytes(), want)
		}

		r := readPaths[rapid.IntRange(0, len(readPaths)-1).Draw(t, "readPath")].wrap(genReaderStream(t, ours.Bytes()))
		for i, want := range msgs {
			got := new(testpb.Record)
			if err := pb.Read(r, got); err != nil || !proto.Equal(got, want) {
				t.Fatalf("message %d: got %v, %v; want %v", i, got, err, want)
			}
		}
		if err := pb.Read(r, new(testpb.Record)); err != io.EOF {
			t.Fatalf("after the last message: %v, want io.EOF", err)
		}
	})
}

// Between valid messages, a body of random bytes either reads as some
// Identify or fails with an *UnmarshalError; either way the message after it
// reads as it was sent: the stream never falls out of step.
func TestPropertyRandomBodiesKeepTheStreamInStep(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		good := genIdentify().Draw(t, "good")
		junk := rapid.SliceOfN(rapid.SliceOfN(rapid.Byte(), 0, 64), 1, 6).Draw(t, "junk")
		var bodies [][]byte
		for _, j := range junk {
			bodies = append(bodies, j, mustMarshal(t, good))
		}
		r := readPaths[rapid.IntRange(0, len(readPaths)-1).Draw(t, "readPath")].wrap(genReaderStream(t, framed(bodies...)))
		for i := range junk {
			err := pb.Read(r, new(testpb.Identify))
			var bad *pb.UnmarshalError
			if err != nil && (!errors.As(err, &bad) || bad.Size != len(junk[i])) {
				t.Fatalf("junk body %d (%x): %v, want nil or an *UnmarshalError of %d bytes", i, junk[i], err, len(junk[i]))
			}
			got := new(testpb.Identify)
			if err := pb.Read(r, got); err != nil || !proto.Equal(got, good) {
				t.Fatalf("message after junk body %d: %v, %v; want %v", i, got, err, good)
			}
		}
		if err := pb.Read(r, new(testpb.Identify)); err != io.EOF {
			t.Fatalf("at the end: %v, want io.EOF", err)
		}
	})
}

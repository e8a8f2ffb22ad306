package frame_test

import (
	"bytes"
	"testing"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// recorder is a stream that keeps every Write, whole.
type recorder struct {
	out    bytes.Buffer
	writes []int // length of each Write
}

func (r *recorder) Write(p []byte) (int, error) {
	r.writes = append(r.writes, len(p))
	return r.out.Write(p)
}
func (r *recorder) Read([]byte) (int, error) { return 0, nil }
func (r *recorder) Close() error             { return nil }

// batchSizes draws message sizes around every header-length boundary of the
// codecs handled in line (one- and two-byte varints, 16-bit lengths) and
// around the batch size.
func batchSizes(batch int) *rapid.Generator[int] {
	return rapid.OneOf(
		rapid.IntRange(0, 20),
		rapid.IntRange(120, 135),
		rapid.IntRange(16380, 16390),
		rapid.IntRange(max(batch-8, 0), batch+8),
		rapid.IntRange(0, 70000),
	)
}

// checkBatched writes messages through a Framer[L] with a drawn write buffer,
// with WriteMsg, and checks that the stream gets exactly the frames
// AppendFrame makes, in order, and that no Write holds more than a batch or
// the largest frame.
func checkBatched[L codec.LengthCodec](t *rapid.T) {
	batch := rapid.SampledFrom([]int{1, 7, 200, 4096, 20000, 64 << 10}).Draw(t, "batch")
	var c L
	limit := int(min(c.MaxLength(), 70000))
	sizes := rapid.SliceOfN(batchSizes(batch), 0, 20).Draw(t, "sizes")
	rec := &recorder{}
	f := frame.New[L](rec, frame.WithWriteBuffer(batch))
	var want []byte
	largest := 0
	for i, n := range sizes {
		msg := bytes.Repeat([]byte{byte(i + 1)}, min(n, limit))
		before := len(want)
		var err error
		if want, err = frame.AppendFrame[L](want, msg); err != nil {
			t.Fatal(err)
		}
		largest = max(largest, len(want)-before)
		if err := f.WriteMsg(msg); err != nil {
			t.Fatalf("WriteMsg of message %d (%d bytes): %v", i, len(msg), err)
		}
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.out.Bytes(), want) {
		t.Fatalf("stream holds %d bytes that differ from the %d AppendFrame makes", rec.out.Len(), len(want))
	}
	for i, n := range rec.writes {
		if n > batch && n > largest {
			t.Fatalf("Write %d of %d bytes, above the batch of %d", i, n, batch)
		}
	}
}

func TestBatchedFramesAreAppendFrames(t *testing.T) {
	t.Parallel()
	t.Run("BE8", rapid.MakeCheck(checkBatched[codec.BE8]))
	t.Run("BE16", rapid.MakeCheck(checkBatched[codec.BE16]))
	t.Run("BE32", rapid.MakeCheck(checkBatched[codec.BE32]))
	t.Run("LE32", rapid.MakeCheck(checkBatched[codec.LE32]))
	t.Run("Uvarint", rapid.MakeCheck(checkBatched[codec.Uvarint]))
}

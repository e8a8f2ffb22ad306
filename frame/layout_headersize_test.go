package frame_test

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// TestHeaderSizeIsWhatAppendFrameWrites checks Layout.HeaderSize against the
// frames AppendFrame writes, for random layouts of a fixed-width and of two
// variable-width codecs, whose header grows with the body.
func TestHeaderSizeIsWhatAppendFrameWrites(t *testing.T) {
	t.Run("be32", func(t *testing.T) { rapid.Check(t, checkHeaderSize[codec.BE32]) })
	t.Run("uvarint", func(t *testing.T) { rapid.Check(t, checkHeaderSize[codec.Uvarint]) })
	t.Run("vbi", func(t *testing.T) { rapid.Check(t, checkHeaderSize[codec.VBI]) })
}

func checkHeaderSize[L codec.LengthCodec](t *rapid.T) {
	fields := func(label string) []frame.Field {
		fs := make([]frame.Field, rapid.IntRange(0, 3).Draw(t, label))
		for i := range fs {
			fs[i] = frame.Field{Name: fmt.Sprintf("%s%d", label, i), Size: rapid.IntRange(1, 8).Draw(t, label+" size")}
		}
		return fs
	}
	spec := frame.LayoutSpec{
		Before:  fields("before"),
		After:   fields("after"),
		Trailer: rapid.SliceOfN(rapid.Byte(), 0, frame.MaxTrailer).Draw(t, "trailer"),
	}
	var c L
	if c.HeaderSize(0) == c.MaxHeaderSize() { // fixed width: it may count more than the body
		spec.Counts = rapid.SampledFrom([]frame.Counts{frame.CountsBody, frame.CountsFromLength, frame.CountsFrame}).Draw(t, "counts")
	}
	lay, err := frame.NewLayout[L](spec)
	if err != nil {
		t.Skip(err) // too long a header: NewLayout's own tests cover the refusals
	}
	// Around the sizes where a varint grows a byte, and a few others.
	n := rapid.SampledFrom([]int{0, 1, 127, 128, 129, 16383, 16384, 16385, 70000}).Draw(t, "n")
	got, err := lay.AppendFrame(nil, frame.Header{}, make([]byte, n))
	if err != nil {
		t.Fatal(err)
	}
	if want := lay.HeaderSize(n) + n + len(spec.Trailer); len(got) != want {
		t.Fatalf("HeaderSize(%d) = %d: a frame of %d bytes, but AppendFrame wrote %d", n, lay.HeaderSize(n), want, len(got))
	}
	if plain := (frame.Layout[L]{}); plain.HeaderSize(n) != c.HeaderSize(uint64(n)) {
		t.Fatalf("plain HeaderSize(%d) = %d, want the codec's %d", n, plain.HeaderSize(n), c.HeaderSize(uint64(n)))
	}
}

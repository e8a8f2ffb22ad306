package frame

import (
	"io"
	"testing"

	"github.com/framekit/framekit/codec"
)

// headerSize and appendHeader compute in line what L's HeaderSize and
// AppendLength do: they must agree with each other and with L at every header
// boundary.
func TestHeaderSizeMatchesAppendHeader(t *testing.T) {
	t.Run("BE16", func(t *testing.T) { headerSizeMatches[codec.BE16](t) })
	t.Run("BE32", func(t *testing.T) { headerSizeMatches[codec.BE32](t) })
	t.Run("Uvarint", func(t *testing.T) { headerSizeMatches[codec.Uvarint](t) })
	t.Run("BE8", func(t *testing.T) { headerSizeMatches[codec.BE8](t) })
	t.Run("LE64", func(t *testing.T) { headerSizeMatches[codec.LE64](t) })
}

func headerSizeMatches[L codec.LengthCodec](t *testing.T) {
	f := New[L](nopStream{}, WithMaxSize(1<<30))
	var c L
	for _, n := range []int{0, 1, 127, 128, 255, 256, 16383, 16384, 65535, 65536, 1<<21 - 1, 1 << 21, 1<<28 - 1, 1 << 28} {
		if n > f.maxSize {
			continue
		}
		hdr := f.appendHeader(nil, n)
		want := c.AppendLength(nil, uint64(n))
		if string(hdr) != string(want) || f.headerSize(n) != len(want) {
			t.Errorf("length %d: appendHeader % x, headerSize %d; want % x, %d", n, hdr, f.headerSize(n), want, len(want))
		}
	}
}

// recorder is a stream that keeps the last slice written to it.
type recorder struct{ last []byte }

func (*recorder) Read([]byte) (int, error)      { return 0, io.EOF }
func (r *recorder) Write(p []byte) (int, error) { r.last = p; return len(p), nil }
func (*recorder) Close() error                  { return nil }

// A frame up to the scratch array's size, header included, is assembled in
// the scratch array, with no trip to the pool; one byte more is not.
func TestSmallFramesUseTheScratch(t *testing.T) {
	for _, extra := range []int{0, 1} {
		rec := &recorder{}
		f := New[codec.BE32](rec)
		if err := f.WriteMsg(make([]byte, len(f.scratch)-4+extra)); err != nil {
			t.Fatal(err)
		}
		inScratch := &rec.last[0] == &f.scratch[0]
		if inScratch != (extra == 0) {
			t.Errorf("a frame of scratch size + %d: written from the scratch array: %v", extra, inScratch)
		}
	}
}

package bench

import (
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// plainBE32 is codec.BE32 under a type of this module: the same header,
// decoded and encoded by codec.BE32's own methods, but a codec the Framer does
// not recognise. A Framer[plainBE32] therefore reads every frame on its
// general path, where each header is decoded by a call of the codec's
// DecodeLength through the type parameter, as it would be for any codec
// written outside framekit.
type plainBE32 struct{}

var _ codec.LengthCodec = plainBE32{}

func (plainBE32) AppendLength(dst []byte, n uint64) []byte {
	return codec.BE32{}.AppendLength(dst, n)
}

func (plainBE32) DecodeLength(src []byte) (uint64, int, error) {
	return codec.BE32{}.DecodeLength(src)
}

func (plainBE32) HeaderSize(n uint64) int { return codec.BE32{}.HeaderSize(n) }
func (plainBE32) MaxHeaderSize() int      { return codec.BE32{}.MaxHeaderSize() }
func (plainBE32) MaxLength() uint64       { return codec.BE32{}.MaxLength() }
func (plainBE32) String() string          { return codec.BE32{}.String() }

// genericImpls are the readers of BenchmarkGeneric, all on one BE32 stream:
//
//	framekit-BE32       Framer[codec.BE32], whose headers the Framer decodes
//	                    itself
//	framekit-plainBE32  Framer[plainBE32]: the same bytes through the codec's
//	                    methods, on the general path
//	hand                io.ReadFull + encoding/binary on the stream
//	hand-bufio          the same on a 64 KiB bufio.Reader
var genericImpls = []string{"framekit-BE32", "framekit-plainBE32", "hand", "hand-bufio"}

// BenchmarkGeneric measures what reading through a type parameter costs, for
// frames served from the read buffer, where the codec's share of the work is
// largest. For each size it reads the same BE32 stream with every one of
// genericImpls; op picks the Framer's read method, AppendMsg into a reused
// buffer or ReadMsgView (the hand loops read the same way under both).
// framekit-plainBE32 against framekit-BE32 is what a codec the Framer does not
// know costs; framekit-BE32 against hand-bufio is what the generic Framer
// costs, or saves, against code written for BE32 alone.
func BenchmarkGeneric(b *testing.B) {
	for _, size := range []int{16, 256, 4 << 10} {
		data := buildStream("BE32", size)
		for _, op := range []string{"append", "view"} {
			for _, impl := range genericImpls {
				b.Run("op="+op+"/size="+sizeName(size)+"/impl="+impl, func(b *testing.B) {
					benchRead(b, newGenericRead(op, impl, newLoopReader(data), size), size)
				})
			}
		}
	}
}

// BenchmarkGenericInterleaved is BenchmarkGeneric/op=view at 16 B and 256 B
// with the readers interleaved (see interleave), so that the machine's load
// falls on all of them alike. Besides each reader's ns per read it reports
// the two ratios BenchmarkGeneric is for: framekit-plainBE32/framekit-BE32
// and framekit-BE32/hand-bufio.
func BenchmarkGenericInterleaved(b *testing.B) {
	for _, size := range []int{16, 256} {
		b.Run("op=view/size="+sizeName(size), func(b *testing.B) {
			data := buildStream("BE32", size)
			ns := interleaveReads(b, genericImpls, size, func(impl string) func() ([]byte, error) {
				return newGenericRead("view", impl, newLoopReader(data), size)
			})
			b.ReportMetric(ns["framekit-plainBE32"]/ns["framekit-BE32"], "framekit-plainBE32/framekit-BE32")
			b.ReportMetric(ns["framekit-BE32"]/ns["hand-bufio"], "framekit-BE32/hand-bufio")
		})
	}
}

// newGenericRead returns the reader impl (one of genericImpls) of a BE32
// stream of size-byte messages; op is the Framer's read method, "append" or
// "view", as framerRead names it.
func newGenericRead(op, impl string, src *loopReader, size int) func() ([]byte, error) {
	switch impl {
	case "framekit-BE32":
		return framerRead(frame.New[codec.BE32](src), op, size)
	case "framekit-plainBE32":
		return framerRead(frame.New[plainBE32](src), op, size)
	}
	return newRead("BE32", impl, src, size)
}

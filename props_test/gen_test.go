package props_test

import (
	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// largestMessage is the largest message the generators make.
func largestMessage() int {
	if raceEnabled {
		return 96 << 10
	}
	return 320 << 10
}

// boundaries are the body lengths where some codec's header changes size or
// runs out: one-byte varints end at 127, BE8 at 255, two-byte varints at
// 16383, BE16 at 65535.
var boundaries = []int{0, 1, 127, 128, 255, 256, 16383, 16384, 65535, 65536}

// sizes generates message sizes up to maxSize: tiny ones, both sides of
// every boundary, the limit itself, medium ones, and now and then a large one.
func sizes(maxSize, largest int) *rapid.Generator[int] {
	near := []int{}
	for _, b := range boundaries {
		for n := b - 1; n <= b+1; n++ {
			if n >= 0 && n <= maxSize && n <= largest {
				near = append(near, n)
			}
		}
	}
	if maxSize <= largest {
		near = append(near, maxSize)
	}
	tiny := rapid.IntRange(0, min(8, maxSize))
	medium := rapid.IntRange(0, min(2048, maxSize))
	gens := []*rapid.Generator[int]{tiny, tiny, rapid.SampledFrom(near), rapid.SampledFrom(near), medium, medium}
	if top := min(maxSize, largest); top > 2048 {
		gens = append(gens, rapid.IntRange(2049, top))
	}
	return rapid.OneOf(gens...)
}

// messages generates messages up to maxSize bytes: a size from sizes, filled
// with a pattern drawn from a seed, since drawing every byte of a large
// message from rapid would be slow and would not find more.
func messages(maxSize, largest int) *rapid.Generator[[]byte] {
	size := sizes(maxSize, largest)
	return rapid.Custom(func(t *rapid.T) []byte {
		n := size.Draw(t, "size")
		return pattern(n, rapid.Uint32().Draw(t, "fill"))
	})
}

// pattern returns n bytes that depend on seed and on their position.
func pattern(n int, seed uint32) []byte {
	m := make([]byte, n)
	x := seed | 1
	for i := range m {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		m[i] = byte(x)
	}
	return m
}

// codecMax returns the largest length L carries.
func codecMax[L codec.LengthCodec]() uint64 {
	var c L
	return c.MaxLength()
}

// limitFor returns the limit a Framer on L has for WithMaxSize(n).
func limitFor[L codec.LengthCodec](n int) int { return int(min(uint64(n), codecMax[L]())) }

// drawLimit draws a WithMaxSize argument: the default, or anything from 0 up.
func drawLimit(t *rapid.T) int {
	return rapid.OneOf(
		rapid.Just(frame.DefaultMaxSize),
		rapid.IntRange(0, 300),
		rapid.IntRange(0, 1<<20),
	).Draw(t, "limit")
}

// drawReadBuffer draws a WithReadBuffer argument: 0 (exact mode), tiny sizes
// that split every frame (16..64; below 16 rounds up), small ones, and the
// usual ones.
func drawReadBuffer(t *rapid.T) int {
	return rapid.OneOf(
		rapid.Just(0),
		rapid.IntRange(1, 64),
		rapid.IntRange(65, 700),
		rapid.SampledFrom([]int{4096, frame.DefaultReadBuffer}),
	).Draw(t, "readBuffer")
}

// drawWriteBuffer draws a WithWriteBuffer argument: 0 (unbatched) or a batch
// from tiny to the usual size.
func drawWriteBuffer(t *rapid.T) int {
	return rapid.OneOf(
		rapid.Just(0),
		rapid.IntRange(1, 64),
		rapid.IntRange(65, 4096),
		rapid.Just(64<<10),
	).Draw(t, "writeBuffer")
}

// effectiveReadBuffer is the read-ahead a Framer uses for WithReadBuffer(n).
func effectiveReadBuffer(n int) int {
	if n == 0 {
		return 0
	}
	return max(n, 16)
}

// encode returns msgs framed with L by frame.AppendFrame.
func encode[L codec.LengthCodec](t *rapid.T, msgs [][]byte) []byte {
	var out []byte
	for _, m := range msgs {
		var err error
		if out, err = frame.AppendFrame[L](out, m); err != nil {
			t.Fatalf("AppendFrame of %d bytes: %v", len(m), err)
		}
	}
	return out
}

// span is where one frame lies in a stream.
type span struct {
	start, header, body int // offset, header size, body size
}

func (s span) end() int { return s.start + s.header + s.body }

// spans returns where each of msgs lies in encode[L](msgs), computing the
// header sizes from the codec's HeaderSize.
func spans[L codec.LengthCodec](msgs [][]byte) []span {
	var c L
	out := make([]span, len(msgs))
	at := 0
	for i, m := range msgs {
		out[i] = span{start: at, header: c.HeaderSize(uint64(len(m))), body: len(m)}
		at = out[i].end()
	}
	return out
}

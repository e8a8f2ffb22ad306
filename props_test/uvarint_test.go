package props_test

import (
	"bytes"
	"encoding/binary"

	"github.com/multiformats/go-varint"
	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// malformed is a varint header that no following bytes can make valid, cut
// right where the decoder can tell, and the go-varint error it must give.
type malformed struct {
	header []byte
	cause  error
}

// malformedVarints generates the three kinds: a value padded with redundant
// zero groups (not minimal), nine bytes whose last still has its
// continuation bit (over 9 bytes), and the first nine bytes of the encoding
// of a value of 2^63 or more (over 2^63−1).
func malformedVarints() *rapid.Generator[malformed] {
	return rapid.Custom(func(t *rapid.T) malformed {
		switch rapid.IntRange(0, 2).Draw(t, "kind") {
		case 0:
			v := rapid.OneOf(rapid.Uint64Range(0, 1<<14), rapid.Uint64Range(0, 1<<56-1)).Draw(t, "value")
			h := binary.AppendUvarint(nil, v)
			pad := rapid.IntRange(1, 9-len(h)).Draw(t, "padding")
			h[len(h)-1] |= 0x80
			for range pad - 1 {
				h = append(h, 0x80)
			}
			return malformed{append(h, 0x00), varint.ErrNotMinimal}
		case 1:
			h := rapid.SliceOfN(rapid.ByteMin(0x80), 9, 9).Draw(t, "continued")
			return malformed{h, varint.ErrOverflow}
		default:
			v := rapid.Uint64Min(1<<63).Draw(t, "value")
			return malformed{binary.AppendUvarint(nil, v)[:9], varint.ErrOverflow}
		}
	})
}

// checkMalformedUvarint: a malformed varint header is an exact
// *errs.MalformedLengthError wrapping go-varint's error, from the codec, from
// ReadLength and from a Framer in either mode, which reads no byte past it
// in exact mode, after the valid frames ahead of it, and sticks.
func checkMalformedUvarint(t *rapid.T) {
	m := malformedVarints().Draw(t, "header")
	trailing := rapid.SliceOfN(rapid.Byte(), 0, 16).Draw(t, "trailing")
	input := append(bytes.Clone(m.header), trailing...)

	n, size, err := codec.Uvarint{}.DecodeLength(input)
	if n != 0 || size != 0 {
		t.Fatalf("DecodeLength(%x) = (%d, %d, %v), want (0, 0, error)", input, n, size, err)
	}
	wantMalformed(t, "DecodeLength", err, m.cause)
	for k := range len(m.header) {
		if _, size, err := (codec.Uvarint{}).DecodeLength(m.header[:k]); err != codec.ErrShortHeader || size != k+1 {
			t.Fatalf("DecodeLength of the first %d bytes of %x: (%d, %v), want (%d, ErrShortHeader)", k, m.header, size, err, k+1)
		}
	}

	s := &stream{data: input, cut: -1, steps: []int{1 << 20}, budget: -1}
	_, err = frame.ReadLength[codec.Uvarint](s)
	wantMalformed(t, "ReadLength", err, m.cause)
	if s.pos != len(m.header) {
		t.Fatalf("ReadLength read %d bytes of %x, want %d", s.pos, input, len(m.header))
	}

	before := rapid.SliceOfN(messages(300, 300), 0, 3).Draw(t, "before")
	readBuffer := drawReadBuffer(t)
	frames := encode[codec.Uvarint](t, before)
	s = drawStream(t, append(frames, input...))
	r := frame.New[codec.Uvarint](s, frame.WithReadBuffer(readBuffer), frame.WithSkipOversized())
	for i, msg := range before {
		got, err := r.ReadMsg()
		wantMsg(t, "ReadMsg of message "+itoa(i), got, err, msg)
	}
	w := drawWay(t)
	_, err = readVia(t, r, w, -1)
	wantMalformed(t, w.String(), err, m.cause)
	if readBuffer == 0 && s.pos != len(frames)+len(m.header) {
		t.Fatalf("exact mode read to %d, want %d: the end of the malformed header", s.pos, len(frames)+len(m.header))
	}
	if n, err2 := r.NextMsgLen(); err2 != err {
		t.Fatalf("NextMsgLen after %v: (%d, %v), want the same error", err, n, err2)
	}
	if _, err2 := r.ReadMsg(); err2 != err {
		t.Fatalf("ReadMsg after %v: %v, want the same error", err, err2)
	}
}

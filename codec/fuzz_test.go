package codec_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/multiformats/go-varint"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
)

// refState is what a reference decoder makes of its input.
type refState int

const (
	refOK refState = iota
	refShort
	refMalformed
)

// refUvarint decodes a multiformats uvarint from the front of b the way the
// spec reads: seven bits a byte, low group first, at most 9 bytes, no
// redundant zero group at the end. It returns the value and size, or the
// size a short header needs, or the go-varint error a malformed one is.
func refUvarint(b []byte) (v uint64, size int, state refState, cause error) {
	for i, c := range b {
		if i == 8 && c&0x80 != 0 {
			return 0, 0, refMalformed, varint.ErrOverflow // a 10th byte would follow
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			if c == 0 && i > 0 {
				return 0, 0, refMalformed, varint.ErrNotMinimal
			}
			return v, i + 1, refOK, nil
		}
	}
	return 0, len(b) + 1, refShort, nil
}

// refFixed decodes a width-byte integer from the front of b.
func refFixed(b []byte, width int, little bool) (uint64, int, refState) {
	if len(b) < width {
		return 0, width, refShort
	}
	var v uint64
	for i := range width {
		k := i
		if little {
			k = width - 1 - i
		}
		v = v<<8 | uint64(b[k])
	}
	return v, width, refOK
}

// FuzzDecodeLength decodes arbitrary bytes with every codec and compares
// each with a reference decoder written from the formats' specifications:
// same value and size, same short-header need, same malformed verdict with
// go-varint's error inside an *errs.MalformedLengthError; and a decoded
// header is the codec's own encoding of its value.
func FuzzDecodeLength(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, codec.BE8{}, data, 1, false)
		check(t, codec.BE16{}, data, 2, false)
		check(t, codec.BE32{}, data, 4, false)
		check(t, codec.BE64{}, data, 8, false)
		check(t, codec.LE16{}, data, 2, true)
		check(t, codec.LE32{}, data, 4, true)
		check(t, codec.LE64{}, data, 8, true)
		check(t, codec.Uvarint{}, data, 0, false)
		check(t, codec.BE24{}, data, 3, false)
		check(t, codec.LE24{}, data, 3, true)
		checkVBI(t, data)
	})
}

func check(t *testing.T, c codec.LengthCodec, data []byte, width int, little bool) {
	t.Helper()
	n, size, err := c.DecodeLength(data)
	var (
		wn    uint64
		wsize int
		state refState
		cause error
	)
	if width == 0 {
		wn, wsize, state, cause = refUvarint(data)
	} else {
		wn, wsize, state = refFixed(data, width, little)
	}
	switch state {
	case refOK:
		if err != nil || n != wn || size != wsize {
			t.Fatalf("%s.DecodeLength(%x) = (%d, %d, %v), want (%d, %d, nil)", c, data, n, size, err, wn, wsize)
		}
		if h := c.AppendLength(nil, n); !bytes.Equal(h, data[:size]) || c.HeaderSize(n) != size || n > c.MaxLength() {
			t.Fatalf("%s: decoded %d from %x, but it encodes as %x (HeaderSize %d, MaxLength %d)", c, n, data[:size], h, c.HeaderSize(n), c.MaxLength())
		}
	case refShort:
		if err != codec.ErrShortHeader || size != wsize || size > c.MaxHeaderSize() {
			t.Fatalf("%s.DecodeLength(%x) = (%d, %d, %v), want (_, %d, ErrShortHeader)", c, data, n, size, err, wsize)
		}
	case refMalformed:
		var m *errs.MalformedLengthError
		if !errors.As(err, &m) || *m != (errs.MalformedLengthError{Codec: "uvarint", Err: cause}) || n != 0 || size != 0 {
			t.Fatalf("%s.DecodeLength(%x) = (%d, %d, %v), want (0, 0, MalformedLengthError{uvarint, %v})", c, data, n, size, err, cause)
		}
		if !errors.Is(err, errs.ErrMalformedLength) || !errors.Is(err, cause) || !errors.Is(err, errs.ErrIO) {
			t.Fatalf("%s: %v does not match ErrMalformedLength, ErrIO and %v", c, err, cause)
		}
	}
}

// refVBI decodes an MQTT variable byte integer from the front of b, following
// MQTT 5.0 §1.5.5: at most four bytes, minimal encoding only.
func refVBI(b []byte) (uint64, int, refState) {
	var v uint64
	for i := range 4 {
		if i == len(b) {
			return 0, i + 1, refShort
		}
		v += uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if i > 0 && b[i] == 0 {
				return 0, 0, refMalformed
			}
			return v, i + 1, refOK
		}
	}
	return 0, 0, refMalformed
}

func checkVBI(t *testing.T, data []byte) {
	t.Helper()
	c := codec.VBI{}
	n, size, err := c.DecodeLength(data)
	wn, wsize, state := refVBI(data)
	switch state {
	case refOK:
		if err != nil || n != wn || size != wsize || !bytes.Equal(c.AppendLength(nil, n), data[:size]) || c.HeaderSize(n) != size {
			t.Fatalf("vbi.DecodeLength(%x) = (%d, %d, %v), want (%d, %d, nil) and its own encoding", data, n, size, err, wn, wsize)
		}
	case refShort:
		if err != codec.ErrShortHeader || size != wsize {
			t.Fatalf("vbi.DecodeLength(%x) = (%d, %d, %v), want (_, %d, ErrShortHeader)", data, n, size, err, wsize)
		}
	case refMalformed:
		if !errors.Is(err, errs.ErrMalformedLength) {
			t.Fatalf("vbi.DecodeLength(%x) = (%d, %d, %v), want a malformed length", data, n, size, err)
		}
	}
}

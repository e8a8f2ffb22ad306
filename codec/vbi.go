package codec

import (
	"errors"

	"github.com/framekit/framekit/errs"
)

// VBI is MQTT's Variable Byte Integer (MQTT 5.0 §1.5.5, 3.1.1 §2.2.3), the
// "Remaining Length" of every MQTT packet: seven bits a byte, least
// significant group first, the high bit set on every byte but the last, like
// Uvarint, but at most four bytes, so lengths up to 268,435,455. As the
// specification requires, only the minimal encoding of a value is accepted.
// Its zero value is ready to use.
type VBI struct{}

// ErrVBITooLong is wrapped by the *errs.MalformedLengthError of a variable
// byte integer whose fourth byte still has its continuation bit set.
var ErrVBITooLong = errors.New("variable byte integer longer than 4 bytes")

// ErrVBINotMinimal is wrapped by the *errs.MalformedLengthError of a variable
// byte integer with a needless zero group at its end.
var ErrVBINotMinimal = errors.New("variable byte integer not minimally encoded")

// AppendLength appends the minimal encoding of n, at most 268,435,455, to dst.
func (VBI) AppendLength(dst []byte, n uint64) []byte {
	for n >= 0x80 {
		dst = append(dst, byte(n)|0x80)
		n >>= 7
	}
	return append(dst, byte(n))
}

// DecodeLength decodes a variable byte integer from the front of src. A fifth
// byte, or a last byte of zero after the first, is an *errs.MalformedLengthError
// wrapping ErrVBITooLong or ErrVBINotMinimal.
func (VBI) DecodeLength(src []byte) (uint64, int, error) {
	var n uint64
	for i := 0; i < 4; i++ {
		if i == len(src) {
			return 0, i + 1, ErrShortHeader
		}
		b := src[i]
		n |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			if b == 0 && i > 0 {
				return 0, 0, &errs.MalformedLengthError{Codec: "vbi", Err: ErrVBINotMinimal}
			}
			return n, i + 1, nil
		}
	}
	return 0, 0, &errs.MalformedLengthError{Codec: "vbi", Err: ErrVBITooLong}
}

// HeaderSize returns the size of n's encoding, 1 to 4 bytes.
func (VBI) HeaderSize(n uint64) int {
	switch {
	case n < 1<<7:
		return 1
	case n < 1<<14:
		return 2
	case n < 1<<21:
		return 3
	}
	return 4
}

// MaxHeaderSize returns 4.
func (VBI) MaxHeaderSize() int { return 4 }

// MaxLength returns 268,435,455 (2^28−1).
func (VBI) MaxLength() uint64 { return 1<<28 - 1 }

// String returns "vbi".
func (VBI) String() string { return "vbi" }

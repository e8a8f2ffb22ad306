package codec

import (
	"encoding/binary"

	"github.com/multiformats/go-varint"

	"github.com/framekit/framekit/errs"
)

// Uvarint is the multiformats unsigned-varint length codec, go-msgio's varint
// format: seven bits a byte, least significant group first, the high bit set
// on every byte but the last. Following the multiformats spec (and
// github.com/multiformats/go-varint, which decodes it), a header is at most 9
// bytes, a length at most 2^63−1, and only the minimal encoding of a value is
// accepted. Its zero value is ready to use.
type Uvarint struct{}

// AppendLength appends the minimal varint encoding of n to dst.
func (Uvarint) AppendLength(dst []byte, n uint64) []byte {
	return binary.AppendUvarint(dst, n)
}

// DecodeLength decodes a varint from the front of src. A header that is not
// minimally encoded, or that would exceed 9 bytes or 2^63−1, is an
// *errs.MalformedLengthError wrapping varint.ErrNotMinimal or
// varint.ErrOverflow.
func (Uvarint) DecodeLength(src []byte) (uint64, int, error) {
	if len(src) > 0 && src[0] < 0x80 {
		return uint64(src[0]), 1, nil // one-byte headers are the common case
	}
	n, size, err := varint.FromUvarint(src)
	switch err {
	case nil:
		return n, size, nil
	case varint.ErrUnderflow: // every byte so far has its continuation bit set
		return 0, len(src) + 1, ErrShortHeader
	default:
		return 0, 0, &errs.MalformedLengthError{Codec: "uvarint", Err: err}
	}
}

// HeaderSize returns the size of n's minimal varint encoding, 1 to 9 bytes.
func (Uvarint) HeaderSize(n uint64) int { return varint.UvarintSize(n) }

// MaxHeaderSize returns 9.
func (Uvarint) MaxHeaderSize() int { return varint.MaxLenUvarint63 }

// MaxLength returns 2^63−1.
func (Uvarint) MaxLength() uint64 { return varint.MaxValueUvarint63 }

// String returns "uvarint".
func (Uvarint) String() string { return "uvarint" }

package codec

import (
	"encoding/binary"
	"math/bits"

	"golang.org/x/exp/constraints"
)

// BigEndian is the fixed-width big-endian length codec whose header is one T:
// 1, 2, 4 or 8 bytes for uint8, uint16, uint32 and uint64. Its zero value is
// ready to use. Prefer the names BE8, BE16, BE32 and BE64.
//
// The unused field gives every width a type of its own.
type BigEndian[T constraints.Unsigned] struct{ _ [0]T }

// LittleEndian is BigEndian with the bytes of the header reversed. Prefer the
// names LE16, LE32 and LE64.
//
// Its methods mirror BigEndian's with the byte order changed, rather than
// sharing code through a byte-order value: that would turn every call into
// an indirect one, and double the cost of decoding a header.
type LittleEndian[T constraints.Unsigned] struct{ _ [0]T }

type (
	// BE8 is a 1-byte header; bodies up to 255 bytes.
	BE8 = BigEndian[uint8]
	// BE16 is a 2-byte big-endian header; bodies up to 65535 bytes. It is the
	// framing of libp2p Noise.
	BE16 = BigEndian[uint16]
	// BE32 is a 4-byte big-endian header, go-msgio's fixed-size format.
	BE32 = BigEndian[uint32]
	// BE64 is an 8-byte big-endian header.
	BE64 = BigEndian[uint64]
	// LE16 is a 2-byte little-endian header.
	LE16 = LittleEndian[uint16]
	// LE32 is a 4-byte little-endian header.
	LE32 = LittleEndian[uint32]
	// LE64 is an 8-byte little-endian header.
	LE64 = LittleEndian[uint64]
)

// width returns the size of T in bytes; it folds to a constant in each
// instantiation.
func width[T constraints.Unsigned]() int { return bits.Len64(uint64(^T(0))) / 8 }

// AppendLength appends n as a big-endian T to dst.
func (BigEndian[T]) AppendLength(dst []byte, n uint64) []byte {
	switch width[T]() {
	case 1:
		return append(dst, byte(n))
	case 2:
		return binary.BigEndian.AppendUint16(dst, uint16(n))
	case 4:
		return binary.BigEndian.AppendUint32(dst, uint32(n))
	default:
		return binary.BigEndian.AppendUint64(dst, n)
	}
}

// DecodeLength decodes a big-endian T from the front of src. It never returns
// a malformed-header error: every value of T is a valid length.
func (BigEndian[T]) DecodeLength(src []byte) (uint64, int, error) {
	w := width[T]()
	if len(src) < w {
		return 0, w, ErrShortHeader
	}
	switch w {
	case 1:
		return uint64(src[0]), 1, nil
	case 2:
		return uint64(binary.BigEndian.Uint16(src)), 2, nil
	case 4:
		return uint64(binary.BigEndian.Uint32(src)), 4, nil
	default:
		return binary.BigEndian.Uint64(src), 8, nil
	}
}

// HeaderSize returns the size of T in bytes, whatever n is.
func (BigEndian[T]) HeaderSize(uint64) int { return width[T]() }

// MaxHeaderSize returns the size of T in bytes.
func (BigEndian[T]) MaxHeaderSize() int { return width[T]() }

// MaxLength returns the largest value of T.
func (BigEndian[T]) MaxLength() uint64 { return uint64(^T(0)) }

// String returns "be8", "be16", "be32" or "be64".
func (BigEndian[T]) String() string { return fixedName("be", width[T]()) }

// AppendLength appends n as a little-endian T to dst.
func (LittleEndian[T]) AppendLength(dst []byte, n uint64) []byte {
	switch width[T]() {
	case 1:
		return append(dst, byte(n))
	case 2:
		return binary.LittleEndian.AppendUint16(dst, uint16(n))
	case 4:
		return binary.LittleEndian.AppendUint32(dst, uint32(n))
	default:
		return binary.LittleEndian.AppendUint64(dst, n)
	}
}

// DecodeLength decodes a little-endian T from the front of src. It never
// returns a malformed-header error: every value of T is a valid length.
func (LittleEndian[T]) DecodeLength(src []byte) (uint64, int, error) {
	w := width[T]()
	if len(src) < w {
		return 0, w, ErrShortHeader
	}
	switch w {
	case 1:
		return uint64(src[0]), 1, nil
	case 2:
		return uint64(binary.LittleEndian.Uint16(src)), 2, nil
	case 4:
		return uint64(binary.LittleEndian.Uint32(src)), 4, nil
	default:
		return binary.LittleEndian.Uint64(src), 8, nil
	}
}

// HeaderSize returns the size of T in bytes, whatever n is.
func (LittleEndian[T]) HeaderSize(uint64) int { return width[T]() }

// MaxHeaderSize returns the size of T in bytes.
func (LittleEndian[T]) MaxHeaderSize() int { return width[T]() }

// MaxLength returns the largest value of T.
func (LittleEndian[T]) MaxLength() uint64 { return uint64(^T(0)) }

// String returns "le8", "le16", "le32" or "le64".
func (LittleEndian[T]) String() string { return fixedName("le", width[T]()) }

func fixedName(order string, width int) string {
	switch width {
	case 1:
		return order + "8"
	case 2:
		return order + "16"
	case 4:
		return order + "32"
	default:
		return order + "64"
	}
}

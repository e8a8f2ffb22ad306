// Package codec defines how a message length becomes a header on the wire and
// back: the LengthCodec constraint that frame.Framer is generic over, the
// fixed-width codecs BE8, BE16, BE24, BE32 and BE64 (and their little-endian
// counterparts), Uvarint, the multiformats unsigned varint, and VBI, MQTT's
// variable byte integer.
//
// Codecs are small value types whose zero value is ready to use; a Framer
// never stores one. Every method is allocation-free and safe for concurrent
// use.
//
// A codec only turns a number into header bytes and back. What the number
// counts, and what else the header holds, is a frame.Layout's business; a
// Framer without one uses the length as the size of the body.
package codec

import (
	"fmt"

	"github.com/framekit/framekit/errs"
)

// LengthCodec is implemented by every length codec. It is the constraint of
// frame.Framer's type parameter, so a codec's methods are called on its zero
// value.
type LengthCodec interface {
	// AppendLength appends the header for a body of n bytes to dst and returns
	// the extended slice. It allocates only when dst lacks room. n must not
	// exceed MaxLength: callers check first, and the result for a larger n is
	// unspecified (it is never a silently truncated length that DecodeLength
	// would accept as n).
	AppendLength(dst []byte, n uint64) []byte

	// HeaderSize returns the number of bytes AppendLength writes for n.
	HeaderSize(n uint64) int

	// MaxHeaderSize returns the largest header the codec writes or accepts.
	MaxHeaderSize() int

	// MaxLength returns the largest body length the codec can carry.
	MaxLength() uint64

	// DecodeLength decodes a header from the front of src. It returns one of:
	//   - the length and the header's size in bytes, with a nil error: done;
	//   - ErrShortHeader when src holds only the start of a header; size is
	//     then the fewest header bytes a complete header could have, given src;
	//   - an *errs.MalformedLengthError when no bytes that follow could make
	//     src a valid header.
	DecodeLength(src []byte) (n uint64, size int, err error)

	// String returns the codec's name as framecat spells it ("uvarint", "be32").
	String() string
}

// ErrShortHeader is returned by DecodeLength when src holds only the start of
// a header: more bytes are needed. It is a signal between a codec and its
// caller, returned as it is, never wrapped, so a caller compares it with ==,
// as with io.EOF. It never reaches a Framer's user: a Framer reports a stream
// that ends inside a header as an *errs.IncompleteReadError matching
// errs.ErrMissingLength instead.
var ErrShortHeader = fmt.Errorf("framekit: short length header: %w", errs.ErrIO)

var (
	_ LengthCodec = BE8{}
	_ LengthCodec = BE16{}
	_ LengthCodec = BE32{}
	_ LengthCodec = BE64{}
	_ LengthCodec = LE16{}
	_ LengthCodec = LE32{}
	_ LengthCodec = LE64{}
	_ LengthCodec = Uvarint{}
	_ LengthCodec = BE24{}
	_ LengthCodec = LE24{}
	_ LengthCodec = VBI{}
)

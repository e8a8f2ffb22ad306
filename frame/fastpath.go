package frame

import (
	"encoding/binary"
	"math/bits"

	"github.com/framekit/framekit/codec"
)

// This file is the one place that knows the wire format of particular codecs.
// Inside a Framer[L] a method of L is an indirect call through the
// instantiation's dictionary, which the compiler cannot inline; for the
// codecs most protocols use, the read and write paths below decode and encode
// headers in line instead (bench/README.md has the measurements). Every other
// codec, and every case these functions decline, goes through L's methods.

// headerKind names the codecs whose headers this file handles in line.
type headerKind uint8

const (
	headerOther   headerKind = iota // through L's methods only
	headerBE16                      // Noise
	headerBE32                      // go-msgio's fixed format
	headerUvarint                   // go-msgio's varint format; one- and two-byte headers in line
)

// kindOf returns L's headerKind. New calls it once per Framer.
func kindOf[L codec.LengthCodec]() headerKind {
	var c L
	switch any(c).(type) {
	case codec.BE16:
		return headerBE16
	case codec.BE32:
		return headerBE32
	case codec.Uvarint:
		return headerUvarint
	}
	return headerOther
}

// decodeInLine decodes the header at the front of src when it is of a kind
// handled here and complete, and returns ok == false otherwise: a short,
// long or malformed header, or another codec, is left to L.DecodeLength.
func decodeInLine(kind headerKind, src []byte) (n uint64, size int, ok bool) {
	switch kind {
	case headerBE32:
		if len(src) >= 4 {
			return uint64(binary.BigEndian.Uint32(src)), 4, true
		}
	case headerUvarint:
		switch {
		case len(src) >= 1 && src[0] < 0x80:
			return uint64(src[0]), 1, true
		case len(src) >= 2 && src[0] >= 0x80 && src[1] < 0x80 && src[1] != 0: // minimal
			return uint64(src[0]&0x7f) | uint64(src[1])<<7, 2, true
		}
	case headerBE16:
		if len(src) >= 2 {
			return uint64(binary.BigEndian.Uint16(src)), 2, true
		}
	}
	return 0, 0, false
}

// headerSize returns the size of L's header for a body of n bytes, as
// L.HeaderSize does.
func headerSize[L codec.LengthCodec](kind headerKind, n int) int {
	switch kind {
	case headerBE32:
		return 4
	case headerUvarint:
		if n < 1<<7 {
			return 1
		}
		return (bits.Len64(uint64(n)) + 6) / 7
	case headerBE16:
		return 2
	}
	var c L
	return c.HeaderSize(uint64(n))
}

// appendHeader appends L's header for a body of n bytes to dst, as
// L.AppendLength does. n is at most what L carries.
func appendHeader[L codec.LengthCodec](kind headerKind, dst []byte, n int) []byte {
	switch kind {
	case headerBE32:
		return binary.BigEndian.AppendUint32(dst, uint32(n))
	case headerUvarint:
		return binary.AppendUvarint(dst, uint64(n))
	case headerBE16:
		return binary.BigEndian.AppendUint16(dst, uint16(n))
	}
	var c L
	return c.AppendLength(dst, uint64(n))
}

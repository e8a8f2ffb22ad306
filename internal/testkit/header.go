package testkit

import "encoding/binary"

// spec is a length codec as its specification describes it, written from
// the specification and not from package codec, so that tests can hold the
// codecs to it.
type spec struct {
	maxLength uint64                            // the largest length the header carries
	append    func(dst []byte, n uint64) []byte // n at most maxLength
}

// specs are the length codecs, by the names their String methods return.
var specs = map[string]spec{
	"be8":     {1<<8 - 1, func(dst []byte, n uint64) []byte { return append(dst, byte(n)) }},
	"be16":    {1<<16 - 1, func(dst []byte, n uint64) []byte { return binary.BigEndian.AppendUint16(dst, uint16(n)) }},
	"be32":    {1<<32 - 1, func(dst []byte, n uint64) []byte { return binary.BigEndian.AppendUint32(dst, uint32(n)) }},
	"be64":    {1<<64 - 1, binary.BigEndian.AppendUint64},
	"le16":    {1<<16 - 1, func(dst []byte, n uint64) []byte { return binary.LittleEndian.AppendUint16(dst, uint16(n)) }},
	"le32":    {1<<32 - 1, func(dst []byte, n uint64) []byte { return binary.LittleEndian.AppendUint32(dst, uint32(n)) }},
	"le64":    {1<<64 - 1, binary.LittleEndian.AppendUint64},
	"uvarint": {1<<63 - 1, binary.AppendUvarint}, // multiformats unsigned-varint: 9 bytes at most
	"be24":    {1<<24 - 1, func(dst []byte, n uint64) []byte { return append(dst, byte(n>>16), byte(n>>8), byte(n)) }},
	"le24":    {1<<24 - 1, func(dst []byte, n uint64) []byte { return append(dst, byte(n), byte(n>>8), byte(n>>16)) }},
	"vbi":     {1<<28 - 1, binary.AppendUvarint}, // MQTT's variable byte integer: a uvarint of 4 bytes at most
}

// lookup returns the named codec's specification, and panics on an unknown
// name.
func lookup(codec string) spec {
	s, ok := specs[codec]
	if !ok {
		panic("testkit: no length codec named " + codec)
	}
	return s
}

// AppendHeader appends to dst the header for a body of n bytes as the named
// codec's specification spells it: be8, be16, be24, be32, be64, le16, le24,
// le32 and le64 a fixed-width unsigned integer of that byte order and width;
// uvarint and vbi an unsigned varint, seven bits a byte, low group first. codec is the name
// the codec's String method returns. n must be at most MaxLength(codec); a
// fixed-width field keeps the low bits of a larger one. It panics on an
// unknown codec name.
func AppendHeader(dst []byte, codec string, n uint64) []byte {
	return lookup(codec).append(dst, n)
}

// MaxLength returns the largest length the named codec's header carries:
// 2^bits−1 for a fixed-width field, 2^63−1 for uvarint, 2^28−1 for vbi. It panics on an
// unknown codec name.
func MaxLength(codec string) uint64 { return lookup(codec).maxLength }

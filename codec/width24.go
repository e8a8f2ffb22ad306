package codec

// BE24 is a 3-byte big-endian header; bodies up to 16,777,215 bytes. It is
// the length field of HTTP/2 frames (RFC 9113 §4.1) and of SMB2's Direct TCP
// transport (MS-SMB2 §2.1). Its zero value is ready to use.
//
// Go has no 3-byte integer type to instantiate BigEndian with, so BE24 and
// LE24 are types of their own.
type BE24 struct{}

// AppendLength appends n as three big-endian bytes to dst.
func (BE24) AppendLength(dst []byte, n uint64) []byte {
	return append(dst, byte(n>>16), byte(n>>8), byte(n))
}

// DecodeLength decodes three big-endian bytes from the front of src. Every
// value is a valid length.
func (BE24) DecodeLength(src []byte) (uint64, int, error) {
	if len(src) < 3 {
		return 0, 3, ErrShortHeader
	}
	return uint64(src[0])<<16 | uint64(src[1])<<8 | uint64(src[2]), 3, nil
}

// HeaderSize returns 3, whatever n is.
func (BE24) HeaderSize(uint64) int { return 3 }

// MaxHeaderSize returns 3.
func (BE24) MaxHeaderSize() int { return 3 }

// MaxLength returns 2^24−1.
func (BE24) MaxLength() uint64 { return 1<<24 - 1 }

// String returns "be24".
func (BE24) String() string { return "be24" }

// LE24 is a 3-byte little-endian header; bodies up to 16,777,215 bytes. It is
// the length of a MySQL/MariaDB packet. Its zero value is ready to use.
type LE24 struct{}

// AppendLength appends n as three little-endian bytes to dst.
func (LE24) AppendLength(dst []byte, n uint64) []byte {
	return append(dst, byte(n), byte(n>>8), byte(n>>16))
}

// DecodeLength decodes three little-endian bytes from the front of src.
// Every value is a valid length.
func (LE24) DecodeLength(src []byte) (uint64, int, error) {
	if len(src) < 3 {
		return 0, 3, ErrShortHeader
	}
	return uint64(src[0]) | uint64(src[1])<<8 | uint64(src[2])<<16, 3, nil
}

// HeaderSize returns 3, whatever n is.
func (LE24) HeaderSize(uint64) int { return 3 }

// MaxHeaderSize returns 3.
func (LE24) MaxHeaderSize() int { return 3 }

// MaxLength returns 2^24−1.
func (LE24) MaxLength() uint64 { return 1<<24 - 1 }

// String returns "le24".
func (LE24) String() string { return "le24" }

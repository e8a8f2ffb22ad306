package frame

import (
	"io"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/iox"
)

// AppendFrame appends msg with its L header to dst and returns the extended
// slice (py-libp2p's encode_msg_with_length). It allocates only when dst lacks
// room. A message longer than L can carry is an *errs.MessageTooLargeError,
// and dst is returned unchanged.
func AppendFrame[L codec.LengthCodec](dst, msg []byte) ([]byte, error) {
	var c L
	if uint64(len(msg)) > c.MaxLength() {
		return dst, &errs.MessageTooLargeError{Size: uint64(len(msg)), Max: c.MaxLength()}
	}
	dst = c.AppendLength(dst, uint64(len(msg)))
	return append(dst, msg...), nil
}

// ReadLength reads one L header from r and returns the length it declares
// (py-libp2p's read_length). It reads no byte past the header: one byte at a
// time for Uvarint, so wrap r in a bufio.Reader if it is slow to call.
//
// It returns io.EOF if r ends before the header starts, an
// *errs.IncompleteReadError matching errs.ErrMissingLength if r ends inside
// it, an *errs.MalformedLengthError for a bad varint, and r's own errors as
// they are. It sets no limit: check the length before allocating for it.
func ReadLength[L codec.LengthCodec](r io.Reader) (uint64, error) {
	var hdr [16]byte
	var c L
	n, got, size, err := readHeader(r, hdr[:], 0, c.DecodeLength)
	if err == io.EOF && got > 0 {
		err = incomplete(r, size, got, errs.ErrMissingLength)
	}
	return n, err
}

// readHeader reads one header that decode decodes (as LengthCodec.DecodeLength
// does) from r into hdr, whose first got bytes are already there, never past
// its end: each read asks for the fewest bytes that could complete it. It
// returns the length, the header bytes read and the size the header was then
// known to need; io.EOF as it is, whatever was read.
func readHeader(r io.Reader, hdr []byte, got int, decode func([]byte) (uint64, int, error)) (n uint64, _ int, size int, err error) {
	for {
		n, size, err = decode(hdr[:got])
		if err != codec.ErrShortHeader {
			return n, got, size, err
		}
		var k int
		k, err = iox.ReadFull(r, hdr[got:size])
		got += k
		if err != nil {
			return 0, got, size, err
		}
	}
}

// incomplete returns the *errs.IncompleteReadError for a stream s that ended
// after received of expected bytes of the part of a frame it was reading,
// naming s's transport and age when s is a conn.StateReporter.
func incomplete(s any, expected, received int, part error) *errs.IncompleteReadError {
	st := conn.StateOf(s)
	return &errs.IncompleteReadError{Expected: expected, Received: received, Part: part, Transport: st.Transport, Age: st.Age}
}

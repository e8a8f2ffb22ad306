package frame

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"github.com/framekit/framekit/codec"
)

// This file is the one place that knows the wire format of particular codecs.
// A Framer[L] reaches L's methods through its type parameter, which costs
// more per call than code written for one codec; for the codecs most
// protocols use, the read and write paths decode and encode headers here
// instead (bench/README.md measures the difference). Every other codec, and
// every case these functions decline, goes through L's methods.

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

// inLine is the hot path of every read method. When nothing is left to
// finish from an earlier call (a pending header, a large view to give back, a
// frame to skip, an error) and the next frame is whole in the read buffer,
// within the limit, with a header of a kind handled here, it consumes the
// frame and returns its body, which aliases the buffer. Otherwise it changes
// nothing and returns ok == false, and the caller takes the general path
// (nextHeader, then bufferedBody or readBody), which handles every case and
// reports every error. It never reads from the stream.
func (rd *reader[L]) inLine() (body []byte, ok bool) {
	if rd.header.decoded || rd.view != nil || rd.err != nil || rd.skip.left > 0 {
		return nil, false
	}
	src := rd.buf[rd.r:rd.w] // empty in exact mode
	var (
		n    uint64
		size int
	)
	switch rd.kind {
	case headerBE32:
		if len(src) < 4 {
			return nil, false
		}
		n, size = uint64(binary.BigEndian.Uint32(src)), 4
	case headerUvarint:
		switch {
		case len(src) >= 1 && src[0] < 0x80:
			n, size = uint64(src[0]), 1
		case len(src) >= 2 && src[0] >= 0x80 && src[1] < 0x80 && src[1] != 0: // minimal
			n, size = uint64(src[0]&0x7f)|uint64(src[1])<<7, 2
		default: // longer, incomplete or malformed: L.DecodeLength decides
			return nil, false
		}
	case headerBE16:
		if len(src) < 2 {
			return nil, false
		}
		n, size = uint64(binary.BigEndian.Uint16(src)), 2
	default:
		return nil, false
	}
	if n > uint64(rd.maxSize) || n > uint64(len(src)-size) {
		return nil, false
	}
	end := size + int(n)
	rd.r += end
	return src[size:end:end], true
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

// inLineFrame is inLine for a layout Framer: when the next frame is whole in
// the read buffer, within the limit and with the right trailer, it consumes
// the frame, fills in *h and returns the body, both aliasing the buffer.
// Otherwise it changes nothing and returns ok == false for the general path
// to decide. Length fields of the common widths are decoded here; others,
// and varints, through L.
//
// ReadFrameView returns the Header it fills in beside the body: keep Header
// at four words, which the compiler passes in registers (bench/README.md,
// "Header layouts", measures a larger one).
func (rd *reader[L]) inLineFrame(h *Header) (body []byte, ok bool) {
	if rd.header.decoded || rd.view != nil || rd.err != nil || rd.skip.left > 0 {
		return nil, false
	}
	s := &rd.lay.shape
	src := rd.buf[rd.r:rd.w] // empty in exact mode
	var (
		v, flags uint64
		size     = s.fixedSize
	)
	if s.field == fieldOther { // varints too
		var err error
		if v, flags, size, err = decodeLayout[L](s, src); err != nil {
			return nil, false
		}
	} else {
		if len(src) < size {
			return nil, false
		}
		f := src[s.before:]
		switch s.field {
		case fieldBE32:
			v = uint64(binary.BigEndian.Uint32(f))
		case fieldBE16:
			v = uint64(binary.BigEndian.Uint16(f))
		case fieldBE24:
			v = uint64(f[2]) | uint64(f[1])<<8 | uint64(f[0])<<16
		case fieldLE32:
			v = uint64(binary.LittleEndian.Uint32(f))
		case fieldLE24:
			v = uint64(f[0]) | uint64(f[1])<<8 | uint64(f[2])<<16
		case fieldLE16:
			v = uint64(binary.LittleEndian.Uint16(f))
		default:
			v = uint64(f[0])
		}
		if s.mask != 0 {
			flags, v = v&^s.mask, v&s.mask
		}
		if v < s.adjust {
			return nil, false // malformed: the general path reports it
		}
		v -= s.adjust
	}
	t := len(s.trailer)
	if v > uint64(rd.maxSize) || v+uint64(t) > uint64(len(src)-size) {
		return nil, false
	}
	end := size + int(v)
	switch {
	case t == 0:
	case t == 1:
		if src[end] != s.trailer[0] {
			return nil, false
		}
	default:
		if !bytes.Equal(src[end:end+t], s.trailer) {
			return nil, false
		}
	}
	rd.r += end + t
	h.Fields = rd.lay.fields(src[:size:size])
	h.Flags = flags
	return src[size:end:end], true
}

// batchInLine is the hot path of WriteMsg with WithWriteBuffer. When the
// writer is open and in step, a batch is in use, L's header is of a kind
// handled here, and the frame fits behind what waits in the batch, it appends
// the frame (header, then a copy of msg) to the batch and returns true; the
// caller holds mu. Otherwise it changes nothing and returns false, and the
// caller takes the general path (writable, space, send), which handles every
// case and reports every error. len(msg) is within the limit.
func (wr *writer[L]) batchInLine(msg []byte) bool {
	if wr.batch == nil || wr.err != nil || wr.writeClosed || wr.closed.Load() {
		return false
	}
	n := len(msg)
	var hdr int
	switch wr.kind {
	case headerBE32:
		hdr = 4
	case headerUvarint:
		switch {
		case n < 1<<7:
			hdr = 1
		case n < 1<<14:
			hdr = 2
		default: // longer headers: appendHeader
			return false
		}
	case headerBE16:
		hdr = 2
	default:
		return false
	}
	at := wr.batched
	end := at + hdr + n
	if end > wr.batchSize {
		return false
	}
	frame := (*wr.batch)[at:end:end]
	switch wr.kind {
	case headerBE32:
		binary.BigEndian.PutUint32(frame, uint32(n))
	case headerUvarint:
		if hdr == 1 {
			frame[0] = byte(n)
		} else {
			frame[0], frame[1] = byte(n)|0x80, byte(n>>7)
		}
	case headerBE16:
		binary.BigEndian.PutUint16(frame, uint16(n))
	}
	copy(frame[hdr:], msg)
	wr.batched = end
	return true
}

package bench

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/libp2p/go-msgio"

	"github.com/framekit/framekit/frame"
)

// benchSizes are the message sizes of the in-memory benchmarks.
var benchSizes = []int{16, 256, 4 << 10, 64 << 10, 1 << 20}

// sizeName spells a size for a benchmark name: 16B, 4KiB, 1MiB.
func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// codecs are the two codecs every benchmark runs with: go-msgio's two
// formats.
var codecs = []string{"BE32", "Uvarint"}

// maxMsg is the largest message any benchmark reads; every impl checks it.
const maxMsg = frame.DefaultMaxSize

// loopReader serves a pre-built stream of whole frames over and over: when
// the bytes.Reader runs out it is reset to the start. Every implementation
// reads through the same Read method, so the source costs the same for all;
// only the number of Read calls differs, which is what batching is about.
type loopReader struct {
	data []byte
	r    bytes.Reader
}

func newLoopReader(data []byte) *loopReader {
	l := &loopReader{data: data}
	l.r.Reset(data)
	return l
}

func (l *loopReader) Read(p []byte) (int, error) {
	if l.r.Len() == 0 {
		l.r.Reset(l.data)
	}
	return l.r.Read(p)
}

func (l *loopReader) Write(p []byte) (int, error) { return 0, errors.New("loopReader: read only") }
func (l *loopReader) Close() error                { return nil }

// discard is the sink of the write benchmarks: io.Discard behind one concrete
// type that every implementation writes through.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Read([]byte) (int, error)    { return 0, io.EOF }
func (discard) Close() error                { return nil }

// appendHeader appends a header of the named codec, by hand.
func appendHeader(dst []byte, codecName string, n int) []byte {
	if codecName == "BE32" {
		return binary.BigEndian.AppendUint32(dst, uint32(n))
	}
	return binary.AppendUvarint(dst, uint64(n))
}

// buildStream returns at least 256 KiB (and at least two frames) of frames
// with size-byte bodies in the named codec.
func buildStream(codecName string, size int) []byte {
	body := bytes.Repeat([]byte{0xa5}, size)
	var s []byte
	for i := 0; i < 2 || len(s) < 256<<10; i++ {
		s = appendHeader(s, codecName, size)
		s = append(s, body...)
	}
	return s
}

func newMsgioReader(codecName string, r io.Reader) msgio.ReadCloser {
	if codecName == "BE32" {
		return msgio.NewReader(r)
	}
	return msgio.NewVarintReader(r)
}

func newMsgioWriter(codecName string, w io.Writer) msgio.WriteCloser {
	if codecName == "BE32" {
		return msgio.NewWriter(w)
	}
	return msgio.NewVarintWriter(w)
}

// byteReader reads a varint header from an unbuffered stream the way a hand
// loop must: one Read call per header byte.
type byteReader struct {
	r   io.Reader
	buf [1]byte
}

func (b *byteReader) ReadByte() (byte, error) {
	if _, err := io.ReadFull(b.r, b.buf[:]); err != nil {
		return 0, err
	}
	return b.buf[0], nil
}

// handReader is the hand-written loop: io.ReadFull plus encoding/binary, a
// length check, and one body buffer reused from message to message. With
// bufio it reads from a bufio.Reader of the Framer's default read-ahead size.
type handReader struct {
	codec string
	r     io.Reader
	br    io.ByteReader
	hdr   [4]byte
	buf   []byte
}

func newHandReader(codecName string, r io.Reader, buffered bool) *handReader {
	h := &handReader{codec: codecName, r: r}
	if buffered {
		b := bufio.NewReaderSize(r, frame.DefaultReadBuffer)
		h.r, h.br = b, b
	} else {
		h.br = &byteReader{r: r}
	}
	return h
}

var errHandTooLarge = errors.New("hand: message too large")

// readMsg returns the next message in the reused buffer.
func (h *handReader) readMsg() ([]byte, error) {
	var n uint64
	if h.codec == "BE32" {
		if _, err := io.ReadFull(h.r, h.hdr[:]); err != nil {
			return nil, err
		}
		n = uint64(binary.BigEndian.Uint32(h.hdr[:]))
	} else {
		var err error
		if n, err = binary.ReadUvarint(h.br); err != nil {
			return nil, err
		}
	}
	if n > maxMsg {
		return nil, errHandTooLarge
	}
	if uint64(cap(h.buf)) < n {
		h.buf = make([]byte, n)
	}
	msg := h.buf[:n]
	_, err := io.ReadFull(h.r, msg)
	return msg, err
}

// handWriter is the hand-written writer: header and body copied into one
// reused buffer and written with one Write, or written into a bufio.Writer
// that is flushed when full.
type handWriter struct {
	codec string
	w     io.Writer
	bw    *bufio.Writer
	hdr   [binary.MaxVarintLen64]byte
	buf   []byte
}

func newHandWriter(codecName string, w io.Writer, buffered bool) *handWriter {
	h := &handWriter{codec: codecName, w: w}
	if buffered {
		h.bw = bufio.NewWriterSize(w, frame.DefaultReadBuffer)
	}
	return h
}

func (h *handWriter) writeMsg(msg []byte) error {
	if len(msg) > maxMsg {
		return errHandTooLarge
	}
	if h.bw != nil {
		if _, err := h.bw.Write(appendHeader(h.hdr[:0], h.codec, len(msg))); err != nil {
			return err
		}
		_, err := h.bw.Write(msg)
		return err
	}
	h.buf = appendHeader(h.buf[:0], h.codec, len(msg))
	h.buf = append(h.buf, msg...)
	_, err := h.w.Write(h.buf)
	return err
}

func (h *handWriter) flush() error {
	if h.bw != nil {
		return h.bw.Flush()
	}
	return nil
}

func check(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

package props_test

import (
	"bytes"
	"slices"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// specName returns the name of L's format, found from L's type rather than
// asked of L, for testkit's specifications.
func specName[L codec.LengthCodec]() string {
	var c L
	switch any(c).(type) {
	case codec.BE8:
		return "be8"
	case codec.BE16:
		return "be16"
	case codec.BE32:
		return "be32"
	case codec.BE64:
		return "be64"
	case codec.LE16:
		return "le16"
	case codec.LE32:
		return "le32"
	case codec.BE24:
		return "be24"
	case codec.LE24:
		return "le24"
	case codec.VBI:
		return "vbi"
	case codec.LE64:
		return "le64"
	default:
		return "uvarint"
	}
}

// lengths generates lengths L carries, crowding the places where a varint
// gains a byte and a fixed-width field runs out.
func lengths(maxLength uint64) *rapid.Generator[uint64] {
	var edges []uint64
	for bits := 7; bits < 64; bits += 7 {
		edges = append(edges, 1<<bits-1, 1<<bits)
	}
	for bits := 8; bits < 64; bits += 8 {
		edges = append(edges, 1<<bits-1, 1<<bits)
	}
	edges = append(edges, 0, 1, 1<<62, 1<<63-1, 1<<63, 1<<64-1)
	edges = slices.DeleteFunc(edges, func(n uint64) bool { return n > maxLength })
	return rapid.OneOf(rapid.SampledFrom(edges), rapid.Uint64Range(0, maxLength), rapid.Uint64Range(0, min(maxLength, 1<<16)))
}

// checkCodecLaws: AppendLength writes the specified encoding, HeaderSize
// says how long it is, DecodeLength reads it back from the front of any
// longer input, and every proper prefix of it is a short header needing as
// many bytes as the errs doc says.
func checkCodecLaws[L codec.LengthCodec](t *rapid.T) {
	var c L
	name := specName[L]()
	maxLength := testkit.MaxLength(name)
	if c.String() != name || c.MaxLength() != maxLength {
		t.Fatalf("codec says %q with max %d, want %q with max %d", c.String(), c.MaxLength(), name, maxLength)
	}
	n := lengths(maxLength).Draw(t, "n")
	want := testkit.AppendHeader(nil, name, n)
	prefix := rapid.SliceOfN(rapid.Byte(), 0, 4).Draw(t, "prefix")
	got := c.AppendLength(slices.Clone(prefix), n)
	if !bytes.Equal(got[:len(prefix)], prefix) || !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("AppendLength(%x, %d) = %x, want %x%x", prefix, n, got, prefix, want)
	}
	if size := c.HeaderSize(n); size != len(want) || size > c.MaxHeaderSize() {
		t.Fatalf("HeaderSize(%d) = %d, want %d (MaxHeaderSize %d)", n, size, len(want), c.MaxHeaderSize())
	}
	trailing := rapid.SliceOfN(rapid.Byte(), 0, 10).Draw(t, "trailing")
	dn, size, err := c.DecodeLength(append(slices.Clone(want), trailing...))
	if dn != n || size != len(want) || err != nil {
		t.Fatalf("DecodeLength(%x + %x) = (%d, %d, %v), want (%d, %d, nil)", want, trailing, dn, size, err, n, len(want))
	}
	for k := range len(want) {
		_, size, err := c.DecodeLength(want[:k])
		if err != codec.ErrShortHeader || size != headerNeed[L](k) {
			t.Fatalf("DecodeLength(%x), %d of %d header bytes: (%d, %v), want (%d, ErrShortHeader)", want[:k], k, len(want), size, err, headerNeed[L](k))
		}
	}
}

// roundTripConfig is what one round trip draws: the messages and both
// Framers' options.
type roundTripConfig struct {
	limit, readBuffer, writeBuffer int
	skip                           bool
	msgs                           [][]byte
}

func drawRoundTrip[L codec.LengthCodec](t *rapid.T) roundTripConfig {
	cfg := roundTripConfig{
		limit:       drawLimit(t),
		readBuffer:  drawReadBuffer(t),
		writeBuffer: drawWriteBuffer(t),
		skip:        rapid.Bool().Draw(t, "skip"),
	}
	cfg.msgs = rapid.SliceOfN(messages(limitFor[L](cfg.limit), largestMessage()), 0, 12).Draw(t, "msgs")
	return cfg
}

func (cfg roundTripConfig) readerOptions() []frame.Option {
	opts := []frame.Option{frame.WithMaxSize(cfg.limit), frame.WithReadBuffer(cfg.readBuffer)}
	if cfg.skip {
		opts = append(opts, frame.WithSkipOversized())
	}
	return opts
}

// writeAll writes msgs through a Framer with the drawn options, ending with a
// Flush or a Close, and checks that the stream holds exactly the frames
// AppendFrame makes, sent in exactly the Write calls batching promises.
func writeAll[L codec.LengthCodec](t *rapid.T, cfg roundTripConfig) []byte {
	s := &stream{cut: -1, budget: -1}
	w := frame.New[L](s, frame.WithMaxSize(cfg.limit), frame.WithWriteBuffer(cfg.writeBuffer))
	if w.MaxSize() != limitFor[L](cfg.limit) {
		t.Fatalf("MaxSize() = %d for WithMaxSize(%d), want %d", w.MaxSize(), cfg.limit, limitFor[L](cfg.limit))
	}
	frames := make([]int, len(cfg.msgs))
	for i, m := range cfg.msgs {
		if err := w.WriteMsg(m); err != nil {
			t.Fatalf("WriteMsg of message %d (%d bytes): %v", i, len(m), err)
		}
		if cfg.writeBuffer == 0 && len(s.writes) != i+1 {
			t.Fatalf("unbatched WriteMsg %d left %d Write calls, want %d", i, len(s.writes), i+1)
		}
		frames[i] = len(encode[L](t, [][]byte{m}))
	}
	if rapid.Bool().Draw(t, "closeToFlush") {
		if err := w.Close(); err != nil || !s.closed {
			t.Fatalf("Close: %v (stream closed: %v)", err, s.closed)
		}
	} else if err := w.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if want := encode[L](t, cfg.msgs); !bytes.Equal(s.data, want) {
		t.Fatalf("stream holds %d bytes, AppendFrame makes %d (%s)", len(s.data), len(want), diff(s.data, want))
	}
	if want := writeCalls(cfg.writeBuffer, frames); !slices.Equal(s.writes, want) {
		t.Fatalf("Write calls %v, want %v for frames %v in a %d-byte batch", s.writes, want, frames, cfg.writeBuffer)
	}
	return s.data
}

// checkRoundTrip: messages written by one Framer are read back whole, in
// order, by another, each read made a drawn way (ReadMsg, AppendMsg,
// ReadMsgView, Read), over a stream that splits reads anywhere; then io.EOF,
// with nothing left over.
func checkRoundTrip[L codec.LengthCodec](t *rapid.T) {
	cfg := drawRoundTrip[L](t)
	s := drawStream(t, writeAll[L](t, cfg))
	r := frame.New[L](s, cfg.readerOptions()...)
	for i, m := range cfg.msgs {
		w := drawWay(t)
		got, err := readVia(t, r, w, len(m))
		wantMsg(t, w.String()+" of message "+itoa(i), got, err, m)
	}
	w := drawWay(t)
	_, err := readVia(t, r, w, -1)
	wantEOF(t, w.String()+" at the end", err)
	_, err = r.ReadMsg()
	wantEOF(t, "ReadMsg after io.EOF", err)
	if len(r.Buffered()) != 0 || len(s.rest()) != 0 {
		t.Fatalf("after io.EOF: %d bytes buffered, %d left in the stream", len(r.Buffered()), len(s.rest()))
	}
}

// checkMessages: ranging over Messages() yields every message whole, after
// any number read the other ways, and ends quietly at io.EOF.
func checkMessages[L codec.LengthCodec](t *rapid.T) {
	cfg := drawRoundTrip[L](t)
	s := drawStream(t, writeAll[L](t, cfg))
	r := frame.New[L](s, cfg.readerOptions()...)
	first := rapid.IntRange(0, len(cfg.msgs)).Draw(t, "readFirst")
	for i, m := range cfg.msgs[:first] {
		got, err := r.ReadMsg()
		wantMsg(t, "ReadMsg of message "+itoa(i), got, err, m)
	}
	var got [][]byte
	for m, err := range r.Messages() {
		if err != nil {
			t.Fatalf("Messages yielded error %v after %d messages", err, first+len(got))
		}
		got = append(got, slices.Clone(m))
	}
	if len(got) != len(cfg.msgs)-first {
		t.Fatalf("Messages yielded %d messages, want %d", len(got), len(cfg.msgs)-first)
	}
	for i, m := range got {
		wantMsg(t, "Messages, message "+itoa(first+i), m, nil, cfg.msgs[first+i])
	}
	_, err := r.ReadMsg()
	wantEOF(t, "ReadMsg after Messages ended", err)
	if stop := rapid.IntRange(0, len(cfg.msgs)).Draw(t, "breakAfter"); stop < len(cfg.msgs) {
		// Breaking out of the loop leaves the rest to read.
		r := frame.New[L](drawStream(t, s.data), cfg.readerOptions()...)
		n := 0
		for range r.Messages() {
			if n++; n > stop {
				break
			}
		}
		for i, m := range cfg.msgs[stop+1:] {
			got, err := r.ReadMsg()
			wantMsg(t, "ReadMsg after breaking out of Messages, message "+itoa(stop+1+i), got, err, m)
		}
		_, err := r.ReadMsg()
		wantEOF(t, "ReadMsg at the end", err)
	}
}

package frame_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/reference"
	"github.com/framekit/framekit/internal/testkit"
)

// FuzzFramerRead reads arbitrary bytes with a Framer of any codec, any read
// buffer, a small limit, with or without skipping, making each read one of
// the four ways, and compares every result with a reference parse of the
// same bytes by the codec's DecodeLength: the same messages, then the same
// error, exact in type and numbers. It also checks that every error matches
// errs.ErrIO (or is io.EOF itself), that reads make progress, and that no
// read allocates more than a bound set by the limit, the buffer and the bytes
// it consumed: never by a declared length.
func FuzzFramerRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, which uint8, readBuffer uint16, limit uint16, flags uint8, steps []byte) {
		reads := []func(*testing.T, []byte, uint16, uint16, uint8, []byte){
			fuzzRead[codec.BE8], fuzzRead[codec.BE16], fuzzRead[codec.BE32], fuzzRead[codec.BE64],
			fuzzRead[codec.LE16], fuzzRead[codec.LE32], fuzzRead[codec.LE64], fuzzRead[codec.Uvarint],
			fuzzRead[codec.BE24], fuzzRead[codec.LE24], fuzzRead[codec.VBI],
		}
		reads[int(which)%len(reads)](t, data, readBuffer, limit, flags, steps)
	})
}

func fuzzRead[L codec.LengthCodec](t *testing.T, data []byte, readBuffer, limit uint16, flags uint8, steps []byte) {
	skip := flags&1 != 0
	opts := []frame.Option{frame.WithMaxSize(int(limit)), frame.WithReadBuffer(int(readBuffer))}
	if skip {
		opts = append(opts, frame.WithSkipOversized())
	}
	s := testkit.Scheduled(data, steps)
	r := frame.New[L](s, opts...)
	maxSize := r.MaxSize()
	pos := 0
	for reads := 0; ; reads++ {
		if reads > len(data)+1 {
			t.Fatalf("%d reads of %d bytes: no progress", reads, len(data))
		}
		want := reference.Next[L](data, pos, maxSize)
		before := s.BytesRead
		var (
			got []byte
			err error
		)
		w := (int(flags>>1) + reads) % 4
		alloc := testkit.Allocated(func() {
			switch w {
			case 0:
				got, err = r.ReadMsg()
			case 1:
				got, err = r.AppendMsg(nil)
			case 2:
				got, err = r.ReadMsgView()
			default:
				p := make([]byte, maxSize)
				var k int
				k, err = r.Read(p)
				got = p[:k]
			}
		})
		// The buffer, a body, an eager first chunk of a body and the
		// bytes consumed, with room for the runtime's own noise.
		if bound := uint64(3*(s.BytesRead-before) + 2*maxSize + int(readBuffer) + testkit.AllocSlack); alloc > bound {
			t.Fatalf("read %d (way %d) allocated %d bytes, bound %d", reads, w, alloc, bound)
		}
		if want.Err == nil {
			if err != nil || !bytes.Equal(got, want.Msg) {
				t.Fatalf("read %d (way %d) at %d: (%d bytes, %v), want the %d-byte message", reads, w, pos, len(got), err, len(want.Msg))
			}
			pos = want.Next
			continue
		}
		if !reference.SameError(err, want.Err) {
			t.Fatalf("read %d (way %d) at %d: error %#v, want %#v", reads, w, pos, err, want.Err)
		}
		if err != io.EOF && !errors.Is(err, errs.ErrIO) {
			t.Fatalf("error %v does not match errs.ErrIO", err)
		}
		if _, tooLarge := err.(*errs.MessageTooLargeError); tooLarge && skip {
			if want.Cut != nil {
				if _, err = r.ReadMsg(); !reference.SameError(err, want.Cut) {
					t.Fatalf("read after skipping a cut body: %#v, want %#v", err, want.Cut)
				}
				return
			}
			pos = want.Next
			continue
		}
		if again, err2 := r.ReadMsg(); err2 != err || again != nil {
			t.Fatalf("ReadMsg after %v: (%d bytes, %v), want the same error", err, len(again), err2)
		}
		return
	}
}

// FuzzReadLength reads one header from arbitrary bytes with every codec and
// checks ReadLength against DecodeLength: the same length, read to the end
// of the header and not a byte further; io.EOF for no bytes; the exact
// IncompleteReadError for a cut header; the same malformed error, found at
// the byte that made it malformed.
func FuzzReadLength(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, steps []byte) {
		readLength[codec.BE8](t, data, steps)
		readLength[codec.BE16](t, data, steps)
		readLength[codec.BE32](t, data, steps)
		readLength[codec.BE64](t, data, steps)
		readLength[codec.LE16](t, data, steps)
		readLength[codec.LE32](t, data, steps)
		readLength[codec.LE64](t, data, steps)
		readLength[codec.Uvarint](t, data, steps)
	})
}

func readLength[L codec.LengthCodec](t *testing.T, data, steps []byte) {
	var c L
	s := testkit.Scheduled(data, steps)
	n, err := frame.ReadLength[L](s)
	wn, size, werr := c.DecodeLength(data)
	switch {
	case werr == nil:
		if err != nil || n != wn || s.BytesRead != size {
			t.Fatalf("%s: ReadLength(%x) = (%d, %v) after %d bytes, want (%d, nil) after %d", c, data, n, err, s.BytesRead, wn, size)
		}
	case werr == codec.ErrShortHeader && len(data) == 0:
		if err != io.EOF {
			t.Fatalf("%s: ReadLength of nothing: %v, want io.EOF", c, err)
		}
	case werr == codec.ErrShortHeader:
		want := &errs.IncompleteReadError{Expected: size, Received: len(data), Part: errs.ErrMissingLength}
		if !reference.SameError(err, want) || s.BytesRead != len(data) {
			t.Fatalf("%s: ReadLength(%x) = %#v after %d bytes, want %#v", c, data, err, s.BytesRead, want)
		}
	default:
		at := 1 // the first prefix of data that is malformed
		for ; at < len(data); at++ {
			if _, _, e := c.DecodeLength(data[:at]); e != codec.ErrShortHeader {
				break
			}
		}
		if !reference.SameError(err, werr) || s.BytesRead != at {
			t.Fatalf("%s: ReadLength(%x) = %v after %d bytes, want %v after %d", c, data, err, s.BytesRead, werr, at)
		}
	}
}

// FuzzAppendFrame is a rapid property run by the fuzzer: messages framed by
// AppendFrame with any codec, one after another, decode back with
// DecodeLength to the same messages and the same header bytes the codec's
// AppendLength makes, and a Framer reads them back.
func FuzzAppendFrame(f *testing.F) {
	f.Fuzz(rapid.MakeFuzz(func(t *rapid.T) {
		appends := []func(*rapid.T){
			appendFrame[codec.BE8], appendFrame[codec.BE16], appendFrame[codec.BE32], appendFrame[codec.BE64],
			appendFrame[codec.LE16], appendFrame[codec.LE32], appendFrame[codec.LE64], appendFrame[codec.Uvarint],
		}
		appends[rapid.IntRange(0, 7).Draw(t, "codec")](t)
	}))
}

func appendFrame[L codec.LengthCodec](t *rapid.T) {
	var c L
	top := int(min(c.MaxLength(), 70000))
	msgs := rapid.SliceOfN(rapid.OneOf(
		rapid.SliceOfN(rapid.Byte(), 0, 300),
		rapid.Map(rapid.IntRange(0, top), func(n int) []byte { return bytes.Repeat([]byte{byte(n)}, n) }),
	), 0, 6).Draw(t, "msgs")
	prefix := rapid.SliceOfN(rapid.Byte(), 0, 4).Draw(t, "prefix")
	stream := bytes.Clone(prefix)
	for _, m := range msgs {
		var err error
		if stream, err = frame.AppendFrame[L](stream, m); err != nil {
			t.Fatalf("AppendFrame of %d bytes: %v", len(m), err)
		}
	}
	if !bytes.Equal(stream[:len(prefix)], prefix) {
		t.Fatalf("AppendFrame changed dst's bytes")
	}
	rest := stream[len(prefix):]
	for i, m := range msgs {
		n, size, err := c.DecodeLength(rest)
		if err != nil || n != uint64(len(m)) || !bytes.Equal(rest[:size], c.AppendLength(nil, n)) {
			t.Fatalf("frame %d: DecodeLength = (%d, %d, %v), want %d bytes as AppendLength writes them", i, n, size, err, len(m))
		}
		if !bytes.Equal(rest[size:size+int(n)], m) {
			t.Fatalf("frame %d: body differs", i)
		}
		rest = rest[size+int(n):]
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes after the last frame", len(rest))
	}
	r := frame.New[L](testkit.Scheduled(stream[len(prefix):], nil), frame.WithMaxSize(top))
	for i, m := range msgs {
		if got, err := r.ReadMsg(); err != nil || !bytes.Equal(got, m) {
			t.Fatalf("ReadMsg of frame %d: (%d bytes, %v), want %d bytes", i, len(got), err, len(m))
		}
	}
	if _, err := r.ReadMsg(); err != io.EOF {
		t.Fatalf("ReadMsg at the end: %v, want io.EOF", err)
	}
}

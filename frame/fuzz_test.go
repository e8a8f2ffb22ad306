package frame_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"runtime/metrics"
	"testing"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
)

// fuzzStream serves data in reads whose sizes come from steps, in turn (0 is
// an empty read), and counts what it gave out.
type fuzzStream struct {
	data  []byte
	pos   int
	steps []byte
	k     int
}

func (s *fuzzStream) Read(p []byte) (int, error) {
	if s.pos == len(s.data) {
		return 0, io.EOF
	}
	n := len(p)
	if len(s.steps) > 0 {
		n = min(n, int(s.steps[s.k%len(s.steps)]))
		s.k++
	}
	n = copy(p[:n], s.data[s.pos:])
	s.pos += n
	return n, nil
}

func (s *fuzzStream) Write(p []byte) (int, error) { return len(p), nil }
func (s *fuzzStream) Close() error                { return nil }

// newFuzzStream makes steps safe: 100 empty reads in a row are
// io.ErrNoProgress, not a framing case, so the schedule is cut to 64 steps
// and dropped if all of them are empty.
func newFuzzStream(data, steps []byte) *fuzzStream {
	steps = steps[:min(len(steps), 64)]
	if bytes.Count(steps, []byte{0}) == len(steps) {
		steps = nil
	}
	return &fuzzStream{data: data, steps: steps}
}

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
		switch which % 8 {
		case 0:
			fuzzRead[codec.BE8](t, data, readBuffer, limit, flags, steps)
		case 1:
			fuzzRead[codec.BE16](t, data, readBuffer, limit, flags, steps)
		case 2:
			fuzzRead[codec.BE32](t, data, readBuffer, limit, flags, steps)
		case 3:
			fuzzRead[codec.BE64](t, data, readBuffer, limit, flags, steps)
		case 4:
			fuzzRead[codec.LE16](t, data, readBuffer, limit, flags, steps)
		case 5:
			fuzzRead[codec.LE32](t, data, readBuffer, limit, flags, steps)
		case 6:
			fuzzRead[codec.LE64](t, data, readBuffer, limit, flags, steps)
		default:
			fuzzRead[codec.Uvarint](t, data, readBuffer, limit, flags, steps)
		}
	})
}

// refResult is what the reference parse expects of one read.
type refResult struct {
	msg  []byte
	err  error // io.EOF or a typed error, compared by value
	next int   // where the following frame starts, for a message or a skip
	cut  error // for an oversized frame whose body is cut short: the error skipping it meets
}

// refRead parses the frame at pos of data as the Framer must.
func refRead[L codec.LengthCodec](data []byte, pos, limit int) refResult {
	var c L
	if pos == len(data) {
		return refResult{err: io.EOF}
	}
	n, size, err := c.DecodeLength(data[pos:])
	switch {
	case err == codec.ErrShortHeader:
		return refResult{err: &errs.IncompleteReadError{Expected: size, Received: len(data) - pos, Part: errs.ErrMissingLength}}
	case err != nil:
		return refResult{err: err}
	}
	body := pos + size
	if n > uint64(limit) {
		res := refResult{err: &errs.MessageTooLargeError{Size: n, Max: uint64(limit)}}
		if n <= uint64(len(data)-body) {
			res.next = body + int(n)
		} else {
			res.cut = &errs.IncompleteReadError{Expected: int(min(n, math.MaxInt)), Received: len(data) - body, Part: errs.ErrMissingMessage}
		}
		return res
	}
	if int(n) > len(data)-body {
		return refResult{err: &errs.IncompleteReadError{Expected: int(n), Received: len(data) - body, Part: errs.ErrMissingMessage}}
	}
	return refResult{msg: data[body : body+int(n)], next: body + int(n)}
}

// sameError reports whether got is want: io.EOF itself, or an error of the
// same type with the same fields.
func sameError(got, want error) bool {
	switch w := want.(type) {
	case *errs.IncompleteReadError:
		g, ok := got.(*errs.IncompleteReadError)
		return ok && *g == *w
	case *errs.MessageTooLargeError:
		g, ok := got.(*errs.MessageTooLargeError)
		return ok && *g == *w
	case *errs.MalformedLengthError:
		g, ok := got.(*errs.MalformedLengthError)
		return ok && *g == *w
	}
	return got == want
}

func fuzzRead[L codec.LengthCodec](t *testing.T, data []byte, readBuffer, limit uint16, flags uint8, steps []byte) {
	skip := flags&1 != 0
	opts := []frame.Option{frame.WithMaxSize(int(limit)), frame.WithReadBuffer(int(readBuffer))}
	if skip {
		opts = append(opts, frame.WithSkipOversized())
	}
	s := newFuzzStream(data, steps)
	r := frame.New[L](s, opts...)
	maxSize := r.MaxSize()
	pos := 0
	for reads := 0; ; reads++ {
		if reads > len(data)+1 {
			t.Fatalf("%d reads of %d bytes: no progress", reads, len(data))
		}
		want := refRead[L](data, pos, maxSize)
		before := s.pos
		var (
			got []byte
			err error
		)
		w := (int(flags>>1) + reads) % 4
		alloc := allocated(func() {
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
		if bound := uint64(3*(s.pos-before) + 2*maxSize + int(readBuffer) + allocSlack); alloc > bound {
			t.Fatalf("read %d (way %d) allocated %d bytes, bound %d", reads, w, alloc, bound)
		}
		if want.err == nil {
			if err != nil || !bytes.Equal(got, want.msg) {
				t.Fatalf("read %d (way %d) at %d: (%d bytes, %v), want the %d-byte message", reads, w, pos, len(got), err, len(want.msg))
			}
			pos = want.next
			continue
		}
		if !sameError(err, want.err) {
			t.Fatalf("read %d (way %d) at %d: error %#v, want %#v", reads, w, pos, err, want.err)
		}
		if err != io.EOF && !errors.Is(err, errs.ErrIO) {
			t.Fatalf("error %v does not match errs.ErrIO", err)
		}
		if _, tooLarge := err.(*errs.MessageTooLargeError); tooLarge && skip {
			if want.cut != nil {
				if _, err = r.ReadMsg(); !sameError(err, want.cut) {
					t.Fatalf("read after skipping a cut body: %#v, want %#v", err, want.cut)
				}
				return
			}
			pos = want.next
			continue
		}
		if again, err2 := r.ReadMsg(); err2 != err || again != nil {
			t.Fatalf("ReadMsg after %v: (%d bytes, %v), want the same error", err, len(again), err2)
		}
		return
	}
}

// allocSlack is what a read may allocate beyond its bound for the runtime's
// own noise; under the race detector, which makes sync.Pool drop buffers at
// random, it also covers re-making up to four pooled 64 KiB buffers.
const allocSlack = 256<<10 + encRaceSlack

// allocated returns the bytes f allocates (and any other goroutine meanwhile:
// the fuzzer calls one input at a time). runtime/metrics reads the counter
// without stopping the world, which keeps the fuzzer fast.
func allocated(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(sample)
	before := sample[0].Value.Uint64()
	f()
	metrics.Read(sample)
	return sample[0].Value.Uint64() - before
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
	s := newFuzzStream(data, steps)
	n, err := frame.ReadLength[L](s)
	wn, size, werr := c.DecodeLength(data)
	switch {
	case werr == nil:
		if err != nil || n != wn || s.pos != size {
			t.Fatalf("%s: ReadLength(%x) = (%d, %v) after %d bytes, want (%d, nil) after %d", c, data, n, err, s.pos, wn, size)
		}
	case werr == codec.ErrShortHeader && len(data) == 0:
		if err != io.EOF {
			t.Fatalf("%s: ReadLength of nothing: %v, want io.EOF", c, err)
		}
	case werr == codec.ErrShortHeader:
		want := &errs.IncompleteReadError{Expected: size, Received: len(data), Part: errs.ErrMissingLength}
		if !sameError(err, want) || s.pos != len(data) {
			t.Fatalf("%s: ReadLength(%x) = %#v after %d bytes, want %#v", c, data, err, s.pos, want)
		}
	default:
		at := 1 // the first prefix of data that is malformed
		for ; at < len(data); at++ {
			if _, _, e := c.DecodeLength(data[:at]); e != codec.ErrShortHeader {
				break
			}
		}
		if !sameError(err, werr) || s.pos != at {
			t.Fatalf("%s: ReadLength(%x) = %v after %d bytes, want %v after %d", c, data, err, s.pos, werr, at)
		}
	}
}

// FuzzAppendFrame is a rapid property run by the fuzzer: messages framed by
// AppendFrame with any codec, one after another, decode back with
// DecodeLength to the same messages and the same header bytes the codec's
// AppendLength makes, and a Framer reads them back.
func FuzzAppendFrame(f *testing.F) {
	f.Fuzz(rapid.MakeFuzz(func(t *rapid.T) {
		switch rapid.IntRange(0, 7).Draw(t, "codec") {
		case 0:
			appendFrame[codec.BE8](t)
		case 1:
			appendFrame[codec.BE16](t)
		case 2:
			appendFrame[codec.BE32](t)
		case 3:
			appendFrame[codec.BE64](t)
		case 4:
			appendFrame[codec.LE16](t)
		case 5:
			appendFrame[codec.LE32](t)
		case 6:
			appendFrame[codec.LE64](t)
		default:
			appendFrame[codec.Uvarint](t)
		}
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
	r := frame.New[L](newFuzzStream(stream[len(prefix):], nil), frame.WithMaxSize(top))
	for i, m := range msgs {
		if got, err := r.ReadMsg(); err != nil || !bytes.Equal(got, m) {
			t.Fatalf("ReadMsg of frame %d: (%d bytes, %v), want %d bytes", i, len(got), err, len(m))
		}
	}
	if _, err := r.ReadMsg(); err != io.EOF {
		t.Fatalf("ReadMsg at the end: %v, want io.EOF", err)
	}
}

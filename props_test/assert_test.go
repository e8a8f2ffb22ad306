package props_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strconv"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
)

// way is one of the ways to read a message.
type way int

const (
	viaReadMsg way = iota
	viaAppendMsg
	viaView
	viaRead // go-msgio's Read(p)
	ways
)

func (w way) String() string {
	return [...]string{"ReadMsg", "AppendMsg", "ReadMsgView", "Read"}[w]
}

// wayGen generates ways. Generators are made per use: rapid's are not safe
// to share between the parallel tests.
func wayGen() *rapid.Generator[way] {
	return rapid.Map(rapid.IntRange(0, int(ways)-1), func(n int) way { return way(n) })
}

// drawWay draws a way to read.
func drawWay(t *rapid.T) way { return wayGen().Draw(t, "way") }

// readVia reads one message from f the given way and returns a copy the
// caller owns. want is the body length the next header declares, or -1 when
// the model expects an error before the body (or io.EOF). Read is handed a
// buffer just big enough for want, and sometimes first one too small, which
// must fail with io.ErrShortBuffer and consume nothing.
func readVia[L codec.LengthCodec](t *rapid.T, f *frame.Framer[L], w way, want int) ([]byte, error) {
	switch w {
	case viaReadMsg:
		m, err := f.ReadMsg()
		if err == nil && m == nil {
			t.Fatalf("ReadMsg returned a nil message with a nil error")
		}
		if err != nil {
			return nil, err // the body so far, if any, is not the message
		}
		return m, nil
	case viaAppendMsg:
		prefix := []byte("prefix")
		dst := make([]byte, len(prefix), len(prefix)+rapid.IntRange(0, 2*want+8).Draw(t, "appendCap"))
		copy(dst, prefix)
		m, err := f.AppendMsg(dst)
		if !bytes.Equal(m[:len(prefix)], prefix) {
			t.Fatalf("AppendMsg changed the bytes already in dst: %q", m[:len(prefix)])
		}
		if err != nil && len(m) != len(prefix) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("AppendMsg appended %d bytes before failing with %v", len(m)-len(prefix), err)
		}
		if err != nil {
			return nil, err
		}
		return slices.Clone(m[len(prefix):]), nil
	case viaView:
		m, err := f.ReadMsgView()
		if err != nil {
			return nil, err
		}
		return slices.Clone(m), nil
	default:
		if want > 0 && rapid.Bool().Draw(t, "shortBuffer") {
			k, err := f.Read(make([]byte, want-1))
			if k != 0 || err != io.ErrShortBuffer {
				t.Fatalf("Read into %d bytes for a %d-byte message: (%d, %v), want (0, io.ErrShortBuffer)", want-1, want, k, err)
			}
		}
		p := make([]byte, max(want, 0)+rapid.IntRange(0, 3).Draw(t, "readSlack"))
		k, err := f.Read(p)
		if err != nil {
			return nil, err // k may count part of a body cut short
		}
		return p[:k], nil
	}
}

var itoa = strconv.Itoa

// wantMsg fails t unless a read returned exactly msg with no error.
func wantMsg(t *rapid.T, what string, got []byte, err error, msg []byte) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: error %v, want the %d-byte message", what, err, len(msg))
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("%s: got %d bytes, want %d (%s)", what, len(got), len(msg), diff(got, msg))
	}
}

func diff(a, b []byte) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return "first difference at byte " + strconv.Itoa(i)
		}
	}
	return "one is a prefix of the other"
}

// wantEOF fails t unless err is io.EOF itself.
func wantEOF(t *rapid.T, what string, err error) {
	t.Helper()
	if err != io.EOF {
		t.Fatalf("%s: error %v, want io.EOF itself", what, err)
	}
}

// wantIncomplete fails t unless err is an *errs.IncompleteReadError, not
// wrapped, holding exactly the numbers and part given and no transport, and
// matching everything its doc says it matches.
func wantIncomplete(t *rapid.T, what string, err error, expected, received int, part error) {
	t.Helper()
	e, ok := err.(*errs.IncompleteReadError)
	if !ok {
		t.Fatalf("%s: error %v (%T), want an *errs.IncompleteReadError", what, err, err)
	}
	want := errs.IncompleteReadError{Expected: expected, Received: received, Part: part}
	if *e != want {
		t.Fatalf("%s: got %+v, want %+v", what, *e, want)
	}
	for _, target := range []error{part, io.ErrUnexpectedEOF, errs.ErrIncompleteRead, errs.ErrMsgio, errs.ErrIO} {
		if !errors.Is(err, target) {
			t.Fatalf("%s: %v does not match %v", what, err, target)
		}
	}
}

// wantTooLarge fails t unless err is an *errs.MessageTooLargeError, not
// wrapped, with exactly the sizes given.
func wantTooLarge(t *rapid.T, what string, err error, size, limit uint64) {
	t.Helper()
	e, ok := err.(*errs.MessageTooLargeError)
	if !ok {
		t.Fatalf("%s: error %v (%T), want an *errs.MessageTooLargeError", what, err, err)
	}
	if *e != (errs.MessageTooLargeError{Size: size, Max: limit}) {
		t.Fatalf("%s: got %+v, want {Size:%d Max:%d}", what, *e, size, limit)
	}
	for _, target := range []error{errs.ErrMessageTooLarge, errs.ErrMsgio, errs.ErrIO} {
		if !errors.Is(err, target) {
			t.Fatalf("%s: %v does not match %v", what, err, target)
		}
	}
}

// wantMalformed fails t unless err is an *errs.MalformedLengthError for the
// uvarint codec with cause as its Err.
func wantMalformed(t *rapid.T, what string, err, cause error) {
	t.Helper()
	e, ok := err.(*errs.MalformedLengthError)
	if !ok {
		t.Fatalf("%s: error %v (%T), want an *errs.MalformedLengthError", what, err, err)
	}
	if *e != (errs.MalformedLengthError{Codec: "uvarint", Err: cause}) {
		t.Fatalf("%s: got %+v, want {Codec:uvarint Err:%v}", what, *e, cause)
	}
	for _, target := range []error{cause, errs.ErrMalformedLength, errs.ErrMsgio, errs.ErrIO} {
		if !errors.Is(err, target) {
			t.Fatalf("%s: %v does not match %v", what, err, target)
		}
	}
}

// wantFramingError fails t unless err is the framing error want, by the
// want* function for its type: not wrapped, with the same fields, and
// matching everything its doc says it matches.
func wantFramingError(t *rapid.T, what string, err, want error) {
	t.Helper()
	switch want := want.(type) {
	case *errs.IncompleteReadError:
		wantIncomplete(t, what, err, want.Expected, want.Received, want.Part)
	case *errs.MessageTooLargeError:
		wantTooLarge(t, what, err, want.Size, want.Max)
	case *errs.MalformedLengthError:
		wantMalformed(t, what, err, want.Err) // only a uvarint header is malformed
	default:
		t.Fatalf("%s: no framing error like %#v", what, want)
	}
}

// headerNeed is the Expected of an IncompleteReadError for a stream that ends
// after got bytes of an L header: the fewest header bytes that could
// complete it. A fixed-width header needs its width; a varint cut inside has
// its continuation bit set on every byte seen, so it needs one more.
func headerNeed[L codec.LengthCodec](got int) int {
	var c L
	switch any(c).(type) {
	case codec.Uvarint, codec.VBI:
		return got + 1
	}
	return c.MaxHeaderSize()
}

// writeCalls returns the sizes of the Write calls a Framer with
// WithWriteBuffer(batch) makes for frames of the given sizes followed by a
// Flush: unbatched, one call a frame; batched, a call whenever the next frame
// would overflow the batch, one for each frame larger than the batch, and one
// for what is left at the Flush.
func writeCalls(batch int, frames []int) []int {
	var calls []int
	waiting := 0
	for _, n := range frames {
		switch {
		case batch > 0 && n <= batch:
			if waiting+n > batch {
				calls = append(calls, waiting)
				waiting = 0
			}
			waiting += n
		default:
			if waiting > 0 {
				calls = append(calls, waiting)
				waiting = 0
			}
			calls = append(calls, n)
		}
	}
	if waiting > 0 {
		calls = append(calls, waiting)
	}
	return calls
}

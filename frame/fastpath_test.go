package frame_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"reflect"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// fastPathOutcome is everything a sequence of reads observed: the messages, then
// the error that ended it.
type fastPathOutcome struct {
	msgs [][]byte
	err  string
}

// fastPathRead reads until an error with a mix of ReadMsg, AppendMsg and
// ReadMsgView, and describes the error by its type and numbers.
func fastPathRead[L codec.LengthCodec](stream []byte, rb int, maxSize int) fastPathOutcome {
	return readWith[L](stream, rb, maxSize, -1)
}

// readWith is fastPathRead with one method for every read when method is 0
// (ReadMsg), 1 (AppendMsg) or 2 (ReadMsgView), and the mix when it is -1.
func readWith[L codec.LengthCodec](stream []byte, rb int, maxSize int, method int) fastPathOutcome {
	f := frame.New[L](testkit.Reading(stream), frame.WithReadBuffer(rb), frame.WithMaxSize(maxSize))
	var out fastPathOutcome
	for i := 0; ; i++ {
		var msg []byte
		var err error
		m := method
		if m < 0 {
			m = i % 3
		}
		switch m {
		case 0:
			msg, err = f.ReadMsg()
		case 1:
			msg, err = f.AppendMsg(nil)
		case 2:
			msg, err = f.ReadMsgView()
		}
		if err != nil {
			out.err = fastPathError(err)
			return out
		}
		out.msgs = append(out.msgs, append([]byte{}, msg...)) // nil and empty alike
	}
}

func fastPathError(err error) string {
	var tooLarge *errs.MessageTooLargeError
	var incomplete *errs.IncompleteReadError
	var malformed *errs.MalformedLengthError
	switch {
	case err == io.EOF:
		return "EOF"
	case errors.As(err, &tooLarge):
		return fmt.Sprintf("too large %d > %d", tooLarge.Size, tooLarge.Max)
	case errors.As(err, &incomplete):
		return fmt.Sprintf("incomplete %d/%d length=%v message=%v", incomplete.Received, incomplete.Expected,
			errors.Is(err, errs.ErrMissingLength), errors.Is(err, errs.ErrMissingMessage))
	case errors.As(err, &malformed):
		return "malformed " + malformed.Error()
	}
	return "other " + err.Error()
}

// TestFastPathMatchesExactMode checks the buffered read path, which decodes
// BE16, BE32 and short Uvarint headers itself, against exact mode, which
// never takes that path and always asks the codec: on random streams of
// frames around every header boundary, cut short or corrupted at random,
// both must read the same messages and end with the same error.
func TestFastPathMatchesExactMode(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(7))
	sizes := []int{0, 1, 2, 3, 127, 128, 129, 255, 256, 300, 16383, 16384, 16385, 65535, 65537, 200000}
	build := func(appendHdr func([]byte, int) []byte, maxLen int) []byte {
		var s []byte
		for range 1 + rng.Intn(6) {
			n := sizes[rng.Intn(len(sizes))]
			if n > maxLen {
				n = maxLen
			}
			s = appendHdr(s, n)
			for range n {
				s = append(s, byte(rng.Intn(256)))
			}
		}
		switch rng.Intn(4) {
		case 0: // cut anywhere
			s = s[:rng.Intn(len(s)+1)]
		case 1: // corrupt a byte
			if len(s) > 0 {
				s[rng.Intn(len(s))] = byte(rng.Intn(256))
			}
		case 2: // a non-minimal or overlong varint, or a junk header
			junk := [][]byte{{0x80, 0x00}, {0x81, 0x00}, {0xff, 0x00}, {0x80, 0x80, 0x00},
				bytes.Repeat([]byte{0xff}, 10), {0x80}, {0xff, 0xff, 0xff, 0xff}}
			s = append(s, junk[rng.Intn(len(junk))]...)
		}
		return s
	}
	type codecCase struct {
		name string
		read func(stream []byte, rb, max int) fastPathOutcome
		with func(stream []byte, rb, max, method int) fastPathOutcome
		hdr  func([]byte, int) []byte
		max  int
	}
	cases := []codecCase{
		{"BE32", fastPathRead[codec.BE32], readWith[codec.BE32], func(b []byte, n int) []byte { return codec.BE32{}.AppendLength(b, uint64(n)) }, 1 << 20},
		{"BE16", fastPathRead[codec.BE16], readWith[codec.BE16], func(b []byte, n int) []byte { return codec.BE16{}.AppendLength(b, uint64(n)) }, 65535},
		{"Uvarint", fastPathRead[codec.Uvarint], readWith[codec.Uvarint], func(b []byte, n int) []byte { return codec.Uvarint{}.AppendLength(b, uint64(n)) }, 1 << 20},
		{"LE32", fastPathRead[codec.LE32], readWith[codec.LE32], func(b []byte, n int) []byte { return codec.LE32{}.AppendLength(b, uint64(n)) }, 1 << 20},
	}
	for _, c := range cases {
		for i := range 60 {
			stream := build(c.hdr, c.max)
			maxSize := []int{c.max, 300, 16384, 0}[rng.Intn(4)]
			// ReadMsg gathers a large body in chunks, AppendMsg and
			// ReadMsgView grow one slice: the same frames either way.
			if rb := []int{0, 100, frame.DefaultReadBuffer}[i%3]; true {
				byAppend := c.with(stream, rb, maxSize, 1)
				for _, method := range []int{0, 2} {
					if got := c.with(stream, rb, maxSize, method); !reflect.DeepEqual(got, byAppend) {
						t.Fatalf("%s case %d, read buffer %d, max %d: method %d read %d messages then %q; AppendMsg %d then %q",
							c.name, i, rb, maxSize, method, len(got.msgs), got.err, len(byAppend.msgs), byAppend.err)
					}
				}
			}
			want := c.read(stream, 0, maxSize)
			for _, rb := range []int{16, 100, 4096, frame.DefaultReadBuffer} {
				if got := c.read(stream, rb, maxSize); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s case %d, read buffer %d, max %d: buffered read %d messages then %q; exact mode %d then %q",
						c.name, i, rb, maxSize, len(got.msgs), got.err, len(want.msgs), want.err)
				}
			}
		}
	}
}

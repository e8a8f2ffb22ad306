package interop

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
)

// theirReading is what one Node reader made of a stream: the messages, the
// code of the error it threw ("" for none) and, for it-length-prefixed-stream,
// where its last read stopped ("boundary", "header" or "body").
type theirReading struct {
	msgs  [][]byte
	code  string
	where string
}

// laxCase is a stream the multiformats spec calls invalid or truncated, and
// what each side reads from it.
type laxCase struct {
	name   string
	stream []byte
	max    int                  // the Node readers' maxDataLength; 0 for their default
	ours   [][]byte             // messages our reader returns before its error
	ourErr func(err error) bool // our error; nil for a clean end
	want   string               // our error, in words
	lp     theirReading         // it-length-prefixed's decode
	lps    theirReading         // it-length-prefixed-stream's read, until it throws
}

func malformed(err error) bool {
	var e *errs.MalformedLengthError
	return errors.As(err, &e)
}

func incomplete(expected, received int, part error) func(error) bool {
	return func(err error) bool {
		var e *errs.IncompleteReadError
		return errors.As(err, &e) && e.Expected == expected && e.Received == received && e.Part == part
	}
}

func tooLarge(size, max int) func(error) bool {
	return func(err error) bool {
		var e *errs.MessageTooLargeError
		return errors.As(err, &e) && e.Size == uint64(size) && e.Max == uint64(max)
	}
}

var (
	a     = []byte("a")
	empty = []byte{}
)

// laxCases are the streams where the sides differ, and the reference cases
// they differ from. A change on either side fails TestLaxness: then update
// the case and the findings in HANDOFF.md (the README's Interop section).
var laxCases = []laxCase{
	{
		name: "empty stream", stream: nil,
		ours: nil, ourErr: nil, want: "a clean end",
		lp:  theirReading{nil, "", ""},
		lps: theirReading{nil, "ERR_UNEXPECTED_EOF", "boundary"}, // no clean end, ever
	},
	{
		name: "non-minimal zero 80 00", stream: []byte{0x80, 0x00},
		ourErr: malformed, want: "*errs.MalformedLengthError",
		lp:  theirReading{[][]byte{empty, empty}, "", ""}, // reads 80 as 0, then 00
		lps: theirReading{[][]byte{empty}, "ERR_UNEXPECTED_EOF", "boundary"},
	},
	{
		name: "non-minimal one 81 00", stream: []byte{0x81, 0x00},
		ourErr: malformed, want: "*errs.MalformedLengthError",
		lp:  theirReading{[][]byte{{0x00}}, "", ""}, // a 1-byte header, then 00 as the body
		lps: theirReading{nil, "ERR_UNEXPECTED_EOF", "body"},
	},
	{
		name: "header with no body 05", stream: []byte{0x05},
		ourErr: incomplete(5, 0, errs.ErrMissingMessage), want: "*errs.IncompleteReadError{5, 0, ErrMissingMessage}",
		lp:  theirReading{nil, "", ""}, // accepted silently
		lps: theirReading{nil, "ERR_UNEXPECTED_EOF", "body"},
	},
	{
		name: "a message, then a header with no body 01 61 05", stream: []byte{0x01, 'a', 0x05},
		ours: [][]byte{a}, ourErr: incomplete(5, 0, errs.ErrMissingMessage), want: "*errs.IncompleteReadError{5, 0, ErrMissingMessage}",
		lp:  theirReading{[][]byte{a}, "", ""}, // accepted silently
		lps: theirReading{[][]byte{a}, "ERR_UNEXPECTED_EOF", "body"},
	},
	{
		name: "header with a short body 05 61 62", stream: []byte{0x05, 'a', 'b'},
		ourErr: incomplete(5, 2, errs.ErrMissingMessage), want: "*errs.IncompleteReadError{5, 2, ErrMissingMessage}",
		lp:  theirReading{nil, "ERR_UNEXPECTED_EOF", ""},
		lps: theirReading{nil, "ERR_UNEXPECTED_EOF", "body"},
	},
	{
		name: "cut header 80", stream: []byte{0x80},
		ourErr: incomplete(2, 1, errs.ErrMissingLength), want: "*errs.IncompleteReadError{2, 1, ErrMissingLength}",
		lp:  theirReading{nil, "ERR_UNEXPECTED_EOF", ""},
		lps: theirReading{nil, "ERR_UNEXPECTED_EOF", "header"},
	},
	{
		name: "overlong header, 10 bytes", stream: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		ourErr: malformed, want: "*errs.MalformedLengthError",
		lp:  theirReading{nil, "ERR_MSG_LENGTH_TOO_LONG", ""},
		lps: theirReading{nil, "ERR_UNEXPECTED_EOF", "header"}, // read to the end of the stream
	},
	{
		name: "overlong header, 101 bytes, their limit set", stream: append(bytes.Repeat([]byte{0xff}, 100), 0x01), max: 1000,
		ourErr: malformed, want: "*errs.MalformedLengthError",
		lp:  theirReading{nil, "ERR_MSG_LENGTH_TOO_LONG", ""},
		lps: theirReading{nil, "ERR_UNEXPECTED_EOF", "header"}, // maxDataLength does not bound the header
	},
	{
		name: "declared 2^40 bytes, 3 sent", stream: append(binary.AppendUvarint(nil, 1<<40), "abc"...),
		ourErr: tooLarge(1<<40, frame.DefaultMaxSize), want: "*errs.MessageTooLargeError{2^40, 8 MiB}",
		lp:  theirReading{nil, "ERR_MSG_DATA_TOO_LONG", ""},
		lps: theirReading{nil, "ERR_UNEXPECTED_EOF", "body"}, // no default limit: waits for 2^40 bytes
	},
}

// TestLaxness records what each side reads from streams that are invalid or
// truncated: framekit rejects them with a typed error; the Node readers
// accept some, or read a different number of messages from the same bytes.
func TestLaxness(t *testing.T) {
	t.Parallel()
	peer := startBatch(t)
	f := newFiles(t.TempDir())
	for _, tc := range laxCases {
		for _, rb := range []int{0, frame.DefaultReadBuffer} {
			got, err := ourDecoding(tc.stream, frame.WithReadBuffer(rb))
			if d := sameMessages(got, tc.ours); d != "" {
				t.Errorf("%s: our reader (read buffer %d): %s", tc.name, rb, d)
			}
			if (tc.ourErr == nil) != (err == nil) || (err != nil && !tc.ourErr(err)) {
				t.Errorf("%s: our reader (read buffer %d) ended with %v, want %s", tc.name, rb, err, tc.want)
			}
		}
		for _, lib := range decodeLibs {
			want := map[string]theirReading{"lp": tc.lp, "stream": tc.lps}[lib]
			for _, chunk := range []int{0, 1} {
				msgs, r := theirDecoding(t, peer, f, lib, tc.stream, chunk, tc.max)
				gotReading := theirReading{msgs: msgs, where: r.Where}
				if r.Error != nil {
					gotReading.code = r.Error.Code
				}
				if d := sameMessages(msgs, want.msgs); d != "" || gotReading.code != want.code || gotReading.where != want.where {
					t.Errorf("%s: node %s decode (chunks of %d) read %s; want %s",
						tc.name, lib, chunk, gotReading, want)
				}
			}
		}
	}
}

func (r theirReading) String() string {
	code := r.code
	if code == "" {
		code = "no error"
	}
	s := fmt.Sprintf("%d messages %x, then %s", len(r.msgs), r.msgs, code)
	if r.where != "" {
		s += " (stopped at " + r.where + ")"
	}
	return s
}

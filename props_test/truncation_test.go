package props_test

import (
	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
)

// outcome is what the model expects from reading frame i of a stream cut at
// some byte: the message, io.EOF, or an IncompleteReadError.
type outcome struct {
	msg                []byte
	eof                bool
	part               error // nil unless incomplete
	expected, received int
}

// expect returns the outcome of reading frame i of msgs, laid out as sp, from
// a stream cut at byte cut.
func expect[L codec.LengthCodec](msgs [][]byte, sp []span, i, cut int) outcome {
	switch {
	case i == len(msgs) || cut <= sp[i].start:
		return outcome{eof: true}
	case cut >= sp[i].end():
		return outcome{msg: msgs[i]}
	case cut-sp[i].start < sp[i].header:
		got := cut - sp[i].start
		return outcome{part: errs.ErrMissingLength, expected: headerNeed[L](got), received: got}
	default:
		return outcome{part: errs.ErrMissingMessage, expected: sp[i].body, received: cut - sp[i].start - sp[i].header}
	}
}

// cutPoints returns where to cut a stream of n bytes holding frames sp: every
// byte of a stream of at most everyByte bytes; for a longer one every byte of
// every header and around every frame's edges, and a few drawn ones.
func cutPoints(t *rapid.T, n int, sp []span, everyByte int) []int {
	if n <= everyByte {
		cuts := make([]int, n+1)
		for i := range cuts {
			cuts[i] = i
		}
		return cuts
	}
	var cuts []int
	for _, s := range sp {
		for c := s.start; c <= s.start+s.header+2 && c <= n; c++ {
			cuts = append(cuts, c)
		}
		for c := max(s.start, s.end()-2); c <= s.end(); c++ {
			cuts = append(cuts, c)
		}
	}
	return append(cuts, rapid.SliceOfN(rapid.IntRange(0, n), 8, 8).Draw(t, "cuts")...)
}

// checkTruncation: a stream cut at any byte yields the messages that end
// before the cut, whole, then io.EOF if the cut falls between frames, and
// otherwise the exact IncompleteReadError: in a header, Received the header
// bytes seen and Expected the fewest that could complete it; in a body,
// Expected the declared length and Received the body bytes seen. The error
// is sticky, and NextMsgLen agrees with every read.
func checkTruncation[L codec.LengthCodec](t *rapid.T) {
	limit := drawLimit(t)
	readBuffer := drawReadBuffer(t)
	msgs := rapid.SliceOfN(messages(limitFor[L](limit), 70<<10), 0, 6).Draw(t, "msgs")
	data, sp := encode[L](t, msgs), spans[L](msgs)
	base := drawStream(t, data)
	ways := rapid.SliceOfN(wayGen(), 1, 4).Draw(t, "ways")
	peek := rapid.Bool().Draw(t, "peek")
	for _, cut := range cutPoints(t, len(data), sp, 1200) {
		s := base.replay(data, cut)
		r := frame.New[L](s, frame.WithMaxSize(limit), frame.WithReadBuffer(readBuffer))
		for i := 0; ; i++ {
			want := expect[L](msgs, sp, i, cut)
			what := "stream of " + itoa(len(data)) + " bytes cut at " + itoa(cut) + ", frame " + itoa(i)
			if peek && (i+cut)%3 == 0 {
				n, err := r.NextMsgLen()
				switch {
				case want.eof:
					wantEOF(t, what+": NextMsgLen", err)
				case want.part == errs.ErrMissingLength:
					wantIncomplete(t, what+": NextMsgLen", err, want.expected, want.received, want.part)
				case err != nil || n != sp[i].body:
					t.Fatalf("%s: NextMsgLen = (%d, %v), want (%d, nil)", what, n, err, sp[i].body)
				}
			}
			w := ways[i%len(ways)]
			size := -1 // Read(p) needs room for a body only once its header is whole
			if want.msg != nil || want.part == errs.ErrMissingMessage {
				size = sp[i].body
			}
			got, err := readVia(t, r, w, size)
			what += ": " + w.String()
			switch {
			case want.eof:
				wantEOF(t, what, err)
			case want.part != nil:
				wantIncomplete(t, what, err, want.expected, want.received, want.part)
			default:
				wantMsg(t, what, got, err, want.msg)
				continue
			}
			again, err2 := r.ReadMsg()
			if err2 != err || again != nil {
				t.Fatalf("%s: ReadMsg after %v: (%d bytes, %v), want the same error again", what, err, len(again), err2)
			}
			if n, err3 := r.NextMsgLen(); err3 != err {
				t.Fatalf("%s: NextMsgLen after %v: (%d, %v), want the same error again", what, err, n, err3)
			}
			break
		}
	}
}

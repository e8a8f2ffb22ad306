package props_test

import (
	"bytes"
	"io"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
)

// chunkedSource is a source that returns at most the next of steps bytes a
// call, in turn; a 0 step returns (0, nil).
type chunkedSource struct {
	r     io.Reader
	steps []int
	i     int
}

func (p *chunkedSource) Read(b []byte) (int, error) {
	n := p.steps[p.i%len(p.steps)]
	p.i++
	return p.r.Read(b[:min(len(b), n)])
}

// drawSteps draws read sizes for a source or a caller, with at least one
// that makes progress.
func drawSteps(t *rapid.T, label string) []int {
	steps := rapid.SliceOfN(rapid.OneOf(rapid.IntRange(0, 3), rapid.IntRange(1, 700), rapid.IntRange(701, 1<<17)), 1, 6).Draw(t, label)
	return append(steps, 4096)
}

// readStreamed reads a message from f through NextReader, in reads of the
// sizes steps gives in turn, keeping at most keep bytes (all of them when
// keep < 0). It returns what it read and the length NextReader announced, and
// stops at the first error.
func readStreamed[L codec.LengthCodec](f *frame.Framer[L], steps []int, keep int) ([]byte, int, error) {
	r, n, err := f.NextReader()
	if err != nil {
		return nil, n, err
	}
	var got []byte
	for i := 0; keep < 0 || len(got) < keep; i++ {
		size := steps[i%len(steps)]
		if keep >= 0 {
			size = min(size, keep-len(got))
		}
		buf := make([]byte, size)
		k, err := r.Read(buf)
		got = append(got, buf[:k]...)
		if err == io.EOF && len(got) == n {
			return got, n, nil
		}
		if err != nil {
			return got, n, err
		}
		if len(got) > n {
			break
		}
	}
	return got, n, nil
}

// checkStreamedAgrees: streamed and whole writes of the same messages put
// the same bytes on the wire, whatever the source's read sizes and the write
// batching; and reading that wire back, each message either whole (every
// way) or through NextReader in any read sizes, gives the same bytes, with
// a reader abandoned partway streaming the rest of its body away so that the
// next message is right, and io.EOF at the end.
func checkStreamedAgrees[L codec.LengthCodec](t *rapid.T) {
	limit := limitFor[L](1 << 20)
	msgs := rapid.SliceOfN(messages(limit, largestMessage()), 0, 8).Draw(t, "msgs")
	batch := drawWriteBuffer(t)
	sink := &stream{cut: -1, steps: []int{1}, budget: -1}
	w := frame.New[L](sink, frame.WithMaxSize(limit), frame.WithWriteBuffer(batch))
	for i, m := range msgs {
		var err error
		if rapid.Bool().Draw(t, "streamWrite") {
			src := &chunkedSource{r: bytes.NewReader(append(m, "trailing"...)), steps: drawSteps(t, "sourceSteps")}
			err = w.WriteMsgFrom(src, len(m))
		} else {
			err = w.WriteMsg(m)
		}
		if err != nil {
			t.Fatalf("message %d of %d bytes: %v", i, len(m), err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := encode[L](t, msgs); !bytes.Equal(sink.data, want) {
		t.Fatalf("streamed writes put %d bytes on the wire, whole ones %d: %s", len(sink.data), len(want), diff(sink.data, want))
	}

	r := frame.New[L](drawStream(t, sink.data), frame.WithMaxSize(limit), frame.WithReadBuffer(drawReadBuffer(t)))
	steps := drawSteps(t, "callerSteps")
	for i, m := range msgs {
		what := "message " + itoa(i) + " of " + itoa(len(m)) + " bytes"
		if !rapid.Bool().Draw(t, "streamRead") {
			got, err := readVia(t, r, drawWay(t), len(m))
			wantMsg(t, what, got, err, m)
			continue
		}
		keep := -1
		if rapid.Bool().Draw(t, "abandon") {
			keep = rapid.IntRange(0, len(m)).Draw(t, "keep")
		}
		got, n, err := readStreamed(r, steps, keep)
		if err != nil || n != len(m) || !bytes.Equal(got, m[:len(got)]) || keep < 0 && len(got) != n {
			t.Fatalf("%s, streamed keeping %d: %d bytes of %d, %v: %s", what, keep, len(got), n, err, diff(got, m))
		}
	}
	if _, err := r.ReadMsg(); err != io.EOF {
		t.Fatalf("after the last message: %v", err)
	}
}

// checkStreamedTruncation: a stream cut at any byte, read through NextReader
// only, yields the messages before the cut, then io.EOF between frames, an
// IncompleteReadError from NextReader inside a header, or, inside a body,
// every byte that arrived and then the exact IncompleteReadError from the
// reader (Expected the declared length, Received the body bytes seen),
// sticky for the Framer.
func checkStreamedTruncation[L codec.LengthCodec](t *rapid.T) {
	limit := limitFor[L](1 << 20)
	msgs := rapid.SliceOfN(messages(limit, 70<<10), 0, 5).Draw(t, "msgs")
	data, sp := encode[L](t, msgs), spans[L](msgs)
	base := drawStream(t, data)
	readBuffer := drawReadBuffer(t)
	steps := drawSteps(t, "callerSteps")
	for _, cut := range cutPoints(t, len(data), sp, 1200) {
		r := frame.New[L](base.replay(data, cut), frame.WithMaxSize(limit), frame.WithMaxStreamSize(int64(limit)), frame.WithReadBuffer(readBuffer))
		for i := 0; ; i++ {
			want := expect[L](msgs, sp, i, cut)
			what := "stream of " + itoa(len(data)) + " bytes cut at " + itoa(cut) + ", frame " + itoa(i)
			got, _, err := readStreamed(r, steps, -1)
			switch {
			case want.eof:
				wantEOF(t, what, err)
			case want.part == errs.ErrMissingLength:
				wantIncomplete(t, what, err, want.expected, want.received, want.part)
			case want.part == errs.ErrMissingMessage:
				wantIncomplete(t, what, err, want.expected, want.received, want.part)
				if !bytes.Equal(got, msgs[i][:want.received]) {
					t.Fatalf("%s: the %d bytes before the cut differ: %s", what, len(got), diff(got, msgs[i][:want.received]))
				}
			default:
				wantMsg(t, what, got, err, want.msg)
				continue
			}
			if _, err2 := r.ReadMsg(); err2 != err {
				t.Fatalf("%s: ReadMsg after %v: %v, want the same error again", what, err, err2)
			}
			break
		}
	}
}

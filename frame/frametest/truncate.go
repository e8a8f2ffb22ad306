package frametest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/framekit/framekit/frame"
)

// capture is the writer's side of the raw stream: it keeps every byte.
type capture struct{ bytes.Buffer }

func (*capture) Read([]byte) (int, error) { return 0, io.EOF }
func (*capture) Close() error             { return nil }

// prefix is the reader's side: the first limit bytes of a capture, served in
// reads of varying sizes, then io.EOF.
type prefix struct {
	src   *capture
	limit int
	pos   int
	calls int
}

// chunks are the sizes prefix reads return, in turn: reads that split headers
// and bodies anywhere.
var chunks = [...]int{1, 2, 5, 64, 3, 4096}

func (p *prefix) Read(b []byte) (int, error) {
	end := min(p.limit, p.src.Len())
	if p.pos >= end {
		return 0, io.EOF
	}
	k := min(len(b), end-p.pos, chunks[p.calls%len(chunks)])
	p.calls++
	copy(b, p.src.Bytes()[p.pos:p.pos+k])
	p.pos += k
	return k, nil
}

func (*prefix) Write([]byte) (int, error) {
	return 0, errors.New("frametest: the reader's stream is read-only")
}
func (*prefix) Close() error { return nil }

// truncationSizes are the messages cut at every byte: short, so the quadratic
// number of bytes read stays small, and across the one-byte header boundaries.
var truncationSizes = []int{0, 1, 3, 127, 128, 2, 300}

// writeAll writes msgs through a fresh writer of ms, then returns what it
// sent, the reader that will read it, and where each message's bytes end.
func writeAll(ms MakeStream, msgs [][]byte) (*prefix, frame.MsgReader, []int, error) {
	w := &capture{}
	r := &prefix{src: w}
	mw, mr, err := ms(w, r)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("frametest: MakeStream: %w", err)
	}
	ends := make([]int, len(msgs))
	sent := 0 // bytes on the stream so far
	for i, m := range msgs {
		if err := mw.WriteMsg(m); err != nil {
			return nil, nil, nil, fmt.Errorf("frametest: WriteMsg of message %d (%d bytes): %w", i, len(m), err)
		}
		if err := flush(mw); err != nil {
			return nil, nil, nil, fmt.Errorf("frametest: Flush after message %d: %w", i, err)
		}
		if w.Len() == sent {
			return nil, nil, nil, fmt.Errorf("frametest: message %d (%d bytes) put no bytes on the stream by the time WriteMsg and Flush returned", i, len(m))
		}
		sent = w.Len()
		ends[i] = sent
	}
	return r, mr, ends, nil
}

func testTruncation(t *testing.T, ms MakeStream, limit int) {
	msgs := make([][]byte, len(truncationSizes))
	for i, n := range truncationSizes {
		msgs[i] = message("truncation", i, min(n, limit))
	}
	_, _, ends, err := writeAll(ms, msgs)
	if err != nil {
		t.Fatal(err)
	}
	// Every proper prefix, then the whole stream.
	total := ends[len(ends)-1]
	for cut := range total {
		if !truncateAt(t, ms, msgs, cut) {
			return
		}
	}
	truncateAt(t, ms, msgs, total)
}

// truncateAt writes msgs through a fresh pair of ms, cuts the stream at byte
// cut and checks what the reader makes of it. A fresh pair for every cut: a
// layer with random nonces or padding may send different bytes each time, so
// the boundaries are those of this pair's own stream.
func truncateAt(t *testing.T, ms MakeStream, msgs [][]byte, cut int) bool {
	t.Helper()
	r, mr, ends, err := writeAll(ms, msgs)
	if err != nil {
		t.Fatal(err)
	}
	r.limit = cut
	whole := 0 // messages that end at or before the cut
	for whole < len(ends) && ends[whole] <= cut {
		whole++
	}
	atBoundary := cut == 0 || (whole > 0 && ends[whole-1] == cut)
	return checkCut(t, mr, msgs, cut, whole, atBoundary)
}

// checkCut reads the stream cut at byte cut and reports whether all was as
// expected.
func checkCut(t *testing.T, mr frame.MsgReader, msgs [][]byte, cut, whole int, atBoundary bool) bool {
	t.Helper()
	for i := range whole {
		m, err := mr.ReadMsg()
		if err != nil || !bytes.Equal(m, msgs[i]) {
			t.Errorf("stream cut at byte %d: message %d: got (%d bytes, %v), want its %d bytes whole", cut, i, len(m), err, len(msgs[i]))
			return false
		}
	}
	m, err := mr.ReadMsg()
	if atBoundary && err != io.EOF {
		t.Errorf("stream cut at byte %d, a message boundary, after %d messages: got (%d bytes, %v), want io.EOF itself", cut, whole, len(m), err)
		return false
	}
	if !atBoundary && (err == io.EOF || !errors.Is(err, io.ErrUnexpectedEOF)) {
		t.Errorf("stream cut at byte %d, inside message %d: got (%d bytes, %v), want an error matching io.ErrUnexpectedEOF", cut, whole, len(m), err)
		return false
	}
	if m, again := mr.ReadMsg(); again == nil {
		t.Errorf("stream cut at byte %d: a read after %v returned a %d-byte message", cut, err, len(m))
		return false
	}
	return true
}

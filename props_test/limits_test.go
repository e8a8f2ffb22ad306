package props_test

import (
	"bytes"
	"errors"
	"math"
	"slices"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// oversized is a stream holding valid frames, then a header declaring more
// than the limit, then part or all of that body, then perhaps more frames.
type oversized struct {
	limit      int      // WithMaxSize
	before     [][]byte // messages ahead of the oversized frame
	declared   uint64   // the oversized frame's length
	headerAt   int      // where its header starts
	headerEnd  int      // and ends
	sent       int      // body bytes present
	after      [][]byte // messages after the body, when it is whole
	data       []byte
	readBuffer int
}

// drawOversized draws an oversized stream; whole says whether the body is
// all there (and frames follow it).
func drawOversized[L codec.LengthCodec](t *rapid.T, whole bool) (o oversized, ok bool) {
	var c L
	cm := c.MaxLength()
	limits := []*rapid.Generator[int]{rapid.IntRange(0, 300), rapid.IntRange(0, 70<<10)}
	if !whole { // a body we need not send
		limits = append(limits, rapid.Just(frame.DefaultMaxSize))
	}
	o.limit = rapid.OneOf(limits...).Draw(t, "limit")
	if uint64(o.limit) >= cm {
		return o, false // L cannot declare more than this limit
	}
	top := cm
	if whole {
		top = min(cm, uint64(o.limit)+(8<<10)) // a body we can afford to send
	}
	choices := []*rapid.Generator[uint64]{rapid.Just(uint64(o.limit) + 1), rapid.Just(top), rapid.Uint64Range(uint64(o.limit)+1, top)}
	if !whole && cm >= 1<<62 {
		choices = append(choices, rapid.Just(uint64(1)<<62))
	}
	o.declared = rapid.OneOf(choices...).Draw(t, "declared")
	o.readBuffer = drawReadBuffer(t)
	msgSize := limitFor[L](min(o.limit, 4096))
	o.before = rapid.SliceOfN(messages(msgSize, msgSize), 0, 4).Draw(t, "before")
	o.data = encode[L](t, o.before)
	o.headerAt = len(o.data)
	o.data = c.AppendLength(o.data, o.declared)
	o.headerEnd = len(o.data)
	if whole {
		o.sent = int(o.declared)
		o.after = rapid.SliceOfN(messages(msgSize, msgSize), 0, 4).Draw(t, "after")
	} else {
		o.sent = rapid.IntRange(0, int(min(o.declared-1, 4096))).Draw(t, "sent")
	}
	o.data = append(o.data, pattern(o.sent, 7)...)
	o.data = append(o.data, encode[L](t, o.after)...)
	return o, true
}

// readBefore reads the messages ahead of the oversized frame.
func (o oversized) readBefore(t *rapid.T, r interface{ ReadMsg() ([]byte, error) }) {
	for i, m := range o.before {
		got, err := r.ReadMsg()
		wantMsg(t, "message "+itoa(i)+" before the oversized frame", got, err, m)
	}
}

// checkLimits: without WithSkipOversized, a declared length above the limit
// is an exact MessageTooLargeError found before the body is read: in exact
// mode the stream stands right after the header; buffered, no more than a
// buffer past the frame's start was read. The error sticks, for NextMsgLen
// too, whatever way the reads are made.
func checkLimits[L codec.LengthCodec](t *rapid.T) {
	o, ok := drawOversized[L](t, rapid.Bool().Draw(t, "wholeBody"))
	if !ok {
		t.Skip("limit at the codec's maximum")
	}
	s := drawStream(t, o.data)
	r := frame.New[L](s, frame.WithMaxSize(o.limit), frame.WithReadBuffer(o.readBuffer))
	o.readBefore(t, r)
	w := drawWay(t)
	_, err := readVia(t, r, w, -1)
	wantTooLarge(t, w.String()+" of the oversized frame", err, o.declared, uint64(o.limit))
	checkPosition(t, s, o)
	for range 2 {
		if n, err2 := r.NextMsgLen(); err2 != err {
			t.Fatalf("NextMsgLen after %v: (%d, %v), want the same error", err, n, err2)
		}
		w := drawWay(t)
		if _, err2 := readVia(t, r, w, -1); err2 != err {
			t.Fatalf("%s after %v: %v, want the same error", w, err, err2)
		}
	}
	checkPosition(t, s, o)
}

// checkPosition checks how far the reader has read into an oversized
// stream: exactly to the end of the header in exact mode, at most a buffer
// beyond the frame's start in buffered mode.
func checkPosition(t *rapid.T, s *stream, o oversized) {
	t.Helper()
	if o.readBuffer == 0 && s.pos != o.headerEnd {
		t.Fatalf("exact mode read %d bytes of the stream, want %d: up to the end of the oversized header", s.pos, o.headerEnd)
	}
	if limit := o.headerAt + effectiveReadBuffer(o.readBuffer); o.readBuffer > 0 && s.pos > max(limit, o.headerEnd) {
		t.Fatalf("buffered mode read %d bytes of the stream, want at most %d: a buffer past the oversized frame's start", s.pos, limit)
	}
}

// checkSkip: with WithSkipOversized, the read that meets an oversized frame
// returns the exact MessageTooLargeError having consumed only the header (in
// exact mode), and the next read goes on with the frame after it; if the
// body is cut short, the next read reports the exact IncompleteReadError for
// the skipped body.
func checkSkip[L codec.LengthCodec](t *rapid.T) {
	whole := rapid.Bool().Draw(t, "wholeBody")
	o, ok := drawOversized[L](t, whole)
	if !ok {
		t.Skip("limit at the codec's maximum")
	}
	s := drawStream(t, o.data)
	r := frame.New[L](s, frame.WithMaxSize(o.limit), frame.WithReadBuffer(o.readBuffer), frame.WithSkipOversized())
	o.readBefore(t, r)
	var err error
	if rapid.Bool().Draw(t, "peekFirst") {
		_, err = r.NextMsgLen()
	} else {
		w := drawWay(t)
		_, err = readVia(t, r, w, -1)
	}
	wantTooLarge(t, "read of the oversized frame", err, o.declared, uint64(o.limit))
	checkPosition(t, s, o)
	if !whole {
		_, err := r.ReadMsg()
		wantIncomplete(t, "ReadMsg after skipping a cut body", err, int(min(o.declared, math.MaxInt)), o.sent, errs.ErrMissingMessage)
		if _, err2 := r.ReadMsg(); err2 != err {
			t.Fatalf("ReadMsg after %v: %v, want the same error", err, err2)
		}
		return
	}
	if rapid.Bool().Draw(t, "viaMessages") {
		var got [][]byte
		for m, err := range r.Messages() {
			if err != nil {
				t.Fatalf("Messages after the skipped frame: %v", err)
			}
			got = append(got, slices.Clone(m))
		}
		if len(got) != len(o.after) {
			t.Fatalf("Messages yielded %d messages after the skipped frame, want %d", len(got), len(o.after))
		}
		for i, m := range got {
			wantMsg(t, "Messages after the skipped frame, message "+itoa(i), m, nil, o.after[i])
		}
	} else {
		for i, m := range o.after {
			w := drawWay(t)
			got, err := readVia(t, r, w, len(m))
			wantMsg(t, w.String()+" of message "+itoa(i)+" after the skipped frame", got, err, m)
		}
	}
	_, err = r.ReadMsg()
	wantEOF(t, "ReadMsg at the end", err)
}

// checkWriteLimit: WriteMsg of more than the limit fails with the exact
// MessageTooLargeError and writes nothing, batched or not, so the frames
// around it arrive as if it had never been; AppendFrame refuses a message L
// cannot carry and leaves dst as it was.
func checkWriteLimit[L codec.LengthCodec](t *rapid.T) {
	limit := rapid.OneOf(rapid.IntRange(0, 300), rapid.IntRange(0, 70<<10)).Draw(t, "limit")
	eff := limitFor[L](limit)
	s := &stream{cut: -1, budget: -1}
	w := frame.New[L](s, frame.WithMaxSize(limit), frame.WithWriteBuffer(drawWriteBuffer(t)))
	msgs := rapid.SliceOfN(messages(eff, eff), 1, 6).Draw(t, "msgs")
	over := rapid.IntRange(1, 3).Draw(t, "over")
	bad := rapid.IntRange(0, len(msgs)).Draw(t, "badAt")
	for i, m := range msgs {
		if i == bad {
			before, calls := len(s.data), len(s.writes)
			err := w.WriteMsg(make([]byte, eff+over))
			wantTooLarge(t, "WriteMsg above the limit", err, uint64(eff+over), uint64(eff))
			if len(s.data) != before || len(s.writes) != calls {
				t.Fatalf("WriteMsg above the limit wrote %d bytes in %d calls", len(s.data)-before, len(s.writes)-calls)
			}
		}
		if err := w.WriteMsg(m); err != nil {
			t.Fatalf("WriteMsg of message %d: %v", i, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if want := encode[L](t, msgs); !bytes.Equal(s.data, want) {
		t.Fatalf("stream holds %d bytes, want the %d of the valid frames (%s)", len(s.data), len(want), diff(s.data, want))
	}

	if cm := codecMax[L](); cm < 1<<20 {
		dst := rapid.SliceOfN(rapid.Byte(), 0, 8).Draw(t, "dst")
		orig := slices.Clone(dst)
		n := int(cm) + rapid.IntRange(1, 3).Draw(t, "overCodec")
		got, err := frame.AppendFrame[L](dst, make([]byte, n))
		wantTooLarge(t, "AppendFrame above the codec's maximum", err, uint64(n), cm)
		if !bytes.Equal(got, orig) || len(got) != len(orig) || !bytes.Equal(dst, orig) {
			t.Fatalf("AppendFrame above the codec's maximum returned %x from dst %x", got, orig)
		}
	}
}

// checkWriteFailure: a stream write that fails before any byte of it went
// out leaves the Framer usable: once the stream works again, later frames go
// out whole and nothing is reordered or cut. One that fails after part of it
// went out sticks: every later write and flush returns the stream's error and
// makes no Write call.
func checkWriteFailure[L codec.LengthCodec](t *rapid.T) {
	batch := drawWriteBuffer(t)
	msgs := rapid.SliceOfN(messages(limitFor[L](4096), 4096), 1, 8).Draw(t, "msgs")
	data := encode[L](t, msgs)
	s := &stream{cut: -1, budget: rapid.IntRange(0, len(data)).Draw(t, "budget")}
	w := frame.New[L](s, frame.WithWriteBuffer(batch))
	for i, m := range msgs {
		err := w.WriteMsg(m)
		if err != nil && err != errWriteFailed {
			t.Fatalf("WriteMsg of message %d: %v, want the stream's error", i, err)
		}
		if err == nil && s.failed && s.failedK > 0 {
			t.Fatalf("WriteMsg of message %d succeeded after a write went out in part", i)
		}
	}
	flushErr := w.Flush()
	if !s.failed {
		if flushErr != nil || !bytes.Equal(s.data, data) {
			t.Fatalf("no write failed, yet Flush says %v and the stream holds %d bytes, want %d", flushErr, len(s.data), len(data))
		}
		return
	}
	if flushErr != errWriteFailed && (s.failedK > 0 || flushErr != nil) {
		// Sticky, or a batch left waiting for a retry: the stream's error.
		// Otherwise nothing is batched and there is nothing to flush.
		t.Fatalf("Flush after a failed write: %v, want the stream's error", flushErr)
	}
	if !bytes.Equal(s.data, data[:len(s.data)]) {
		t.Fatalf("the stream holds bytes that are not a prefix of the frames (%s)", diff(s.data, data))
	}
	if s.failedK > 0 {
		calls := len(s.writes)
		for range 2 {
			if err := w.WriteMsg([]byte("x")); err != errWriteFailed {
				t.Fatalf("WriteMsg after a write went out in part: %v, want the same error", err)
			}
			if err := w.Flush(); err != errWriteFailed {
				t.Fatalf("Flush after a write went out in part: %v, want the same error", err)
			}
		}
		if len(s.writes) != calls {
			t.Fatalf("%d Write calls after a write went out in part, want none", len(s.writes)-calls)
		}
		return
	}
	s.budget = -1
	extra := []byte("after the failure")
	if err := w.WriteMsg(extra); err != nil {
		t.Fatalf("WriteMsg once the stream works again: %v", err)
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush once the stream works again: %v", err)
	}
	// Every frame on the stream is whole: some of msgs in order, then extra.
	r := frame.New[L](&stream{data: s.data, cut: -1, steps: []int{1 << 20}, budget: -1})
	next := 0
	for {
		m, err := r.ReadMsg()
		if err != nil {
			t.Fatalf("reading the stream back: %v", err)
		}
		if bytes.Equal(m, extra) {
			break
		}
		for next < len(msgs) && !bytes.Equal(msgs[next], m) {
			next++
		}
		if next == len(msgs) {
			t.Fatalf("the stream holds a %d-byte message that was not written, or not in order", len(m))
		}
		next++
	}
	_, err := r.ReadMsg()
	wantEOF(t, "ReadMsg after the last frame", err)
}

// allocBudget is what one read of a frame declaring more than arrived may
// allocate.
const allocBudget = 1 << 20

// checkLimitsAllocateNothing: refusing a declared length above the limit, or
// reading a frame whose body is cut short, allocates in proportion to what
// arrived, never to what was declared: a 2^62-byte declaration costs nothing,
// and an 8 MiB body of which 10 bytes came costs well under 1 MiB. Skipping an
// oversized body streams it away without buffering it whole. A codec that
// cannot declare that much declares the most it can. It runs alone, so that
// the heap counters see only its own allocations.
func checkLimitsAllocateNothing[L codec.LengthCodec](t *rapid.T) {
	var c L
	cm := c.MaxLength()
	readBuffer := drawReadBuffer(t)
	ways := []way{viaReadMsg, viaAppendMsg, viaView}
	w := ways[rapid.IntRange(0, len(ways)-1).Draw(t, "way")]

	// Declared above the limit.
	limit := rapid.IntRange(0, int(min(1<<20, cm-1))).Draw(t, "limit")
	declared := rapid.OneOf(rapid.Just(cm), rapid.Just(min(cm, 1<<62)),
		rapid.Uint64Range(uint64(limit)+1, cm)).Draw(t, "declared")
	s := drawStream(t, append(c.AppendLength(nil, declared), pattern(4096, 1)...))
	r := frame.New[L](s, frame.WithMaxSize(limit), frame.WithReadBuffer(readBuffer))
	var err error
	if n := testkit.Allocated(func() { _, err = readVia(t, r, w, -1) }); n >= allocBudget {
		t.Fatalf("%s of a frame declaring %d bytes above a %d limit allocated %d bytes", w, declared, limit, n)
	}
	wantTooLarge(t, w.String(), err, declared, uint64(limit))

	// Declared within a large limit, but cut short.
	bigLimit := int(min(8<<20, cm))
	declared = rapid.Uint64Range(min(2<<20, uint64(bigLimit)), uint64(bigLimit)).Draw(t, "declaredWithin")
	sent := rapid.IntRange(0, 10).Draw(t, "sent")
	s = drawStream(t, append(c.AppendLength(nil, declared), pattern(sent, 2)...))
	r = frame.New[L](s, frame.WithMaxSize(bigLimit), frame.WithReadBuffer(readBuffer))
	if n := testkit.Allocated(func() { _, err = readVia(t, r, w, -1) }); n >= allocBudget {
		t.Fatalf("%s of a frame declaring %d bytes, %d sent, allocated %d bytes", w, declared, sent, n)
	}
	wantIncomplete(t, w.String()+" of a cut frame", err, int(declared), sent, errs.ErrMissingMessage)

	// Skipped: a body larger than the budget streamed away, then a small
	// frame; read with buffers that do not make it a million reads.
	readBuffer = rapid.SampledFrom([]int{0, 4096, frame.DefaultReadBuffer}).Draw(t, "skipReadBuffer")
	body := int(min(3<<19, cm))
	data := c.AppendLength(nil, uint64(body))
	data = append(data, make([]byte, body)...)
	data = append(data, encode[L](t, [][]byte{[]byte("next")})...)
	s = drawStream(t, data)
	r = frame.New[L](s, frame.WithMaxSize(min(1<<10, body-1)), frame.WithReadBuffer(readBuffer), frame.WithSkipOversized())
	var got []byte
	if n := testkit.Allocated(func() {
		if _, err = r.ReadMsgView(); err == nil {
			return
		}
		got, err = r.ReadMsgView()
	}); n >= allocBudget {
		t.Fatalf("skipping a %d-byte body allocated %d bytes", body, n)
	}
	wantMsg(t, "ReadMsgView after a skipped "+itoa(body)+"-byte frame", got, err, []byte("next"))
}

// errStream is an error of the stream itself, such as a deadline.
var errStream = errors.New("props: stream error")

// checkStreamErrors: an error of the stream itself is returned as it is.
// If it struck before any byte of the frame was consumed (buffered mode,
// while the frame is still in the buffer; exact mode, before its first
// byte), the read can be retried once the stream works again, and goes on
// with exactly the right messages. Otherwise the stream is out of step and
// the error sticks: no later read returns a message.
func checkStreamErrors[L codec.LengthCodec](t *rapid.T) {
	cfg := drawRoundTrip[L](t)
	data, sp := encode[L](t, cfg.msgs), spans[L](cfg.msgs)
	s := drawStream(t, data)
	s.eofEnd = false
	s.cut = rapid.IntRange(0, len(data)).Draw(t, "errorAt")
	s.readErr = errStream
	r := frame.New[L](s, cfg.readerOptions()...)
	next := 0
	for next < len(cfg.msgs) && sp[next].end() <= s.cut {
		w := drawWay(t)
		got, err := readVia(t, r, w, len(cfg.msgs[next]))
		wantMsg(t, w.String()+" of message "+itoa(next)+" before the stream error", got, err, cfg.msgs[next])
		next++
	}
	_, err := r.ReadMsg()
	if err != errStream {
		t.Fatalf("ReadMsg at the stream error: %v, want the stream's error itself", err)
	}
	sticky := false
	if next < len(cfg.msgs) && s.cut > sp[next].start {
		f := sp[next]
		fits := cfg.readBuffer > 0 && f.header+f.body <= effectiveReadBuffer(cfg.readBuffer)
		sticky = cfg.readBuffer == 0 || (!fits && s.cut >= f.start+f.header)
	}
	s.cut, s.readErr = -1, nil // the stream works again
	if sticky {
		for range 2 {
			w := drawWay(t)
			if got, err := readVia(t, r, w, -1); err != errStream {
				t.Fatalf("%s after the stream error struck inside frame %d: (%d bytes, %v), want the same error", w, next, len(got), err)
			}
		}
		return
	}
	for ; next < len(cfg.msgs); next++ {
		w := drawWay(t)
		got, err := readVia(t, r, w, len(cfg.msgs[next]))
		wantMsg(t, w.String()+" of message "+itoa(next)+" after the stream recovered", got, err, cfg.msgs[next])
	}
	_, err = r.ReadMsg()
	wantEOF(t, "ReadMsg at the end", err)
}

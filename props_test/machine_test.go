package props_test

import (
	"bytes"
	"errors"
	"math"
	"net"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
)

// item is one frame on the stream, as the model sees it.
type item struct {
	msg      []byte
	start    int    // offset in the stream
	header   int    // header size
	declared uint64 // declared body length
	big      bool   // declared above the limit (put there raw)
}

func (it item) bodyStart() int { return it.start + it.header }

// machine is the system under test and its model.
type machine[L codec.LengthCodec] struct {
	s      *stream
	w, r   *frame.Framer[L]
	limit  int // the Framers' MaxSize
	batch  int // WithWriteBuffer
	buffer int // WithReadBuffer
	skip   bool

	wire     []byte   // what the stream must hold
	items    []item   // the frames in wire
	waiting  [][]byte // written, still batched
	waitSize int      // their bytes, framed
	next     int      // the frame the next read returns
	skipping bool     // items[next] is oversized, reported, its body not yet skipped
	peeked   bool     // NextMsgLen returned items[next]'s length
	sticky   error    // the error every read must return, once seen
	want     error    // the error sticky must equal, before it is seen
	closed   bool
}

// checkMachine drives a writer Framer and a reader Framer over one in-memory
// stream with random actions (write, batched writes, oversized writes,
// flush, the four ways to read, NextMsgLen, a raw oversized frame put
// straight on the stream, truncation, Close) and checks every result
// against a model: a queue of the frames on the stream, the frames still
// batched, and the error the reader must stick to.
func checkMachine[L codec.LengthCodec](t *rapid.T) {
	m := &machine[L]{
		limit:  limitFor[L](rapid.OneOf(rapid.IntRange(0, 2048), rapid.Just(frame.DefaultMaxSize)).Draw(t, "limit")),
		batch:  drawWriteBuffer(t),
		buffer: drawReadBuffer(t),
		skip:   rapid.Bool().Draw(t, "skip"),
	}
	m.s = drawStream(t, nil)
	m.s.eofEnd = false // the stream grows: an io.EOF with data would be a lie
	m.w = frame.New[L](m.s, frame.WithMaxSize(m.limit), frame.WithWriteBuffer(m.batch))
	opts := []frame.Option{frame.WithMaxSize(m.limit), frame.WithReadBuffer(m.buffer)}
	if m.skip {
		opts = append(opts, frame.WithSkipOversized())
	}
	m.r = frame.New[L](m.s, opts...)
	t.Repeat(map[string]func(*rapid.T){
		"write":          m.write,
		"writeBatch":     m.writeBatch,
		"writeOversized": m.writeOversized,
		"flush":          m.flush,
		"read":           m.read,
		"peek":           m.peek,
		"inject":         m.inject,
		"truncate":       m.truncate,
		"close":          m.close,
		"":               m.check,
	})
}

// visible is where the reader sees the stream end.
func (m *machine[L]) visible() int {
	if m.s.cut >= 0 {
		return min(m.s.cut, len(m.wire))
	}
	return len(m.wire)
}

// onWire puts a whole frame of msg on the model's stream.
func (m *machine[L]) onWire(msg []byte) {
	var c L
	it := item{msg: msg, start: len(m.wire), header: c.HeaderSize(uint64(len(msg))), declared: uint64(len(msg))}
	m.wire = c.AppendLength(m.wire, it.declared)
	m.wire = append(m.wire, msg...)
	m.items = append(m.items, it)
}

func (m *machine[L]) flushModel() {
	for _, msg := range m.waiting {
		m.onWire(msg)
	}
	m.waiting, m.waitSize = nil, 0
}

func (m *machine[L]) writeOne(t *rapid.T, msg []byte) {
	err := m.w.WriteMsg(msg)
	if m.closed {
		wantClosed(t, "WriteMsg after Close", err)
		return
	}
	if err != nil {
		t.Fatalf("WriteMsg of %d bytes: %v", len(msg), err)
	}
	var c L
	size := c.HeaderSize(uint64(len(msg))) + len(msg)
	switch {
	case m.batch > 0 && size <= m.batch:
		if m.waitSize > 0 && m.waitSize+size > m.batch {
			m.flushModel()
		}
		m.waiting = append(m.waiting, msg)
		m.waitSize += size
	default:
		m.flushModel()
		m.onWire(msg)
	}
}

func (m *machine[L]) write(t *rapid.T) {
	m.writeOne(t, messages(m.limit, 4096).Draw(t, "msg"))
}

func (m *machine[L]) writeBatch(t *rapid.T) {
	for _, msg := range rapid.SliceOfN(messages(m.limit, 512), 2, 8).Draw(t, "msgs") {
		m.writeOne(t, msg)
	}
}

func (m *machine[L]) writeOversized(t *rapid.T) {
	if m.limit > 4096 {
		t.Skip("too large to write")
	}
	n := m.limit + rapid.IntRange(1, 3).Draw(t, "over")
	err := m.w.WriteMsg(make([]byte, n))
	// The size is checked first, before and after Close.
	wantTooLarge(t, "WriteMsg above the limit", err, uint64(n), uint64(m.limit))
}

func (m *machine[L]) flush(t *rapid.T) {
	err := m.w.Flush()
	if m.closed {
		wantClosed(t, "Flush after Close", err)
		return
	}
	if err != nil {
		t.Fatalf("Flush: %v", err)
	}
	m.flushModel()
}

func (m *machine[L]) close(t *rapid.T) {
	if m.closed {
		t.Skip("closed already")
	}
	if err := m.w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	m.flushModel()
	m.closed = true
}

// inject puts a frame declaring more than the limit straight on the stream:
// with its whole body under WithSkipOversized, so reading can go on past it;
// otherwise with a few bytes of body, as the error sticks anyway.
func (m *machine[L]) inject(t *rapid.T) {
	var c L
	if uint64(m.limit) >= c.MaxLength() || (m.skip && m.limit > 4096) {
		t.Skip("no oversized frame to send")
	}
	top := c.MaxLength()
	if m.skip {
		top = min(top, uint64(m.limit)+2048)
	}
	declared := rapid.OneOf(rapid.Just(uint64(m.limit)+1), rapid.Uint64Range(uint64(m.limit)+1, top)).Draw(t, "declared")
	it := item{start: len(m.wire), header: c.HeaderSize(declared), declared: declared, big: true}
	m.wire = c.AppendLength(m.wire, declared)
	body := int(declared)
	if !m.skip {
		body = rapid.IntRange(0, 16).Draw(t, "bodySent")
	}
	m.wire = append(m.wire, pattern(body, 9)...)
	m.s.data = append(m.s.data, m.wire[it.start:]...)
	m.items = append(m.items, it)
}

// truncate ends the stream, as the reader sees it, at a byte not yet read.
func (m *machine[L]) truncate(t *rapid.T) {
	if m.s.cut >= 0 {
		t.Skip("cut already")
	}
	m.s.cut = rapid.IntRange(m.s.pos, len(m.wire)).Draw(t, "cut")
}

// result is what the model expects of the next read.
type result struct {
	msg []byte
	eof bool
	err error // an *errs.IncompleteReadError or *errs.MessageTooLargeError to match
}

// expect returns what the next read must return; i is the frame it
// concerns.
func (m *machine[L]) expect() (res result, i int) {
	if m.sticky != nil || m.want != nil {
		return result{err: m.want}, m.next
	}
	end := m.visible()
	i = m.next
	if m.skipping {
		it := m.items[i]
		if end < it.bodyStart()+int(it.declared) {
			return result{err: &errs.IncompleteReadError{Expected: int(min(it.declared, math.MaxInt)),
				Received: end - it.bodyStart(), Part: errs.ErrMissingMessage}}, i
		}
		i++
	}
	if i == len(m.items) || end <= m.items[i].start {
		return result{eof: true}, i
	}
	it := m.items[i]
	switch got := end - it.start; {
	case got < it.header:
		return result{err: &errs.IncompleteReadError{Expected: headerNeed[L](got), Received: got, Part: errs.ErrMissingLength}}, i
	case it.big:
		return result{err: &errs.MessageTooLargeError{Size: it.declared, Max: uint64(m.limit)}}, i
	case end < it.bodyStart()+len(it.msg):
		return result{err: &errs.IncompleteReadError{Expected: len(it.msg), Received: got - it.header, Part: errs.ErrMissingMessage}}, i
	}
	return result{msg: it.msg}, i
}

// wantErr checks err against the expected error: the first time exactly
// equal in type and fields, later the very same value.
func (m *machine[L]) wantErr(t *rapid.T, what string, err error, want error) {
	t.Helper()
	if m.sticky != nil {
		if err != m.sticky {
			t.Fatalf("%s: %v, want the sticky %v", what, err, m.sticky)
		}
		return
	}
	wantFramingError(t, what, err, want)
}

// settle updates the model after a read (or a peek, when peek is true) of
// frame i met res.
func (m *machine[L]) settle(res result, i int, err error, peek bool) {
	m.skipping = m.skipping && res.err != nil && i == m.next // a skip that failed is still pending
	switch e := res.err.(type) {
	case nil:
		m.next = i
		if res.msg != nil && !peek {
			m.next, m.peeked = i+1, false
		} else if res.msg != nil {
			m.peeked = true
		}
	case *errs.MessageTooLargeError:
		m.next = i
		if m.skip {
			m.skipping = true
			return
		}
		m.sticky, m.want = err, e
	default:
		if m.sticky == nil {
			m.sticky, m.want = err, e
		}
	}
}

func (m *machine[L]) read(t *rapid.T) {
	res, i := m.expect()
	size := -1 // Read(p) needs room for a body once its header is whole
	if inc, ok := res.err.(*errs.IncompleteReadError); res.msg != nil || (ok && inc.Part == errs.ErrMissingMessage && !(m.skipping && i == m.next) && m.sticky == nil) {
		size = len(m.items[i].msg)
	}
	w := drawWay(t)
	got, err := readVia(t, m.r, w, size)
	what := w.String() + " of frame " + itoa(i)
	switch {
	case res.eof:
		wantEOF(t, what, err)
	case res.err != nil:
		m.wantErr(t, what, err, res.err)
	default:
		wantMsg(t, what, got, err, res.msg)
	}
	m.settle(res, i, err, false)
}

func (m *machine[L]) peek(t *rapid.T) {
	res, i := m.expect()
	if inc, ok := res.err.(*errs.IncompleteReadError); ok && inc.Part == errs.ErrMissingMessage && m.sticky == nil && !(m.skipping && i == m.next) {
		// A body cut short is found by the read, not by NextMsgLen.
		res = result{msg: m.items[i].msg}
	}
	n, err := m.r.NextMsgLen()
	what := "NextMsgLen for frame " + itoa(i)
	switch {
	case res.eof:
		wantEOF(t, what, err)
	case res.err != nil:
		m.wantErr(t, what, err, res.err)
	case n != len(res.msg) || err != nil:
		t.Fatalf("%s: (%d, %v), want (%d, nil)", what, n, err, len(res.msg))
	}
	m.settle(res, i, err, true)
}

// check is the invariant: the stream holds exactly what the model put on
// it, and, while the reader is in step, the bytes not yet consumed (read
// ahead into Buffered, or still in the stream) are exactly the model's
// frames from the next one on; in exact mode nothing is read ahead at all.
func (m *machine[L]) check(t *rapid.T) {
	if !bytes.Equal(m.s.data, m.wire) {
		t.Fatalf("stream holds %d bytes, the model %d (%s)", len(m.s.data), len(m.wire), diff(m.s.data, m.wire))
	}
	if m.sticky != nil || m.skipping {
		return
	}
	from := len(m.wire)
	if m.next < len(m.items) {
		from = m.items[m.next].start
	}
	from = min(from, m.visible())
	if m.buffer == 0 {
		at := from
		if m.peeked {
			at = m.items[m.next].bodyStart()
		}
		if m.s.pos != at || len(m.r.Buffered()) != 0 {
			t.Fatalf("exact mode: stream at %d with %d bytes buffered, want at %d with none", m.s.pos, len(m.r.Buffered()), at)
		}
		return
	}
	unread := append(bytes.Clone(m.r.Buffered()), m.s.rest()...)
	if want := m.wire[from:m.visible()]; !bytes.Equal(unread, want) {
		t.Fatalf("Buffered and the rest of the stream hold %d bytes, want the %d from frame %d on (%s)", len(unread), len(want), m.next, diff(unread, want))
	}
}

// wantClosed fails t unless err is the error of a write after Close.
func wantClosed(t *rapid.T, what string, err error) {
	t.Helper()
	var closed *errs.ConnectionClosedError
	if !errors.As(err, &closed) || !errors.Is(err, errs.ErrConnectionClosed) || !errors.Is(err, net.ErrClosed) || !errors.Is(err, errs.ErrIO) {
		t.Fatalf("%s: %v, want an *errs.ConnectionClosedError matching errs.ErrConnectionClosed and net.ErrClosed", what, err)
	}
}

package props_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"io"
	"slices"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/bufpool"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/secure"
)

// gcmOverhead is what AES-GCM adds to every message: its tag.
const gcmOverhead = 16

// session is the key material of one direction of an encrypted session: the
// writer seals with key, the reader opens with it. The other direction has a
// key of its own, which these one-way properties never use.
type session struct {
	key, back []byte
	nonceSize int // 12 is GCM's standard; 8 and 16 move the counter
}

// drawSession draws keys of 16, 24 or 32 bytes (AES-128, -192, -256) and a
// nonce size.
func drawSession(t *rapid.T) session {
	size := rapid.SampledFrom([]int{16, 24, 32}).Draw(t, "keySize")
	return session{
		key:       rapid.SliceOfN(rapid.Byte(), size, size).Draw(t, "key"),
		back:      rapid.SliceOfN(rapid.Byte(), size, size).Draw(t, "backKey"),
		nonceSize: rapid.SampledFrom([]int{12, 12, 8, 16}).Draw(t, "nonceSize"),
	}
}

// gcm returns AES-GCM with key and the session's nonce size.
func (s session) gcm(t *rapid.T, key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatalf("aes.NewCipher: %v", err)
	}
	aead, err := cipher.NewGCMWithNonceSize(block, s.nonceSize)
	if err != nil {
		t.Fatalf("cipher.NewGCMWithNonceSize(%d): %v", s.nonceSize, err)
	}
	return aead
}

// writer returns the writer's Encrypter, reader the reader's: fresh, so both
// counters start at 0.
func (s session) writer(t *rapid.T) secure.Encrypter { return s.encrypter(t, s.key, s.back) }
func (s session) reader(t *rapid.T) secure.Encrypter { return s.encrypter(t, s.back, s.key) }

func (s session) encrypter(t *rapid.T, send, recv []byte) secure.Encrypter {
	enc, err := secure.NewAEADEncrypter(s.gcm(t, send), s.gcm(t, recv))
	if err != nil {
		t.Fatalf("NewAEADEncrypter: %v", err)
	}
	return enc
}

// seal returns msgs sealed as the documented nonce layout says they must be,
// computed with AES-GCM directly: message i under the nonce that is zeros and
// then i big-endian in the last 8 bytes, with no additional data.
func (s session) seal(t *rapid.T, msgs [][]byte) [][]byte {
	aead := s.gcm(t, s.key)
	out := make([][]byte, len(msgs))
	for i, m := range msgs {
		out[i] = aead.Seal(nil, testkit.Nonce(s.nonceSize, uint64(i)), m, nil)
	}
	return out
}

// drawEncLimit draws the inner Framer's WithMaxSize: at least the overhead,
// since NewEncrypted refuses less.
func drawEncLimit(t *rapid.T) int {
	return rapid.OneOf(
		rapid.Just(frame.DefaultMaxSize),
		rapid.IntRange(gcmOverhead, 300),
		rapid.IntRange(gcmOverhead, 70<<10),
	).Draw(t, "limit")
}

// plainMax is the largest plaintext over a Framer on L with WithMaxSize(limit).
func plainMax[L codec.LengthCodec](limit int) int { return limitFor[L](limit) - gcmOverhead }

// Inner streams the Encrypted treats differently: a Framer itself (sealed in
// place into the frame, opened in the Framer's view), a stream with only
// AppendMsg besides the interface's methods, and one with only the
// interface's methods. All of them have Flush and MaxSize.
const (
	innerFramer = iota
	innerAppender
	innerOpaque
	inners
)

// opaque shows only frame.MsgReadWriteCloser's methods, Flush and MaxSize,
// so that an Encrypted over it seals into a buffer of its own and reads with
// ReadMsg.
type opaque struct {
	frame.MsgReadWriteCloser
	flush   func() error
	maxSize func() int
}

func (o opaque) Flush() error { return o.flush() }
func (o opaque) MaxSize() int { return o.maxSize() }

// appender is opaque plus AppendMsg.
type appender struct {
	opaque
	appendMsg func([]byte) ([]byte, error)
}

func (a appender) AppendMsg(dst []byte) ([]byte, error) { return a.appendMsg(dst) }

// newInner returns a Framer on L over s with opts, as the given kind of
// inner stream.
func newInner[L codec.LengthCodec](s *stream, kind int, opts []frame.Option) frame.MsgReadWriteCloser {
	f := frame.New[L](s, opts...)
	switch kind {
	case innerAppender:
		return appender{opaque{f, f.Flush, f.MaxSize}, f.AppendMsg}
	case innerOpaque:
		return opaque{f, f.Flush, f.MaxSize}
	default:
		return f
	}
}

// encConfig is what an encrypted round trip draws.
type encConfig struct {
	sess                        session
	limit, readBuffer, writeBuf int
	writerInner, readerInner    int
	msgs                        [][]byte
	newInner                    func(*stream, int, []frame.Option) frame.MsgReadWriteCloser // newInner for the codec
}

// drawEncConfig draws a session, options, kinds of inner stream and from
// least to most messages up to largest bytes.
func drawEncConfig[L codec.LengthCodec](t *rapid.T, least, most, largest int) encConfig {
	cfg := encConfig{
		sess:        drawSession(t),
		limit:       drawEncLimit(t),
		readBuffer:  drawReadBuffer(t),
		writeBuf:    drawWriteBuffer(t),
		writerInner: rapid.SampledFrom([]int{innerFramer, innerOpaque}).Draw(t, "writerInner"),
		readerInner: rapid.IntRange(0, inners-1).Draw(t, "readerInner"),
		newInner:    newInner[L],
	}
	cfg.msgs = rapid.SliceOfN(messages(plainMax[L](cfg.limit), largest), least, most).Draw(t, "msgs")
	return cfg
}

// reader returns an Encrypted opening what sealAll wrote, read from s
// through the drawn kind of inner stream; opts come after the drawn ones.
func (cfg encConfig) reader(t *rapid.T, s *stream, opts ...frame.Option) *secure.Encrypted {
	return cfg.readerWith(t, s, cfg.sess.reader(t), opts...)
}

// readerWith is reader opening with enc instead of the session's reader.
func (cfg encConfig) readerWith(t *rapid.T, s *stream, enc secure.Encrypter, opts ...frame.Option) *secure.Encrypted {
	opts = append([]frame.Option{frame.WithMaxSize(cfg.limit), frame.WithReadBuffer(cfg.readBuffer)}, opts...)
	return secure.NewEncrypted(cfg.newInner(s, cfg.readerInner, opts), enc)
}

// writer returns an Encrypted sealing with the session's writer into a new
// stream, through the drawn kind of inner stream, and that stream.
func (cfg encConfig) writer(t *rapid.T) (*secure.Encrypted, *stream) {
	s := &stream{cut: -1, budget: -1}
	inner := cfg.newInner(s, cfg.writerInner, []frame.Option{frame.WithMaxSize(cfg.limit), frame.WithWriteBuffer(cfg.writeBuf)})
	return secure.NewEncrypted(inner, cfg.sess.writer(t)), s
}

// sealAll writes cfg.msgs through an Encrypted over a Framer on L, ending
// with a Flush or a Close, and checks that the stream holds exactly the
// frames of the reference seals: the documented nonces, in order, nothing
// else. It returns the stream's bytes and the sealed messages.
func sealAll[L codec.LengthCodec](t *rapid.T, cfg encConfig) (data []byte, sealed [][]byte) {
	w, s := cfg.writer(t)
	if w.MaxSize() != plainMax[L](cfg.limit) {
		t.Fatalf("MaxSize() = %d over WithMaxSize(%d), want %d", w.MaxSize(), cfg.limit, plainMax[L](cfg.limit))
	}
	for i, m := range cfg.msgs {
		if err := w.WriteMsg(m); err != nil {
			t.Fatalf("WriteMsg of message %d (%d bytes): %v", i, len(m), err)
		}
	}
	if rapid.Bool().Draw(t, "closeToFlush") {
		if err := w.Close(); err != nil || !s.closed {
			t.Fatalf("Close: %v (stream closed: %v)", err, s.closed)
		}
	} else if err := w.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	sealed = cfg.sess.seal(t, cfg.msgs)
	if want := encode[L](t, sealed); !bytes.Equal(s.data, want) {
		t.Fatalf("stream holds %d bytes, the reference seals frame to %d (%s)", len(s.data), len(want), diff(s.data, want))
	}
	return s.data, sealed
}

// encWay is one of the ways to read one message from an Encrypted.
type encWay int

const (
	encReadMsg encWay = iota
	encAppendMsg
	encView
	encWays
)

func (w encWay) String() string { return [...]string{"ReadMsg", "AppendMsg", "ReadMsgView"}[w] }

// readPlan says how drain reads: message i the way ways[i%len(ways)], except
// that from message iterFrom on it ranges over Messages, breaking out of the
// loop after iterBreak messages (never when below 1) to go on reading the
// other ways. AppendMsg appends to a dst with appendCap bytes of room.
type readPlan struct {
	ways      []encWay
	iterFrom  int
	iterBreak int
	appendCap int
}

func drawReadPlan(t *rapid.T, count int) readPlan {
	return readPlan{
		ways:      rapid.SliceOfN(rapid.Map(rapid.IntRange(0, int(encWays)-1), func(n int) encWay { return encWay(n) }), 1, 4).Draw(t, "ways"),
		iterFrom:  rapid.IntRange(0, count+1).Draw(t, "iterFrom"),
		iterBreak: rapid.IntRange(0, count).Draw(t, "iterBreak"),
		appendCap: rapid.IntRange(0, 600).Draw(t, "appendCap"),
	}
}

// readOne reads one message from e the given way and returns it with the
// read's error, checking what every way promises whatever the stream holds:
// no bytes with an error, a non-nil message without one, and AppendMsg
// leaving dst's bytes alone. A ReadMsg slice is returned as it is, since the
// caller owns it; the others are copied.
func readOne(t *rapid.T, e *secure.Encrypted, w encWay, appendCap int) ([]byte, error) {
	switch w {
	case encReadMsg:
		m, err := e.ReadMsg()
		if (err == nil) == (m == nil) {
			t.Fatalf("ReadMsg returned (%d bytes, nil: %v, %v)", len(m), m == nil, err)
		}
		return m, err
	case encAppendMsg:
		dst := append(make([]byte, 0, 6+appendCap), "prefix"...)
		m, err := e.AppendMsg(dst)
		if len(m) < 6 || string(m[:6]) != "prefix" {
			t.Fatalf("AppendMsg changed the bytes already in dst: %q", m[:min(len(m), 6)])
		}
		if err != nil && len(m) != 6 {
			t.Fatalf("AppendMsg appended %d bytes before failing with %v", len(m)-6, err)
		}
		if err != nil {
			return nil, err
		}
		return slices.Clone(m[6:]), nil
	default:
		m, err := e.ReadMsgView()
		if (err == nil) == (m == nil) {
			t.Fatalf("ReadMsgView returned (%d bytes, nil: %v, %v)", len(m), m == nil, err)
		}
		if err != nil {
			return nil, err
		}
		scribblePool(len(m))
		return slices.Clone(m), nil
	}
}

// scribblePool overwrites the pooled buffers a view of n bytes could live in,
// which the Encrypted must not have given back while the view is valid.
func scribblePool(n int) {
	for size := max(n, 1); size <= 2*(n+gcmOverhead)+512; size *= 2 {
		if p := bufpool.Reuse(size); p != nil {
			for i := range *p {
				(*p)[i] = 0xA5
			}
			bufpool.Put(p)
		}
	}
}

// drain reads e to its first error as plan says and returns the messages
// read and that error, io.EOF at a clean end. Messages must end after
// yielding an error, and end quietly at io.EOF.
func drain(t *rapid.T, e *secure.Encrypted, plan readPlan) (got [][]byte, err error) {
	for {
		if len(got) == plan.iterFrom {
			n := 0
			var iterErr error
			broke := false
			for m, err := range e.Messages() {
				if iterErr != nil {
					t.Fatalf("Messages yielded again after the error %v", iterErr)
				}
				if err != nil {
					if m != nil {
						t.Fatalf("Messages yielded %d bytes with the error %v", len(m), err)
					}
					iterErr = err
					continue
				}
				scribblePool(len(m))
				got = append(got, slices.Clone(m))
				if n++; n == plan.iterBreak {
					broke = true
					break
				}
			}
			if iterErr != nil {
				return got, iterErr
			}
			if !broke {
				_, err := e.ReadMsg() // Messages ended quietly: at io.EOF
				if err != io.EOF {
					t.Fatalf("Messages ended without an error, and then ReadMsg returned %v, want io.EOF", err)
				}
				return got, io.EOF
			}
			continue
		}
		m, err := readOne(t, e, plan.ways[len(got)%len(plan.ways)], plan.appendCap)
		if err != nil {
			return got, err
		}
		got = append(got, m)
	}
}

// wantMsgs fails t unless got are exactly want.
func wantMsgs(t *rapid.T, what string, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d messages read, want %d", what, len(got), len(want))
	}
	for i := range got {
		wantMsg(t, what+": message "+itoa(i), got[i], nil, want[i])
	}
}

// wantDecryptionFailed fails t unless err is a decryption failure naming
// message counter, of size bytes, as the AEAD encrypter's errors do.
func wantDecryptionFailed(t *rapid.T, what string, err error, counter, size int) {
	t.Helper()
	if err == nil || err == io.EOF {
		t.Fatalf("%s: error %v, want a decryption failure", what, err)
	}
	for _, target := range []error{errs.ErrDecryptionFailed, errs.ErrMsgio, errs.ErrIO} {
		if !errors.Is(err, target) {
			t.Fatalf("%s: %v does not match %v", what, err, target)
		}
	}
	for _, other := range []error{errs.ErrIncompleteRead, errs.ErrMessageTooLarge, errs.ErrMalformedLength} {
		if errors.Is(err, other) {
			t.Fatalf("%s: decryption failure %v matches %v too", what, err, other)
		}
	}
	if want := "message " + itoa(counter) + " (" + itoa(size) + " bytes)"; !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Fatalf("%s: %q does not name %q", what, err, want)
	}
}

// wantStuck fails t unless every way of reading e fails again with err
// itself, and, after a decryption failure, without reading from s.
func wantStuck(t *rapid.T, what string, e *secure.Encrypted, s *stream, err error) {
	t.Helper()
	pos := s.pos
	for w := range encWays {
		if _, again := readOne(t, e, w, 0); again != err {
			t.Fatalf("%s: %v after %v, want the same error", what, again, err)
		}
	}
	yields := 0
	for m, again := range e.Messages() {
		if yields++; m != nil || again != err || yields > 1 {
			t.Fatalf("%s: Messages yielded (%d bytes, %v) after %v, want the same error once", what, len(m), again, err)
		}
	}
	if (yields == 0) != (err == io.EOF) {
		t.Fatalf("%s: Messages yielded %d times after %v", what, yields, err)
	}
	if errors.Is(err, errs.ErrDecryptionFailed) && s.pos != pos {
		t.Fatalf("%s: reads after a decryption failure took %d more bytes from the stream", what, s.pos-pos)
	}
}

// checkEncRoundTrip: any sequence of messages, from empty to the largest
// plaintext, written through an Encrypted over a Framer on L (sealed in
// place or through the generic path, batched or not), puts on the wire
// exactly the frames of the reference AES-GCM seals with counter nonces, and
// reads back identically through an Encrypted over any kind of inner stream,
// any read buffer and an adversarial stream, each message read a drawn way
// (ReadMsg, AppendMsg, ReadMsgView, ranging over Messages and breaking out);
// then io.EOF, again and again. Slices from ReadMsg stay intact after later
// reads.
func checkEncRoundTrip[L codec.LengthCodec](t *rapid.T) {
	cfg := drawEncConfig[L](t, 0, 10, largestMessage())
	data, _ := sealAll[L](t, cfg)
	s := drawStream(t, data)
	r := cfg.reader(t, s)
	if r.MaxSize() != plainMax[L](cfg.limit) {
		t.Fatalf("reader MaxSize() = %d, want %d", r.MaxSize(), plainMax[L](cfg.limit))
	}
	plan := drawReadPlan(t, len(cfg.msgs))
	got, err := drain(t, r, plan)
	wantEOF(t, "after every message", err)
	wantMsgs(t, "round trip", got, cfg.msgs)
	wantStuck(t, "after io.EOF", r, s, io.EOF)
	if len(s.rest()) != 0 {
		t.Fatalf("after io.EOF, %d bytes left in the stream", len(s.rest()))
	}
	wantMsgs(t, "after all reads", got, cfg.msgs) // ReadMsg's slices were not reused
}

// checkEncWriteLimit: a plaintext above the largest, the inner limit minus
// the tag, fails with an *errs.MessageTooLargeError naming exactly that
// largest plaintext, makes no Write call and uses up no nonce: the messages
// around it go out as the reference seals them with consecutive counters. The
// largest plaintext itself goes out.
func checkEncWriteLimit[L codec.LengthCodec](t *rapid.T) {
	cfg := drawEncConfig[L](t, 0, 6, 80<<10)
	pm := plainMax[L](cfg.limit)
	if pm <= 80<<10 && rapid.Bool().Draw(t, "withLargest") {
		cfg.msgs = append(cfg.msgs, pattern(pm, 7))
	}
	w, s := cfg.writer(t)
	bad := rapid.IntRange(0, len(cfg.msgs)).Draw(t, "badAt")
	for i := 0; i <= len(cfg.msgs); i++ {
		if i == bad {
			over := rapid.OneOf(rapid.IntRange(1, 3), rapid.IntRange(1, 1<<16)).Draw(t, "over")
			before, calls := len(s.data), len(s.writes)
			err := w.WriteMsg(make([]byte, pm+over))
			wantTooLarge(t, "WriteMsg of "+itoa(pm+over)+" bytes", err, uint64(pm+over), uint64(pm))
			if len(s.data) != before || len(s.writes) != calls {
				t.Fatalf("WriteMsg above the limit wrote %d bytes in %d calls", len(s.data)-before, len(s.writes)-calls)
			}
		}
		if i < len(cfg.msgs) {
			if err := w.WriteMsg(cfg.msgs[i]); err != nil {
				t.Fatalf("WriteMsg of message %d (%d bytes): %v", i, len(cfg.msgs[i]), err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if want := encode[L](t, cfg.sess.seal(t, cfg.msgs)); !bytes.Equal(s.data, want) {
		t.Fatalf("stream holds %d bytes, want the %d of the valid messages' seals (%s)", len(s.data), len(want), diff(s.data, want))
	}
	r := cfg.reader(t, drawStream(t, s.data))
	got, err := drain(t, r, drawReadPlan(t, len(cfg.msgs)))
	wantEOF(t, "after every message", err)
	wantMsgs(t, "messages around the oversized one", got, cfg.msgs)
}

// checkEncReadLimit: a reader whose inner limit is below a sealed frame
// fails at that frame with an *errs.MessageTooLargeError naming the
// ciphertext's size and its limit, after reading the frames before it whole.
// Without skipping, the error sticks. With WithSkipOversized the Framer skips
// the frame, but the skipped message used up a nonce on the writer's side,
// so the next frame it does not skip fails to decrypt, opened as the
// skipped message's number: a skipped message is a dropped one. When only
// skipped frames follow, the stream ends with io.EOF.
func checkEncReadLimit[L codec.LengthCodec](t *rapid.T) {
	cfg := drawEncConfig[L](t, 1, 6, 4<<10)
	cfg.readerInner = innerFramer // a skip through AppendMsg or ReadMsg is the same skip
	data, sealed := sealAll[L](t, cfg)
	readLimit := rapid.IntRange(gcmOverhead, limitFor[L](cfg.limit)).Draw(t, "readLimit")
	skip := rapid.Bool().Draw(t, "skip")
	opts := []frame.Option{frame.WithMaxSize(readLimit)}
	if skip {
		opts = append(opts, frame.WithSkipOversized())
	}
	s := drawStream(t, data)
	r := cfg.reader(t, s, opts...)
	first := slices.IndexFunc(sealed, func(c []byte) bool { return len(c) > readLimit })
	if first < 0 {
		got, err := drain(t, r, drawReadPlan(t, len(cfg.msgs)))
		wantEOF(t, "all under the reader's limit", err)
		wantMsgs(t, "all under the reader's limit", got, cfg.msgs)
		return
	}
	plan := drawReadPlan(t, first)
	got, err := drain(t, r, plan)
	wantMsgs(t, "before the oversized frame", got, cfg.msgs[:first])
	wantTooLarge(t, "frame "+itoa(first), err, uint64(len(sealed[first])), uint64(readLimit))
	if !skip {
		wantStuck(t, "after the oversized frame", r, s, err)
		return
	}
	plan.iterFrom = -1 // Messages ended with the error: go on the other ways
	for j := first + 1; ; j++ {
		got, err = drain(t, r, plan)
		if len(got) != 0 {
			t.Fatalf("after skipping message %d, %d messages opened: a dropped message went unnoticed", first, len(got))
		}
		switch {
		case j == len(sealed):
			wantEOF(t, "after skipping the last frame", err)
			return
		case len(sealed[j]) > readLimit:
			wantTooLarge(t, "frame "+itoa(j), err, uint64(len(sealed[j])), uint64(readLimit))
		default:
			wantDecryptionFailed(t, "frame "+itoa(j)+", after skipping message "+itoa(first), err, first, len(sealed[j]))
			wantStuck(t, "after the decryption failure", r, s, err)
			return
		}
	}
}

package secure_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/reference"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/secure"
)

// Keys of the fuzzed session: the peer seals with fuzzKeyIn and the reader
// opens with it. The fuzzer never sees a key, so every message it gets opened
// must be one the seeds sealed.
var (
	fuzzKeyIn  = []byte("fuzz-session-in!")
	fuzzKeyOut = []byte("fuzz-session-out")
)

// fuzzEncLimit is the inner Framer's limit for the fuzz input's limit
// argument: small, and never below the tag.
func fuzzEncLimit(limit uint16) int { return 16 + int(limit%1024) }

// fuzzPlain is the plaintext the seeds seal as message number counter, n
// bytes long.
func fuzzPlain(counter uint64, n int) []byte {
	m := make([]byte, n)
	for i := range m {
		m[i] = byte(int(counter)*131 + i*7 + n)
	}
	return m
}

// fuzzSealFrames returns the frames on L a peer sends for plaintexts of the
// given sizes, message i sealed under counter i.
func fuzzSealFrames[L codec.LengthCodec](tb testing.TB, sizes ...int) [][]byte {
	aead := encGCM(tb, fuzzKeyIn, 12)
	frames := make([][]byte, len(sizes))
	for i, n := range sizes {
		sealed := aead.Seal(nil, testkit.Nonce(12, uint64(i)), fuzzPlain(uint64(i), n), nil)
		var err error
		if frames[i], err = frame.AppendFrame[L](nil, sealed); err != nil {
			tb.Fatal(err)
		}
	}
	return frames
}

// fuzzEncSeed is one input of FuzzEncryptedRead.
type fuzzEncSeed struct {
	name       string
	data       []byte
	which      uint8 // codec: BE8, BE16, BE32, Uvarint
	readBuffer uint16
	limit      uint16 // see fuzzEncLimit
	flags      uint8  // bit 0 skip; bits 1-2 inner stream; bits 3-7 the first way (mod 4)
	steps      []byte
}

// fuzzEncSeeds are real sealed streams, whole and tampered with, and garbage,
// for each codec.
func fuzzEncSeeds(tb testing.TB) []fuzzEncSeed {
	var seeds []fuzzEncSeed
	add := func(which uint8, name string, frames [][]byte) {
		name = fuzzEncCodec(which) + "-" + name
		data := bytes.Join(frames, nil)
		seeds = append(seeds,
			fuzzEncSeed{name: name, data: data, which: which, readBuffer: 0, limit: 300, flags: 0},
			fuzzEncSeed{name: name + "-split", data: data, which: which, readBuffer: 16, limit: 300, flags: 2 | 1<<3, steps: []byte{1, 0, 3, 64}},
		)
	}
	for which := range uint8(4) {
		seal := func(sizes ...int) [][]byte {
			switch which {
			case 0:
				return fuzzSealFrames[codec.BE8](tb, sizes...)
			case 1:
				return fuzzSealFrames[codec.BE16](tb, sizes...)
			case 2:
				return fuzzSealFrames[codec.BE32](tb, sizes...)
			default:
				return fuzzSealFrames[codec.Uvarint](tb, sizes...)
			}
		}
		frames := seal(0, 1, 40, 200)
		add(which, "sealed", frames)
		flipped := slices.Clone(frames)
		flipped[2] = slices.Clone(frames[2])
		flipped[2][len(flipped[2])-5] ^= 0x10
		add(which, "body-flipped", flipped)
		add(which, "reordered", [][]byte{frames[0], frames[2], frames[1], frames[3]})
		add(which, "replayed", [][]byte{frames[0], frames[1], frames[1]})
		add(which, "cut", [][]byte{frames[0], frames[1], frames[2][:len(frames[2])/2]})
		oversized := seal(10, 200, 10)
		seeds = append(seeds, fuzzEncSeed{name: fuzzEncCodec(which) + "-skipped", data: bytes.Join(oversized, nil), which: which, readBuffer: 64, limit: 100, flags: 1})
	}
	seeds = append(seeds,
		fuzzEncSeed{name: "empty", data: nil, which: 3, limit: 100},
		fuzzEncSeed{name: "garbage-short-frame", data: []byte("\x05hello"), which: 3, limit: 100},
		fuzzEncSeed{name: "garbage-tag-sized", data: append([]byte{16}, bytes.Repeat([]byte{0xa5}, 16)...), which: 0, limit: 100, flags: 4},
		fuzzEncSeed{name: "garbage-declares-too-much", data: []byte("\xff\xff\xff\x7fbody"), which: 3, limit: 100, flags: 1},
	)
	return seeds
}

// fuzzEncCodec names the codec of a which argument.
func fuzzEncCodec(which uint8) string { return [...]string{"be8", "be16", "be32", "uvarint"}[which%4] }

// FuzzEncryptedRead feeds arbitrary bytes as the ciphertext stream of an
// Encrypted over a Framer of one of four codecs with a small limit, any read
// buffer, with or without skipping, over any kind of inner stream, reading
// each message a way the input picks. A reference parse of the frames and
// AES-GCM opening of each under its counter says what every read must return:
// the same plaintext, or the same framing error, exact in type and numbers,
// or a decryption failure naming the message, after which every read fails
// the same way without reading on. Every error is io.EOF itself or matches
// errs.ErrIO, reads make progress, no read allocates more than a bound set by
// the limit and the bytes it consumed, and every message opened is one the
// seeds sealed.
func FuzzEncryptedRead(f *testing.F) {
	for _, s := range fuzzEncSeeds(f) {
		f.Add(s.data, s.which, s.readBuffer, s.limit, s.flags, s.steps)
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8, readBuffer uint16, limit uint16, flags uint8, steps []byte) {
		reads := []func(*testing.T, []byte, uint16, uint16, uint8, []byte){
			fuzzEncRead[codec.BE8], fuzzEncRead[codec.BE16], fuzzEncRead[codec.BE32], fuzzEncRead[codec.Uvarint],
		}
		reads[which%4](t, data, readBuffer, limit, flags, steps)
	})
}

// fuzzEncReadOne reads one message from e the way w: ReadMsg, AppendMsg,
// ReadMsgView, or one turn of a loop over Messages that breaks out. It
// returns a copy of the message, and io.EOF for a loop that ended without a
// turn.
func fuzzEncReadOne(t *testing.T, e *secure.Encrypted, w int) ([]byte, error) {
	switch w {
	case 0:
		m, err := e.ReadMsg()
		if (err == nil) == (m == nil) {
			t.Fatalf("ReadMsg returned (%d bytes, nil: %v, %v)", len(m), m == nil, err)
		}
		return m, err
	case 1:
		m, err := e.AppendMsg([]byte("dst"))
		if string(m[:3]) != "dst" || (err != nil && len(m) != 3) {
			t.Fatalf("AppendMsg returned %q with %v: dst's bytes changed, or bytes appended with an error", m, err)
		}
		if err != nil {
			return nil, err
		}
		return m[3:], nil
	case 2:
		m, err := e.ReadMsgView()
		if (err == nil) == (m == nil) {
			t.Fatalf("ReadMsgView returned (%d bytes, nil: %v, %v)", len(m), m == nil, err)
		}
		return slices.Clone(m), err
	default:
		for m, err := range e.Messages() {
			if err != nil && m != nil {
				t.Fatalf("Messages yielded %d bytes with %v", len(m), err)
			}
			return slices.Clone(m), err
		}
		return nil, io.EOF
	}
}

func fuzzEncRead[L codec.LengthCodec](t *testing.T, data []byte, readBuffer, limit uint16, flags uint8, steps []byte) {
	skip := flags&1 != 0
	opts := []frame.Option{frame.WithMaxSize(fuzzEncLimit(limit)), frame.WithReadBuffer(int(readBuffer))}
	if skip {
		opts = append(opts, frame.WithSkipOversized())
	}
	s := testkit.Scheduled(data, steps)
	inner := frame.New[L](s, opts...)
	maxSize := inner.MaxSize()
	var wrapped frame.MsgReadWriteCloser = inner
	switch flags >> 1 & 3 {
	case 1:
		wrapped = encAppender{inner, inner.AppendMsg}
	case 2:
		wrapped = encOpaque{inner}
	}
	enc, err := secure.NewAEADEncrypter(encGCM(t, fuzzKeyOut, 12), encGCM(t, fuzzKeyIn, 12))
	if err != nil {
		t.Fatal(err)
	}
	e := secure.NewEncrypted(wrapped, enc)
	opener := encGCM(t, fuzzKeyIn, 12)
	pos, counter := 0, uint64(0)
	for reads := 0; ; reads++ {
		if reads > len(data)+1 {
			t.Fatalf("%d reads of %d bytes: no progress", reads, len(data))
		}
		want := reference.Next[L](data, pos, maxSize)
		w := (int(flags>>3) + reads) % 4
		before := s.BytesRead
		var got []byte
		alloc := testkit.Allocated(func() { got, err = fuzzEncReadOne(t, e, w) })
		// The read buffer, a body, its plaintext, a pooled buffer and the
		// bytes consumed, with room for the runtime's own noise.
		if bound := uint64(3*(s.BytesRead-before) + 4*maxSize + int(readBuffer) + testkit.AllocSlack); alloc > bound {
			t.Fatalf("read %d (way %d) allocated %d bytes, bound %d", reads, w, alloc, bound)
		}
		if err != nil && err != io.EOF && !errors.Is(err, errs.ErrIO) {
			t.Fatalf("read %d (way %d): error %v matches neither io.EOF nor errs.ErrIO", reads, w, err)
		}
		if want.Err != nil { // the framing fails: the Encrypted passes the error on
			if !reference.SameError(err, want.Err) {
				t.Fatalf("read %d (way %d) at %d: error %#v, want %#v", reads, w, pos, err, want.Err)
			}
			if _, tooLarge := err.(*errs.MessageTooLargeError); tooLarge && skip {
				if want.Cut != nil {
					if _, err = e.ReadMsg(); !reference.SameError(err, want.Cut) {
						t.Fatalf("read after skipping a cut body: %#v, want %#v", err, want.Cut)
					}
					return
				}
				pos = want.Next // the skipped message used up no counter here
				continue
			}
			fuzzEncStuck(t, e, s, err)
			return
		}
		plain, openErr := opener.Open(nil, testkit.Nonce(12, counter), want.Msg, nil)
		if openErr != nil {
			name := "message " + strconv.FormatUint(counter, 10) + " (" + strconv.Itoa(len(want.Msg)) + " bytes)"
			if got != nil || !errors.Is(err, errs.ErrDecryptionFailed) || !strings.Contains(err.Error(), name) {
				t.Fatalf("read %d (way %d) of a frame that does not open: (%d bytes, %v), want a decryption failure naming %s", reads, w, len(got), err, name)
			}
			fuzzEncStuck(t, e, s, err)
			return
		}
		if !bytes.Equal(plain, fuzzPlain(counter, len(plain))) {
			t.Fatalf("message %d opened to %d bytes that no seed sealed", counter, len(plain))
		}
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("read %d (way %d) at %d: (%d bytes, %v), want the %d-byte message %d", reads, w, pos, len(got), err, len(plain), counter)
		}
		pos, counter = want.Next, counter+1
	}
}

// fuzzEncStuck fails t unless every way of reading e returns err again and,
// after a decryption failure, reads nothing more from s.
func fuzzEncStuck(t *testing.T, e *secure.Encrypted, s *testkit.Stream, err error) {
	t.Helper()
	at := s.BytesRead
	for w := range 4 {
		if m, again := fuzzEncReadOne(t, e, w); again != err || m != nil {
			t.Fatalf("way %d after %v: (%d bytes, %v), want the same error", w, err, len(m), again)
		}
	}
	if errors.Is(err, errs.ErrDecryptionFailed) && s.BytesRead != at {
		t.Fatalf("reads after a decryption failure took %d more bytes", s.BytesRead-at)
	}
}

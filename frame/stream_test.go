package frame_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// pattern returns n bytes that differ from one position to the next, so that
// a byte out of place shows.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// readAllSized reads r to its end in pieces of at most size bytes.
func readAllSized(r io.Reader, size int) ([]byte, error) {
	var out []byte
	buf := make([]byte, size)
	for {
		k, err := r.Read(buf)
		out = append(out, buf[:k]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// Every message reads back through NextReader, whatever the read mode and
// the size of the caller's reads, followed by io.EOF; the stream ends with
// io.EOF from NextReader.
func TestNextReaderReadsEveryMessage(t *testing.T) {
	msgs := [][]byte{pattern(0), pattern(1), pattern(700), pattern(5000), pattern(100)}
	wire := encode[codec.Uvarint](t, msgs...)
	for _, rb := range readModes {
		for _, piece := range []int{1, 37, 4096, 1 << 16} {
			f := frame.New[codec.Uvarint](testkit.Reading(wire), frame.WithReadBuffer(rb))
			for i, want := range msgs {
				if i%2 == 1 { // a header NextMsgLen decoded is the one NextReader takes
					if n, err := f.NextMsgLen(); n != len(want) || err != nil {
						t.Fatalf("buffer %d, message %d: NextMsgLen %d, %v", rb, i, n, err)
					}
				}
				r, n, err := f.NextReader()
				if err != nil || n != len(want) {
					t.Fatalf("buffer %d, reads of %d, message %d: n %d, %v", rb, piece, i, n, err)
				}
				got, err := readAllSized(r, piece)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("buffer %d, reads of %d, message %d: %d bytes, %v", rb, piece, i, len(got), err)
				}
				if k, err := r.Read(make([]byte, 1)); k != 0 || err != io.EOF {
					t.Fatalf("after the body: %d, %v", k, err)
				}
			}
			if _, _, err := f.NextReader(); err != io.EOF {
				t.Fatalf("buffer %d: at the end: %v", rb, err)
			}
		}
	}
}

// A stream cut at any byte of a streamed body fails the reader with the exact
// truncation error, after handing out every byte that did arrive, and the
// error is sticky.
func TestNextReaderTruncatedAtEveryByte(t *testing.T) {
	body := pattern(1500)
	wire := encode[codec.BE32](t, body)
	for _, rb := range []int{0, 16, 100, frame.DefaultReadBuffer} {
		for cut := 4; cut < len(wire); cut++ {
			f := frame.New[codec.BE32](testkit.Reading(wire[:cut]), frame.WithReadBuffer(rb))
			r, n, err := f.NextReader()
			if err != nil || n != len(body) {
				t.Fatalf("buffer %d, cut %d: %d, %v", rb, cut, n, err)
			}
			got, err := readAllSized(r, 64)
			var inc *errs.IncompleteReadError
			if !errors.As(err, &inc) || !errors.Is(err, errs.ErrMissingMessage) ||
				inc.Expected != len(body) || inc.Received != cut-4 {
				t.Fatalf("buffer %d, cut %d: %v", rb, cut, err)
			}
			if !bytes.Equal(got, body[:cut-4]) {
				t.Fatalf("buffer %d, cut %d: the bytes before the cut differ", rb, cut)
			}
			if _, again := f.ReadMsg(); again != err {
				t.Fatalf("buffer %d, cut %d: not sticky: %v", rb, cut, again)
			}
		}
	}
}

// A timeout at any byte of a streamed body is returned from Read and loses
// nothing: reading on returns the whole body, and the next message.
func TestNextReaderResumesAfterTimeout(t *testing.T) {
	body := pattern(1200)
	wire := encode[codec.Uvarint](t, body, []byte("next"))
	hdr := len(wire) - len(body) - 5
	for _, rb := range []int{0, 16, 100, frame.DefaultReadBuffer} {
		for at := hdr; at <= hdr+len(body); at += 7 {
			f := frame.New[codec.Uvarint](&testkit.Stream{R: testkit.TimeoutAt(bytes.NewReader(wire), at, at+1)}, frame.WithReadBuffer(rb))
			var (
				r   io.Reader
				n   int
				err error
			)
			for timeouts := 0; ; timeouts++ { // the timeout may strike the header too
				if r, n, err = f.NextReader(); err == nil {
					break
				}
				if !errors.Is(err, os.ErrDeadlineExceeded) || timeouts > 2 {
					t.Fatalf("buffer %d, at %d: %v", rb, at, err)
				}
			}
			var got []byte
			buf := make([]byte, 50)
			for timeouts := 0; len(got) < n; {
				k, err := r.Read(buf)
				got = append(got, buf[:k]...)
				if err != nil {
					if !errors.Is(err, os.ErrDeadlineExceeded) || timeouts > 2 {
						t.Fatalf("buffer %d, at %d: %v", rb, at, err)
					}
					timeouts++
				}
			}
			if !bytes.Equal(got, body) {
				t.Fatalf("buffer %d, at %d: the body differs", rb, at)
			}
			if msg, err := f.ReadMsg(); string(msg) != "next" || err != nil {
				t.Fatalf("buffer %d, at %d: next: %q, %v", rb, at, msg, err)
			}
		}
	}
}

// A read call before a streamed body is drained streams the rest away: the
// next message is the one after it, and the abandoned reader fails with
// ErrStaleReader. That holds for every read call.
func TestNextReaderRestIsDiscarded(t *testing.T) {
	big, small := pattern(3000), []byte("after")
	wire := encode[codec.BE16](t, big, small, small)
	next := map[string]func(f *frame.Framer[codec.BE16]) ([]byte, error){
		"ReadMsg":     (*frame.Framer[codec.BE16]).ReadMsg,
		"ReadMsgView": (*frame.Framer[codec.BE16]).ReadMsgView,
		"AppendMsg":   func(f *frame.Framer[codec.BE16]) ([]byte, error) { return f.AppendMsg(nil) },
		"NextMsgLen": func(f *frame.Framer[codec.BE16]) ([]byte, error) {
			n, err := f.NextMsgLen()
			if n != len(small) {
				return nil, err
			}
			return f.ReadMsg()
		},
		"NextReader": func(f *frame.Framer[codec.BE16]) ([]byte, error) {
			r, _, err := f.NextReader()
			if err != nil {
				return nil, err
			}
			return io.ReadAll(r)
		},
	}
	for _, rb := range readModes {
		for name, read := range next {
			for _, drained := range []int{0, 1, 511, 2999} {
				f := frame.New[codec.BE16](testkit.Reading(wire), frame.WithReadBuffer(rb))
				r, _, err := f.NextReader()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(r, make([]byte, drained)); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < 2; i++ {
					if msg, err := read(f); string(msg) != "after" || err != nil {
						t.Fatalf("buffer %d, %s after %d bytes: %q, %v", rb, name, drained, msg, err)
					}
				}
				if k, err := r.Read(make([]byte, 10)); k != 0 || err != frame.ErrStaleReader {
					t.Fatalf("buffer %d, %s: the abandoned reader read %d, %v", rb, name, k, err)
				}
			}
		}
	}
}

// Streaming a body away costs constant memory: a 16 MiB body abandoned after
// one byte, and one read whole through the reader, each allocate a small
// fraction of it.
func TestNextReaderConstantMemory(t *testing.T) {
	const size = 16 << 20
	header := codec.BE32{}.AppendLength(nil, size)
	for _, rb := range []int{0, frame.DefaultReadBuffer} {
		src := io.MultiReader(bytes.NewReader(header), io.LimitReader(testkit.Repeat([]byte("0123456789")), size),
			bytes.NewReader(encode[codec.BE32](t, []byte("tail"))))
		f := frame.New[codec.BE32](&testkit.Stream{R: src}, frame.WithMaxSize(1<<10), frame.WithMaxStreamSize(size), frame.WithReadBuffer(rb))
		var err error
		allocated := testkit.Allocated(func() {
			var r io.Reader
			if r, _, err = f.NextReader(); err != nil {
				return
			}
			if _, err = r.Read(make([]byte, 1)); err != nil {
				return
			}
			var msg []byte
			if msg, err = f.ReadMsg(); err == nil && string(msg) != "tail" {
				err = errors.New("wrong next message " + string(msg))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if allocated > testkit.AllocSlack {
			t.Errorf("buffer %d: discarding a 16 MiB body allocated %d bytes", rb, allocated)
		}
	}
}

// Limits: WithMaxStreamSize lets NextReader take a body far above the
// whole-message limit, which ReadMsg still refuses; WithMaxReadSize and
// WithMaxWriteSize bound each direction on its own. Every refusal is an
// *errs.MessageTooLargeError with the numbers.
func TestStreamAndDirectionLimits(t *testing.T) {
	tooLarge := func(t *testing.T, err error, size, limit int) {
		t.Helper()
		var tl *errs.MessageTooLargeError
		if !errors.As(err, &tl) || tl.Size != uint64(size) || tl.Max != uint64(limit) {
			t.Fatalf("want too large %d > %d, got %v", size, limit, err)
		}
	}
	body := pattern(5000)
	wire := encode[codec.BE32](t, body)

	f := frame.New[codec.BE32](testkit.Reading(wire), frame.WithMaxSize(1000), frame.WithMaxStreamSize(1<<20), frame.WithSkipOversized())
	if f.MaxSize() != 1000 || f.MaxWriteSize() != 1000 || f.MaxStreamSize() != 1<<20 {
		t.Fatalf("limits %d %d %d", f.MaxSize(), f.MaxWriteSize(), f.MaxStreamSize())
	}
	_, err := f.ReadMsg()
	tooLarge(t, err, 5000, 1000)
	f = frame.New[codec.BE32](testkit.Reading(wire), frame.WithMaxSize(1000), frame.WithMaxStreamSize(1<<20))
	r, n, err := f.NextReader()
	if err != nil || n != 5000 {
		t.Fatal(n, err)
	}
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, body) {
		t.Fatal(len(got), err)
	}
	// Without WithMaxStreamSize, the stream limit is the read limit.
	f = frame.New[codec.BE32](testkit.Reading(wire), frame.WithMaxReadSize(4999), frame.WithMaxWriteSize(1<<20))
	if f.MaxStreamSize() != 4999 {
		t.Fatal(f.MaxStreamSize())
	}
	_, _, err = f.NextReader()
	tooLarge(t, err, 5000, 4999)
	// NextMsgLen announces under the whole limit; a stream limit below it
	// refuses the message and leaves it for a whole read.
	f = frame.New[codec.BE32](testkit.Reading(wire), frame.WithMaxSize(1<<20), frame.WithMaxStreamSize(10))
	if n, err := f.NextMsgLen(); n != 5000 || err != nil {
		t.Fatal(n, err)
	}
	_, _, err = f.NextReader()
	tooLarge(t, err, 5000, 10)
	if msg, err := f.ReadMsg(); err != nil || !bytes.Equal(msg, body) {
		t.Fatal(len(msg), err)
	}
	// The clip to what the codec carries.
	if g := frame.New[codec.BE16](testkit.Reading(nil), frame.WithMaxStreamSize(1<<40)); g.MaxStreamSize() != 65535 {
		t.Fatal(g.MaxStreamSize())
	}

	// Writes: the whole limit and the stream limit, each on its own.
	var out bytes.Buffer
	w := frame.New[codec.BE32](&testkit.Stream{W: &out}, frame.WithMaxReadSize(10), frame.WithMaxWriteSize(100))
	if w.MaxSize() != 10 || w.MaxWriteSize() != 100 {
		t.Fatal(w.MaxSize(), w.MaxWriteSize())
	}
	tooLarge(t, w.WriteMsg(pattern(101)), 101, 100)
	tooLarge(t, w.WriteMsgFunc(101, nil), 101, 100)
	tooLarge(t, w.WriteMsgFrom(bytes.NewReader(pattern(101)), 101), 101, 100) // the write limit, by default
	if err := w.WriteMsg(pattern(100)); err != nil {
		t.Fatal(err)
	}
	w = frame.New[codec.BE32](&testkit.Stream{W: &out}, frame.WithMaxSize(100), frame.WithMaxStreamSize(200_000))
	tooLarge(t, w.WriteMsgFrom(bytes.NewReader(pattern(200_001)), 200_001), 200_001, 200_000)
	if err := w.WriteMsgFrom(bytes.NewReader(pattern(200_000)), 200_000); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 4+100+4+200_000 {
		t.Fatalf("%d bytes written", out.Len())
	}
}

// chunky is a reader that returns at most step bytes a call.
type chunky struct {
	r    io.Reader
	step int
}

func (c *chunky) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.step)]) }

// WriteMsgFrom writes the same bytes as WriteMsg, for bodies that go out
// whole and in pieces, batched or not, from sources of any read size.
func TestWriteMsgFromMatchesWriteMsg(t *testing.T) {
	msgs := [][]byte{nil, pattern(1), pattern(300), pattern(64<<10 - 5), pattern(64 << 10), pattern(300_001)}
	for _, batch := range []int{0, 1000, 256 << 10} {
		for _, step := range []int{1 << 20, 999} {
			var streamed, whole bytes.Buffer
			s := frame.New[codec.Uvarint](&testkit.Stream{W: &streamed}, frame.WithMaxSize(1<<20), frame.WithWriteBuffer(batch))
			w := frame.New[codec.Uvarint](&testkit.Stream{W: &whole}, frame.WithMaxSize(1<<20), frame.WithWriteBuffer(batch))
			for _, m := range msgs {
				if err := s.WriteMsgFrom(&chunky{bytes.NewReader(append(m, "extra"...)), step}, len(m)); err != nil {
					t.Fatal(err)
				}
				if err := w.WriteMsg(m); err != nil {
					t.Fatal(err)
				}
			}
			if s.Flush() != nil || w.Flush() != nil || !bytes.Equal(streamed.Bytes(), whole.Bytes()) {
				t.Fatalf("batch %d, step %d: %d streamed bytes, %d written whole", batch, step, streamed.Len(), whole.Len())
			}
		}
	}
}

// A source that ends early: when part of the frame went out, the error says
// so, wraps io.ErrUnexpectedEOF, and sticks; when nothing had, the Framer
// goes on. A source error is wrapped too.
func TestWriteMsgFromShortSource(t *testing.T) {
	var out bytes.Buffer
	f := frame.New[codec.BE32](&testkit.Stream{W: &out}, frame.WithMaxSize(1<<20))

	err := f.WriteMsgFrom(bytes.NewReader(pattern(10)), 11) // read whole first: nothing goes out
	var inc *frame.IncompleteFrameError
	if !errors.As(err, &inc) || !errors.Is(err, io.ErrUnexpectedEOF) || inc.Size != 11 || inc.Read != 10 || inc.Sent != 0 || out.Len() != 0 {
		t.Fatalf("%v, %d bytes out", err, out.Len())
	}
	boom := errors.New("boom")
	err = f.WriteMsgFrom(io.MultiReader(bytes.NewReader(pattern(1000)), &failing{boom}), 200_000) // fails in the first piece
	if !errors.As(err, &inc) || !errors.Is(err, boom) || inc.Read != 1000 || inc.Sent != 0 || out.Len() != 0 {
		t.Fatalf("%v, %d bytes out", err, out.Len())
	}
	if err := f.WriteMsg([]byte("ok")); err != nil {
		t.Fatalf("not usable after a failure that sent nothing: %v", err)
	}
	out.Reset()

	err = f.WriteMsgFrom(bytes.NewReader(pattern(150_000)), 200_000)
	if !errors.As(err, &inc) || !errors.Is(err, io.ErrUnexpectedEOF) || inc.Read != 150_000 || inc.Sent != 4+(64<<10-4)+64<<10 {
		t.Fatalf("%v", err)
	}
	sent := out.Len()
	if sent != inc.Sent {
		t.Fatalf("%d bytes out, the error says %d", sent, inc.Sent)
	}
	for _, again := range []error{f.WriteMsg([]byte("x")), f.Flush(), f.WriteMsgFrom(bytes.NewReader(nil), 0)} {
		if again != err {
			t.Fatalf("not sticky: %v", again)
		}
	}
	if out.Len() != sent {
		t.Fatal("bytes went out after the frame was cut")
	}
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }

// Over loopback TCP, streamed writes and streamed reads carry large messages
// between whole ones, from a plain reader and from a file (which the
// connection's ReadFrom sends with sendfile), and agree byte for byte.
func TestStreamOverTCP(t *testing.T) {
	x, y := testkit.TCPPair(t)
	deadline := time.Now().Add(time.Minute)
	x.SetDeadline(deadline)
	y.SetDeadline(deadline)
	const big = 8 << 20
	path := filepath.Join(t.TempDir(), "body")
	fileBody := pattern(3 << 20)
	if err := os.WriteFile(path, fileBody, 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := file.Seek(100, io.SeekStart); err != nil {
		t.Fatal(err)
	}

	w := frame.New[codec.BE32](x, frame.WithMaxSize(1<<10), frame.WithMaxStreamSize(big), frame.WithWriteBuffer(4096))
	r := frame.New[codec.BE32](y, frame.WithMaxSize(1<<10), frame.WithMaxStreamSize(big))
	go func() {
		defer w.Close()
		for _, step := range []func() error{
			func() error { return w.WriteMsg([]byte("first")) },
			func() error { return w.WriteMsgFrom(io.LimitReader(testkit.Repeat(pattern(1000)), big), big) },
			func() error { return w.WriteMsg([]byte("middle")) },
			func() error { return w.WriteMsgFrom(file, len(fileBody)-200) },
			func() error { return w.WriteMsg([]byte("last")) },
		} {
			if err := step(); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	expect := func(want string) {
		t.Helper()
		if msg, err := r.ReadMsg(); string(msg) != want || err != nil {
			t.Fatalf("%q, %v; want %q", msg, err, want)
		}
	}
	stream := func(want []byte) {
		t.Helper()
		body, n, err := r.NextReader()
		if err != nil || n != len(want) {
			t.Fatal(n, err)
		}
		h := sha256.New()
		if k, err := io.Copy(h, body); err != nil || int(k) != n {
			t.Fatal(k, err)
		}
		if !bytes.Equal(h.Sum(nil), sum(want)) {
			t.Fatal("the streamed body differs")
		}
	}
	expect("first")
	stream(bytes.Repeat(pattern(1000), big/1000+1)[:big])
	expect("middle")
	stream(fileBody[100 : len(fileBody)-100])
	expect("last")
	if _, err := r.ReadMsg(); err != io.EOF {
		t.Fatal(err)
	}
}

func sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

// Close during a streamed Read, over TCP, cuts it short with a closed error,
// as every Read after it.
func TestNextReaderClose(t *testing.T) {
	x, y := testkit.TCPPair(t)
	if _, err := x.Write(append(codec.BE32{}.AppendLength(nil, 1000), "partial"...)); err != nil {
		t.Fatal(err)
	}
	f := frame.New[codec.BE32](y)
	r, _, err := f.NextReader()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, make([]byte, 7)); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond) // let the Read block
		f.Close()
	}()
	for i := 0; i < 2; i++ {
		if _, err := r.Read(make([]byte, 10)); !errors.Is(err, errs.ErrConnectionClosed) || !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read %d: %v", i, err)
		}
	}
}

// A ReadMsg that a timeout cut short inside a body is finished by NextReader,
// whose reader then serves the whole body.
func TestNextReaderAfterTimedOutReadMsg(t *testing.T) {
	body := pattern(3000)
	wire := encode[codec.BE32](t, body, []byte("next"))
	for _, rb := range readModes {
		f := frame.New[codec.BE32](&testkit.Stream{R: testkit.TimeoutAt(bytes.NewReader(wire), 1000)}, frame.WithReadBuffer(rb))
		if _, err := f.ReadMsg(); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("buffer %d: %v", rb, err)
		}
		r, n, err := f.NextReader()
		if err != nil || n != len(body) {
			t.Fatal(n, err)
		}
		if got, err := readAllSized(r, 100); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("buffer %d: %d bytes, %v", rb, len(got), err)
		}
		if msg, err := f.ReadMsg(); string(msg) != "next" || err != nil {
			t.Fatalf("buffer %d: %q, %v", rb, msg, err)
		}
	}
}

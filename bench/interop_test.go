package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"testing"
	"time"

	"github.com/libp2p/go-msgio"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// A Framer is a go-msgio ReadWriteCloser, for both of go-msgio's formats.
var (
	_ msgio.ReadWriteCloser = (*frame.Framer[codec.BE32])(nil)
	_ msgio.ReadWriteCloser = (*frame.Framer[codec.Uvarint])(nil)
)

// interopSizes are message sizes around every varint and fixed-width boundary
// up to 1 MiB, plus a few random ones.
func interopSizes() []int {
	sizes := []int{0, 1, 2, 127, 128, 129, 255, 256, 511, 512, 16383, 16384, 16385,
		65535, 65536, 65537, 1<<20 - 1, 1 << 20, 0}
	rng := rand.New(rand.NewSource(1))
	for range 20 {
		sizes = append(sizes, rng.Intn(200000))
	}
	return sizes
}

// messages returns one message per size, each with distinct contents.
func messages(sizes []int) [][]byte {
	rng := rand.New(rand.NewSource(2))
	msgs := make([][]byte, len(sizes))
	for i, n := range sizes {
		msgs[i] = make([]byte, n)
		rng.Read(msgs[i])
	}
	return msgs
}

// nopCloser turns a reader or writer into a conn.ReadWriteCloser for a Framer.
type nopCloser struct {
	io.Reader
	io.Writer
}

func (nopCloser) Close() error { return nil }

// format names one of go-msgio's two wire formats and its framekit codec.
type format struct {
	name      string
	msgWriter func(io.Writer) msgio.WriteCloser
	msgReader func(io.Reader) msgio.ReadCloser
	framer    func(rw io.ReadWriteCloser, opts ...frame.Option) msgio.ReadWriteCloser
}

var formats = []format{
	{
		name:      "BE32",
		msgWriter: msgio.NewWriter,
		msgReader: msgio.NewReader,
		framer: func(rw io.ReadWriteCloser, opts ...frame.Option) msgio.ReadWriteCloser {
			return frame.New[codec.BE32](rw, opts...)
		},
	},
	{
		name:      "Uvarint",
		msgWriter: msgio.NewVarintWriter,
		msgReader: msgio.NewVarintReader,
		framer: func(rw io.ReadWriteCloser, opts ...frame.Option) msgio.ReadWriteCloser {
			return frame.New[codec.Uvarint](rw, opts...)
		},
	},
}

// readBufferSizes covers exact mode, a buffer smaller than most messages, and
// the default.
var readBufferSizes = []int{0, 16, 1000, frame.DefaultReadBuffer}

func TestInteropMsgioWritesFramerReads(t *testing.T) {
	t.Parallel()
	msgs := messages(interopSizes())
	for _, ft := range formats {
		var stream bytes.Buffer
		w := ft.msgWriter(&stream)
		for _, m := range msgs {
			if err := w.WriteMsg(m); err != nil {
				t.Fatal(err)
			}
		}
		for _, rb := range readBufferSizes {
			f := ft.framer(nopCloser{Reader: bytes.NewReader(stream.Bytes())}, frame.WithReadBuffer(rb))
			for i, want := range msgs {
				got, err := f.ReadMsg()
				if err != nil {
					t.Fatalf("%s rb=%d msg %d (%d bytes): %v", ft.name, rb, i, len(want), err)
				}
				if got == nil || !bytes.Equal(got, want) {
					t.Fatalf("%s rb=%d msg %d: got %d bytes (nil %v), want %d", ft.name, rb, i, len(got), got == nil, len(want))
				}
			}
			if _, err := f.ReadMsg(); err != io.EOF {
				t.Fatalf("%s rb=%d: after the last message got %v, want io.EOF", ft.name, rb, err)
			}
		}
	}
}

func TestInteropFramerWritesMsgioReads(t *testing.T) {
	t.Parallel()
	msgs := messages(interopSizes())
	for _, ft := range formats {
		var want, got bytes.Buffer
		w := ft.msgWriter(&want)
		for _, m := range msgs {
			if err := w.WriteMsg(m); err != nil {
				t.Fatal(err)
			}
		}
		for _, wb := range []int{0, 100, 1 << 16} {
			got.Reset()
			f := ft.framer(nopCloser{Writer: &got}, frame.WithWriteBuffer(wb))
			for _, m := range msgs {
				if err := f.WriteMsg(m); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("%s wb=%d: framer wrote %d bytes, go-msgio %d; first difference at %d",
					ft.name, wb, got.Len(), want.Len(), firstDiff(got.Bytes(), want.Bytes()))
			}
			checkMsgioReads(t, ft, bytes.NewReader(got.Bytes()), msgs)
		}
	}
}

// checkMsgioReads reads msgs back from r with go-msgio's reader.
func checkMsgioReads(t *testing.T, ft format, r io.Reader, msgs [][]byte) {
	t.Helper()
	mr := ft.msgReader(r)
	for i, want := range msgs {
		got, err := mr.ReadMsg()
		if err != nil {
			t.Fatalf("%s: go-msgio msg %d (%d bytes): %v", ft.name, i, len(want), err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: go-msgio msg %d: got %d bytes, want %d", ft.name, i, len(got), len(want))
		}
		if len(want) == 0 && got != nil {
			t.Fatalf("%s: go-msgio now returns a non-nil empty message; update the note in this test", ft.name)
		}
		mr.ReleaseMsg(got)
	}
	if _, err := mr.ReadMsg(); err != io.EOF {
		t.Fatalf("%s: go-msgio after the last message: %v, want io.EOF", ft.name, err)
	}
}

// TestInteropZeroLength pins the one visible difference on a zero-length
// message: go-msgio's ReadMsg returns nil, a Framer's an empty non-nil slice.
// Both are len 0, and the bytes on the wire are the same (a zero header).
func TestInteropZeroLength(t *testing.T) {
	t.Parallel()
	for _, ft := range formats {
		var stream bytes.Buffer
		if err := ft.framer(nopCloser{Writer: &stream}).WriteMsg(nil); err != nil {
			t.Fatal(err)
		}
		wantWire := map[string][]byte{"BE32": {0, 0, 0, 0}, "Uvarint": {0}}[ft.name]
		if !bytes.Equal(stream.Bytes(), wantWire) {
			t.Fatalf("%s: empty message on the wire is %x, want %x", ft.name, stream.Bytes(), wantWire)
		}
		m, err := ft.msgReader(bytes.NewReader(stream.Bytes())).ReadMsg()
		if err != nil || m != nil {
			t.Fatalf("%s: go-msgio read %v, %v; want nil, nil", ft.name, m, err)
		}
		m, err = ft.framer(nopCloser{Reader: bytes.NewReader(stream.Bytes())}).ReadMsg()
		if err != nil || m == nil || len(m) != 0 {
			t.Fatalf("%s: framer read %v (nil %v), %v; want an empty non-nil slice", ft.name, m, m == nil, err)
		}
	}
}

// TestInteropTCP runs both directions over a real TCP connection, where a
// Framer writes large messages with a vectored write rather than one buffer.
func TestInteropTCP(t *testing.T) {
	t.Parallel()
	sizes := interopSizes()
	msgs := messages(sizes)
	for _, ft := range formats {
		// go-msgio writes, a Framer reads.
		a, b := testkit.TCPPair(t)
		go writeAll(t, ft.msgWriter(a), msgs)
		f := ft.framer(b)
		for i, want := range msgs {
			got, err := f.ReadMsg()
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s: framer msg %d: %d bytes, %v; want %d bytes", ft.name, i, len(got), err, len(want))
			}
		}
		if _, err := f.ReadMsg(); err != io.EOF {
			t.Fatalf("%s: %v, want io.EOF", ft.name, err)
		}
		f.Close()

		// A Framer writes, go-msgio reads, and the bytes are the ones go-msgio
		// would have written.
		a, b = testkit.TCPPair(t)
		go writeAll(t, ft.framer(a), msgs)
		wire, err := io.ReadAll(b)
		if err != nil {
			t.Fatal(err)
		}
		b.Close()
		var want bytes.Buffer
		writeAllTo(t, ft.msgWriter(&want), msgs)
		if !bytes.Equal(wire, want.Bytes()) {
			t.Fatalf("%s: framer sent %d bytes over TCP, go-msgio writes %d; first difference at %d",
				ft.name, len(wire), want.Len(), firstDiff(wire, want.Bytes()))
		}
		checkMsgioReads(t, ft, bytes.NewReader(wire), msgs)
	}
}

// writeAll writes msgs and closes w, reporting errors without stopping the
// test from another goroutine.
func writeAll(t *testing.T, w msgio.WriteCloser, msgs [][]byte) {
	for i, m := range msgs {
		if err := w.WriteMsg(m); err != nil {
			t.Errorf("write msg %d: %v", i, err)
			break
		}
	}
	if err := w.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

func writeAllTo(t *testing.T, w msgio.Writer, msgs [][]byte) {
	t.Helper()
	for _, m := range msgs {
		if err := w.WriteMsg(m); err != nil {
			t.Fatal(err)
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestBE16IsNoiseFraming checks Framer[BE16] against libp2p Noise's framing,
// built by hand: a 2-byte big-endian length, then the body; at most 65535.
func TestBE16IsNoiseFraming(t *testing.T) {
	t.Parallel()
	sizes := []int{0, 1, 255, 256, 1000, 65534, 65535}
	msgs := messages(sizes)
	var want []byte
	for _, m := range msgs {
		want = append(want, byte(len(m)>>8), byte(len(m)))
		want = append(want, m...)
	}

	var got bytes.Buffer
	f := frame.New[codec.BE16](nopCloser{Writer: &got}, frame.WithMaxSize(1<<20))
	if f.MaxSize() != 65535 {
		t.Fatalf("MaxSize() = %d with WithMaxSize(1<<20), want 65535", f.MaxSize())
	}
	for _, m := range msgs {
		if err := f.WriteMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("BE16 wrote %d bytes, Noise framing is %d; first difference at %d",
			got.Len(), len(want), firstDiff(got.Bytes(), want))
	}

	err := f.WriteMsg(make([]byte, 65536))
	var tooLarge *errs.MessageTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Size != 65536 || tooLarge.Max != 65535 {
		t.Fatalf("writing 65536 bytes: %v, want MessageTooLargeError{65536, 65535}", err)
	}
	if got.Len() != len(want) {
		t.Fatalf("a rejected write wrote %d bytes", got.Len()-len(want))
	}

	r := frame.New[codec.BE16](nopCloser{Reader: bytes.NewReader(want)})
	for i, m := range msgs {
		b, err := r.ReadMsg()
		if err != nil || !bytes.Equal(b, m) {
			t.Fatalf("reading Noise frame %d: %d bytes, %v; want %d bytes", i, len(b), err, len(m))
		}
	}
	if _, err := r.ReadMsg(); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

// msgioPingPong is code written for go-msgio's interfaces, not for framekit:
// it exercises every method of msgio.ReadWriteCloser on the two ends of a
// connection and reports what went wrong.
func msgioPingPong(a, b msgio.ReadWriteCloser) error {
	payload := []byte("hello, msgio")
	if n, err := a.Write(payload); err != nil || n != len(payload) {
		return fmt.Errorf("Write: %d, %v", n, err)
	}
	if err := a.WriteMsg([]byte("second")); err != nil {
		return fmt.Errorf("WriteMsg: %v", err)
	}
	if err := a.WriteMsg(nil); err != nil {
		return fmt.Errorf("WriteMsg(nil): %v", err)
	}

	for range 2 {
		if n, err := b.NextMsgLen(); err != nil || n != len(payload) {
			return fmt.Errorf("NextMsgLen: %d, %v; want %d", n, err, len(payload))
		}
	}
	small := make([]byte, 4)
	if n, err := b.Read(small); err != io.ErrShortBuffer || n != 0 {
		return fmt.Errorf("Read into 4 bytes: %d, %v; want 0, io.ErrShortBuffer", n, err)
	}
	big := make([]byte, 64)
	if n, err := b.Read(big); err != nil || string(big[:n]) != string(payload) {
		return fmt.Errorf("Read: %q, %v", big[:n], err)
	}
	msg, err := b.ReadMsg()
	if err != nil || string(msg) != "second" {
		return fmt.Errorf("ReadMsg: %q, %v", msg, err)
	}
	b.ReleaseMsg(msg)
	if n, err := b.Read(big); err != nil || n != 0 {
		return fmt.Errorf("Read of an empty message: %d, %v", n, err)
	}
	if err := a.Close(); err != nil {
		return fmt.Errorf("Close: %v", err)
	}
	if _, err := b.ReadMsg(); err != io.EOF {
		return fmt.Errorf("ReadMsg after the peer closed: %v, want io.EOF", err)
	}
	return b.Close()
}

func TestMsgioInterfaceAcceptsFramer(t *testing.T) {
	t.Parallel()
	for _, ft := range formats {
		// The control: the same function passes with go-msgio itself.
		// (Its readers get the conn without Close: msgio.Combine and
		// NewReadWriter close the conn twice and report the second failure.)
		a, b := testkit.TCPPair(t)
		ma := msgio.Combine(ft.msgWriter(a), ft.msgReader(struct{ io.Reader }{a}))
		mb := msgio.Combine(ft.msgWriter(b), ft.msgReader(struct{ io.Reader }{b}))
		if err := msgioPingPong(ma, mb); err != nil {
			t.Fatalf("%s go-msgio: %v", ft.name, err)
		}

		for _, rb := range readBufferSizes {
			a, b := testkit.TCPPair(t)
			opts := []frame.Option{frame.WithReadBuffer(rb)}
			if err := msgioPingPong(ft.framer(a, opts...), ft.framer(b, opts...)); err != nil {
				t.Fatalf("%s framer rb=%d: %v", ft.name, rb, err)
			}
		}
	}
}

// msgioCloseUnblocks checks go-msgio's close semantics on w and r, each on
// one end of a TCP connection whose other end reads and writes nothing: Close
// unblocks a WriteMsg blocked on full socket buffers and a ReadMsg waiting
// for a message, and every later call fails.
func msgioCloseUnblocks(w msgio.WriteCloser, r msgio.ReadCloser) error {
	werr := make(chan error, 1)
	go func() {
		msg := make([]byte, 1<<20)
		for {
			if err := w.WriteMsg(msg); err != nil {
				werr <- err
				return
			}
		}
	}()
	rerr := make(chan error, 1)
	go func() { _, err := r.ReadMsg(); rerr <- err }()
	time.Sleep(200 * time.Millisecond) // both block: nobody reads or writes the other ends
	closed := make(chan error, 1)
	go func() { w.Close(); r.Close(); closed <- nil }()
	for name, c := range map[string]chan error{"Close": closed, "the blocked WriteMsg": werr, "the blocked ReadMsg": rerr} {
		select {
		case err := <-c:
			if err == nil && c != closed {
				return fmt.Errorf("%s returned no error after Close", name)
			}
		case <-time.After(5 * time.Second):
			return fmt.Errorf("%s is still blocked 5s after Close", name)
		}
	}
	if w.WriteMsg([]byte("late")) == nil {
		return errors.New("WriteMsg after Close succeeded")
	}
	if _, err := r.ReadMsg(); err == nil {
		return errors.New("ReadMsg after Close succeeded")
	}
	return nil
}

// The Framer keeps go-msgio's close semantics when used through go-msgio's
// interfaces: the same checks pass on go-msgio's own writer and reader.
func TestMsgioCloseSemantics(t *testing.T) {
	t.Parallel()
	for _, ft := range formats {
		a, _ := testkit.TCPPair(t)
		c, _ := testkit.TCPPair(t)
		if err := msgioCloseUnblocks(ft.msgWriter(a), ft.msgReader(c)); err != nil {
			t.Fatalf("%s go-msgio: %v", ft.name, err)
		}
		a, _ = testkit.TCPPair(t)
		c, _ = testkit.TCPPair(t)
		if err := msgioCloseUnblocks(ft.framer(a), ft.framer(c)); err != nil {
			t.Fatalf("%s framer: %v", ft.name, err)
		}
	}
}
